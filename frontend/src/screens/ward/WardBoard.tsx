// The nurse-station board (/ward/{wardId}): a grid of the ward's beds from its live `ward:{wardId}` topic —
// state, who is in each bed (as the viewer's role may see: nurses and doctors see names and MRNs; a wall
// screen with a device token sees none), days since admission, the latest vitals with NEWS2 coloured by band
// (and always written as a number and a word), observations due or overdue, overdue doses, and the open
// alerts about each patient (a nurse of the ward, or ADMIN, acknowledges them here with the action taken;
// they leave on acknowledgement or when resolved). Choosing a bed opens it: one keyboard-only form for a set of vitals, and the
// last 72 hours as a chart.

import { useCallback, useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useApiGet } from "../../api/useApiGet";
import { useApi, useViewer } from "../../app-context";
import { ESCALATION_LEVEL_LABELS } from "../../boards/alerts";
import {
  BED_STATE_LABELS,
  ROOM_TYPE_LABELS,
  applyWardEvent,
  countOf,
  durationSince,
  isWardBoard,
  occupancyPercent,
  type BoardAdmission,
  type BoardBed,
  type BoardPatient,
  type CensusBoard,
  type WardAlert,
  type WardBoard,
} from "../../boards/beds";
import { Button } from "../../components/forms";
import { formatDateTime, personName } from "../../format";
import { useNow } from "../../hooks/useNow";
import type { EventMessage } from "../../realtime/protocol";
import { LiveStatus } from "../../realtime/react";
import { boardErrorText, useLiveBoard } from "../../realtime/useLiveBoard";
import { STATE_LOOK, StateBadge } from "../census/BedTile";
import { AcknowledgeAlert } from "./AcknowledgeAlert";
import { News2Badge } from "./news2";
import { VitalsForm } from "./VitalsForm";
import { VitalsTrend } from "./VitalsTrend";

const STATION_KEY = "hl.ward-station";

