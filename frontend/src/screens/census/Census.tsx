// The census board (/census): every ward's beds by room type, occupancy, the beds being cleaned or repaired
// and for how long, and (for housekeeping: nurses, ADMIN) marking a bed cleaned, under maintenance or back in
// service. Counts come from the `census` topic; each ward's beds from its `ward:{wardId}` topic where the
// viewer may watch it. Every change made anywhere shows here at once. Admissions and transfers come with
// the IPD work. A census board can also run unattended on a wall screen with a device token (read-only).

import type { ReactNode } from "react";
import { useViewer } from "../../app-context";
import {
  BED_STATES,
  ROOM_TYPE_LABELS,
  applyCensusEvent,
  countOf,
  durationSince,
  isCensusBoard,
  occupancyPercent,
  type BedCounts,
  type CensusBed,
  type CensusBoard,
  type WardCensus,
} from "../../boards/beds";
import { useNow } from "../../hooks/useNow";
import { LiveStatus } from "../../realtime/react";
import { boardErrorText, useLiveBoard } from "../../realtime/useLiveBoard";
import { AdmitTransfer } from "./AdmitTransfer";
import { StateBadge } from "./BedTile";
import { WardBeds } from "./WardBeds";

export function Census() {
  const viewer = useViewer();
  const now = useNow(30_000);
  const { board, live, error } = useLiveBoard<CensusBoard>({
    topic: "census",
    isBoard: isCensusBoard,
    apply: applyCensusEvent,
  });
  const role = viewer.kind === "staff" ? viewer.user.role : null;
  const canHousekeep = role === "NURSE" || role === "ADMIN";
  // Bed detail is the ward topics': ADMIN, DOCTOR, a ward's own nurses, a device that lists the ward.
  const watchesWards = role !== "RECEPTIONIST";

  return (
    <div className="space-y-6" data-testid="census">
      <div className="flex flex-wrap items-center gap-3">
        <h1 className="text-2xl font-bold">Bed census</h1>
        <LiveStatus state={live} />
        {viewer.kind === "device" ? <span className="text-sm text-slate-600">Read-only screen</span> : null}
      </div>
      {error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-red-900">
          {boardErrorText(error)}
        </p>
      ) : null}
      {board === null ? (
        <p role="status" className="text-slate-500">
          Loading the census…
        </p>
      ) : (
        <>
          <Totals counts={board} />
          {role === "ADMIN" || role === "DOCTOR" || role === "NURSE" ? <AdmitTransfer census={board} role={role} /> : null}
          <RoomTypeTable board={board} />
          <div className="space-y-6">
            {board.byWard.map((ward) => (
              <WardSection
                key={ward.wardId}
                ward={ward}
                unavailable={(board.unavailableBeds ?? []).filter((b) => b.wardId === ward.wardId)}
                now={now}
                watch={watchesWards}
                canHousekeep={canHousekeep}
              />
            ))}
          </div>
        </>
      )}
    </div>
  );
}

function Totals({ counts }: { counts: BedCounts }) {
  return (
    <section aria-label="Hospital totals" className="grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6" data-testid="census-totals">
      <Figure label="Occupancy" value={`${occupancyPercent(counts)}%`} detail={`${counts.occupiedBeds} of ${counts.totalBeds} beds`} />
      {BED_STATES.map((state) => (
        <Figure key={state} label={<StateBadge state={state} />} value={String(countOf(counts, state))} testId={`total-${state}`} />
      ))}
    </section>
  );
}

function Figure({ label, value, detail, testId }: { label: ReactNode; value: string; detail?: string; testId?: string }) {
  return (
    <div className="rounded-lg border border-slate-200 bg-white p-3">
      <div className="text-sm text-slate-600">{label}</div>
      <div className="text-3xl font-bold tabular-nums" data-testid={testId}>
        {value}
      </div>
      {detail ? <div className="text-xs text-slate-500">{detail}</div> : null}
    </div>
  );
}

