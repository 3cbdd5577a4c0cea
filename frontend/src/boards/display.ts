// The `display:{departmentId}` board (a waiting room's screen) and how its events change it: the
// TypeScript twin of domain/opd_events.py. It holds token numbers, rooms, statuses and waits, never a name.

import type { EventMessage } from "../realtime/protocol";

export type TokenStatus = "WAITING" | "CALLED" | "IN_CONSULTATION" | "COMPLETED" | "NO_SHOW" | "CANCELLED";

export interface DisplayEntry {
  tokenNumber: number;
  status: TokenStatus;
  room: string | null;
  estimatedWaitMinutes?: number | null;
}

export interface DisplayBoard {
  departmentId: string;
  departmentName: string;
  /** The hospital day (Asia/Kolkata) the board is of, YYYY-MM-DD. */
  date: string;
  nowCalling: DisplayEntry[];
  inConsultation: DisplayEntry[];
  waiting: DisplayEntry[];
}

export interface WaitEstimate {
  tokenNumber: number;
  minutes: number | null;
}

export interface DisplayTokenUpdated {
  action: string;
  entry: DisplayEntry;
  waits: WaitEstimate[];
}

export interface DisplayTokenCalled extends DisplayTokenUpdated {
  callCount: number;
  /** "Token 23, Room 4" */
  announcement: string;
}

export interface DisplayTokenRemoved {
  action: string;
  tokenNumber: number;
  waits: WaitEstimate[];
}

type ListName = "nowCalling" | "inConsultation" | "waiting";
const LISTS: readonly ListName[] = ["nowCalling", "inConsultation", "waiting"];
const LIST_OF: Partial<Record<TokenStatus, ListName>> = {
  WAITING: "waiting",
  CALLED: "nowCalling",
  IN_CONSULTATION: "inConsultation",
};

function without(board: DisplayBoard, tokenNumber: number): Record<ListName, DisplayEntry[]> {
  return {
    nowCalling: board.nowCalling.filter((e) => e.tokenNumber !== tokenNumber),
    inConsultation: board.inConsultation.filter((e) => e.tokenNumber !== tokenNumber),
    waiting: board.waiting.filter((e) => e.tokenNumber !== tokenNumber),
  };
}

function rebuilt(board: DisplayBoard, lists: Record<ListName, DisplayEntry[]>, waits: WaitEstimate[]): DisplayBoard {
  const minutes = new Map(waits.map((w) => [w.tokenNumber, w.minutes]));
  const next = { ...board };
  for (const name of LISTS) {
    next[name] = [...lists[name]]
      .sort((a, b) => a.tokenNumber - b.tokenNumber)
      .map((e) => ({ ...e, estimatedWaitMinutes: e.status === "WAITING" ? (minutes.get(e.tokenNumber) ?? null) : null }));
  }
  return next;
}

export function applyDisplayEvent(board: DisplayBoard, message: EventMessage): DisplayBoard {
  if (message.event === "display.token.updated" || message.event === "display.token.called") {
    const event = message.data as DisplayTokenUpdated;
    const lists = without(board, event.entry.tokenNumber);
    const target = LIST_OF[event.entry.status];
    if (target !== undefined) lists[target].push(event.entry);
    return rebuilt(board, lists, event.waits);
  }
  if (message.event === "display.token.removed") {
    const event = message.data as DisplayTokenRemoved;
    return rebuilt(board, without(board, event.tokenNumber), event.waits);
  }
  return board;
}

export function isDisplayBoard(data: unknown): data is DisplayBoard {
  const board = data as Partial<DisplayBoard> | null;
  return typeof board === "object" && board !== null && Array.isArray(board.nowCalling) && Array.isArray(board.waiting);
}

/** The waiting tokens in the order they are likely to be called: shortest estimated wait first. */
export function nextTokens(board: DisplayBoard): DisplayEntry[] {
  return [...board.waiting].sort((a, b) => {
    const wa = a.estimatedWaitMinutes ?? Number.POSITIVE_INFINITY;
    const wb = b.estimatedWaitMinutes ?? Number.POSITIVE_INFINITY;
    return wa === wb ? a.tokenNumber - b.tokenNumber : wa - wb;
  });
}

/** "about 15 min", "next", or a plain word when no doctor is on duty to estimate. */
export function waitText(minutes: number | null | undefined): string {
  if (minutes === null || minutes === undefined) return "—";
  if (minutes <= 1) return "next";
  return `about ${minutes} min`;
}

/** The hospital day now (Asia/Kolkata), YYYY-MM-DD, to notice midnight. */
export function hospitalDay(now: Date = new Date()): string {
  return new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Kolkata", year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
}
