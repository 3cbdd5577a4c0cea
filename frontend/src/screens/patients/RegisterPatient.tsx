// Register a patient at the front desk. A likely duplicate comes back as 409 with candidates: the
// receptionist either picks the existing record or says it really is another person ("register anyway").

import { useRef, useState, type FormEvent } from "react";
import { useApi } from "../../app-context";
import { IdempotencyKeys } from "../../api/client";
import type { ApiError } from "../../api/errors";
import type { DuplicateCandidate, Patient } from "../../api/types";
import { Button, ErrorSummary, SelectField, TextField, asApiError } from "../../components/forms";
import { useDraft } from "../../drafts/useDraft";
import { formatDate, personName } from "../../format";

export const REGISTRATION_FORM = "reception.register";

const BLANK = {
  unidentified: false,
  firstName: "",
  lastName: "",
  dateOfBirth: "",
  age: "",
  gender: "",
  phone: "",
  email: "",
  address: "",
  city: "",
  state: "",
  pincode: "",
  healthId: "",
  emergencyContactName: "",
  emergencyContactPhone: "",
};
type RegistrationForm = typeof BLANK;

const GENDERS = [
  { value: "", label: "Choose…" },
  { value: "FEMALE", label: "Female" },
  { value: "MALE", label: "Male" },
  { value: "OTHER", label: "Other" },
];

const PLACED = [
  "firstName",
  "lastName",
  "dateOfBirth",
  "age",
  "gender",
  "phone",
  "email",
  "address",
  "city",
  "state",
  "pincode",
  "healthId",
  "emergencyContactName",
  "emergencyContactPhone",
];

/** The request body: empty fields left out, so the server's own rules decide what is missing. */
export function registrationBody(form: RegistrationForm): Record<string, unknown> {
  const body: Record<string, unknown> = { gender: form.gender || undefined };
  const text = (name: keyof RegistrationForm) => {
    const value = String(form[name]).trim();
    if (value) body[name] = value;
  };
  if (form.unidentified) {
    body.unidentified = true;
  } else {
    text("firstName");
    text("lastName");
    text("dateOfBirth");
  }
  if (form.age.trim() && (form.unidentified || !form.dateOfBirth)) body.age = Number(form.age);
  for (const name of [
    "phone",
    "email",
    "address",
    "city",
    "state",
    "pincode",
    "healthId",
    "emergencyContactName",
    "emergencyContactPhone",
  ] as const) {
    text(name);
  }
  return body;
}

interface Duplicates {
  candidates: DuplicateCandidate[];
  detail: string;
  /** A clash of health ID cannot be overridden: that number is someone else's. */
  overridable: boolean;
}

