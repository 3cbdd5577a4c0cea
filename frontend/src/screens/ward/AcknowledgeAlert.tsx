// A ward nurse acknowledging an alert about a patient on her ward, from the nurse-station board: what was done
// (quick phrases or free text), sent once (Idempotency-Key). The server records it as the ward nurse's
// (`as: WARD_NURSE`), stops the escalation, and `alert.acknowledged` takes it off every board and tablet.

import { useRef, useState, type FormEvent } from "react";
import { IdempotencyKeys } from "../../api/client";
import type { ApiError } from "../../api/errors";
import { useApi } from "../../app-context";
import { Button, asApiError } from "../../components/forms";

const NURSE_ACTIONS = [
  "Doctor on duty informed",
  "Observations repeated",
  "Oxygen started as prescribed",
  "Rapid response team called",
  "Attending doctor reviewing",
];

export function AcknowledgeAlert({ alertId, bedNumber }: { alertId: string; bedNumber: string }) {
  const api = useApi();
  const [open, setOpen] = useState(false);
  const [action, setAction] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));
  const field = useRef<HTMLTextAreaElement>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const body = { action: action.trim() };
    if (!body.action) {
      setError(asApiError(new Error("Say what was done about it.")));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/alerts/${alertId}/ack`, body, { idempotencyKey: keys.current.keyFor({ id: alertId, ...body }) });
      keys.current.done();
      // alert.acknowledged takes it off this board (and every other) through the ward topic.
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  if (!open) {
    return (
      <Button
        variant="danger"
        className="mt-2"
        onClick={() => {
          setOpen(true);
          setTimeout(() => field.current?.focus(), 0);
        }}
      >
        Acknowledge…
      </Button>
    );
  }
  return (
    <form onSubmit={submit} className="mt-2 space-y-2" aria-label={`Acknowledge the alert of bed ${bedNumber}`}>
      <label htmlFor={`ward-ack-${alertId}`} className="block text-sm font-semibold">
        Action taken
      </label>
      <div className="flex flex-wrap gap-2">
        {NURSE_ACTIONS.map((text) => (
          <button
            key={text}
            type="button"
            className="min-h-9 rounded-full border border-slate-400 bg-white px-3 text-sm hover:bg-slate-100"
            onClick={() => setAction((current) => (current ? `${current}; ${text}` : text))}
          >
            {text}
          </button>
        ))}
      </div>
      <textarea
        id={`ward-ack-${alertId}`}
        ref={field}
        value={action}
        onChange={(event) => setAction(event.target.value)}
        maxLength={500}
        rows={2}
        required
        className="block w-full rounded-md border border-slate-400 p-2 text-sm"
      />
      {error ? (
        <p role="alert" className="text-sm font-semibold text-red-800">
          {error.detail}
        </p>
      ) : null}
      <div className="flex gap-2">
        <Button type="submit" variant="danger" disabled={busy}>
          {busy ? "Acknowledging…" : "Acknowledge"}
        </Button>
        <Button variant="secondary" onClick={() => setOpen(false)}>
          Not yet
        </Button>
      </div>
    </form>
  );
}
