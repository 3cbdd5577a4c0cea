// Admit and transfer from the census board (doctors, nurses, ADMIN). Admit: find the patient, pick a ward and
// one of its free beds, the admitting doctor (a doctor admits under their own name; a nurse or ADMIN names
// one), the type and the reason: POST /api/ipd/admissions. Transfer: pick an active admission and a free bed:
// POST /api/ipd/admissions/{id}/transfer (the old bed goes to cleaning). The free beds are read again whenever
// the census changes, so a bed just taken elsewhere drops out of the list; the change itself reaches every
// open census board through the live topics, like any other.

import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { IdempotencyKeys } from "../../api/client";
import type { ApiError } from "../../api/errors";
import type { PatientsPage } from "../../api/types";
import { useDepartments } from "../../api/departments";
import { useApi } from "../../app-context";
import type { CensusBoard, WardBoard } from "../../boards/beds";
import { Button, ErrorSummary, SelectField, TextField, asApiError } from "../../components/forms";
import type { Role } from "../../session/types";
import { personName } from "../../format";
import { freeBeds, type FreeBed } from "./admitting";

type Mode = "admit" | "transfer" | null;

export function AdmitTransfer({ census, role }: { census: CensusBoard; role: Role }) {
  const [mode, setMode] = useState<Mode>(null);
  return (
    <section aria-label="Admit or transfer" className="space-y-3" data-testid="admit-transfer">
      <div className="flex flex-wrap gap-2">
        <Button variant={mode === "admit" ? "primary" : "secondary"} aria-expanded={mode === "admit"} onClick={() => setMode((m) => (m === "admit" ? null : "admit"))}>
          Admit a patient
        </Button>
        <Button variant={mode === "transfer" ? "primary" : "secondary"} aria-expanded={mode === "transfer"} onClick={() => setMode((m) => (m === "transfer" ? null : "transfer"))}>
          Transfer a patient
        </Button>
      </div>
      {mode === "admit" ? <AdmitForm census={census} role={role} onClose={() => setMode(null)} /> : null}
      {mode === "transfer" ? <TransferForm census={census} onClose={() => setMode(null)} /> : null}
    </section>
  );
}

