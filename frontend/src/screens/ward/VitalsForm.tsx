// One set of observations for a bed: one form, in the order of the NEWS2 chart, all keyboard (Tab between
// fields, Enter records). Each record carries its own Idempotency-Key, so a retry after a dropped connection
// never charts the set twice. The answer's NEWS2 is shown at once; the board updates from the ward topic.

import { useEffect, useRef, useState, type FormEvent } from "react";
import { IdempotencyKeys } from "../../api/client";
import type { ApiError } from "../../api/errors";
import { useApi } from "../../app-context";
import type { RiskBand } from "../../boards/beds";
import { Button, ErrorSummary, SelectField, TextField, asApiError } from "../../components/forms";
import { useDraft } from "../../drafts/useDraft";
import { News2Badge } from "./news2";

interface Recorded {
  vitalSign: {
    news2: { score: number; band: RiskBand; response: string } | null;
    missing: string[];
    nextDueAt: string | null;
  };
}

const EMPTY = {
  respiratoryRate: "",
  oxygenSaturation: "",
  onOxygen: "air",
  bloodPressureSystolic: "",
  bloodPressureDiastolic: "",
  heartRate: "",
  consciousness: "A",
  temperature: "",
  painScore: "",
};

const FIELDS = ["respiratoryRate", "oxygenSaturation", "onOxygen", "bloodPressureSystolic", "bloodPressureDiastolic", "heartRate", "consciousness", "temperature", "painScore"];

function whole(text: string): number | undefined {
  return text.trim() === "" ? undefined : Number(text.trim());
}

export function VitalsForm({ admissionId, bedNumber, onClose }: { admissionId: string; bedNumber: string; onClose: () => void }) {
  const api = useApi();
  const [form, setForm, clearForm] = useDraft(`ward.vitals.${admissionId}`, EMPTY);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Recorded["vitalSign"] | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));
  const first = useRef<HTMLDivElement>(null);
  useEffect(() => first.current?.querySelector("input")?.focus(), []);

  const set = (name: keyof typeof EMPTY) => (value: string) => setForm((f) => ({ ...f, [name]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = {
      respiratoryRate: whole(form.respiratoryRate),
      oxygenSaturation: whole(form.oxygenSaturation),
      onOxygen: form.onOxygen === "oxygen",
      bloodPressureSystolic: whole(form.bloodPressureSystolic),
      bloodPressureDiastolic: whole(form.bloodPressureDiastolic),
      heartRate: whole(form.heartRate),
      consciousness: form.consciousness,
      temperature: whole(form.temperature),
      painScore: whole(form.painScore),
    };
    setBusy(true);
    setError(null);
    try {
      const answer = await api.post<Recorded>(`/api/ipd/admissions/${admissionId}/vital-signs`, body, {
        idempotencyKey: keys.current.keyFor({ admissionId, ...body }),
      });
      keys.current.done();
      clearForm();
      setResult(answer.vitalSign);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const number = { inputMode: "decimal" as const, autoComplete: "off" };
  return (
    <form onSubmit={submit} aria-label={`Vital signs for bed ${bedNumber}`} className="space-y-3" data-testid="vitals-form">
      <div ref={first} className="grid grid-cols-2 gap-3 sm:grid-cols-3">
        <TextField label="Respiration rate (/min)" name="respiratoryRate" value={form.respiratoryRate} onValue={set("respiratoryRate")} error={error} {...number} />
        <TextField label="SpO₂ (%)" name="oxygenSaturation" value={form.oxygenSaturation} onValue={set("oxygenSaturation")} error={error} {...number} />
        <SelectField
          label="Air or oxygen"
          name="onOxygen"
          value={form.onOxygen}
          onValue={set("onOxygen")}
          options={[
            { value: "air", label: "Air" },
            { value: "oxygen", label: "Oxygen" },
          ]}
          error={error}
        />
        <TextField label="Systolic BP (mmHg)" name="bloodPressureSystolic" value={form.bloodPressureSystolic} onValue={set("bloodPressureSystolic")} error={error} {...number} />
        <TextField label="Diastolic BP (mmHg)" name="bloodPressureDiastolic" value={form.bloodPressureDiastolic} onValue={set("bloodPressureDiastolic")} error={error} {...number} />
        <TextField label="Pulse (/min)" name="heartRate" value={form.heartRate} onValue={set("heartRate")} error={error} {...number} />
        <SelectField
          label="Consciousness (ACVPU)"
          name="consciousness"
          value={form.consciousness}
          onValue={set("consciousness")}
          options={[
            { value: "A", label: "A: alert" },
            { value: "C", label: "C: new confusion" },
            { value: "V", label: "V: responds to voice" },
            { value: "P", label: "P: responds to pain" },
            { value: "U", label: "U: unresponsive" },
          ]}
          error={error}
        />
        <TextField label="Temperature (°C)" name="temperature" value={form.temperature} onValue={set("temperature")} error={error} {...number} />
        <TextField label="Pain (0–10)" name="painScore" value={form.painScore} onValue={set("painScore")} error={error} {...number} />
      </div>
      <ErrorSummary error={error} placed={FIELDS} />
      {result ? (
        <p role="status" className="flex flex-wrap items-center gap-2 rounded-md border border-slate-300 bg-white p-2" data-testid="vitals-result">
          Recorded.{" "}
          {result.news2 ? (
            <>
              <News2Badge score={result.news2.score} band={result.news2.band} /> {result.news2.response}
            </>
          ) : (
            `Not scored: ${result.missing.join(", ")} missing.`
          )}
        </p>
      ) : null}
      <div className="flex gap-2">
        <Button type="submit" disabled={busy}>
          {busy ? "Recording…" : "Record vitals"}
        </Button>
        <Button variant="secondary" onClick={onClose}>
          Close
        </Button>
      </div>
    </form>
  );
}
