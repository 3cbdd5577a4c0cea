// One ward's beds on the census board, from its live `ward:{wardId}` topic: grouped by room type and room,
// each bed being cleaned or repaired with how long (its statusChangedAt), and housekeeping's moves on a chosen
// bed. The list of beds waiting to be back in service is the census topic's (Census.tsx), so every viewer
// and every wall screen has it.
// Patient names are not shown here (the census is about beds); the nurse-station board shows who is where.

import { useEffect, useRef, useState } from "react";
import { IdempotencyKeys } from "../../api/client";
import type { ApiError } from "../../api/errors";
import { useApi } from "../../app-context";
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
  type WardBoard,
} from "../../boards/beds";
import { Button, asApiError } from "../../components/forms";
import { LiveStatus } from "../../realtime/react";
import { boardErrorText, useLiveBoard } from "../../realtime/useLiveBoard";
import { BedTile } from "./BedTile";

interface Props {
  wardId: string;
  now: number;
  canHousekeep: boolean;
}

export function WardBeds({ wardId, now, canHousekeep }: Props) {
  const { board, live, error } = useLiveBoard<WardBoard>({
    topic: `ward:${wardId}`,
    isBoard: isWardBoard,
    apply: applyWardEvent,
  });
  const [selected, setSelected] = useState<string | null>(null);

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

  const rooms = board.rooms;
  const allBeds = rooms.flatMap((room) => room.beds);
  const chosen = allBeds.find((b) => b.id === selected) ?? null;

  return (
    <div className="mt-3 space-y-4" data-testid="ward-beds">
      <div className="flex items-center gap-2 text-sm">
        <LiveStatus state={live} />
      </div>
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

  const since = durationSince(bed.statusChangedAt, now);
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
