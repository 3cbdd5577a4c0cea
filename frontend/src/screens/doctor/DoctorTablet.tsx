// The doctor's tablet (/doctor), made for a 10-inch tablet held upright: critical and deterioration alerts on
// top (they stay until acknowledged), then "Call next" and the doctor's own queue, live from the department's
// `opd:` topic, then the doctor's admitted patients with their latest NEWS2, live from the ward topics.

import { useRef, useState } from "react";
import { useNavigate } from "react-router";
import { IdempotencyKeys } from "../../api/client";
import type { ApiError } from "../../api/errors";
import { useApiGet } from "../../api/useApiGet";
import { useApi, useSessionState } from "../../app-context";
import { PRIORITY_LABELS, applyOpdEvent, isOpdBoard, minutesSince, type OpdBoard, type OpdQueueEntry } from "../../boards/opd";
import { waitText } from "../../boards/display";
import { Button, ErrorSummary, asApiError } from "../../components/forms";
import { useNow } from "../../hooks/useNow";
import { LiveStatus } from "../../realtime/react";
import { boardErrorText, useLiveBoard } from "../../realtime/useLiveBoard";
import { AlertsPanel } from "./AlertsPanel";
import { MyInpatients } from "./MyInpatients";

interface Doctor {
  id: string;
  name: string | null;
  departmentId: string | null;
  departmentName: string | null;
  specialization: string | null;
  opdRoom: string | null;
}

interface Schedule {
  doctor: Doctor;
  date: string;
  queue: Record<string, number>;
}

export function DoctorTablet() {
  const { user } = useSessionState();
  const { data: schedule, error } = useApiGet<Schedule>("/api/dashboard/doctor/my-schedule");
  if (user === null) return null;
  return (
    <div className="mx-auto max-w-3xl space-y-6" data-testid="doctor-tablet">
      <h1 className="text-2xl font-bold">
        {schedule?.doctor.name ? `Dr ${schedule.doctor.name}` : "My queue & alerts"}
        {schedule?.doctor.departmentName ? <span className="block text-base font-normal text-slate-600">{schedule.doctor.departmentName}</span> : null}
      </h1>
      <AlertsPanel userId={user.id} />
      <ErrorSummary error={error} />
      {schedule?.doctor.departmentId ? <MyQueue doctor={schedule.doctor} /> : null}
      {schedule ? <MyInpatients doctorId={schedule.doctor.id} /> : null}
    </div>
  );
}

const ROOM_KEY = "hl.doctor-room";

