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

export const NEWS2_BAND_LABELS: Record<RiskBand, string> = {
  LOW: "Low",
  LOW_MEDIUM: "Low–medium",
  MEDIUM: "Medium",
  HIGH: "High",
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

/** The states a bed is neither free nor in use in: the census lists these beds with since when. */
export const UNAVAILABLE_STATES: readonly BedState[] = ["CLEANING", "MAINTENANCE", "RESERVED"];

/** A bed neither AVAILABLE nor OCCUPIED, and when it entered its state (domain/boards.py CensusBed). */
export interface CensusBed {
  bedId: string;
  bedNumber: string;
  wardId: string;
  roomType: RoomType;
  status: BedState;
  statusChangedAt: string;
}

export interface CensusBoard extends BedCounts {
  byWard: WardCensus[];
  byRoomType: RoomTypeCensus[];
  /** Longest in their state first. */
  unavailableBeds?: CensusBed[];
}

export interface CensusUpdated {
  wardId: string;
  roomType: RoomType;
  bedId: string;
  bedNumber: string;
  previousStatus: BedState;
  status: BedState;
  statusChangedAt: string;
}

export interface BoardPatient {
  id: string;
  mrn?: string;
  firstName?: string;
  lastName?: string;
  gender?: string;
}

export type RiskBand = "LOW" | "LOW_MEDIUM" | "MEDIUM" | "HIGH";

export interface WardNews2 {
  score: number;
  band: RiskBand;
  observationId: string;
  recordedAt: string;
}

export interface WardVitals {
  id: string;
  recordedAt: string;
  temperature?: number | null;
  heartRate?: number | null;
  respiratoryRate?: number | null;
  bloodPressureSystolic?: number | null;
  bloodPressureDiastolic?: number | null;
  oxygenSaturation?: number | null;
  onOxygen?: boolean | null;
  consciousness?: string | null;
  painScore?: number | null;
  spo2Scale?: number;
  news2Score?: number | null;
  news2Band?: RiskBand | null;
}

export interface WardAlert {
  alertId: string;
  kind: string;
  severity: string;
  message: string;
  raisedAt: string;
  escalationLevel: number;
  preliminary: boolean;
}

export interface WardDose {
  id: string;
  scheduledAt: string;
  medicine: string;
  dose: string;
  frequency: string;
}

export interface BedVitals {
  latestVitals?: WardVitals | null;
  news2?: WardNews2 | null;
  vitalsDueAt?: string | null;
  vitalsOverdue?: boolean;
}

/** The admission in a bed as events carry it: no patient identity. */
export interface WardOccupant extends BedVitals {
  id: string;
  admissionDate: string;
  admissionType: string;
  primaryDoctorId?: string | null;
  primaryDoctorName?: string | null;
  daysSinceAdmission?: number;
  alerts?: WardAlert[];
  overdueDoses?: WardDose[];
}

export interface BoardAdmission extends WardOccupant {
  /** Absent for a viewer who sees no patients (an unattended device). */
  patient?: BoardPatient;
}

export interface BoardBed {
  id: string;
  bedNumber: string;
  status: BedState;
  version: number;
  admission?: BoardAdmission | null;
  /** When the bed entered its state (how long it has been in cleaning, say). */
  statusChangedAt?: string | null;
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
  /** When the bed entered `status`. */
  statusChangedAt?: string;
  reason?: string | null;
  admissionId?: string | null;
}

export interface BedOccupied extends Omit<BedUpdated, "admissionId"> {
  admission: WardOccupant;
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

const byLongest = (a: CensusBed, b: CensusBed) =>
  a.statusChangedAt.localeCompare(b.statusChangedAt) || a.bedId.localeCompare(b.bedId);

export function applyCensusEvent(board: CensusBoard, message: EventMessage): CensusBoard {
  if (message.event !== "census.updated") return board;
  const event = message.data as CensusUpdated;
  const moved = moveCount(board, event.previousStatus, event.status);
  const unavailable = (board.unavailableBeds ?? []).filter((b) => b.bedId !== event.bedId);
  if (UNAVAILABLE_STATES.includes(event.status)) {
    unavailable.push({
      bedId: event.bedId,
      bedNumber: event.bedNumber,
      wardId: event.wardId,
      roomType: event.roomType,
      status: event.status,
      statusChangedAt: event.statusChangedAt,
    });
  }
  return {
    ...moved,
    unavailableBeds: unavailable.sort(byLongest),
    byWard: board.byWard.map((w) => (w.wardId === event.wardId ? moveCount(w, event.previousStatus, event.status) : w)),
    byRoomType: board.byRoomType.map((r) =>
      r.roomType === event.roomType ? moveCount(r, event.previousStatus, event.status) : r,
    ),
  };
}

type BedChange = (bed: BoardBed) => BoardBed | null;

/** The board with `change` applied to every bed (null: leave it as it is), counts recounted. */
function withBeds(board: WardBoard, change: BedChange): WardBoard {
  let touched = false;
  const rooms = board.rooms.map((room) => ({
    ...room,
    beds: room.beds.map((bed) => {
      const changed = change(bed);
      if (changed === null) return bed;
      touched = true;
      return changed;
    }),
  }));
  if (!touched) return board;
  return { ...board, rooms, counts: countBeds(rooms.flatMap((r) => r.beds.map((b) => b.status))) };
}

function onAdmission(board: WardBoard, admissionId: string, change: (a: BoardAdmission) => BoardAdmission): WardBoard {
  return withBeds(board, (bed) => (bed.admission?.id === admissionId ? { ...bed, admission: change(bed.admission) } : null));
}

function onAlert(board: WardBoard, alertId: string, change: (a: WardAlert) => WardAlert | null): WardBoard {
  return withBeds(board, (bed) => {
    const admission = bed.admission;
    if (!admission?.alerts?.some((a) => a.alertId === alertId)) return null;
    const alerts = admission.alerts
      .map((a) => (a.alertId === alertId ? change(a) : a))
      .filter((a): a is WardAlert => a !== null);
    return { ...bed, admission: { ...admission, alerts } };
  });
}

const byRaised = (a: WardAlert, b: WardAlert) => a.raisedAt.localeCompare(b.raisedAt) || a.alertId.localeCompare(b.alertId);
const byScheduled = (a: WardDose, b: WardDose) => a.scheduledAt.localeCompare(b.scheduledAt) || a.id.localeCompare(b.id);

function withVitals(admission: BoardAdmission, vitals: BedVitals): BoardAdmission {
  return {
    ...admission,
    latestVitals: vitals.latestVitals ?? null,
    news2: vitals.news2 ?? null,
    vitalsDueAt: vitals.vitalsDueAt ?? null,
    vitalsOverdue: vitals.vitalsOverdue ?? false,
  };
}

/**
 * One event of the ward topic (domain/boards.py WARD_EVENTS). `patient` is who came into a bed on
 * `bed.occupied`, as the viewer may see them (read with GET /api/ipd/admissions/{id}), or undefined.
 */
export function applyWardEvent(board: WardBoard, message: EventMessage, patient?: BoardPatient): WardBoard {
  const data = message.data as Record<string, unknown>;
  switch (message.event) {
    case "bed.updated": {
      const event = data as unknown as BedUpdated;
      return withBeds(board, (bed) =>
        bed.id !== event.bedId
          ? null
          : {
              ...bed,
              status: event.status,
              version: event.version,
              statusChangedAt: event.statusChangedAt ?? event.updatedAt,
              admission: event.status === "OCCUPIED" ? (bed.admission ?? null) : null,
            },
      );
    }
    case "bed.occupied": {
      const event = data as unknown as BedOccupied;
      return withBeds(board, (bed) =>
        bed.id !== event.bedId
          ? null
          : {
              ...bed,
              status: event.status,
              version: event.version,
              statusChangedAt: event.statusChangedAt ?? event.updatedAt,
              admission: patient ? { ...event.admission, patient } : { ...event.admission },
            },
      );
    }
    case "vitals.recorded":
    case "vitals.marked_in_error":
      return onAdmission(board, data.admissionId as string, (a) => withVitals(a, data.vitals as BedVitals));
    case "vitals.went_overdue":
      return onAdmission(board, data.admissionId as string, (a) => ({ ...a, vitalsOverdue: true }));
    case "dose.went_overdue": {
      const dose = data.dose as WardDose;
      return onAdmission(board, data.admissionId as string, (a) => ({
        ...a,
        overdueDoses: [...(a.overdueDoses ?? []).filter((d) => d.id !== dose.id), dose].sort(byScheduled),
      }));
    }
    case "dose.recorded":
      return onAdmission(board, data.admissionId as string, (a) => ({
        ...a,
        overdueDoses: (a.overdueDoses ?? []).filter((d) => d.id !== data.doseId),
      }));
    case "alert.posted": {
      const alert = data.alert as WardAlert & { admissionId?: string | null };
      if (!alert.admissionId) return board;
      const posted: WardAlert = {
        alertId: alert.alertId,
        kind: alert.kind,
        severity: alert.severity,
        message: alert.message,
        raisedAt: alert.raisedAt,
        escalationLevel: alert.escalationLevel ?? 0,
        preliminary: alert.preliminary ?? false,
      };
      return onAdmission(board, alert.admissionId, (a) => ({
        ...a,
        alerts: [...(a.alerts ?? []).filter((x) => x.alertId !== posted.alertId), posted].sort(byRaised),
      }));
    }
    case "alert.escalated":
      return onAlert(board, data.alertId as string, (a) => ({ ...a, escalationLevel: data.escalationLevel as number }));
    case "alert.verified":
      return onAlert(board, data.alertId as string, (a) => ({ ...a, preliminary: false }));
    case "alert.acknowledged":
    case "alert.resolved":
      return onAlert(board, data.alertId as string, () => null);
    default:
      return board;
  }
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
