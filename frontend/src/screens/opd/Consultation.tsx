// The consultation (/opd/consultations/:id), for the doctor between two patients: one plain form, top to
// bottom in the order a consultation goes (complaint, history, examination, vitals, diagnosis with ICD-10
// codes, plan), quick templates, timestamped notes, prescribing from the formulary with the server's allergy
// and duplicate warnings (overridden only with a reason), and completing it with a follow-up.
// Keyboard: every control is reachable with Tab; Ctrl+Enter saves; Enter in the code search adds the first code.

import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { Link, useParams } from "react-router";
import { IdempotencyKeys } from "../../api/client";
import { ApiError } from "../../api/errors";
import type { Patient } from "../../api/types";
import { useApi } from "../../app-context";
import {
  FREQUENCIES,
  lineProblems,
  medicineLabel,
  newLine,
  prescribeBody,
  warningsByLine,
  type Medicine,
  type PrescriptionLine,
} from "../../clinical/prescribing";
import { Button, ErrorSummary, SelectField, TextField, asApiError } from "../../components/forms";
import { formatDate, personName } from "../../format";

interface Code {
  code: string;
  title: string;
  leaf: boolean;
}

interface ConsultationData {
  id: string;
  visitId: string;
  patientId: string;
  chiefComplaint: string;
  history: string | null;
  examinationFindings: string | null;
  diagnosis: string;
  diagnosisCodes: Code[];
  treatmentPlan: string | null;
  notes: string | null;
  temperature: string | number | null;
  heartRate: number | null;
  bloodPressureSystolic: number | null;
  bloodPressureDiastolic: number | null;
  respiratoryRate: number | null;
  weightKg: string | number | null;
  heightCm: number | null;
  consultationEndTime: string | null;
  followUpRequired: boolean;
  followUpDate: string | null;
  version: number;
}

interface PrescriptionItem {
  id: string;
  medicineName: string;
  strength: string | null;
  dose: string | number;
  doseUnit: string;
  frequency: string;
  duration: number;
  instructions: string | null;
  overrideReason: string | null;
  warnings: { kind: string; message: string }[];
}

interface Prescription {
  id: string;
  prescribedDate: string;
  items: PrescriptionItem[];
  printUrl: string;
}

interface Allergy {
  allergen: string;
  severity?: string | null;
  reaction?: string | null;
}

interface ConsultationRecord {
  consultation: ConsultationData;
  patient: Patient & { allergies?: Allergy[] };
  doctor: { id: string; name: string | null };
  prescriptions: Prescription[];
}

interface Template {
  id: string;
  specialty: string;
  name: string;
  chiefComplaint: string;
  history: string;
  examinationFindings: string;
  diagnosis: string;
  diagnosisCodes: Code[];
  treatmentPlan: string;
  followUpDays: number | null;
  medicines: { genericName: string; dose: string; doseUnit: string; frequency: string; duration: number; instructions: string | null }[];
}

interface Form {
  chiefComplaint: string;
  history: string;
  examinationFindings: string;
  diagnosis: string;
  diagnosisCodes: Code[];
  treatmentPlan: string;
  temperature: string;
  heartRate: string;
  bloodPressureSystolic: string;
  bloodPressureDiastolic: string;
  respiratoryRate: string;
  weightKg: string;
  heightCm: string;
}

const text = (value: string | number | null | undefined) => (value === null || value === undefined ? "" : String(value));

function formOf(c: ConsultationData): Form {
  return {
    chiefComplaint: c.chiefComplaint,
    history: text(c.history),
    examinationFindings: text(c.examinationFindings),
    diagnosis: c.diagnosis,
    diagnosisCodes: c.diagnosisCodes,
    treatmentPlan: text(c.treatmentPlan),
    temperature: text(c.temperature),
    heartRate: text(c.heartRate),
    bloodPressureSystolic: text(c.bloodPressureSystolic),
    bloodPressureDiastolic: text(c.bloodPressureDiastolic),
    respiratoryRate: text(c.respiratoryRate),
    weightKg: text(c.weightKg),
    heightCm: text(c.heightCm),
  };
}

const integer = (value: string) => (value.trim() === "" ? null : Number(value));
const decimal = (value: string) => (value.trim() === "" ? null : value.trim());
const optional = (value: string) => (value.trim() === "" ? null : value);

