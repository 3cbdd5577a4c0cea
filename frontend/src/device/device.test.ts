import { describe, expect, it, vi } from "vitest";
import { screenLinks, topicLabel, withTopic } from "../screens/admin/Devices";
import { captureDeviceToken, isDeviceScreen, storedDeviceToken } from "./device";

const TOKEN = "dev_0123456789abcdefghijklmnopqrstuvwxyzABCDE";

function at(href: string) {
  const history = { state: { idx: 0 }, replaceState: vi.fn() };
  return { location: { href }, history };
}

describe("a screen's device token", () => {
  it("is kept in this browser and taken out of the address at once", () => {
    const { location, history } = at(`https://h.test/display/6f0c0d55-1b6a-4d07-9a1e-3c2b1a0f9e8d?device=${TOKEN}&x=1#top`);
    expect(captureDeviceToken(location, history, window.localStorage)).toBe("stored");
    expect(storedDeviceToken(window.localStorage)).toBe(TOKEN);
    expect(history.replaceState).toHaveBeenCalledWith({ idx: 0 }, "", "/display/6f0c0d55-1b6a-4d07-9a1e-3c2b1a0f9e8d?x=1#top");
  });

  it("is forgotten with ?device=forget; something that is not a token is not kept", () => {
    window.localStorage.setItem("hl.device-token", TOKEN);
    expect(captureDeviceToken(at("https://h.test/census?device=forget").location, at("").history, window.localStorage)).toBe("forgotten");
    expect(storedDeviceToken(window.localStorage)).toBeNull();
    expect(captureDeviceToken(at("https://h.test/census?device=<script>").location, at("").history, window.localStorage)).toBe("invalid");
    expect(storedDeviceToken(window.localStorage)).toBeNull();
    expect(captureDeviceToken(at("https://h.test/census").location, at("").history, window.localStorage)).toBeNull();
  });

  it("signs in only the wall screens, not the rest of the app", () => {
    expect(isDeviceScreen("/census")).toBe(true);
    expect(isDeviceScreen("/display/6f0c0d55-1b6a-4d07-9a1e-3c2b1a0f9e8d")).toBe(true);
    expect(isDeviceScreen("/ward/6f0c0d55-1b6a-4d07-9a1e-3c2b1a0f9e8d")).toBe(true);
    expect(isDeviceScreen("/reception")).toBe(false);
    expect(isDeviceScreen("/admin/devices")).toBe(false);
  });

  it("the admin screen gives the link to open on each screen its topics name", () => {
    const links = screenLinks(["census", "ward:w1", "display:d1", "lab:clinical-chemistry"], TOKEN, "https://h.test");
    expect(links.map((l) => l.url)).toEqual([
      `https://h.test/census?device=${TOKEN}`,
      `https://h.test/ward/w1?device=${TOKEN}`,
      `https://h.test/display/d1?device=${TOKEN}`,
    ]);
  });
});

describe("the admin's device-token form", () => {
  it("adds a waiting room's display topic once, and names it by its department", () => {
    expect(withTopic("census", "display:d1")).toBe("census, display:d1");
    expect(withTopic("census, display:d1", "display:d1")).toBe("census, display:d1");
    expect(withTopic("", "display:d1")).toBe("display:d1");
    const departments = [{ id: "d1", code: "GEN", name: "General Medicine", runsOpd: true, doctors: [] }];
    expect(topicLabel("display:d1", departments)).toBe("Waiting room: General Medicine");
    expect(topicLabel("display:unknown", departments)).toBe("display:unknown");
    expect(topicLabel("census", null)).toBe("census");
  });
});