function MyQueue({ doctor }: { doctor: Doctor }) {
  const api = useApi();
  const now = useNow(30_000);
  const departmentId = doctor.departmentId!;
  const { board, live, error } = useLiveBoard<OpdBoard>({
    topic: `opd:${departmentId}`,
    read: () => api.get<OpdBoard>("/api/opd/queue", { query: { departmentId }, background: true }),
    isBoard: isOpdBoard,
    apply: applyOpdEvent,
  });
  const [room, setRoom] = useState(() => window.localStorage.getItem(ROOM_KEY) ?? doctor.opdRoom ?? "");
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));

  const mine = (e: OpdQueueEntry) => e.doctorId === doctor.id;
  const called = (board?.waitingPatients ?? []).filter((e) => e.status === "CALLED" && mine(e));
  const inRoom = (board?.inConsultation ?? []).filter(mine);
  const waiting = (board?.waitingPatients ?? [])
    .filter((e) => e.status === "WAITING" && (e.doctorId === null || mine(e)))
    .sort((a, b) => (a.estimatedWaitMinutes ?? Infinity) - (b.estimatedWaitMinutes ?? Infinity) || a.tokenNumber - b.tokenNumber);
  const seen = (board?.completed ?? []).filter(mine).length;

  async function act(path: string, body: Record<string, unknown>, done: (answer: { token: { tokenNumber: number; patientName: string; room: string | null } | null; detail?: string | null }) => string) {
    setBusy(true);
    setActionError(null);
    try {
      const answer = await api.post<{ token: { tokenNumber: number; patientName: string; room: string | null } | null; detail?: string | null }>(path, body, {
        idempotencyKey: keys.current.keyFor({ path, ...body }),
      });
      keys.current.done();
      setMessage(done(answer));
    } catch (caught) {
      setActionError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  function callNext() {
    const chosen = room.trim();
    if (chosen) window.localStorage.setItem(ROOM_KEY, chosen);
    void act("/api/opd/queue/call-next", chosen ? { room: chosen } : {}, (answer) =>
      answer.token ? `Called token ${answer.token.tokenNumber} (${answer.token.patientName}) to room ${answer.token.room ?? chosen}.` : (answer.detail ?? "Nobody is waiting for you."),
    );
  }

  return (
    <section aria-labelledby="queue-title" className="space-y-4" data-testid="my-queue">
      <div className="flex flex-wrap items-center gap-3">
        <h2 id="queue-title" className="text-xl font-bold">
          My queue
        </h2>
        <LiveStatus state={live} />
        <span className="text-sm text-slate-600">
          {waiting.length} waiting · {seen} seen today
        </span>
      </div>
      <div className="flex flex-wrap items-end gap-3 rounded-xl border border-slate-300 bg-white p-4">
        <label className="block">
          <span className="block text-sm font-medium text-slate-700">Your room</span>
          <input
            value={room}
            onChange={(event) => setRoom(event.target.value)}
            maxLength={50}
            className="mt-1 block w-28 rounded-md border border-slate-300 px-3 py-2 text-lg"
            aria-describedby="room-hint"
          />
        </label>
        <Button className="min-h-14 flex-1 text-xl" disabled={busy} onClick={callNext}>
          {busy ? "Calling…" : "Call next patient"}
        </Button>
        <p id="room-hint" className="w-full text-xs text-slate-500">
          The waiting-room display announces the token with this room.
        </p>
      </div>
      {message ? (
        <p role="status" className="rounded-md border border-teal-300 bg-teal-50 p-3 text-teal-950" data-testid="call-result">
          {message}
        </p>
      ) : null}
      <ErrorSummary error={actionError} />
      {error ? <p role="alert">{boardErrorText(error)}</p> : null}
      {board === null ? (
        <p role="status" className="text-slate-500">
          Loading the queue…
        </p>
      ) : (
        <>
          {called.length > 0 || inRoom.length > 0 ? (
            <ul className="space-y-2" data-testid="called">
              {[...inRoom, ...called].map((entry) => (
                <li key={entry.tokenId} className="rounded-xl border-2 border-teal-600 bg-teal-50 p-3" data-token={entry.tokenNumber}>
                  <QueueLine entry={entry} now={now} />
                  {entry.status === "CALLED" ? (
                    <div className="mt-2 flex flex-wrap gap-2">
                      <span className="self-center text-sm text-slate-700">
                        Called {entry.callCount} time{entry.callCount > 1 ? "s" : ""}
                      </span>
                      <Button
                        variant="secondary"
                        className="min-h-11"
                        disabled={busy}
                        onClick={() => void act(`/api/opd/queue/tokens/${entry.tokenId}/recall`, {}, () => `Token ${entry.tokenNumber} called again.`)}
                      >
                        Call again
                      </Button>
                      <Button
                        variant="secondary"
                        className="min-h-11"
                        disabled={busy}
                        onClick={() => void act(`/api/opd/queue/tokens/${entry.tokenId}/no-show`, {}, () => `Token ${entry.tokenNumber} marked as not answering.`)}
                      >
                        Did not come
                      </Button>
                    </div>
                  ) : (
                    <p className="mt-1 text-sm font-semibold text-teal-900">In consultation</p>
                  )}
                  <OpenConsultation entry={entry} />
                </li>
              ))}
            </ul>
          ) : null}
          {waiting.length === 0 ? (
            <p className="rounded-md border border-slate-200 bg-white p-3 text-slate-600">Nobody is waiting for you.</p>
          ) : (
            <ol className="divide-y divide-slate-200 rounded-xl border border-slate-300 bg-white" data-testid="waiting">
              {waiting.map((entry) => (
                <li key={entry.tokenId} className="p-3" data-token={entry.tokenNumber}>
                  <QueueLine entry={entry} now={now} />
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}

function QueueLine({ entry, now }: { entry: OpdQueueEntry; now: number }) {
  const urgent = entry.priority === "EMERGENCY" || entry.priority === "URGENT";
  return (
    <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
      <span className="w-12 text-2xl font-black tabular-nums">{entry.tokenNumber}</span>
      <span className="text-lg font-semibold">{entry.patientName}</span>
      <span className="text-sm text-slate-600">
        {entry.age} y · {entry.gender?.[0] ?? ""} · <span className="font-mono">{entry.mrn}</span>
      </span>
      {entry.priority !== "ROUTINE" ? (
        <span className={`rounded px-2 py-0.5 text-xs font-bold ${urgent ? "bg-red-700 text-white" : "bg-slate-200"}`}>
          {PRIORITY_LABELS[entry.priority] ?? entry.priority}
        </span>
      ) : null}
      {entry.appointmentAt ? <span className="rounded bg-sky-100 px-2 py-0.5 text-xs font-semibold">Booked</span> : null}
      <span className="ml-auto text-sm text-slate-700">
        {entry.status === "WAITING"
          ? `waiting ${minutesSince(entry.arrivedAt, now)} min · est. ${waitText(entry.estimatedWaitMinutes)}`
          : entry.room
            ? `Room ${entry.room}`
            : ""}
      </span>
    </div>
  );
}

/** Start the consultation of a called patient (or go back to the one already started) on its own screen. */
function OpenConsultation({ entry }: { entry: OpdQueueEntry }) {
  const api = useApi();
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));

  async function open() {
    setBusy(true);
    setError(null);
    const body = { visitId: entry.visitId };
    try {
      const answer = await api.post<{ consultationId: string }>("/api/opd/consultations", body, { idempotencyKey: keys.current.keyFor(body) });
      keys.current.done();
      navigate(`/opd/consultations/${answer.consultationId}`);
    } catch (caught) {
      const failure = asApiError(caught);
      const existing = failure.status === 409 ? failure.extra<string>("consultationId") : undefined;
      if (existing) navigate(`/opd/consultations/${existing}`);
      else setError(failure);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="mt-2">
      <Button className="min-h-11" disabled={busy} onClick={() => void open()}>
        {entry.status === "CALLED" ? "Start consultation" : "Open consultation"}
      </Button>
      <ErrorSummary error={error} />
    </div>
  );
}