/** The PUT body: every field the form holds (empty optional ones cleared). */
function updateBody(form: Form) {
  return {
    chiefComplaint: form.chiefComplaint,
    history: optional(form.history),
    examinationFindings: optional(form.examinationFindings),
    diagnosis: form.diagnosis,
    diagnosisCodes: form.diagnosisCodes.map((c) => c.code),
    treatmentPlan: optional(form.treatmentPlan),
    temperature: decimal(form.temperature),
    heartRate: integer(form.heartRate),
    bloodPressureSystolic: integer(form.bloodPressureSystolic),
    bloodPressureDiastolic: integer(form.bloodPressureDiastolic),
    respiratoryRate: integer(form.respiratoryRate),
    weightKg: decimal(form.weightKg),
    heightCm: integer(form.heightCm),
  };
}

export function ConsultationScreen() {
  const { consultationId } = useParams();
  const api = useApi();
  const [record, setRecord] = useState<ConsultationRecord | null>(null);
  const [loadError, setLoadError] = useState<ApiError | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    api.get<ConsultationRecord>(`/api/opd/consultations/${consultationId}`).then(
      (data) => live && setRecord(data),
      (caught: unknown) => live && setLoadError(asApiError(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, consultationId, tick]);

  if (loadError) return <ErrorSummary error={loadError} />;
  if (record === null) {
    return (
      <p role="status" className="text-slate-500">
        Loading the consultation…
      </p>
    );
  }
  return <ConsultationForm key={`${record.consultation.id}:${tick}`} record={record} onReload={() => setTick((n) => n + 1)} onChanged={setRecord} />;
}

function ConsultationForm({ record, onReload, onChanged }: { record: ConsultationRecord; onReload: () => void; onChanged: (r: ConsultationRecord) => void }) {
  const api = useApi();
  const { patient, consultation } = record;
  const [form, setForm] = useState<Form>(() => formOf(consultation));
  const [version, setVersion] = useState(consultation.version);
  const [saved, setSaved] = useState<Form>(() => formOf(consultation));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [completion, setCompletion] = useState<string | null>(null);
  const completed = consultation.consultationEndTime !== null;
  const dirty = JSON.stringify(form) !== JSON.stringify(saved);
  const set = <K extends keyof Form>(name: K) => (value: Form[K]) => setForm((f) => ({ ...f, [name]: value }));

  async function save(): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.put<{ consultation: ConsultationData }>(`/api/opd/consultations/${consultation.id}`, updateBody(form), { ifMatch: version });
      const next = formOf(answer.consultation);
      setVersion(answer.consultation.version);
      setForm(next);
      setSaved(next);
      onChanged({ ...record, consultation: answer.consultation });
      setMessage("Saved.");
      return true;
    } catch (caught) {
      setError(asApiError(caught));
      return false;
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void save();
  }

  function shortcuts(event: KeyboardEvent) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (!completed) void save();
    }
  }

  function applyTemplate(template: Template) {
    setForm((f) => ({
      ...f,
      chiefComplaint: f.chiefComplaint.trim() ? f.chiefComplaint : template.chiefComplaint,
      history: f.history.trim() ? f.history : template.history,
      examinationFindings: f.examinationFindings.trim() ? f.examinationFindings : template.examinationFindings,
      diagnosis: f.diagnosis.trim() ? f.diagnosis : template.diagnosis,
      diagnosisCodes: f.diagnosisCodes.length > 0 ? f.diagnosisCodes : template.diagnosisCodes,
      treatmentPlan: f.treatmentPlan.trim() ? f.treatmentPlan : template.treatmentPlan,
    }));
    setMessage(`Template “${template.name}” filled the empty fields. Check them, then save.`);
  }

  const stale = error?.status === 412;
  return (
    <div className="space-y-6" data-testid="consultation" onKeyDown={shortcuts}>
      <header className="flex flex-wrap items-baseline gap-x-4 gap-y-1">
        <h1 className="text-2xl font-bold">
          {personName(patient)} <span className="font-mono text-base text-slate-600">{patient.mrn}</span>
        </h1>
        <span className="text-slate-700">
          {patient.age !== undefined ? `${patient.age} y` : ""} {patient.gender ? `· ${patient.gender.toLowerCase()}` : ""}
        </span>
        {completed ? (
          <span className="rounded bg-slate-700 px-2 py-0.5 text-sm font-semibold text-white" data-testid="consultation-completed">
            Completed
          </span>
        ) : (
          <span className="rounded bg-teal-700 px-2 py-0.5 text-sm font-semibold text-white">In consultation</span>
        )}
        <Link to="/doctor" className="ml-auto text-sm text-teal-800 underline">
          Back to my queue
        </Link>
      </header>
      <Allergies allergies={patient.allergies} />

      <form onSubmit={submit} className="space-y-4" aria-label="Consultation">
        <fieldset disabled={completed} className="space-y-4">
          {!completed ? <Templates onApply={applyTemplate} /> : null}
          <TextField label="Chief complaint" name="chiefComplaint" value={form.chiefComplaint} onValue={set("chiefComplaint")} error={error} maxLength={500} autoFocus={!form.chiefComplaint} />
          <Area label="History" name="history" value={form.history} onValue={set("history")} error={error} />
          <Area label="Examination" name="examinationFindings" value={form.examinationFindings} onValue={set("examinationFindings")} error={error} />
          <fieldset className="rounded-md border border-slate-200 p-3">
            <legend className="px-1 text-sm font-semibold text-slate-700">Vitals</legend>
            <div className="grid grid-cols-2 gap-3 sm:grid-cols-4 lg:grid-cols-7">
              <TextField label="Temp (°C)" name="temperature" value={form.temperature} onValue={set("temperature")} error={error} inputMode="decimal" />
              <TextField label="Pulse (/min)" name="heartRate" value={form.heartRate} onValue={set("heartRate")} error={error} inputMode="numeric" />
              <TextField label="BP systolic" name="bloodPressureSystolic" value={form.bloodPressureSystolic} onValue={set("bloodPressureSystolic")} error={error} inputMode="numeric" />
              <TextField label="BP diastolic" name="bloodPressureDiastolic" value={form.bloodPressureDiastolic} onValue={set("bloodPressureDiastolic")} error={error} inputMode="numeric" />
              <TextField label="Resp. rate" name="respiratoryRate" value={form.respiratoryRate} onValue={set("respiratoryRate")} error={error} inputMode="numeric" />
              <TextField label="Weight (kg)" name="weightKg" value={form.weightKg} onValue={set("weightKg")} error={error} inputMode="decimal" />
              <TextField label="Height (cm)" name="heightCm" value={form.heightCm} onValue={set("heightCm")} error={error} inputMode="numeric" />
            </div>
          </fieldset>
          <Diagnosis codes={form.diagnosisCodes} onCodes={set("diagnosisCodes")} error={error} />
          <Area label="Diagnosis (in words)" name="diagnosis" value={form.diagnosis} onValue={set("diagnosis")} error={error} rows={2} />
          <Area label="Treatment plan / advice" name="treatmentPlan" value={form.treatmentPlan} onValue={set("treatmentPlan")} error={error} />
        </fieldset>
        <ErrorSummary
          error={error}
          placed={["chiefComplaint", "history", "examinationFindings", "diagnosis", "treatmentPlan", "temperature", "heartRate", "bloodPressureSystolic", "bloodPressureDiastolic", "respiratoryRate", "weightKg", "heightCm"]}
        />
        {stale ? (
          <Button variant="secondary" onClick={onReload}>
            Load the latest version (your unsaved changes are dropped)
          </Button>
        ) : null}
        {message && !error ? (
          <p role="status" className="text-sm text-teal-900" data-testid="consultation-message">
            {message}
          </p>
        ) : null}
        {!completed ? (
          <div className="flex items-center gap-3">
            <Button type="submit" disabled={busy || !dirty}>
              {busy ? "Saving…" : "Save"}
            </Button>
            <span className="text-xs text-slate-500">{dirty ? "Unsaved changes · Ctrl+Enter saves" : "All changes saved"}</span>
          </div>
        ) : null}
      </form>

      <Notes consultationId={consultation.id} notes={consultation.notes} disabled={completed} onChanged={(c) => onChanged({ ...record, consultation: c })} />
      <Prescriptions prescriptions={record.prescriptions} />
      {!completed ? (
        <Prescribe
          consultationId={consultation.id}
          onPrescribed={(p) => onChanged({ ...record, prescriptions: [...record.prescriptions, p] })}
        />
      ) : null}
      {!completed ? (
        <Complete
          consultationId={consultation.id}
          beforeComplete={async () => (dirty ? save() : true)}
          onDone={(c, summary) => {
            setCompletion(summary);
            onChanged({ ...record, consultation: c });
          }}
        />
      ) : (
        <p role="status" className="rounded-md border border-teal-300 bg-teal-50 p-3 text-sm text-teal-950" data-testid="completion">
          {completion ?? "This consultation is completed."}{" "}
          {consultation.followUpRequired && consultation.followUpDate ? `Follow-up on ${formatDate(consultation.followUpDate)}.` : "No follow-up booked."}{" "}
          <Link to="/doctor" className="text-teal-800 underline">
            Back to my queue
          </Link>
        </p>
      )}
    </div>
  );
}

