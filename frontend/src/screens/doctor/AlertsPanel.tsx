// The doctor's open alerts (critical results, and NEWS2 deterioration of the patients they attend), from their
// own `user:{userId}` topic: each a banner that stays until acknowledged with the action taken, or until the
// alert stops being relevant (`alert.resolved`: discharge, cancelled admission, NEWS2 back to low). A new alert, or an
// escalation, sounds and raises a system notification where permitted. The tablet tells the server the alert
// is on screen (the receipt: what "delivered" means) once the banner is showing, and the banner shows who else
// has been told and when it escalates next.

import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type FormEvent } from "react";
import { IdempotencyKeys } from "../../api/client";
import type { ApiError } from "../../api/errors";
import { useApi } from "../../app-context";
import {
  ESCALATION_LEVEL_LABELS,
  KIND_LABELS,
  REASON_LABELS,
  applyUserEvent,
  isUserBoard,
  type OpenAlert,
  type UserBoard,
} from "../../boards/alerts";
import type { Patient } from "../../api/types";
import { Button, asApiError } from "../../components/forms";
import { formatDateTime, personName } from "../../format";
import { LiveStatus } from "../../realtime/react";
import { boardErrorText, useLiveBoard, type BoardAnswer } from "../../realtime/useLiveBoard";
import { askNotificationPermission, notificationPermission, notify, playAlertSound, unlockSound, type NotifyPermission } from "./alerting";

const QUICK_ACTIONS = [
  "Patient called back and reviewed",
  "Repeat test ordered",
  "Treatment started",
  "Admitted / referred to emergency",
  "Discussed with the on-duty doctor",
];

/** GET /api/alerts/{id}: the alert with who was told, delivery, and when it escalates next. */
interface AlertDetail {
  id: string;
  status: string;
  escalationLevel: number;
  escalateAt: string | null;
  recipients: { userId: string; name: string | null; role: string; level: number; reason: string; deliveredAt: string | null; seenAt: string | null; delivery: string }[];
}

export function AlertsPanel({ userId }: { userId: string }) {
  const api = useApi();
  const [permission, setPermission] = useState<NotifyPermission>(notificationPermission);
  const announced = useRef(new Set<string>());
  const { board, live, error } = useLiveBoard<UserBoard>({
    topic: `user:${userId}`,
    load: () => api.get<BoardAnswer<UserBoard>>("/api/alerts/board", { background: true }),
    isBoard: isUserBoard,
    apply: applyUserEvent,
  });
  const alerts = useMemo(() => board?.alerts ?? [], [board]);

  // Sound and a system notification for each alert the first time it is on this screen, and again when it
  // escalates (the key includes the level).
  useEffect(() => {
    for (const alert of alerts) {
      const key = `${alert.alertId}:${alert.escalationLevel}`;
      if (announced.current.has(key)) continue;
      announced.current.add(key);
      playAlertSound();
      const critical = alert.kind === "CRITICAL_RESULT";
      const title = alert.escalationLevel > 0
        ? (critical ? "Escalated critical alert" : `Escalated alert: ${KIND_LABELS[alert.kind] ?? alert.kind}`)
        : (KIND_LABELS[alert.kind] ?? "Alert");
      notify(alert.alertId, title, alert.message);
    }
  }, [alerts]);

  useEffect(() => {
    window.addEventListener("pointerdown", unlockSound);
    window.addEventListener("keydown", unlockSound);
    return () => {
      window.removeEventListener("pointerdown", unlockSound);
      window.removeEventListener("keydown", unlockSound);
    };
  }, []);

  // The receipt: the alert is on screen (the tab is visible, or a system notification was shown).
  const visible = useSyncExternalStore(
    (listener) => {
      document.addEventListener("visibilitychange", listener);
      return () => document.removeEventListener("visibilitychange", listener);
    },
    () => document.visibilityState === "visible",
  );
  const receipted = useRef(new Set<string>());
  useEffect(() => {
    if (!visible && permission !== "granted") return;
    for (const alert of alerts) {
      if (receipted.current.has(alert.alertId)) continue;
      receipted.current.add(alert.alertId);
      api.post(`/api/alerts/${alert.alertId}/receipt`, undefined, { background: true }).catch(() => receipted.current.delete(alert.alertId));
    }
  }, [alerts, visible, permission, api]);

  return (
    <section aria-labelledby="alerts-title" className="space-y-3" data-testid="alerts-panel">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id="alerts-title" className="text-xl font-bold">
          Alerts
        </h2>
        <LiveStatus state={live} />
        {permission === "default" ? (
          <Button variant="secondary" onClick={() => void askNotificationPermission().then(setPermission)}>
            Allow notifications
          </Button>
        ) : permission === "denied" ? (
          <span className="text-sm text-slate-600">Notifications are blocked in this browser: alerts show here with a sound.</span>
        ) : null}
      </div>
      {error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-red-900">
          {boardErrorText(error)}
        </p>
      ) : null}
      {board === null ? (
        <p role="status" className="text-slate-500">
          Loading alerts…
        </p>
      ) : alerts.length === 0 ? (
        <p className="rounded-md border border-slate-200 bg-white p-3 text-slate-600" data-testid="no-alerts">
          No open alerts.
        </p>
      ) : (
        <ul className="space-y-3">
          {alerts.map((alert) => (
            <li key={alert.alertId}>
              <AlertBanner alert={alert} />
            </li>
          ))}
        </ul>
      )}
      {board && board.resultsToView.length > 0 ? (
        <p className="text-sm text-slate-700" data-testid="results-to-view">
          {board.resultsToView.length} released result{board.resultsToView.length > 1 ? "s" : ""} not yet opened
          {board.resultsToView.some((r) => r.hasCritical) ? " (critical among them)" : ""}.
        </p>
      ) : null}
    </section>
  );
}