/** The free beds of a ward, read again whenever the census moves. */
function useFreeBeds(wardId: string, census: CensusBoard, except?: string | null) {
  const api = useApi();
  const [board, setBoard] = useState<WardBoard | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    if (!wardId) return;
    let live = true;
    // The ward topic's board as the socket would send it ({topic, epoch, seq, data}).
    api.get<{ data: WardBoard }>(`/api/ipd/wards/${wardId}/board`, { background: true }).then(
      (answer) => {
        if (!live) return;
        setBoard(answer.data);
        setError(null);
      },
      (caught: unknown) => live && setError(asApiError(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, wardId, census]);
  const beds = useMemo(() => (board?.wardId === wardId ? freeBeds(board, except) : []), [board, wardId, except]);
  return { beds, error };
}

interface WardAndBedProps {
  census: CensusBoard;
  wardId: string;
  bedId: string;
  onWard: (id: string) => void;
  onBed: (id: string) => void;
  beds: FreeBed[];
  bedsError: ApiError | null;
  error: ApiError | null;
}

function WardAndBed({ census, wardId, bedId, onWard, onBed, beds, bedsError, error }: WardAndBedProps) {
  // A bed taken meanwhile (by another board) is no longer offered.
  useEffect(() => {
    if (bedId && !beds.some((b) => b.bedId === bedId)) onBed("");
  }, [beds, bedId, onBed]);
  return (
    <>
      <SelectField
        label="Ward"
        name="wardId"
        value={wardId}
        onValue={(id) => {
          onWard(id);
          onBed("");
        }}
        options={[{ value: "", label: "— choose a ward —" }, ...census.byWard.map((w) => ({ value: w.wardId, label: `${w.name} (${w.code}) · ${w.available} free` }))]}
        required
      />
      <SelectField
        label="Bed"
        name="bedId"
        value={bedId}
        onValue={onBed}
        options={[{ value: "", label: wardId ? (beds.length ? "— choose a free bed —" : "no free bed in this ward") : "— choose the ward first —" }, ...beds.map((b) => ({ value: b.bedId, label: b.label }))]}
        error={error}
        required
      />
      {bedsError ? <p className="text-sm text-red-800">{bedsError.detail}</p> : null}
    </>
  );
}

function roomOf(bedId: string, beds: readonly FreeBed[]): string | undefined {
  return beds.find((b) => b.bedId === bedId)?.roomId;
}

function AdmitForm({ census, role, onClose }: { census: CensusBoard; role: Role; onClose: () => void }) {
  const api = useApi();
  const { data: departments } = useDepartments();
  const [search, setSearch] = useState("");
  const [found, setFound] = useState<PatientsPage | null>(null);
  const [patientId, setPatientId] = useState("");
  const [wardId, setWardId] = useState("");
  const [bedId, setBedId] = useState("");
  const [doctorId, setDoctorId] = useState("");
  const [type, setType] = useState("ROUTINE");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));
  const { beds, error: bedsError } = useFreeBeds(wardId, census);
  const namesDoctor = role !== "DOCTOR";
  const doctors = useMemo(
    () =>
      (departments?.departments ?? [])
        .flatMap((d) => d.doctors.map((doctor) => ({ value: doctor.id, label: `Dr ${doctor.name ?? "(no name)"} · ${d.name}` })))
        .sort((a, b) => a.label.localeCompare(b.label)),
    [departments],
  );

  async function find(event: FormEvent) {
    event.preventDefault();
    if (!search.trim()) return;
    try {
      setFound(await api.get<PatientsPage>("/api/patients", { query: { search: search.trim(), limit: 10 } }));
      setError(null);
    } catch (caught) {
      setError(asApiError(caught));
    }
  }

  async function admit(event: FormEvent) {
    event.preventDefault();
    const body: Record<string, unknown> = { patientId, bedId, roomId: roomOf(bedId, beds), admissionType: type, reasonForAdmission: reason.trim() };
    if (namesDoctor) body.doctorId = doctorId;
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<{ admission: { place: { bedNumber: string | null } } }>("/api/ipd/admissions", body, { idempotencyKey: keys.current.keyFor(body) });
      keys.current.done();
      const patient = found?.patients.find((p) => p.id === patientId);
      setDone(`${patient ? personName(patient) : "The patient"} admitted to bed ${answer.admission.place.bedNumber ?? ""}.`);
      setPatientId("");
      setBedId("");
      setReason("");
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="space-y-3 rounded-md border-2 border-teal-600 bg-white p-4" data-testid="admit-form">
      <h2 className="text-lg font-semibold">Admit a patient</h2>
      <form role="search" onSubmit={find} className="flex flex-wrap items-end gap-2">
        <TextField className="min-w-64 flex-1" label="Find the patient (name, phone, MRN)" name="search" value={search} onValue={setSearch} autoFocus />
        <Button type="submit" variant="secondary">
          Search
        </Button>
      </form>
      {found ? (
        found.patients.length === 0 ? (
          <p className="text-sm text-slate-600">No patient matches.</p>
        ) : (
          <fieldset>
            <legend className="text-sm font-medium text-slate-700">Patient</legend>
            <ul className="mt-1 space-y-1">
              {found.patients.map((p) => (
                <li key={p.id}>
                  <label className="flex items-center gap-2 text-sm">
                    <input type="radio" name="patient" value={p.id} checked={patientId === p.id} onChange={() => setPatientId(p.id)} />
                    {personName(p)} <span className="font-mono text-slate-600">{p.mrn}</span> {p.age !== undefined ? `· ${p.age} y` : ""}
                  </label>
                </li>
              ))}
            </ul>
          </fieldset>
        )
      ) : null}
      <form onSubmit={admit} className="grid grid-cols-1 gap-3 sm:grid-cols-2">
        <WardAndBed census={census} wardId={wardId} bedId={bedId} onWard={setWardId} onBed={setBedId} beds={beds} bedsError={bedsError} error={error} />
        {namesDoctor ? (
          <SelectField label="Admitting doctor" name="doctorId" value={doctorId} onValue={setDoctorId} options={[{ value: "", label: "— choose —" }, ...doctors]} error={error} required />
        ) : null}
        <SelectField
          label="Admission type"
          name="admissionType"
          value={type}
          onValue={setType}
          options={[
            { value: "ROUTINE", label: "Routine" },
            { value: "URGENT", label: "Urgent" },
            { value: "EMERGENCY", label: "Emergency" },
          ]}
        />
        <TextField className="sm:col-span-2" label="Reason for admission" name="reasonForAdmission" value={reason} onValue={setReason} error={error} maxLength={4000} required />
        <div className="flex gap-2 sm:col-span-2">
          <Button type="submit" disabled={busy || !patientId || !bedId || !reason.trim() || (namesDoctor && !doctorId)}>
            {busy ? "Admitting…" : "Admit"}
          </Button>
          <Button variant="secondary" onClick={onClose}>
            Close
          </Button>
        </div>
      </form>
      <ErrorSummary error={error} placed={["bedId", "doctorId", "reasonForAdmission"]} />
      {done ? (
        <p role="status" className="text-sm text-teal-900" data-testid="admit-done">
          {done}
        </p>
      ) : null}
    </div>
  );
}