function Area({ label, name, value, onValue, error, rows = 3 }: { label: string; name: string; value: string; onValue: (v: string) => void; error: ApiError | null; rows?: number }) {
  const id = `consult-${name}`;
  const message = error?.fields[name];
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-700">
        {label}
      </label>
      <textarea
        id={id}
        name={name}
        rows={rows}
        value={value}
        maxLength={4000}
        onChange={(event) => onValue(event.target.value)}
        aria-invalid={message ? true : undefined}
        aria-describedby={message ? `${id}-error` : undefined}
        className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-base shadow-sm focus:border-teal-600 focus:outline-none focus:ring-2 focus:ring-teal-600 disabled:bg-slate-100"
      />
      {message ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {message}
        </p>
      ) : null}
    </div>
  );
}

function Allergies({ allergies }: { allergies?: Allergy[] }) {
  if (!allergies || allergies.length === 0) {
    return <p className="text-sm text-slate-600">No known allergies recorded.</p>;
  }
  return (
    <p role="note" className="rounded-md border-2 border-red-600 bg-red-50 p-2 text-sm font-semibold text-red-900" data-testid="allergies">
      ⚠ Allergies: {allergies.map((a) => `${a.allergen}${a.severity ? ` (${a.severity.toLowerCase()})` : ""}`).join(", ")}
    </p>
  );
}

