// The `census` and `ward:{wardId}` boards as the socket sends them, and how their events change them
// (the TypeScript twin of domain/boards.py: the same snapshot + events = the next snapshot).

import type { EventMessage } from "../realtime/protocol";

export const BED_STATES = ["AVAILABLE", "RESERVED", "OCCUPIED", "CLEANING", "MAINTENANCE"] as const;
export type BedState = (typeof BED_STATES)[number];

export const ROOM_TYPES = ["GENERAL", "SEMI_PRIVATE", "PRIVATE", "HDU", "ICU"] as const;
export type RoomType = (typeof ROOM_TYPES)[number];

export const ROOM_TYPE_LABELS: Record<RoomType, string> = {
  GENERAL: "General",
  SEMI_PRIVATE: "Semi-private",
  PRIVATE: "Private",
  HDU: "HDU",
  ICU: "ICU",
};

export const BED_STATE_LABELS: Record<BedState, string> = {
  AVAILABLE: "Available",
  RESERVED: "Reserved",
  OCCUPIED: "Occupied",
  CLEANING: "Cleaning",
  MAINTENANCE: "Maintenance",
};

export interface BedCounts {
  totalBeds: number;
  occupiedBeds: number;
  available: number;
  reserved: number;
  cleaning: number;
  maintenance: number;
}

export interface WardCensus extends BedCounts {
  wardId: string;
  code: string;
  name: string;
  departmentId: string;
}

export interface RoomTypeCensus extends BedCounts {
  roomType: RoomType;
}

export interface CensusBoard extends BedCounts {
  byWard: WardCensus[];
  byRoomType: RoomTypeCensus[];
}

export interface CensusUpdated {
  wardId: string;
  roomType: RoomType;
  bedId: string;
  previousStatus: BedState;
  status: BedState;
}

export interface BoardPatient {
  id: string;
  mrn?: string;
  firstName?: string;
  lastName?: string;
  gender?: string;
}

export interface BoardAdmission {
  id: string;
  admissionDate: string;
  admissionType: string;
  primaryDoctorId?: string;
  patient?: BoardPatient;
}

export interface BoardBed {
  id: string;
  bedNumber: string;
  status: BedState;
  version: number;
  admission?: BoardAdmission | null;
  /** When the bed entered its state, when the board knows it (from a bed.updated event, or the room's beds). */
  updatedAt?: string | null;
}

export interface BoardRoom {
  id: string;
  roomNumber: string;
  roomType: RoomType;
  beds: BoardBed[];
}

export interface WardBoard {
  wardId: string;
  code: string;
  name: string;
  departmentId: string;
  floor: number | null;
  counts: BedCounts;
  rooms: BoardRoom[];
}

export interface BedUpdated {
  bedId: string;
  wardId: string;
  roomId: string;
  bedNumber: string;
  status: BedState;
  previousStatus: BedState;
  version: number;
  updatedAt: string;
  reason?: string | null;
}

const COUNT_OF: Record<BedState, keyof BedCounts> = {
  AVAILABLE: "available",
  RESERVED: "reserved",
  OCCUPIED: "occupiedBeds",
  CLEANING: "cleaning",
  MAINTENANCE: "maintenance",
};

export function emptyCounts(): BedCounts {
  return { totalBeds: 0, occupiedBeds: 0, available: 0, reserved: 0, cleaning: 0, maintenance: 0 };
}

export function countBeds(states: Iterable<BedState>): BedCounts {
  const counts = emptyCounts();
  for (const state of states) {
    counts[COUNT_OF[state]] += 1;
    counts.totalBeds += 1;
  }
  return counts;
}

/** `counts` with one bed moved from `previous` to `status`. */
export function moveCount<C extends BedCounts>(counts: C, previous: BedState, status: BedState): C {
  if (previous === status) return counts;
  return { ...counts, [COUNT_OF[previous]]: counts[COUNT_OF[previous]] - 1, [COUNT_OF[status]]: counts[COUNT_OF[status]] + 1 };
}

export function countOf(counts: BedCounts, state: BedState): number {
  return counts[COUNT_OF[state]];
}

/** Occupied share of the beds, as a whole percentage (0 for a ward without beds). */
export function occupancyPercent(counts: BedCounts): number {
  return counts.totalBeds === 0 ? 0 : Math.round((counts.occupiedBeds / counts.totalBeds) * 100);
}

export function applyCensusEvent(board: CensusBoard, message: EventMessage): CensusBoard {
  if (message.event !== "census.updated") return board;
  const event = message.data as CensusUpdated;
  const moved = moveCount(board, event.previousStatus, event.status);
  return {
    ...moved,
    byWard: board.byWard.map((w) => (w.wardId === event.wardId ? moveCount(w, event.previousStatus, event.status) : w)),
    byRoomType: board.byRoomType.map((r) =>
      r.roomType === event.roomType ? moveCount(r, event.previousStatus, event.status) : r,
    ),
  };
}

/** A bed.updated on the ward's board: the bed's state, version and since-when; the counts recounted. */
export function applyWardEvent(board: WardBoard, message: EventMessage): WardBoard {
  if (message.event !== "bed.updated") return board;
  const event = message.data as BedUpdated;
  const rooms = board.rooms.map((room) =>
    room.id !== event.roomId
      ? room
      : {
          ...room,
          beds: room.beds.map((bed) =>
            bed.id === event.bedId ? { ...bed, status: event.status, version: event.version, updatedAt: event.updatedAt } : bed,
          ),
        },
  );
  return { ...board, rooms, counts: countBeds(rooms.flatMap((r) => r.beds.map((b) => b.status))) };
}

export function isCensusBoard(data: unknown): data is CensusBoard {
  const board = data as Partial<CensusBoard> | null;
  return typeof board === "object" && board !== null && Array.isArray(board.byWard) && typeof board.totalBeds === "number";
}

export function isWardBoard(data: unknown): data is WardBoard {
  const board = data as Partial<WardBoard> | null;
  return typeof board === "object" && board !== null && Array.isArray(board.rooms) && typeof board.wardId === "string";
}

/** The moves housekeeping may make from a bed's state (domain/beds.py; RESERVED is the admission desk's). */
export const HOUSEKEEPING_MOVES: Record<BedState, readonly { to: BedState; label: string }[]> = {
  AVAILABLE: [
    { to: "CLEANING", label: "Needs cleaning" },
    { to: "MAINTENANCE", label: "Needs maintenance" },
  ],
  CLEANING: [
    { to: "AVAILABLE", label: "Mark cleaned" },
    { to: "MAINTENANCE", label: "Needs maintenance" },
  ],
  MAINTENANCE: [
    { to: "AVAILABLE", label: "Back in service" },
    { to: "CLEANING", label: "Needs cleaning" },
  ],
  OCCUPIED: [],
  RESERVED: [],
};

/** "2 h 05 min", "12 min", "less than a minute": how long since `iso`. */
export function durationSince(iso: string | null | undefined, now: number): string | null {
  if (!iso) return null;
  const started = Date.parse(iso);
  if (Number.isNaN(started)) return null;
  const minutes = Math.max(0, Math.floor((now - started) / 60_000));
  if (minutes < 1) return "less than a minute";
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${String(minutes % 60).padStart(2, "0")} min`;
  return `${Math.floor(hours / 24)} days`;
}