function AlertBanner({ alert }: { alert: OpenAlert }) {
  const api = useApi();
  const [patient, setPatient] = useState<Patient | null>(null);
  const [detail, setDetail] = useState<AlertDetail | null>(null);
  const [acking, setAcking] = useState(false);
  const [action, setAction] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));
  const actionField = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    let live = true;
    api.get<{ patient: Patient }>(`/api/patients/${alert.patientId}`, { background: true }).then(
      (found) => live && setPatient(found.patient),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, alert.patientId]);

  useEffect(() => {
    let live = true;
    api.get<{ alert: AlertDetail }>(`/api/alerts/${alert.alertId}`, { background: true }).then(
      (found) => live && setDetail(found.alert),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [api, alert.alertId, alert.escalationLevel]);

  function open() {
    setAcking(true);
    void api.post(`/api/alerts/${alert.alertId}/seen`).catch(() => undefined);
    setTimeout(() => actionField.current?.focus(), 0);
  }

  async function acknowledge(event: FormEvent) {
    event.preventDefault();
    const body = { action: action.trim() };
    if (!body.action) {
      setError(asApiError(new Error("Say what you did about it.")));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/alerts/${alert.alertId}/ack`, body, { idempotencyKey: keys.current.keyFor({ id: alert.alertId, ...body }) });
      keys.current.done();
      // The alert.acknowledged event removes the banner on every screen of every recipient.
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const escalated = alert.escalationLevel > 0;
  const others = detail?.recipients.filter((r) => r.level > 0) ?? [];
  return (
    <article
      role="alert"
      aria-labelledby={`alert-${alert.alertId}`}
      className="rounded-xl border-4 border-red-700 bg-red-50 p-4 shadow"
      data-alert={alert.alertId}
      data-escalation-level={alert.escalationLevel}
    >
      <div className="flex flex-wrap items-center gap-2">
        <span className="rounded bg-red-700 px-2 py-0.5 text-sm font-bold text-white">
          <span aria-hidden="true">⚠ </span>
          {KIND_LABELS[alert.kind] ?? alert.kind.replace(/_/g, " ").toLowerCase()}
        </span>
        {alert.preliminary ? <span className="rounded bg-amber-300 px-2 py-0.5 text-sm font-semibold">Preliminary: not yet verified</span> : null}
        {escalated ? (
          <span className="rounded bg-purple-800 px-2 py-0.5 text-sm font-bold text-white" data-testid="escalated">
            Escalated · level {alert.escalationLevel}: {ESCALATION_LEVEL_LABELS[alert.escalationLevel] ?? ""}
          </span>
        ) : null}
      </div>
      <h3 id={`alert-${alert.alertId}`} className="mt-2 text-lg font-bold text-red-950">
        {patient ? (
          <>
            {personName(patient)} <span className="font-mono text-base font-semibold">{patient.mrn}</span>
            {patient.age !== undefined ? <span className="text-base font-normal"> · {patient.age} y {patient.gender?.[0] ?? ""}</span> : null}
          </>
        ) : (
          "Patient"
        )}
      </h3>
      {alert.analytes.length > 0 ? (
        <ul className="mt-1 space-y-0.5 text-base">
          {alert.analytes.map((a) => (
            <li key={a.code}>
              <span className="font-semibold">{a.name}</span>: <span className="text-xl font-black text-red-800">{a.value}</span>
              {a.unit ? ` ${a.unit}` : ""} <span className="rounded bg-red-200 px-1 text-sm font-bold">{a.flag}</span>
              {a.referenceRange ? <span className="text-sm text-slate-600"> (ref {a.referenceRange})</span> : null}
            </li>
          ))}
        </ul>
      ) : null}
      <p className="mt-1 text-sm text-slate-800">{alert.message}</p>
      <p className="mt-1 text-sm text-slate-700">
        Raised {formatDateTime(alert.raisedAt)} · to you because {REASON_LABELS[alert.reason] ?? alert.reason.replace(/_/g, " ").toLowerCase()}
        {detail?.escalateAt ? ` · escalates at ${formatDateTime(detail.escalateAt)} unless acknowledged` : ""}
      </p>
      {others.length > 0 ? (
        <p className="mt-1 text-sm text-purple-900" data-testid="escalation-recipients">
          Also told:{" "}
          {others.map((r) => `${r.name ?? r.role} (${REASON_LABELS[r.reason as keyof typeof REASON_LABELS] ?? r.reason}, ${r.delivery})`).join("; ")}
        </p>
      ) : null}
      {acking ? (
        <form onSubmit={acknowledge} className="mt-3 space-y-2">
          <label htmlFor={`action-${alert.alertId}`} className="block font-semibold">
            Action taken
          </label>
          <div className="flex flex-wrap gap-2">
            {QUICK_ACTIONS.map((text) => (
              <button
                key={text}
                type="button"
                className="min-h-11 rounded-full border border-slate-400 bg-white px-3 text-sm hover:bg-slate-100"
                onClick={() => setAction((current) => (current ? `${current}; ${text}` : text))}
              >
                {text}
              </button>
            ))}
          </div>
          <textarea
            id={`action-${alert.alertId}`}
            ref={actionField}
            value={action}
            onChange={(event) => setAction(event.target.value)}
            maxLength={500}
            rows={2}
            required
            className="block w-full rounded-md border border-slate-400 p-2 text-base"
          />
          {error ? (
            <p role="alert" className="text-sm font-semibold text-red-800">
              {error.detail}
            </p>
          ) : null}
          <div className="flex gap-2">
            <Button type="submit" disabled={busy} className="min-h-12 text-base" variant="danger">
              {busy ? "Acknowledging…" : "Acknowledge"}
            </Button>
            <Button variant="secondary" className="min-h-12" onClick={() => setAcking(false)}>
              Not yet
            </Button>
          </div>
        </form>
      ) : (
        <Button className="mt-3 min-h-12 text-base" variant="danger" onClick={open}>
          Acknowledge with action taken…
        </Button>
      )}
    </article>
  );
}