interface AdmissionItem {
  admission: { id: string; version: number; place: { ward: { id: string; code: string } | null; bedId: string | null; bedNumber: string | null } };
  patient: { id: string; mrn: string; name: string };
}

function TransferForm({ census, onClose }: { census: CensusBoard; onClose: () => void }) {
  const api = useApi();
  const [admissions, setAdmissions] = useState<AdmissionItem[] | null>(null);
  const [admissionId, setAdmissionId] = useState("");
  const [wardId, setWardId] = useState("");
  const [bedId, setBedId] = useState("");
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));
  const chosen = admissions?.find((a) => a.admission.id === admissionId) ?? null;
  const { beds, error: bedsError } = useFreeBeds(wardId, census, chosen?.admission.place.bedId);

  // The active admissions, read again when the census moves (a bed taken or freed elsewhere).
  useEffect(() => {
    let live = true;
    api.get<{ admissions: AdmissionItem[] }>("/api/ipd/admissions", { query: { status: "ACTIVE", limit: 200 }, background: true }).then(
      (answer) => live && setAdmissions(answer.admissions.filter((a) => a.admission.place.bedId !== null)),
      (caught: unknown) => live && setError(asApiError(caught)),
    );
    return () => {
      live = false;
    };
  }, [api, census]);

  async function transfer(event: FormEvent) {
    event.preventDefault();
    if (!chosen) return;
    const body: Record<string, unknown> = { newBedId: bedId, newRoomId: roomOf(bedId, beds), version: chosen.admission.version };
    if (reason.trim()) body.reason = reason.trim();
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<{ admission: { place: { bedNumber: string | null } } }>(`/api/ipd/admissions/${chosen.admission.id}/transfer`, body, {
        idempotencyKey: keys.current.keyFor({ id: chosen.admission.id, ...body }),
      });
      keys.current.done();
      setDone(`${chosen.patient.name} moved from bed ${chosen.admission.place.bedNumber ?? ""} to bed ${answer.admission.place.bedNumber ?? ""}.`);
      setAdmissionId("");
      setBedId("");
      setReason("");
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={transfer} className="grid grid-cols-1 gap-3 rounded-md border-2 border-teal-600 bg-white p-4 sm:grid-cols-2" data-testid="transfer-form">
      <h2 className="text-lg font-semibold sm:col-span-2">Transfer a patient</h2>
      <SelectField
        className="sm:col-span-2"
        label="Patient (in a bed now)"
        name="admissionId"
        value={admissionId}
        onValue={setAdmissionId}
        options={[
          { value: "", label: admissions === null ? "Loading…" : "— choose —" },
          ...(admissions ?? []).map((a) => ({ value: a.admission.id, label: `${a.patient.name} · ${a.patient.mrn} · bed ${a.admission.place.bedNumber ?? "?"}` })),
        ]}
        required
        autoFocus
      />
      <WardAndBed census={census} wardId={wardId} bedId={bedId} onWard={setWardId} onBed={setBedId} beds={beds} bedsError={bedsError} error={error} />
      <TextField className="sm:col-span-2" label="Reason (optional)" name="reason" value={reason} onValue={setReason} error={error} maxLength={500} />
      <div className="flex gap-2 sm:col-span-2">
        <Button type="submit" disabled={busy || !chosen || !bedId}>
          {busy ? "Transferring…" : "Transfer"}
        </Button>
        <Button variant="secondary" onClick={onClose}>
          Close
        </Button>
      </div>
      <div className="sm:col-span-2">
        <ErrorSummary error={error} placed={["newBedId", "reason"]} />
        {done ? (
          <p role="status" className="text-sm text-teal-900" data-testid="transfer-done">
            {done}
          </p>
        ) : null}
      </div>
    </form>
  );
}
