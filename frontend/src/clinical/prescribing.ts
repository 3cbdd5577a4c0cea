// Prescribing on a consultation: the fixed frequency list (domain/dosing.py Frequency), a line as the doctor
// types it, the body of POST /api/opd/consultations/{id}/prescribe, and the server's 409 answer (allergy and
// duplicate warnings, each line needing overrideReason) mapped back onto the lines.

import type { ApiError } from "../api/errors";

export const FREQUENCIES = [
  { value: "OD", label: "OD · once daily" },
  { value: "BD", label: "BD · twice daily" },
  { value: "TDS", label: "TDS · thrice daily" },
  { value: "QID", label: "QID · four times daily" },
  { value: "Q4H", label: "Q4H · every 4 hours" },
  { value: "Q6H", label: "Q6H · every 6 hours" },
  { value: "Q8H", label: "Q8H · every 8 hours" },
  { value: "Q12H", label: "Q12H · every 12 hours" },
  { value: "HS", label: "HS · at bedtime" },
  { value: "STAT", label: "STAT · once, at once" },
  { value: "SOS", label: "SOS · as needed" },
  { value: "WEEKLY", label: "Weekly" },
] as const;

/** domain/prescribing.py MIN_OVERRIDE_REASON_CHARS. */
export const MIN_OVERRIDE_REASON_CHARS = 5;

/** A formulary medicine as the pharmacy's medicine search answers it. */
export interface Medicine {
  id: string;
  name: string;
  genericName?: string | null;
  strength?: string | null;
  form?: string | null;
  category?: string | null;
  drugClass?: string | null;
  currentStock?: number;
  inStock?: boolean;
}

export interface PrescriptionLine {
  medicine: Medicine;
  dose: string;
  doseUnit: string;
  frequency: string;
  duration: string;
  instructions: string;
  overrideReason: string;
}

export interface PrescriptionWarning {
  line: number;
  kind: string;
  message: string;
  matched: string;
  severity?: string | null;
}

export function newLine(medicine: Medicine): PrescriptionLine {
  return { medicine, dose: "1", doseUnit: "", frequency: "BD", duration: "5", instructions: "", overrideReason: "" };
}

/** "Dolo 650 (Paracetamol) 650 mg tablet". */
export function medicineLabel(m: Medicine): string {
  const generic = m.genericName && m.genericName !== m.name ? ` (${m.genericName})` : "";
  return [`${m.name}${generic}`, m.strength, m.form?.toLowerCase()].filter(Boolean).join(" ");
}

/** Problems the doctor can fix before asking the server, by field name as the server would name them. */
export function lineProblems(lines: readonly PrescriptionLine[]): Record<string, string> {
  const problems: Record<string, string> = {};
  lines.forEach((line, i) => {
    const dose = Number(line.dose);
    if (!line.dose.trim() || !Number.isFinite(dose) || dose <= 0) problems[`medicines[${i}].dose`] = "Give a dose above 0";
    const days = Number(line.duration);
    if (!Number.isInteger(days) || days < 1) problems[`medicines[${i}].duration`] = "Give the number of days (1 or more)";
    if (!FREQUENCIES.some((f) => f.value === line.frequency)) problems[`medicines[${i}].frequency`] = "Pick a frequency";
    const reason = line.overrideReason.trim();
    if (reason && reason.length < MIN_OVERRIDE_REASON_CHARS) {
      problems[`medicines[${i}].overrideReason`] = `Give a reason of at least ${MIN_OVERRIDE_REASON_CHARS} characters`;
    }
  });
  return problems;
}

/** The prescribe body; an override reason is sent only where the doctor wrote one. */
export function prescribeBody(lines: readonly PrescriptionLine[]) {
  return {
    medicines: lines.map((line) => {
      const item: Record<string, unknown> = {
        medicineId: line.medicine.id,
        dose: line.dose.trim(),
        frequency: line.frequency,
        duration: Number(line.duration),
      };
      if (line.doseUnit.trim()) item.doseUnit = line.doseUnit.trim();
      if (line.instructions.trim()) item.instructions = line.instructions.trim();
      if (line.overrideReason.trim()) item.overrideReason = line.overrideReason.trim();
      return item;
    }),
  };
}

/** The warnings of a 409 answer to prescribe, by line (empty when the error is not that answer). */
export function warningsByLine(error: ApiError | null): Map<number, PrescriptionWarning[]> {
  const byLine = new Map<number, PrescriptionWarning[]>();
  if (!error || error.status !== 409) return byLine;
  const warnings = error.extra<PrescriptionWarning[]>("warnings");
  if (!Array.isArray(warnings)) return byLine;
  for (const warning of warnings) {
    if (typeof warning?.line !== "number") continue;
    byLine.set(warning.line, [...(byLine.get(warning.line) ?? []), warning]);
  }
  return byLine;
}
