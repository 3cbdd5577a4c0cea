// Checking a patient in at the OPD desk, for one department (the front desk and ADMIN pick it from the
// departments that run an OPD): find them by MRN, mobile or health ID (or register them in the same step), the
// chief complaint, a doctor of the department (with room and whether on duty now) or "any doctor", then the
// token: shown large, with the estimated wait, and its slip printed (the server's 72 mm HTML slip, printed
// from a frame on this page). Every check-in carries an Idempotency-Key: a retry after a dropped connection
// never issues a second token.

import { useEffect, useRef, useState, type FormEvent } from "react";
import { IdempotencyKeys } from "../../api/client";
import { ApiError } from "../../api/errors";
import { useApiGet } from "../../api/useApiGet";
import { useApi } from "../../app-context";
import { waitText } from "../../boards/display";
import { Button, ErrorSummary, SelectField, TextField, asApiError } from "../../components/forms";
import { useDraft } from "../../drafts/useDraft";
import { doctorChoices, opdDepartments, type Department } from "../../api/departments";

interface CheckedIn {
  visitId: string;
  registered: boolean;
  slipUrl: string;
  token: {
    id: string;
    tokenNumber: number;
    departmentName: string;
    patientName: string;
    mrn: string;
    doctorName: string | null;
    estimatedWaitMinutes: number | null;
  };
}

const EMPTY = {
  who: "",
  newPatient: false,
  firstName: "",
  lastName: "",
  gender: "FEMALE",
  age: "",
  phone: "",
  complaint: "",
  doctorId: "",
  visitType: "OPD",
};

/** What the desk typed names the patient one way: an MRN, a mobile number or an ABHA health ID. */
export function identify(text: string): { mrn: string } | { phone: string } | { healthId: string } | null {
  const value = text.trim();
  if (!value) return null;
  if (/^mrn-/i.test(value)) return { mrn: value.toUpperCase() };
  if (/^\d{2}-?\d{4}-?\d{4}-?\d{4}$/.test(value)) return { healthId: value };
  if (/^\+?[\d\s-]{10,15}$/.test(value)) return { phone: value.replace(/[\s-]/g, "") };
  return null;
}

interface CheckInProps {
  departmentId: string;
  departmentName: string | null;
  /** GET /api/opd/departments (null while loading, or if it could not be read: "any doctor" only). */
  departments: Department[] | null;
  /** Given to a desk that works every department (the front desk, ADMIN): the department picker. */
  onDepartment?: (departmentId: string) => void;
}

