import { describe, expect, it } from "vitest";
import { ApiError } from "../api/errors";
import { FREQUENCIES, lineProblems, medicineLabel, newLine, prescribeBody, warningsByLine } from "./prescribing";

const dolo = { id: "m1", name: "Dolo 650", genericName: "Paracetamol", strength: "650 mg", form: "TABLET" };

describe("prescribing", () => {
  it("offers the server's fixed frequencies only", () => {
    expect(FREQUENCIES.map((f) => f.value)).toEqual(["OD", "BD", "TDS", "QID", "Q4H", "Q6H", "Q8H", "Q12H", "HS", "STAT", "SOS", "WEEKLY"]);
  });

  it("labels a medicine with its generic name, strength and form", () => {
    expect(medicineLabel(dolo)).toBe("Dolo 650 (Paracetamol) 650 mg tablet");
    expect(medicineLabel({ id: "m2", name: "Paracetamol", genericName: "Paracetamol" })).toBe("Paracetamol");
  });

  it("builds the prescribe body, sending an override reason and optional fields only when written", () => {
    const line = { ...newLine(dolo), dose: "1", frequency: "TDS", duration: "3", instructions: " after food " };
    expect(prescribeBody([line, { ...line, overrideReason: "Tolerated before" }])).toEqual({
      medicines: [
        { medicineId: "m1", dose: "1", frequency: "TDS", duration: 3, instructions: "after food" },
        { medicineId: "m1", dose: "1", frequency: "TDS", duration: 3, instructions: "after food", overrideReason: "Tolerated before" },
      ],
    });
  });

  it("names the fields to fix, as the server would", () => {
    const problems = lineProblems([{ ...newLine(dolo), dose: "0", duration: "2.5", frequency: "X", overrideReason: "no" }]);
    expect(Object.keys(problems).sort()).toEqual([
      "medicines[0].dose",
      "medicines[0].duration",
      "medicines[0].frequency",
      "medicines[0].overrideReason",
    ]);
    expect(lineProblems([newLine(dolo)])).toEqual({});
  });

  it("puts a 409's warnings on their lines, and nothing for other errors", () => {
    const conflict = new ApiError({
      status: 409,
      error: "Conflict",
      detail: "The prescription has warnings",
      warnings: [
        { line: 1, kind: "ALLERGY", message: "Allergic to penicillin", matched: "Penicillin" },
        { line: 1, kind: "DUPLICATE", message: "Already on amoxicillin", matched: "Amoxicillin" },
      ],
    });
    const byLine = warningsByLine(conflict);
    expect(byLine.get(0)).toBeUndefined();
    expect(byLine.get(1)?.map((w) => w.kind)).toEqual(["ALLERGY", "DUPLICATE"]);
    expect(warningsByLine(new ApiError({ status: 422, error: "x", detail: "y" })).size).toBe(0);
    expect(warningsByLine(null).size).toBe(0);
  });
});