/** /ward: the ward this nurse-station PC shows (remembered on the PC), or a choice of wards. */
export function WardPicker() {
  const navigate = useNavigate();
  const remembered = window.localStorage.getItem(STATION_KEY);
  const { data, error } = useApiGet<CensusBoard>("/api/ipd/census");
  useEffect(() => {
    if (remembered) navigate(`/ward/${remembered}`, { replace: true });
  }, [remembered, navigate]);
  if (remembered) return null;
  return (
    <section aria-labelledby="ward-picker" className="space-y-4">
      <h1 id="ward-picker" className="text-2xl font-bold">
        Which ward does this station show?
      </h1>
      <p className="text-sm text-slate-600">This computer remembers the ward you choose; “Change ward” on the board changes it.</p>
      {error ? <p role="alert">{error.detail}</p> : null}
      <ul className="grid gap-3 sm:grid-cols-2">
        {(data?.byWard ?? []).map((ward) => (
          <li key={ward.wardId}>
            <Link
              to={`/ward/${ward.wardId}`}
              onClick={() => window.localStorage.setItem(STATION_KEY, ward.wardId)}
              className="block rounded-lg border border-slate-300 bg-white p-4 hover:bg-teal-50"
            >
              <span className="text-lg font-semibold">{ward.name}</span> <span className="text-slate-500">({ward.code})</span>
              <span className="block text-sm text-slate-600">
                {ward.occupiedBeds}/{ward.totalBeds} beds occupied
              </span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function WardBoardScreen() {
  const { wardId } = useParams();
  const viewer = useViewer();
  const api = useApi();
  const now = useNow(30_000);
  // Who came into a bed since the board was read (bed.occupied carries no name): read per admission.
  const [arrived, setArrived] = useState<Record<string, BoardPatient>>({});
  const [open, setOpen] = useState<string | null>(null);
  const seesPatients = viewer.kind === "staff";
  const { board, live, error } = useLiveBoard<WardBoard>({
    topic: wardId ? `ward:${wardId}` : null,
    isBoard: isWardBoard,
    apply: (current: WardBoard, message: EventMessage) => applyWardEvent(current, message),
    onEvent: (message) => {
      if (message.event !== "bed.occupied" || !seesPatients) return;
      const admissionId = (message.data as { admission: { id: string } }).admission.id;
      api.get<{ patient: BoardPatient }>(`/api/ipd/admissions/${admissionId}`, { background: true }).then(
        (found) => setArrived((known) => ({ ...known, [admissionId]: found.patient })),
        () => undefined,
      );
    },
  });
  const close = useCallback(() => setOpen(null), []);

  if (error) {
    const forbidden = !("status" in error) && error.code === "forbidden";
    return (
      <section className="space-y-3">
        <h1 className="text-2xl font-bold">Ward board</h1>
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-red-900">
          {forbidden
            ? "This ward's board is for its own nurses (assigned or on duty now), doctors and administrators."
            : boardErrorText(error)}
        </p>
        {viewer.kind === "staff" ? <ChangeWard /> : null}
      </section>
    );
  }
  if (board === null) {
    return (
      <p role="status" className="text-slate-500">
        Loading the ward…
      </p>
    );
  }
  const beds = board.rooms.flatMap((room) =>
    room.beds.map((bed) => {
      const admission = bed.admission ? { ...bed.admission, patient: bed.admission.patient ?? arrived[bed.admission.id] } : null;
      return { bed: { ...bed, admission }, room: `${ROOM_TYPE_LABELS[room.roomType]} · Room ${room.roomNumber}` };
    }),
  );
  const alerts = beds.flatMap(({ bed }) => (bed.admission?.alerts ?? []).map((alert) => ({ alert, bed })));
  const opened = beds.find(({ bed }) => bed.id === open) ?? null;
  const canChart = viewer.kind === "staff" && ["NURSE", "DOCTOR", "ADMIN"].includes(viewer.user.role);
  // The ward's nurses may acknowledge its alerts (the server checks they are this ward's); doctors do so
  // from their tablet, where the alerts are addressed to them.
  const canAcknowledge = viewer.kind === "staff" && ["NURSE", "ADMIN"].includes(viewer.user.role);

  return (
    <div className="space-y-5" data-testid="ward-board">
      <div className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <h1 className="text-2xl font-bold">
          {board.name} <span className="text-slate-500">({board.code})</span>
        </h1>
        {board.floor !== null ? <span className="text-slate-600">Floor {board.floor}</span> : null}
        <LiveStatus state={live} />
        <span className="font-semibold tabular-nums">
          {occupancyPercent(board.counts)}% occupied · {board.counts.occupiedBeds}/{board.counts.totalBeds}
        </span>
        <span className="flex flex-wrap gap-1">
          {(["AVAILABLE", "RESERVED", "CLEANING", "MAINTENANCE"] as const).map((s) => (
            <StateBadge key={s} state={s} count={countOf(board.counts, s)} />
          ))}
        </span>
        {viewer.kind === "staff" ? <ChangeWard /> : null}
      </div>

      <WardAlerts alerts={alerts} now={now} canAcknowledge={canAcknowledge} />

      {opened && opened.bed.admission && canChart ? (
        <BedPanel bed={opened.bed} admission={opened.bed.admission} now={now} onClose={close} />
      ) : null}

      <div className="grid grid-cols-[repeat(auto-fill,minmax(15rem,1fr))] gap-3" data-testid="ward-beds-grid">
        {beds.map(({ bed, room }) => (
          <BedCard
            key={bed.id}
            bed={bed}
            roomLabel={room}
            now={now}
            onOpen={canChart && bed.admission ? () => setOpen(bed.id) : undefined}
          />
        ))}
      </div>
    </div>
  );
}

function ChangeWard() {
  const navigate = useNavigate();
  return (
    <button
      type="button"
      className="ml-auto rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm font-semibold hover:bg-slate-100"
      onClick={() => {
        window.localStorage.removeItem(STATION_KEY);
        navigate("/ward");
      }}
    >
      Change ward
    </button>
  );
}

function WardAlerts({ alerts, now, canAcknowledge }: { alerts: { alert: WardAlert; bed: BoardBed }[]; now: number; canAcknowledge: boolean }) {
  if (alerts.length === 0) return null;
  return (
    <section aria-labelledby="ward-alerts" className="rounded-lg border-2 border-red-600 bg-red-50 p-3" data-testid="ward-alerts">
      <h2 id="ward-alerts" className="font-bold text-red-900">
        <span aria-hidden="true">⚠ </span>Open alerts on this ward ({alerts.length})
      </h2>
      <ul className="mt-2 space-y-2">
        {alerts.map(({ alert, bed }) => (
          <li key={alert.alertId} className="rounded border border-red-300 bg-white p-2" data-alert={alert.alertId}>
            <p className="font-semibold">
              Bed {bed.bedNumber}: {alert.message}
              {alert.preliminary ? <span className="ml-2 rounded bg-amber-200 px-1 text-xs">preliminary</span> : null}
            </p>
            <p className="text-sm text-slate-700">
              Raised {durationSince(alert.raisedAt, now)} ago ({formatDateTime(alert.raisedAt)}) · {alert.kind === "CRITICAL_RESULT" ? "with the ordering doctor" : "with the attending doctor"}
              {alert.escalationLevel > 0 ? ` · escalated: ${ESCALATION_LEVEL_LABELS[alert.escalationLevel] ?? alert.escalationLevel}` : ""}
            </p>
            {canAcknowledge ? <AcknowledgeAlert alertId={alert.alertId} bedNumber={bed.bedNumber} /> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function BedCard({ bed, roomLabel, now, onOpen }: { bed: BoardBed; roomLabel: string; now: number; onOpen?: () => void }) {
  const look = STATE_LOOK[bed.status];
  const admission = bed.admission ?? null;
  const patient = admission?.patient ?? null;
  const alerts = admission?.alerts ?? [];
  const doses = admission?.overdueDoses ?? [];
  const news2 = admission?.news2 ?? null;
  const days = admission ? (admission.daysSinceAdmission ?? Math.floor((now - Date.parse(admission.admissionDate)) / 86_400_000)) : null;
  return (
    <article
      aria-label={`Bed ${bed.bedNumber}`}
      className={`flex flex-col rounded-lg border-2 p-3 ${alerts.length > 0 ? "border-red-600 bg-red-50" : look.tile}`}
      data-bed={bed.bedNumber}
      data-state={bed.status}
    >
      <div className="flex items-baseline justify-between gap-2">
        <span className="font-mono text-lg font-bold">{bed.bedNumber}</span>
        <span className="flex items-center gap-1 text-sm font-semibold">
          <span aria-hidden="true">{look.symbol}</span>
          {BED_STATE_LABELS[bed.status]}
        </span>
      </div>
      <div className="text-xs text-slate-600">{roomLabel}</div>
      {admission ? (
        <div className="mt-2 space-y-1 text-sm">
          {patient?.firstName || patient?.lastName ? (
            <p className="font-semibold" data-patient-name>
              {personName(patient)}
              {patient.gender ? <span className="font-normal text-slate-600"> · {patient.gender[0]}</span> : null}
            </p>
          ) : (
            <p className="text-slate-600">Patient admitted</p>
          )}
          {patient?.mrn ? <p className="font-mono text-xs">{patient.mrn}</p> : null}
          <p className="text-slate-700">
            {days !== null && days >= 0 ? (days === 0 ? "Admitted today" : `Day ${days + 1}`) : null}
            {admission.primaryDoctorName ? ` · Dr ${admission.primaryDoctorName}` : ""}
          </p>
          <div className="flex flex-wrap items-center gap-2" data-testid="bed-vitals">
            {news2 ? <News2Badge score={news2.score} band={news2.band} /> : <span className="text-xs text-slate-500">No NEWS2 yet</span>}
            {admission.vitalsOverdue ? (
              <span className="rounded bg-red-700 px-1.5 text-xs font-bold text-white" data-testid="obs-overdue">
                Obs overdue
              </span>
            ) : admission.vitalsDueAt ? (
              <span className="text-xs text-slate-700">Obs due {formatTime(admission.vitalsDueAt)}</span>
            ) : null}
          </div>
          {admission.latestVitals ? <VitalsLine admission={admission} /> : null}
          {doses.length > 0 ? (
            <p className="text-xs font-semibold text-red-800" data-testid="overdue-doses">
              <span aria-hidden="true">⏰ </span>Overdue: {doses.map((d) => `${d.medicine} ${d.dose} (${formatTime(d.scheduledAt)})`).join(", ")}
            </p>
          ) : null}
          {alerts.length > 0 ? (
            <p className="font-bold text-red-800">
              <span aria-hidden="true">⚠ </span>
              {alerts.length} open alert{alerts.length > 1 ? "s" : ""}
            </p>
          ) : null}
        </div>
      ) : bed.status === "CLEANING" || bed.status === "MAINTENANCE" ? (
        <p className="mt-2 text-sm">{bed.statusChangedAt ? `for ${durationSince(bed.statusChangedAt, now)}` : null}</p>
      ) : null}
      {onOpen ? (
        <Button variant="secondary" className="mt-auto self-start" onClick={onOpen}>
          Vitals & trend
        </Button>
      ) : null}
    </article>
  );
}

function VitalsLine({ admission }: { admission: BoardAdmission }) {
  const v = admission.latestVitals!;
  const parts = [
    v.respiratoryRate != null ? `RR ${v.respiratoryRate}` : null,
    v.oxygenSaturation != null ? `SpO₂ ${v.oxygenSaturation}%${v.onOxygen ? " O₂" : ""}` : null,
    v.bloodPressureSystolic != null ? `BP ${v.bloodPressureSystolic}/${v.bloodPressureDiastolic ?? "—"}` : null,
    v.heartRate != null ? `P ${v.heartRate}` : null,
    v.temperature != null ? `T ${v.temperature}` : null,
    v.consciousness ? v.consciousness : null,
  ].filter(Boolean);
  return (
    <p className="text-xs text-slate-700">
      {parts.join(" · ")} <span className="text-slate-500">at {formatTime(v.recordedAt)}</span>
    </p>
  );
}

const timeOnly = new Intl.DateTimeFormat("en-IN", { timeZone: "Asia/Kolkata", hour: "2-digit", minute: "2-digit" });
function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeOnly.format(date);
}

/** A bed opened at the station: the vitals form and the 72-hour trend. */
function BedPanel({ bed, admission, now, onClose }: { bed: BoardBed; admission: BoardAdmission; now: number; onClose: () => void }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  const patient = admission.patient;
  return (
    <section
      aria-labelledby="bed-panel-title"
      className="grid gap-6 rounded-lg border-2 border-teal-600 bg-white p-4 lg:grid-cols-2"
      data-testid="bed-panel"
    >
      <div className="space-y-3">
        <h2 id="bed-panel-title" className="text-lg font-bold">
          Bed {bed.bedNumber}
          {patient ? `: ${personName(patient)}` : ""} {patient?.mrn ? <span className="font-mono text-sm">{patient.mrn}</span> : null}
        </h2>
        {admission.news2 ? (
          <p className="flex items-center gap-2">
            Latest <News2Badge score={admission.news2.score} band={admission.news2.band} large /> at {formatTime(admission.news2.recordedAt)}
          </p>
        ) : null}
        <VitalsForm admissionId={admission.id} bedNumber={bed.bedNumber} onClose={onClose} />
      </div>
      <VitalsTrend admissionId={admission.id} refreshKey={admission.latestVitals?.id ?? "none"} now={now} />
    </section>
  );
}