function Templates({ onApply }: { onApply: (t: Template) => void }) {
  const api = useApi();
  const [templates, setTemplates] = useState<Template[] | null>(null);
  const [chosen, setChosen] = useState("");
  useEffect(() => {
    let live = true;
    api.get<{ templates: Template[] }>("/api/opd/templates").then(
      (answer) => live && setTemplates(answer.templates),
      () => live && setTemplates([]),
    );
    return () => {
      live = false;
    };
  }, [api]);
  if (!templates || templates.length === 0) return null;
  const template = templates.find((t) => t.id === chosen);
  return (
    <div className="flex flex-wrap items-end gap-2 rounded-md border border-slate-200 bg-slate-50 p-3">
      <SelectField
        className="min-w-64 flex-1"
        label="Quick template"
        name="template"
        value={chosen}
        onValue={setChosen}
        options={[{ value: "", label: "— choose —" }, ...templates.map((t) => ({ value: t.id, label: `${t.name} (${t.specialty})` }))]}
      />
      <Button variant="secondary" disabled={!template} onClick={() => template && onApply(template)}>
        Fill empty fields
      </Button>
      {template && template.medicines.length > 0 ? (
        <p className="w-full text-xs text-slate-600">
          Usually prescribed: {template.medicines.map((m) => `${m.genericName} ${m.dose} ${m.doseUnit} ${m.frequency} × ${m.duration} d`).join("; ")}
        </p>
      ) : null}
    </div>
  );
}