export function RegisterPatient({ onUseExisting }: { onUseExisting: (mrn: string) => void }) {
  const api = useApi();
  const [form, setForm, clearForm] = useDraft(REGISTRATION_FORM, BLANK);
  const [error, setError] = useState<ApiError | null>(null);
  const [duplicates, setDuplicates] = useState<Duplicates | null>(null);
  const [registered, setRegistered] = useState<Patient | null>(null);
  const [busy, setBusy] = useState(false);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));

  const set = (name: keyof RegistrationForm) => (value: string) => setForm((f) => ({ ...f, [name]: value }));

  async function register(confirmNotDuplicate: boolean) {
    const body = registrationBody(form);
    if (confirmNotDuplicate) body.confirmNotDuplicate = true;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<{ patient: Patient }>("/api/patients", body, {
        idempotencyKey: keys.current.keyFor(body),
      });
      keys.current.done();
      setDuplicates(null);
      setRegistered(answer.patient);
      clearForm();
    } catch (caught) {
      const failure = asApiError(caught);
      const candidates = failure.extra<DuplicateCandidate[]>("candidates");
      if (failure.status === 409 && candidates && candidates.length > 0) {
        const overridable = !failure.fields.healthId;
        setDuplicates({
          candidates,
          overridable,
          detail: overridable
            ? "This looks like a patient who is already registered (same name, phone and date of birth). " +
              "If it is the same person, use their record; register anyway only if it is someone else."
            : failure.detail,
        });
      } else {
        setError(failure);
      }
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    setRegistered(null);
    setDuplicates(null);
    void register(false);
  }

  return (
    <section aria-labelledby="register-title" className="space-y-3">
      <h2 id="register-title" className="text-lg font-semibold">
        Register a patient
      </h2>
      {registered ? (
        <p role="status" className="rounded-md bg-green-50 p-3 text-green-900" data-testid="registered">
          Registered <span className="font-semibold">{personName(registered)}</span> as{" "}
          <span className="font-mono font-semibold">{registered.mrn}</span>.
        </p>
      ) : null}
      {duplicates ? (
        <div role="alert" className="space-y-2 rounded-md border border-amber-300 bg-amber-50 p-3" data-testid="duplicates">
          <p className="font-semibold text-amber-900">{duplicates.detail}</p>
          <ul className="space-y-2">
            {duplicates.candidates.map((candidate) => (
              <li key={candidate.id} className="flex flex-wrap items-center gap-3 rounded bg-white p-2 text-sm">
                <span className="font-mono">{candidate.mrn}</span>
                <span className="font-medium">{personName(candidate)}</span>
                <span>born {formatDate(candidate.dateOfBirth)}</span>
                <span>{candidate.phone ?? ""}</span>
                <Button
                  variant="secondary"
                  className="ml-auto"
                  onClick={() => {
                    setDuplicates(null);
                    clearForm();
                    onUseExisting(candidate.mrn);
                  }}
                >
                  Same person: use {candidate.mrn}
                </Button>
              </li>
            ))}
          </ul>
          {duplicates.overridable ? (
            <Button variant="danger" disabled={busy} onClick={() => void register(true)}>
              Different person: register anyway
            </Button>
          ) : null}
        </div>
      ) : null}
      <form onSubmit={submit} className="space-y-3" aria-describedby="register-required">
        <p id="register-required" className="text-xs text-slate-500">
          Fields marked * are needed. Give a date of birth, or an age in years when it is not known.
        </p>
        <ErrorSummary error={error} placed={PLACED} />
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            checked={form.unidentified}
            onChange={(event) => setForm((f) => ({ ...f, unidentified: event.target.checked }))}
            className="h-4 w-4"
          />
          Unknown patient (emergency, no name yet)
        </label>
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
          {!form.unidentified ? (
            <>
              <TextField label="First name" name="firstName" required value={form.firstName} onValue={set("firstName")} error={error} maxLength={100} autoComplete="off" />
              <TextField label="Last name" name="lastName" value={form.lastName} onValue={set("lastName")} error={error} maxLength={100} autoComplete="off" />
              <TextField label="Date of birth" name="dateOfBirth" type="date" value={form.dateOfBirth} onValue={set("dateOfBirth")} error={error} />
            </>
          ) : null}
          <TextField label="Age in years" name="age" type="number" min={0} max={150} required={form.unidentified} value={form.age} onValue={set("age")} error={error} hint={form.unidentified ? undefined : "Only when the date of birth is not known"} />
          <SelectField label="Gender" name="gender" required value={form.gender} onValue={set("gender")} options={GENDERS} error={error} />
          <TextField label="Mobile" name="phone" type="tel" value={form.phone} onValue={set("phone")} error={error} maxLength={20} autoComplete="off" />
          <TextField label="E-mail" name="email" type="email" value={form.email} onValue={set("email")} error={error} maxLength={100} autoComplete="off" />
          <TextField label="Address" name="address" value={form.address} onValue={set("address")} error={error} maxLength={500} autoComplete="off" />
          <TextField label="City" name="city" value={form.city} onValue={set("city")} error={error} maxLength={100} autoComplete="off" />
          <TextField label="State" name="state" value={form.state} onValue={set("state")} error={error} maxLength={100} autoComplete="off" />
          <TextField label="PIN code" name="pincode" value={form.pincode} onValue={set("pincode")} error={error} maxLength={10} inputMode="numeric" autoComplete="off" />
          <TextField label="Health ID (ABHA)" name="healthId" value={form.healthId} onValue={set("healthId")} error={error} maxLength={50} autoComplete="off" />
          <TextField label="Emergency contact" name="emergencyContactName" value={form.emergencyContactName} onValue={set("emergencyContactName")} error={error} maxLength={100} autoComplete="off" />
          <TextField label="Emergency contact phone" name="emergencyContactPhone" type="tel" value={form.emergencyContactPhone} onValue={set("emergencyContactPhone")} error={error} maxLength={20} autoComplete="off" />
        </div>
        <div className="flex gap-2">
          <Button type="submit" disabled={busy}>
            {busy ? "Registering…" : "Register"}
          </Button>
          <Button
            variant="secondary"
            onClick={() => {
              clearForm();
              setError(null);
              setDuplicates(null);
            }}
          >
            Clear
          </Button>
        </div>
      </form>
    </section>
  );
}
