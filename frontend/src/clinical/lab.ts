// The lab worklist and result entry: the server's flags in words (colour is never the only signal), the
// next step of an order by its status, the section's live topic, and the analytes of an order's test.

export type LabStatus = "ORDERED" | "SAMPLE_COLLECTED" | "PROCESSING" | "COMPLETED" | "VERIFIED" | "REPORTED" | "CANCELLED";

export interface LabOrder {
  id: string;
  accessionNumber: string;
  patientId: string;
  testName: string;
  testCode: string | null;
  section: string | null;
  urgency: string;
  status: LabStatus;
  orderDate: string;
  sampleType: string | null;
  version: number;
  orderedByName?: string | null;
  patient?: { id: string; mrn?: string; firstName?: string | null; lastName?: string | null; age?: number; gender?: string } | null;
}

export interface Analyte {
  code: string;
  name: string;
  unit: string | null;
  sex: string | null;
  ageMinYears: number | null;
  ageMaxYears: number | null;
  refLow: string | number | null;
  refHigh: string | number | null;
}

export interface CatalogTest {
  id: string;
  code: string;
  name: string;
  section: string | null;
  sampleType: string | null;
  isPanel: boolean;
  analytes: Analyte[];
}

export interface LabResult {
  code: string;
  name: string;
  value: string | null;
  unit: string | null;
  referenceRange: string | null;
  flag: string | null;
  isAbnormal: boolean;
  isCritical: boolean;
  enteredBy: string;
  enteredByName?: string | null;
}

export const FLAG_WORDS: Record<string, string> = {
  N: "Normal",
  L: "Low",
  H: "High",
  LL: "Critically low",
  HH: "Critically high",
  ABNORMAL: "Abnormal",
};

/** "H · High" — the server's flag and its word; none when the server did not flag. */
export function flagText(flag: string | null | undefined): string | null {
  if (!flag) return null;
  return `${flag} · ${FLAG_WORDS[flag] ?? flag}`;
}

export const STATUS_LABELS: Record<LabStatus, string> = {
  ORDERED: "Ordered",
  SAMPLE_COLLECTED: "Sample collected",
  PROCESSING: "Processing",
  COMPLETED: "Results entered",
  VERIFIED: "Verified",
  REPORTED: "Reported",
  CANCELLED: "Cancelled",
};

export type LabStep = "collect" | "process" | "enter" | "verify" | null;

/** What the lab does next with an order; results may also be entered while only some are in. */
export function nextStep(status: LabStatus): LabStep {
  switch (status) {
    case "ORDERED":
      return "collect";
    case "SAMPLE_COLLECTED":
      return "process";
    case "PROCESSING":
      return "enter";
    case "COMPLETED":
      return "verify";
    default:
      return null;
  }
}

/** domain/topics.py lab_section_slug: 'Clinical Chemistry' -> 'clinical-chemistry'. */
export function sectionSlug(section: string): string {
  return section
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * The analytes to enter for a patient: one line per code, the reference set for the patient's sex and age
 * when the catalogue has several.
 */
export function analytesFor(test: CatalogTest | undefined, patient: { gender?: string; age?: number } | null | undefined): Analyte[] {
  if (!test) return [];
  const byCode = new Map<string, Analyte>();
  const sex = patient?.gender?.toUpperCase() ?? null;
  const age = patient?.age ?? null;
  const fits = (a: Analyte) =>
    (a.sex === null || sex === null || a.sex.toUpperCase() === sex || a.sex.toUpperCase()[0] === sex[0]) &&
    (a.ageMinYears === null || age === null || age >= a.ageMinYears) &&
    (a.ageMaxYears === null || age === null || age <= a.ageMaxYears);
  for (const analyte of test.analytes) {
    const known = byCode.get(analyte.code);
    if (!known || (!fits(known) && fits(analyte))) byCode.set(analyte.code, analyte);
  }
  return [...byCode.values()];
}

/** "3.5–5.0 mmol/L" from the catalogue's range. */
export function rangeText(a: Pick<Analyte, "refLow" | "refHigh" | "unit">): string {
  const low = a.refLow ?? null;
  const high = a.refHigh ?? null;
  const range = low !== null && high !== null ? `${low}–${high}` : low !== null ? `≥ ${low}` : high !== null ? `≤ ${high}` : "";
  return [range, a.unit ?? ""].filter(Boolean).join(" ");
}