function RoomTypeTable({ board }: { board: CensusBoard }) {
  return (
    <section aria-labelledby="by-room-type" className="overflow-x-auto rounded-lg border border-slate-200 bg-white p-3">
      <h2 id="by-room-type" className="mb-2 text-lg font-semibold">
        By room type
      </h2>
      <table className="w-full text-left text-sm tabular-nums" data-testid="by-room-type">
        <thead>
          <tr className="border-b border-slate-300 text-slate-600">
            <th scope="col" className="py-1 pr-3">Room type</th>
            <th scope="col" className="py-1 pr-3 text-right">Beds</th>
            {BED_STATES.map((state) => (
              <th key={state} scope="col" className="py-1 pr-3 text-right">
                <StateBadge state={state} />
              </th>
            ))}
            <th scope="col" className="py-1 pr-3 text-right">Occupancy</th>
          </tr>
        </thead>
        <tbody>
          {board.byRoomType.map((row) => (
            <tr key={row.roomType} className="border-b border-slate-100" data-room-type={row.roomType}>
              <th scope="row" className="py-1 pr-3 font-medium">{ROOM_TYPE_LABELS[row.roomType]}</th>
              <td className="py-1 pr-3 text-right">{row.totalBeds}</td>
              {BED_STATES.map((state) => (
                <td key={state} className="py-1 pr-3 text-right" data-count={state}>
                  {countOf(row, state)}
                </td>
              ))}
              <td className="py-1 pr-3 text-right">{occupancyPercent(row)}%</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

interface WardSectionProps {
  ward: WardCensus;
  /** The ward's beds neither free nor in use, longest first (the census topic's). */
  unavailable: CensusBed[];
  now: number;
  watch: boolean;
  canHousekeep: boolean;
}

function WardSection({ ward, unavailable, now, watch, canHousekeep }: WardSectionProps) {
  const headingId = `ward-${ward.wardId}`;
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-slate-200 bg-white p-4" data-ward={ward.code}>
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1">
        <h2 id={headingId} className="text-xl font-semibold">
          {ward.name} <span className="text-slate-500">({ward.code})</span>
        </h2>
        <span className="font-semibold tabular-nums" data-testid="ward-occupancy">
          {occupancyPercent(ward)}% occupied · {ward.occupiedBeds}/{ward.totalBeds}
        </span>
        <span className="flex flex-wrap gap-1">
          {BED_STATES.filter((s) => s !== "OCCUPIED").map((state) => (
            <span key={state} data-ward-count={state}>
              <StateBadge state={state} count={countOf(ward, state)} />
            </span>
          ))}
        </span>
      </div>
      <OutOfService beds={unavailable} now={now} />
      {watch ? <WardBeds wardId={ward.wardId} now={now} canHousekeep={canHousekeep} /> : null}
    </section>
  );
}

/** The beds of a ward waiting to be back in service (or held), with how long: from the census topic. */
function OutOfService({ beds, now }: { beds: CensusBed[]; now: number }) {
  if (beds.length === 0) return null;
  return (
    <div className="mt-3">
      <h3 className="text-sm font-semibold text-slate-700">Waiting to be back in service</h3>
      <ul className="mt-1 flex flex-wrap gap-2" data-testid="beds-out-of-service">
        {beds.map((bed) => (
          <li
            key={bed.bedId}
            className="flex items-center gap-2 rounded border border-slate-200 px-2 py-1 text-sm"
            data-out-of-service={bed.bedNumber}
            data-state={bed.status}
          >
            <span className="font-mono font-bold">{bed.bedNumber}</span>
            <StateBadge state={bed.status} />
            <span className="text-slate-700">
              {bed.status === "CLEANING" ? "in cleaning" : bed.status === "MAINTENANCE" ? "under maintenance" : "held"} for{" "}
              {durationSince(bed.statusChangedAt, now) ?? "—"}
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}
