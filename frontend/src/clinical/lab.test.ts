import { describe, expect, it } from "vitest";
import { analytesFor, flagText, nextStep, rangeText, sectionSlug, type Analyte, type CatalogTest } from "./lab";

const analyte = (code: string, extra: Partial<Analyte> = {}): Analyte => ({
  code,
  name: code,
  unit: "g/dL",
  sex: null,
  ageMinYears: null,
  ageMaxYears: null,
  refLow: "12",
  refHigh: "15",
  ...extra,
});

describe("lab", () => {
  it("says each server flag in words as well", () => {
    expect(flagText("H")).toBe("H · High");
    expect(flagText("LL")).toBe("LL · Critically low");
    expect(flagText("HH")).toBe("HH · Critically high");
    expect(flagText(null)).toBeNull();
  });

  it("knows the next step of an order", () => {
    expect(nextStep("ORDERED")).toBe("collect");
    expect(nextStep("SAMPLE_COLLECTED")).toBe("process");
    expect(nextStep("PROCESSING")).toBe("enter");
    expect(nextStep("COMPLETED")).toBe("verify");
    expect(nextStep("REPORTED")).toBeNull();
  });

  it("makes a section's topic key as the server does", () => {
    expect(sectionSlug("Clinical Chemistry")).toBe("clinical-chemistry");
    expect(sectionSlug(" Haematology & Coagulation ")).toBe("haematology-coagulation");
  });

  it("lists one line per analyte, with the patient's own reference range", () => {
    const test: CatalogTest = {
      id: "t",
      code: "CBC",
      name: "CBC",
      section: "Haematology",
      sampleType: "Blood",
      isPanel: true,
      analytes: [analyte("HB", { sex: "MALE", refLow: "13", refHigh: "17" }), analyte("HB", { sex: "FEMALE" }), analyte("PLT", { unit: "10^3/µL", refLow: "150", refHigh: "410" })],
    };
    const forHer = analytesFor(test, { gender: "FEMALE", age: 40 });
    expect(forHer.map((a) => [a.code, rangeText(a)])).toEqual([
      ["HB", "12–15 g/dL"],
      ["PLT", "150–410 10^3/µL"],
    ]);
    expect(analytesFor(test, { gender: "MALE", age: 40 })[0]?.refLow).toBe("13");
    expect(analytesFor(undefined, null)).toEqual([]);
  });
});
