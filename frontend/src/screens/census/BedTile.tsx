// One bed as a tile: its number, its state as a word and a symbol (never colour alone), and, for a bed
// being cleaned or repaired, for how long.

import { BED_STATE_LABELS, durationSince, type BedState, type BoardBed } from "../../boards/beds";

export const STATE_LOOK: Record<BedState, { symbol: string; tile: string; badge: string }> = {
  AVAILABLE: { symbol: "✓", tile: "border-green-600 bg-green-50 text-green-950", badge: "bg-green-700 text-white" },
  OCCUPIED: { symbol: "●", tile: "border-slate-400 bg-slate-100 text-slate-900", badge: "bg-slate-700 text-white" },
  RESERVED: { symbol: "◆", tile: "border-violet-500 bg-violet-50 text-violet-950", badge: "bg-violet-700 text-white" },
  CLEANING: { symbol: "↻", tile: "border-amber-500 bg-amber-50 text-amber-950", badge: "bg-amber-600 text-white" },
  MAINTENANCE: { symbol: "✕", tile: "border-red-600 bg-red-50 text-red-950", badge: "bg-red-700 text-white" },
};

export function StateBadge({ state, count }: { state: BedState; count?: number }) {
  const look = STATE_LOOK[state];
  return (
    <span className={`inline-flex items-center gap-1 rounded px-1.5 py-0.5 text-xs font-semibold ${look.badge}`}>
      <span aria-hidden="true">{look.symbol}</span>
      {count !== undefined ? `${count} ` : null}
      {BED_STATE_LABELS[state]}
    </span>
  );
}

interface BedTileProps {
  bed: BoardBed;
  now: number;
  selected: boolean;
  /** Housekeeping may change this bed: the tile is a button. */
  onSelect?: () => void;
}

export function BedTile({ bed, now, selected, onSelect }: BedTileProps) {
  const look = STATE_LOOK[bed.status];
  const since =
    bed.status === "CLEANING" || bed.status === "MAINTENANCE"
      ? durationSince(bed.statusChangedAt, now)
      : bed.status === "OCCUPIED"
        ? admittedFor(bed.admission?.admissionDate, now)
        : null;
  const body = (
    <>
      <span className="block font-mono text-sm font-bold leading-tight">{bed.bedNumber}</span>
      <span className="flex items-center gap-1 text-xs font-semibold leading-tight">
        <span aria-hidden="true">{look.symbol}</span>
        {BED_STATE_LABELS[bed.status]}
      </span>
      {since ? <span className="block text-[11px] leading-tight" data-bed-since>{since}</span> : null}
    </>
  );
  const classes = `block w-[5.75rem] rounded-md border-2 px-1.5 py-0.5 text-left ${look.tile} ${
    selected ? "ring-4 ring-teal-600 ring-offset-1" : ""
  }`;
  if (onSelect) {
    return (
      <button
        type="button"
        className={`${classes} hover:brightness-95`}
        onClick={onSelect}
        aria-pressed={selected}
        data-bed={bed.bedNumber}
        data-state={bed.status}
      >
        {body}
      </button>
    );
  }
  return (
    <div className={classes} data-bed={bed.bedNumber} data-state={bed.status}>
      {body}
    </div>
  );
}

function admittedFor(iso: string | undefined, now: number): string | null {
  if (!iso) return null;
  const days = Math.floor((now - Date.parse(iso)) / 86_400_000);
  if (Number.isNaN(days)) return null;
  return days < 1 ? "admitted today" : `day ${days + 1}`;
}
