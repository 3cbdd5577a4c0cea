// The `opd:{departmentId}` board (the department's queue, with names, for its staff) and how its events
// change it: the TypeScript twin of domain/opd_events.py. Each event carries the token's whole entry and
// every waiting token's estimated wait, so applying an event twice changes nothing.

import type { EventMessage } from "../realtime/protocol";
import type { TokenStatus, WaitEstimate } from "./display";

export type QueuePriority = "EMERGENCY" | "URGENT" | "ELDERLY_DISABLED" | "ROUTINE";

export const PRIORITY_LABELS: Record<string, string> = {
  EMERGENCY: "Emergency",
  URGENT: "Urgent",
  ELDERLY_DISABLED: "Elderly / disabled",
  ROUTINE: "Routine",
};

export interface OpdQueueEntry {
  tokenId: string;
  tokenNumber: number;
  visitId: string;
  visitType: string;
  patientId: string;
  mrn: string;
  patientName: string;
  age: number;
  gender: string;
  priority: QueuePriority | string;
  status: TokenStatus;
  doctorId: string | null;
  doctorName: string | null;
  room: string | null;
  callCount: number;
  arrivedAt: string;
  appointmentAt: string | null;
  calledAt: string | null;
  estimatedWaitMinutes?: number | null;
}

export interface OpdBoard {
  departmentId: string;
  date: string;
  waitingPatients: OpdQueueEntry[];
  inConsultation: OpdQueueEntry[];
  completed: OpdQueueEntry[];
  missed: OpdQueueEntry[];
}

type ListName = "waitingPatients" | "inConsultation" | "completed" | "missed";
const LISTS: readonly ListName[] = ["waitingPatients", "inConsultation", "completed", "missed"];
const LIST_OF: Partial<Record<TokenStatus, ListName>> = {
  WAITING: "waitingPatients",
  CALLED: "waitingPatients",
  IN_CONSULTATION: "inConsultation",
  COMPLETED: "completed",
  NO_SHOW: "missed",
};

function without(board: OpdBoard, tokenId: string): Record<ListName, OpdQueueEntry[]> {
  return {
    waitingPatients: board.waitingPatients.filter((e) => e.tokenId !== tokenId),
    inConsultation: board.inConsultation.filter((e) => e.tokenId !== tokenId),
    completed: board.completed.filter((e) => e.tokenId !== tokenId),
    missed: board.missed.filter((e) => e.tokenId !== tokenId),
  };
}

function rebuilt(board: OpdBoard, lists: Record<ListName, OpdQueueEntry[]>, waits: WaitEstimate[]): OpdBoard {
  const minutes = new Map(waits.map((w) => [w.tokenNumber, w.minutes]));
  const next = { ...board };
  for (const name of LISTS) {
    next[name] = [...lists[name]]
      .sort((a, b) => a.tokenNumber - b.tokenNumber)
      .map((e) => ({ ...e, estimatedWaitMinutes: e.status === "WAITING" ? (minutes.get(e.tokenNumber) ?? null) : null }));
  }
  return next;
}

export function applyOpdEvent(board: OpdBoard, message: EventMessage): OpdBoard {
  if (message.event === "opd.token.updated") {
    const event = message.data as { entry: OpdQueueEntry; waits: WaitEstimate[] };
    const lists = without(board, event.entry.tokenId);
    const target = LIST_OF[event.entry.status];
    if (target !== undefined) lists[target].push(event.entry);
    return rebuilt(board, lists, event.waits);
  }
  if (message.event === "opd.token.removed") {
    const event = message.data as { tokenId: string; waits: WaitEstimate[] };
    return rebuilt(board, without(board, event.tokenId), event.waits);
  }
  return board;
}

export function isOpdBoard(data: unknown): data is OpdBoard {
  const board = data as Partial<OpdBoard> | null;
  return typeof board === "object" && board !== null && Array.isArray(board.waitingPatients) && Array.isArray(board.inConsultation);
}

/** Minutes since `iso`, for "waiting 25 min". */
export function minutesSince(iso: string, now: number): number {
  return Math.max(0, Math.floor((now - Date.parse(iso)) / 60_000));
}
