// The nurse-station board (/ward/{wardId}): the ward's beds from its live `ward:{wardId}` topic — state, who
// is in each bed (as the viewer's role may see: nurses and doctors see names and MRNs; a wall screen with a
// device token sees none), days since admission — and the alerts about the ward's patients as they are raised,
// escalated and acknowledged. Vital signs, NEWS2 and overdue doses join when the IPD vitals and medication
// work lands (the ward topic carries no vitals yet).

import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useViewer } from "../../app-context";
import {
  ESCALATION_LEVEL_LABELS,
  applyAlertEvent,
  type OpenAlert,
} from "../../boards/alerts";
import {
  BED_STATE_LABELS,
  ROOM_TYPE_LABELS,
  applyWardEvent,
  countOf,
  durationSince,
  isWardBoard,
  occupancyPercent,
  type BoardBed,
  type CensusBoard,
  type WardBoard,
} from "../../boards/beds";
import { formatDateTime, personName } from "../../format";
import { useApiGet } from "../../api/useApiGet";
import { useNow } from "../../hooks/useNow";
import { LiveStatus } from "../../realtime/react";
import { boardErrorText, useLiveBoard } from "../../realtime/useLiveBoard";
import type { EventMessage } from "../../realtime/protocol";
import { STATE_LOOK, StateBadge } from "../census/BedTile";

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
  const now = useNow(30_000);
  const [alerts, setAlerts] = useState<OpenAlert[]>([]);
  const { board, live, error } = useLiveBoard<WardBoard>({
    topic: wardId ? `ward:${wardId}` : null,
    isBoard: isWardBoard,
    apply: (current: WardBoard, message: EventMessage) => applyWardEvent(current, message),
    onEvent: (message) => {
      if (message.event.startsWith("alert.")) setAlerts((list) => applyAlertEvent(list, message));
    },
  });

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
  const bedOfPatient = new Map<string, BoardBed>();
  for (const room of board.rooms) for (const bed of room.beds) if (bed.admission?.patient) bedOfPatient.set(bed.admission.patient.id, bed);

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

      <WardAlerts alerts={alerts} bedOfPatient={bedOfPatient} now={now} />

      <div className="grid grid-cols-[repeat(auto-fill,minmax(15rem,1fr))] gap-3" data-testid="ward-beds-grid">
        {board.rooms.flatMap((room) =>
          room.beds.map((bed) => (
            <BedCard key={bed.id} bed={bed} roomLabel={`${ROOM_TYPE_LABELS[room.roomType]} · Room ${room.roomNumber}`} now={now} alerts={alerts.filter((a) => a.patientId === bed.admission?.patient?.id)} />
          )),
        )}
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

function WardAlerts({ alerts, bedOfPatient, now }: { alerts: OpenAlert[]; bedOfPatient: Map<string, BoardBed>; now: number }) {
  if (alerts.length === 0) return null;
  return (
    <section aria-labelledby="ward-alerts" className="rounded-lg border-2 border-red-600 bg-red-50 p-3" data-testid="ward-alerts">
      <h2 id="ward-alerts" className="font-bold text-red-900">
        <span aria-hidden="true">⚠ </span>Open alerts on this ward
      </h2>
      <ul className="mt-2 space-y-2">
        {alerts.map((alert) => {
          const bed = bedOfPatient.get(alert.patientId);
          return (
            <li key={alert.alertId} className="rounded border border-red-300 bg-white p-2" data-alert={alert.alertId}>
              <p className="font-semibold">
                {bed ? `Bed ${bed.bedNumber}: ` : ""}
                {alert.message}
                {alert.preliminary ? <span className="ml-2 rounded bg-amber-200 px-1 text-xs">preliminary</span> : null}
              </p>
              <p className="text-sm text-slate-700">
                Raised {durationSince(alert.raisedAt, now)} ago ({formatDateTime(alert.raisedAt)}) · told the ordering doctor
                {alert.escalationLevel > 0 ? ` · escalated: ${ESCALATION_LEVEL_LABELS[alert.escalationLevel] ?? alert.escalationLevel}` : ""}
              </p>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

function BedCard({ bed, roomLabel, now, alerts }: { bed: BoardBed; roomLabel: string; now: number; alerts: OpenAlert[] }) {
  const look = STATE_LOOK[bed.status];
  const admission = bed.admission ?? null;
  const patient = admission?.patient ?? null;
  const days = admission ? Math.floor((now - Date.parse(admission.admissionDate)) / 86_400_000) : null;
  return (
    <article
      aria-label={`Bed ${bed.bedNumber}`}
      className={`rounded-lg border-2 p-3 ${alerts.length > 0 ? "border-red-600 bg-red-50" : look.tile}`}
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
        <div className="mt-2 space-y-0.5 text-sm">
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
            {days !== null && days >= 0 ? (days === 0 ? "Admitted today" : `Day ${days + 1} since admission`) : null}
            {admission.admissionType !== "ROUTINE" ? ` · ${admission.admissionType.toLowerCase()}` : ""}
          </p>
        </div>
      ) : bed.status === "CLEANING" || bed.status === "MAINTENANCE" ? (
        <p className="mt-2 text-sm">{bed.updatedAt ? `for ${durationSince(bed.updatedAt, now)}` : null}</p>
      ) : null}
      {alerts.length > 0 ? (
        <p className="mt-2 text-sm font-bold text-red-800">
          <span aria-hidden="true">⚠ </span>
          {alerts.length} open alert{alerts.length > 1 ? "s" : ""}
        </p>
      ) : null}
    </article>
  );
}
