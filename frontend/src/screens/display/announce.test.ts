import { describe, expect, it } from "vitest";
import { identify } from "../opd/CheckIn";
import { englishLine, hindiLine, pickVoice } from "./announce";

const voice = (name: string, lang: string) => ({ name, lang }) as SpeechSynthesisVoice;

describe("announcing a call", () => {
  it("reads the token and the room, never a name, in English and Hindi", () => {
    expect(englishLine({ tokenNumber: 23, room: "4", announcement: "Token 23, Room 4" })).toBe("Token 23, Room 4");
    expect(englishLine({ tokenNumber: 23, room: null })).toBe("Token 23");
    expect(hindiLine({ tokenNumber: 23, room: "4" })).toBe("टोकन नंबर 23, कमरा नंबर 4");
  });

  it("picks the Indian voice of a language when the browser has one, another of the language else, or none", () => {
    const voices = [voice("US", "en-US"), voice("India", "en_IN"), voice("Hindi", "hi-IN")];
    expect(pickVoice(voices, "en-IN")?.name).toBe("India");
    expect(pickVoice([voice("US", "en-US")], "en-IN")?.name).toBe("US");
    expect(pickVoice(voices, "hi-IN")?.name).toBe("Hindi");
    expect(pickVoice([voice("US", "en-US")], "hi-IN")).toBeNull();
  });
});

describe("the check-in desk", () => {
  it("tells an MRN from a mobile number and an ABHA number", () => {
    expect(identify("mrn-2026-000123")).toEqual({ mrn: "MRN-2026-000123" });
    expect(identify("98450 12345")).toEqual({ phone: "9845012345" });
    expect(identify("+91 98450-12345")).toEqual({ phone: "+919845012345" });
    expect(identify("12-3456-7890-1234")).toEqual({ healthId: "12-3456-7890-1234" });
    expect(identify("Asha")).toBeNull();
  });
});