export function CheckIn({ departmentId, departmentName, departments, onDepartment }: CheckInProps) {
  const api = useApi();
  // One draft whatever the department: choosing another keeps who and why, and drops a doctor not of it.
  const [form, setForm, clearForm] = useDraft("opd.check-in", EMPTY);
  const department = departments?.find((d) => d.id === departmentId) ?? null;
  const doctors = doctorChoices(department);
  const doctorId = doctors.some((d) => d.value === form.doctorId) ? form.doctorId : "";
  const name = department?.name ?? departmentName;
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<CheckedIn | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));
  const { data: phrases } = useApiGet<{ chiefComplaints: string[] }>("/api/opd/chief-complaints");
  const set = (name: keyof typeof EMPTY) => (value: string) => setForm((f) => ({ ...f, [name]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body: Record<string, unknown> = { chiefComplaint: form.complaint.trim(), visitType: form.visitType };
    if (doctorId) body.doctorId = doctorId;
    else body.departmentId = departmentId;
    if (form.newPatient) {
      const age = form.age.trim() === "" ? undefined : Number(form.age);
      body.newPatient = {
        firstName: form.firstName.trim(),
        lastName: form.lastName.trim() || undefined,
        gender: form.gender,
        age,
        phone: form.phone.trim() || undefined,
      };
    } else {
      const found = identify(form.who);
      if (found === null) {
        setError(new ApiError({ status: 422, error: "Unprocessable Entity", detail: "Say who the patient is", fields: { who: "Type the MRN (MRN-…), the mobile number or the ABHA number; or register a new patient" } }));
        return;
      }
      Object.assign(body, found);
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<CheckedIn>("/api/opd/check-in", body, { idempotencyKey: keys.current.keyFor(body) });
      keys.current.done();
      clearForm();
      setDone(answer);
    } catch (caught) {
      const failure = asApiError(caught);
      if (failure.status === 404 && !form.newPatient) {
        setError(new ApiError({ ...failure.body, fields: { who: `${failure.detail}. Check the number, or register the patient.` } }));
      } else {
        setError(failure);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="check-in-title" className="space-y-4 rounded-lg border border-slate-200 bg-white p-4" data-testid="check-in">
      <h2 id="check-in-title" className="text-lg font-semibold">
        Check a patient in{name ? ` to ${name}` : ""}
      </h2>
      {done ? <Issued result={done} onNext={() => setDone(null)} /> : null}
      <form onSubmit={submit} className="space-y-3" aria-label="Check-in">
        {onDepartment && departments ? (
          <div className="max-w-sm">
            <SelectField
              label="Department"
              name="departmentId"
              value={departmentId}
              onValue={onDepartment}
              options={[
                ...(department ? [] : [{ value: departmentId, label: name ?? "Choose the department" }]),
                ...opdDepartments(departments).map((d) => ({ value: d.id, label: d.name })),
              ]}
              error={error}
            />
          </div>
        ) : null}
        <div className="flex flex-wrap gap-4 text-sm" role="radiogroup" aria-label="Patient">
          <label className="flex items-center gap-2">
            <input type="radio" name="who-kind" checked={!form.newPatient} onChange={() => setForm((f) => ({ ...f, newPatient: false }))} />
            Registered patient
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" name="who-kind" checked={form.newPatient} onChange={() => setForm((f) => ({ ...f, newPatient: true }))} />
            New patient (register now)
          </label>
        </div>
        {form.newPatient ? (
          <div className="grid gap-3 sm:grid-cols-5">
            <TextField label="First name" name="firstName" required value={form.firstName} onValue={set("firstName")} error={error} autoComplete="off" />
            <TextField label="Last name" name="lastName" value={form.lastName} onValue={set("lastName")} error={error} autoComplete="off" />
            <SelectField
              label="Sex"
              name="gender"
              value={form.gender}
              onValue={set("gender")}
              options={[
                { value: "FEMALE", label: "Female" },
                { value: "MALE", label: "Male" },
                { value: "OTHER", label: "Other" },
              ]}
              error={error}
            />
            <TextField label="Age (years)" name="age" required inputMode="numeric" value={form.age} onValue={set("age")} error={error} autoComplete="off" />
            <TextField label="Mobile" name="phone" inputMode="tel" value={form.phone} onValue={set("phone")} error={error} autoComplete="off" />
          </div>
        ) : (
          <TextField
            label="MRN, mobile or ABHA number"
            name="who"
            value={form.who}
            onValue={set("who")}
            error={error}
            autoComplete="off"
            hint="Find them first in Patients at Reception if they have none of these with them."
          />
        )}
        <div className="grid gap-3 sm:grid-cols-[2fr_1fr_1fr]">
          <TextField
            label="Chief complaint"
            name="chiefComplaint"
            required
            maxLength={500}
            list="chief-complaints"
            value={form.complaint}
            onValue={set("complaint")}
            error={error}
            autoComplete="off"
          />
          <datalist id="chief-complaints">
            {(phrases?.chiefComplaints ?? []).map((p) => (
              <option key={p} value={p.replace(/__/g, "").replace(/\s+/g, " ").trim()} />
            ))}
          </datalist>
          <SelectField
            label="Doctor"
            name="doctorId"
            value={doctorId}
            onValue={set("doctorId")}
            options={[{ value: "", label: "Any doctor of the department" }, ...doctors]}
            error={error}
          />
          <SelectField
            label="Visit"
            name="visitType"
            value={form.visitType}
            onValue={set("visitType")}
            options={[
              { value: "OPD", label: "New visit" },
              { value: "FOLLOW_UP", label: "Follow-up" },
              { value: "EMERGENCY", label: "Emergency" },
            ]}
            error={error}
          />
        </div>
        <ErrorSummary error={error} placed={["departmentId", "who", "firstName", "lastName", "gender", "age", "phone", "chiefComplaint", "doctorId", "visitType"]} />
        <Button type="submit" disabled={busy}>
          {busy ? "Checking in…" : "Check in and issue token"}
        </Button>
      </form>
    </section>
  );
}

/** The token just issued, large, and its slip: previewed here and printed from the frame. */
function Issued({ result, onNext }: { result: CheckedIn; onNext: () => void }) {
  const api = useApi();
  const frame = useRef<HTMLIFrameElement>(null);
  const [slip, setSlip] = useState<string | null>(null);
  const [slipError, setSlipError] = useState<ApiError | null>(null);

  useEffect(() => {
    let live = true;
    // The slip is HTML the server renders (72 mm wide); read with this desk's token, shown in a frame.
    api.getText(result.slipUrl).then(
      (html) => live && setSlip(html),
      (caught: unknown) => live && setSlipError(asApiError(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, result.slipUrl]);

  return (
    <div role="status" className="flex flex-wrap items-start gap-6 rounded-md border-2 border-teal-600 bg-teal-50 p-4" data-testid="issued">
      <div>
        <p className="text-sm font-semibold text-teal-900">Token</p>
        <p className="text-6xl font-black tabular-nums" data-testid="issued-token">
          {result.token.tokenNumber}
        </p>
      </div>
      <div className="space-y-1">
        <p className="text-lg font-semibold">
          {result.token.patientName} <span className="font-mono text-sm">{result.token.mrn}</span>
          {result.registered ? <span className="ml-2 rounded bg-sky-100 px-1 text-xs">registered now</span> : null}
        </p>
        <p>
          {result.token.departmentName}
          {result.token.doctorName ? ` · Dr ${result.token.doctorName}` : " · any doctor"} ·{" "}
          {(result.token.estimatedWaitMinutes ?? 2) <= 1 ? "next in line" : `estimated wait ${waitText(result.token.estimatedWaitMinutes)}`}
        </p>
        <div className="flex gap-2 pt-2">
          <Button onClick={() => frame.current?.contentWindow?.print()} disabled={slip === null}>
            Print token slip
          </Button>
          <Button variant="secondary" onClick={onNext}>
            Next patient
          </Button>
        </div>
        <ErrorSummary error={slipError} />
      </div>
      {slip !== null ? (
        <iframe ref={frame} title={`Token slip ${result.token.tokenNumber}`} srcDoc={slip} className="h-64 w-[80mm] rounded border border-slate-300 bg-white" data-testid="slip" />
      ) : null}
    </div>
  );
}
