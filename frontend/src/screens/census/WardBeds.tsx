// One ward's beds on the census board, from its live `ward:{wardId}` topic: grouped by room type and room,
// the beds being cleaned or repaired listed first with how long, and housekeeping's moves on a chosen bed.
// Patient names are not shown here (the census is about beds); the nurse-station board shows who is where.

import { useEffect, useRef, useState } from "react";
import { IdempotencyKeys } from "../../api/client";
import type { ApiError } from "../../api/errors";
import { useApi, useViewer } from "../../app-context";
import {
  BED_STATE_LABELS,
  HOUSEKEEPING_MOVES,
  ROOM_TYPES,
  ROOM_TYPE_LABELS,
  applyWardEvent,
  durationSince,
  isWardBoard,
  type BedState,
  type BoardBed,
  type BoardRoom,
  type WardBoard,
} from "../../boards/beds";
import { Button, asApiError } from "../../components/forms";
import { LiveStatus } from "../../realtime/react";
import { boardErrorText, useLiveBoard } from "../../realtime/useLiveBoard";
import { BedTile, StateBadge } from "./BedTile";

interface KnownSince {
  status: BedState;
  updatedAt: string | null;
}

interface Props {
  wardId: string;
  now: number;
  canHousekeep: boolean;
}

export function WardBeds({ wardId, now, canHousekeep }: Props) {
  const api = useApi();
  const viewer = useViewer();
  const { board, live, error } = useLiveBoard<WardBoard>({
    topic: `ward:${wardId}`,
    isBoard: isWardBoard,
    apply: applyWardEvent,
  });
  const [known, setKnown] = useState<Record<string, KnownSince>>({});
  const asked = useRef(new Set<string>());
  const [selected, setSelected] = useState<string | null>(null);

  // Since when a bed has been in cleaning or maintenance: a bed.updated event says so; for beds already in
  // that state when the board was read, the room's beds (GET /api/ipd/rooms/{id}/beds) carry updatedAt.
  useEffect(() => {
    if (board === null || viewer.kind === "device") return;
    const rooms = board.rooms.filter(
      (room) =>
        !asked.current.has(room.id) &&
        room.beds.some((b) => (b.status === "CLEANING" || b.status === "MAINTENANCE") && !b.updatedAt),
    );
    for (const room of rooms) {
      asked.current.add(room.id);
      api
        .get<{ beds: { id: string; status: BedState; updatedAt?: string | null }[] }>(`/api/ipd/rooms/${room.id}/beds`, {
          background: true,
        })
        .then(
          (answer) =>
            setKnown((previous) => {
              const next = { ...previous };
              for (const bed of answer.beds) next[bed.id] = { status: bed.status, updatedAt: bed.updatedAt ?? null };
              return next;
            }),
          () => asked.current.delete(room.id),
        );
    }
  }, [board, api, viewer.kind]);

  if (error) {
    const forbidden = !("status" in error) && error.code === "forbidden";
    return (
      <p className="mt-2 text-sm text-slate-600" data-testid="ward-beds-unavailable">
        {forbidden ? "Bed by bed detail of this ward is for its own nurses, doctors and administrators." : boardErrorText(error)}
      </p>
    );
  }
  if (board === null) {
    return (
      <p role="status" className="mt-2 text-sm text-slate-500">
        Loading beds…
      </p>
    );
  }

  const withSince = (bed: BoardBed): BoardBed => {
    if (bed.updatedAt) return bed;
    const found = known[bed.id];
    return found && found.status === bed.status ? { ...bed, updatedAt: found.updatedAt } : bed;
  };
  const rooms: BoardRoom[] = board.rooms.map((room) => ({ ...room, beds: room.beds.map(withSince) }));
  const allBeds = rooms.flatMap((room) => room.beds);
  const waiting = allBeds
    .filter((b) => b.status === "CLEANING" || b.status === "MAINTENANCE")
    .sort((a, b) => (Date.parse(a.updatedAt ?? "") || Infinity) - (Date.parse(b.updatedAt ?? "") || Infinity));
  const chosen = allBeds.find((b) => b.id === selected) ?? null;

  return (
    <div className="mt-3 space-y-4" data-testid="ward-beds">
      <div className="flex items-center gap-2 text-sm">
        <LiveStatus state={live} />
      </div>
      {waiting.length > 0 ? (
        <div>
          <h3 className="text-sm font-semibold text-slate-700">Waiting to be back in service</h3>
          <ul className="mt-1 flex flex-wrap gap-2" data-testid="beds-out-of-service">
            {waiting.map((bed) => (
              <li key={bed.id} className="flex items-center gap-2 rounded border border-slate-200 px-2 py-1 text-sm" data-out-of-service={bed.bedNumber}>
                <span className="font-mono font-bold">{bed.bedNumber}</span>
                <StateBadge state={bed.status} />
                <span className="text-slate-700">{durationSince(bed.updatedAt, now) ?? "since —"}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {chosen && canHousekeep ? (
        <BedActions key={`${chosen.id}:${chosen.version}`} bed={chosen} now={now} onDone={() => setSelected(null)} />
      ) : null}
      {ROOM_TYPES.map((type) => {
        const ofType = rooms.filter((room) => room.roomType === type);
        if (ofType.length === 0) return null;
        return (
          <div key={type} data-room-type-group={type}>
            <h3 className="text-sm font-semibold text-slate-700">
              {ROOM_TYPE_LABELS[type]} · {ofType.reduce((n, r) => n + r.beds.length, 0)} beds
            </h3>
            <div className="mt-1 flex flex-wrap gap-3">
              {ofType.map((room) => (
                <div key={room.id} role="group" aria-label={`Room ${room.roomNumber}`} className="rounded border border-dashed border-slate-300 p-1.5">
                  <div className="mb-1 text-xs text-slate-500">Room {room.roomNumber}</div>
                  <div className="flex flex-wrap gap-1.5">
                    {room.beds.map((bed) => (
                      <BedTile
                        key={bed.id}
                        bed={bed}
                        now={now}
                        selected={bed.id === selected}
                        onSelect={
                          canHousekeep && HOUSEKEEPING_MOVES[bed.status].length > 0
                            ? () => setSelected((s) => (s === bed.id ? null : bed.id))
                            : undefined
                        }
                      />
                    ))}
                  </div>
                </div>
              ))}
            </div>
          </div>
        );
      })}
    </div>
  );
}

/** Housekeeping's moves for one bed: cleaned, maintenance, back in service (with an optional reason). */
function BedActions({ bed, now, onDone }: { bed: BoardBed; now: number; onDone: () => void }) {
  const api = useApi();
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const keys = useRef(new IdempotencyKeys(() => api.newIdempotencyKey()));
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);

  async function move(to: BedState) {
    const body: Record<string, unknown> = { status: to, version: bed.version };
    if (reason.trim()) body.reason = reason.trim();
    setBusy(true);
    setError(null);
    try {
      await api.post(`/api/ipd/beds/${bed.id}/status`, body, { idempotencyKey: keys.current.keyFor({ id: bed.id, ...body }) });
      keys.current.done();
      onDone();
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setBusy(false);
    }
  }

  const since = durationSince(bed.updatedAt, now);
  return (
    <div role="region" aria-labelledby={`bed-actions-${bed.id}`} className="rounded-md border-2 border-teal-600 bg-teal-50 p-3" data-testid="bed-actions">
      <h3 id={`bed-actions-${bed.id}`} ref={heading} tabIndex={-1} className="font-semibold">
        Bed {bed.bedNumber}: {BED_STATE_LABELS[bed.status]}
        {since ? ` for ${since}` : ""}
      </h3>
      <label className="mt-2 block text-sm">
        <span className="text-slate-700">Note (optional, e.g. what needs repair)</span>
        <input
          value={reason}
          onChange={(event) => setReason(event.target.value)}
          maxLength={500}
          className="mt-1 block w-full max-w-md rounded-md border border-slate-300 px-2 py-1"
        />
      </label>
      <div className="mt-2 flex flex-wrap gap-2">
        {HOUSEKEEPING_MOVES[bed.status].map((option) => (
          <Button key={option.to} disabled={busy} onClick={() => void move(option.to)} variant={option.to === "MAINTENANCE" ? "secondary" : "primary"}>
            {option.label}
          </Button>
        ))}
        <Button variant="secondary" onClick={onDone}>
          Cancel
        </Button>
      </div>
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-800">
          {error.detail}
        </p>
      ) : null}
    </div>
  );
}