function Diagnosis({ codes, onCodes, error }: { codes: Code[]; onCodes: (c: Code[]) => void; error: ApiError | null }) {
  const api = useApi();
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Code[]>([]);
  const [searchError, setSearchError] = useState<ApiError | null>(null);

  useEffect(() => {
    const q = query.trim();
    if (q.length < 2) return;
    let live = true;
    const timer = setTimeout(() => {
      api.get<{ codes: Code[] }>("/api/opd/icd10", { query: { search: q, limit: 10 } }).then(
        (answer) => {
          if (!live) return;
          setFound(answer.codes);
          setSearchError(null);
        },
        (caught: unknown) => live && setSearchError(asApiError(caught)),
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, query]);

  function add(code: Code) {
    if (!codes.some((c) => c.code === code.code)) onCodes([...codes, code]);
    setQuery("");
    setFound([]);
  }

  const shown = query.trim().length >= 2 ? found : [];
  return (
    <div className="space-y-2">
      <TextField
        label="Diagnosis search (ICD-10 code or words)"
        name="diagnosisCodes"
        value={query}
        onValue={setQuery}
        error={error}
        autoComplete="off"
        hint="Type 2 letters or more; Enter adds the first match."
        onKeyDown={(event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            if (shown[0]) add(shown[0]);
          }
        }}
      />
      {searchError ? <p role="alert" className="text-sm text-red-800">{searchError.detail}</p> : null}
      {shown.length > 0 ? (
        <ul aria-label="Matching codes" className="divide-y divide-slate-100 rounded-md border border-slate-200 bg-white" data-testid="icd-results">
          {shown.map((code) => (
            <li key={code.code}>
              <button type="button" className="block w-full px-3 py-1.5 text-left text-sm hover:bg-teal-50 focus:bg-teal-50 focus:outline-none" onClick={() => add(code)}>
                <span className="font-mono font-semibold">{code.code}</span> {code.title}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {codes.length > 0 ? (
        <ul aria-label="Diagnosis codes" className="flex flex-wrap gap-2" data-testid="diagnosis-codes">
          {codes.map((code) => (
            <li key={code.code} className="flex items-center gap-1 rounded border border-teal-600 bg-teal-50 px-2 py-0.5 text-sm" data-code={code.code}>
              <span className="font-mono font-semibold">{code.code}</span> {code.title}
              <button type="button" className="ml-1 rounded px-1 text-slate-700 hover:bg-teal-100" aria-label={`Remove ${code.code}`} onClick={() => onCodes(codes.filter((c) => c.code !== code.code))}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function Notes({ consultationId, notes, disabled, onChanged }: { consultationId: string; notes: string | null; disabled: boolean; onChanged: (c: ConsultationData) => void }) {
  const api = useApi();
  const [note, setNote] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));

  async function add(event: FormEvent) {
    event.preventDefault();
    if (!note.trim()) return;
    setBusy(true);
    setError(null);
    const body = { notes: note.trim() };
    try {
      const answer = await api.post<{ consultation: ConsultationData }>(`/api/opd/consultations/${consultationId}/notes`, body, { idempotencyKey: keys.current.keyFor(body) });
      keys.current.done();
      setNote("");
      onChanged(answer.consultation);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="notes-title" className="space-y-2">
      <h2 id="notes-title" className="text-lg font-semibold">
        Notes
      </h2>
      {notes ? (
        <pre className="whitespace-pre-wrap rounded-md border border-slate-200 bg-white p-3 font-sans text-sm" data-testid="consultation-notes">
          {notes}
        </pre>
      ) : (
        <p className="text-sm text-slate-600">No notes yet.</p>
      )}
      {!disabled ? (
        <form onSubmit={add} className="flex flex-wrap items-end gap-2">
          <TextField className="min-w-64 flex-1" label="Add a note (timestamped)" name="notes" value={note} onValue={setNote} error={error} maxLength={4000} />
          <Button type="submit" variant="secondary" disabled={busy || !note.trim()}>
            Add note
          </Button>
        </form>
      ) : null}
      <ErrorSummary error={error} placed={["notes"]} />
    </section>
  );
}

function Prescriptions({ prescriptions }: { prescriptions: Prescription[] }) {
  if (prescriptions.length === 0) return null;
  return (
    <section aria-labelledby="rx-title" className="space-y-2" data-testid="prescriptions">
      <h2 id="rx-title" className="text-lg font-semibold">
        Prescribed
      </h2>
      {prescriptions.map((p) => (
        <div key={p.id} className="rounded-md border border-slate-200 bg-white p-3 text-sm">
          <ol className="list-decimal space-y-1 pl-5">
            {p.items.map((item) => (
              <li key={item.id}>
                <span className="font-semibold">{item.medicineName}</span> {item.strength} — {String(item.dose)} {item.doseUnit} {item.frequency} × {item.duration} days
                {item.instructions ? ` · ${item.instructions}` : ""}
                {item.overrideReason ? <span className="block text-amber-900">Warning overridden: {item.overrideReason}</span> : null}
              </li>
            ))}
          </ol>
          <a className="mt-2 inline-block text-teal-800 underline" href={p.printUrl} target="_blank" rel="noreferrer">
            Print prescription
          </a>
        </div>
      ))}
    </section>
  );
}

/** The pharmacy's formulary search (server/pharmacy.py: GET /api/pharmacy/medicines?search=), prices left out for doctors. */
const MEDICINE_SEARCH = "/api/pharmacy/medicines";

interface MedicineSearch {
  medicines: Medicine[];
  total: number;
}

function Prescribe({ consultationId, onPrescribed }: { consultationId: string; onPrescribed: (p: Prescription) => void }) {
  const api = useApi();
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<Medicine[]>([]);
  const [searchProblem, setSearchProblem] = useState<string | null>(null);
  const [lines, setLines] = useState<PrescriptionLine[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));

  useEffect(() => {
    const q = query.trim();
    if (q.length < 2) return;
    let live = true;
    const timer = setTimeout(() => {
      api.get<MedicineSearch>(MEDICINE_SEARCH, { query: { search: q } }).then(
        (answer) => {
          if (!live) return;
          setFound(answer.medicines);
          setSearchProblem(null);
        },
        (caught: unknown) => {
          if (!live) return;
          setSearchProblem(asApiError(caught).detail);
        },
      );
    }, 200);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [api, query]);

  function pick(medicine: Medicine) {
    setLines((ls) => [...ls, newLine(medicine)]);
    setQuery("");
    setFound([]);
  }

  const change = (i: number, patch: Partial<PrescriptionLine>) => setLines((ls) => ls.map((l, n) => (n === i ? { ...l, ...patch } : l)));
  const warnings = warningsByLine(error);
  const local = lineProblems(lines);

  async function send() {
    if (lines.length === 0) return;
    if (Object.keys(local).length > 0) {
      setError(new ApiError({ status: 422, error: "Check the medicines", detail: "Some lines need a fix before they can be prescribed.", fields: local }));
      return;
    }
    const body = prescribeBody(lines);
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<{ prescription: Prescription }>(`/api/opd/consultations/${consultationId}/prescribe`, body, { idempotencyKey: keys.current.keyFor(body) });
      keys.current.done();
      setLines([]);
      onPrescribed(answer.prescription);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const shown = query.trim().length >= 2 ? found : [];
  return (
    <section aria-labelledby="prescribe-title" className="space-y-3 rounded-md border border-slate-200 bg-white p-3" data-testid="prescribe">
      <h2 id="prescribe-title" className="text-lg font-semibold">
        Prescribe
      </h2>
      <TextField
        label="Medicine (brand or generic name)"
        name="medicineSearch"
        value={query}
        onValue={setQuery}
        autoComplete="off"
        onKeyDown={(event) => {
          if (event.key === "Enter") {
            event.preventDefault();
            if (shown[0]) pick(shown[0]);
          }
        }}
      />
      {searchProblem ? (
        <p role="alert" className="text-sm text-amber-900" data-testid="medicine-search-problem">
          {searchProblem}
        </p>
      ) : null}
      {shown.length > 0 ? (
        <ul aria-label="Matching medicines" className="divide-y divide-slate-100 rounded-md border border-slate-200">
          {shown.map((m) => (
            <li key={m.id}>
              <button type="button" className="block w-full px-3 py-1.5 text-left text-sm hover:bg-teal-50 focus:bg-teal-50 focus:outline-none" onClick={() => pick(m)}>
                {medicineLabel(m)}
                {m.inStock === false ? <span className="text-amber-900"> — out of stock</span> : null}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      {lines.map((line, i) => (
        <Line key={`${line.medicine.id}-${i}`} index={i} line={line} onChange={(patch) => change(i, patch)} onRemove={() => setLines((ls) => ls.filter((_, n) => n !== i))} error={error} warnings={warnings.get(i) ?? []} />
      ))}
      <ErrorSummary error={error} placed={lines.flatMap((_, i) => ["dose", "duration", "frequency", "overrideReason", "doseUnit", "instructions", "medicineId"].map((f) => `medicines[${i}].${f}`))} />
      {lines.length > 0 ? (
        <Button onClick={() => void send()} disabled={busy}>
          {busy ? "Prescribing…" : warnings.size > 0 ? "Prescribe, overriding the warnings" : "Prescribe"}
        </Button>
      ) : null}
    </section>
  );
}

function Line({ index, line, onChange, onRemove, error, warnings }: { index: number; line: PrescriptionLine; onChange: (p: Partial<PrescriptionLine>) => void; onRemove: () => void; error: ApiError | null; warnings: { kind: string; message: string }[] }) {
  const field = (name: string) => `medicines[${index}].${name}`;
  return (
    <fieldset className={`rounded-md border p-3 ${warnings.length > 0 ? "border-amber-500 bg-amber-50" : "border-slate-200"}`} data-line={index}>
      <legend className="px-1 font-semibold">{medicineLabel(line.medicine)}</legend>
      <div className="grid grid-cols-2 gap-3 sm:grid-cols-5">
        <TextField label="Dose" name={field("dose")} value={line.dose} onValue={(v) => onChange({ dose: v })} error={error} inputMode="decimal" />
        <TextField label="Unit" name={field("doseUnit")} value={line.doseUnit} onValue={(v) => onChange({ doseUnit: v })} error={error} placeholder="tab" maxLength={20} />
        <SelectField label="Frequency" name={field("frequency")} value={line.frequency} onValue={(v) => onChange({ frequency: v })} options={FREQUENCIES} error={error} />
        <TextField label="Days" name={field("duration")} value={line.duration} onValue={(v) => onChange({ duration: v })} error={error} inputMode="numeric" />
        <TextField label="Instructions" name={field("instructions")} value={line.instructions} onValue={(v) => onChange({ instructions: v })} error={error} placeholder="after food" maxLength={500} />
      </div>
      {warnings.length > 0 ? (
        <div role="alert" className="mt-2 space-y-2">
          <ul className="list-disc pl-5 text-sm font-semibold text-amber-950" data-testid="prescription-warnings">
            {warnings.map((w, n) => (
              <li key={n}>
                {w.kind.toLowerCase()}: {w.message}
              </li>
            ))}
          </ul>
          <TextField label="Reason to go ahead anyway" name={field("overrideReason")} value={line.overrideReason} onValue={(v) => onChange({ overrideReason: v })} error={error} maxLength={500} required />
        </div>
      ) : line.overrideReason ? (
        <TextField className="mt-2" label="Reason to go ahead anyway" name={field("overrideReason")} value={line.overrideReason} onValue={(v) => onChange({ overrideReason: v })} error={error} maxLength={500} />
      ) : null}
      <Button variant="secondary" className="mt-2" onClick={onRemove}>
        Remove
      </Button>
    </fieldset>
  );
}

function Complete({ consultationId, beforeComplete, onDone }: { consultationId: string; beforeComplete: () => Promise<boolean>; onDone: (c: ConsultationData, summary: string) => void }) {
  const api = useApi();
  const [followUp, setFollowUp] = useState(false);
  const [date, setDate] = useState("");
  const [notes, setNotes] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));

  async function complete(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      if (!(await beforeComplete())) return;
      const body: { followUpRequired: boolean; followUpDate?: string; followUpNotes?: string } = { followUpRequired: followUp };
      if (followUp && date) body.followUpDate = date;
      if (followUp && notes.trim()) body.followUpNotes = notes.trim();
      const answer = await api.post<{ consultation: ConsultationData; bill: { billNumber: string }; followUpAppointment: { appointmentDate: string } | null }>(
        `/api/opd/consultations/${consultationId}/complete`,
        body,
        { idempotencyKey: keys.current.keyFor(body) },
      );
      keys.current.done();
      onDone(answer.consultation, `Consultation completed. Draft bill ${answer.bill.billNumber} left for billing.`);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="complete-title" className="rounded-md border-2 border-teal-700 bg-white p-3">
      <h2 id="complete-title" className="text-lg font-semibold">
        Complete the consultation
      </h2>
      <form onSubmit={complete} className="mt-2 flex flex-wrap items-end gap-3">
        <label className="flex items-center gap-2 self-center text-sm">
          <input type="checkbox" checked={followUp} onChange={(event) => setFollowUp(event.target.checked)} className="h-4 w-4" />
          Follow-up needed
        </label>
        {followUp ? (
          <>
            <TextField label="Follow-up date" name="followUpDate" type="date" value={date} onValue={setDate} error={error} required />
            <TextField className="min-w-64 flex-1" label="Follow-up notes" name="followUpNotes" value={notes} onValue={setNotes} error={error} maxLength={500} />
          </>
        ) : null}
        <Button type="submit" disabled={busy}>
          {busy ? "Completing…" : "Complete consultation"}
        </Button>
      </form>
      <div className="mt-2">
        <ErrorSummary error={error} placed={["followUpDate", "followUpNotes"]} />
      </div>
    </section>
  );
}
