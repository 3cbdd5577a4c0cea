import { describe, expect, it } from "vitest";
import type { EventMessage } from "../realtime/protocol";
import { applyDisplayEvent, hospitalDay, nextTokens, waitText, type DisplayBoard } from "./display";
import { applyOpdEvent, type OpdBoard, type OpdQueueEntry } from "./opd";

function event(name: string, data: object, seq = 1): EventMessage {
  return { type: "event", topic: "display:d", epoch: "E", seq, event: name, data, ts: "2026-11-26T07:00:00Z" };
}

const board: DisplayBoard = {
  departmentId: "d",
  departmentName: "General Medicine",
  date: "2026-11-26",
  nowCalling: [],
  inConsultation: [],
  waiting: [
    { tokenNumber: 1, status: "WAITING", room: null, estimatedWaitMinutes: 4 },
    { tokenNumber: 2, status: "WAITING", room: null, estimatedWaitMinutes: 8 },
  ],
};

describe("the waiting-room display board", () => {
  it("a check-in, a call and a token leaving, each with every waiting token's new estimate", () => {
    let next = applyDisplayEvent(board, event("display.token.updated", { action: "ISSUED", entry: { tokenNumber: 3, status: "WAITING", room: null }, waits: [{ tokenNumber: 1, minutes: 4 }, { tokenNumber: 2, minutes: 8 }, { tokenNumber: 3, minutes: 12 }] }));
    expect(next.waiting.map((e) => [e.tokenNumber, e.estimatedWaitMinutes])).toEqual([[1, 4], [2, 8], [3, 12]]);
    next = applyDisplayEvent(next, event("display.token.called", { action: "CALLED", entry: { tokenNumber: 2, status: "CALLED", room: "4" }, callCount: 1, announcement: "Token 2, Room 4", waits: [{ tokenNumber: 1, minutes: 3 }, { tokenNumber: 3, minutes: 7 }] }));
    expect(next.nowCalling).toEqual([{ tokenNumber: 2, status: "CALLED", room: "4", estimatedWaitMinutes: null }]);
    expect(next.waiting.map((e) => e.estimatedWaitMinutes)).toEqual([3, 7]);
    next = applyDisplayEvent(next, event("display.token.removed", { action: "COMPLETED", tokenNumber: 2, waits: [{ tokenNumber: 1, minutes: 3 }, { tokenNumber: 3, minutes: 7 }] }));
    expect(next.nowCalling).toEqual([]);
    expect(JSON.stringify([...next.nowCalling, ...next.inConsultation, ...next.waiting])).not.toMatch(/name|mrn|patient/i);
  });

  it("lists the next tokens by estimated wait, those without an estimate last", () => {
    const mixed = { ...board, waiting: [{ tokenNumber: 5, status: "WAITING" as const, room: null, estimatedWaitMinutes: null }, { tokenNumber: 7, status: "WAITING" as const, room: null, estimatedWaitMinutes: 2 }, { tokenNumber: 6, status: "WAITING" as const, room: null, estimatedWaitMinutes: 9 }] };
    expect(nextTokens(mixed).map((e) => e.tokenNumber)).toEqual([7, 6, 5]);
    expect([waitText(null), waitText(1), waitText(15)]).toEqual(["—", "next", "about 15 min"]);
  });

  it("knows the hospital day in Kolkata, which turns at 18:30 UTC", () => {
    expect(hospitalDay(new Date("2026-11-26T18:29:00Z"))).toBe("2026-11-26");
    expect(hospitalDay(new Date("2026-11-26T18:31:00Z"))).toBe("2026-11-27");
  });
});

const entry = (n: number, status: OpdQueueEntry["status"]): OpdQueueEntry => ({
  tokenId: `t${n}`, tokenNumber: n, visitId: `v${n}`, visitType: "OPD", patientId: `p${n}`, mrn: `MRN-${n}`, patientName: `P ${n}`, age: 40,
  gender: "FEMALE", priority: "ROUTINE", status, doctorId: null, doctorName: null, room: null, callCount: 0, arrivedAt: "2026-11-26T06:00:00Z",
  appointmentAt: null, calledAt: null,
});

describe("the OPD queue board", () => {
  const opd: OpdBoard = { departmentId: "d", date: "2026-11-26", waitingPatients: [entry(1, "WAITING"), entry(2, "WAITING")], inConsultation: [], completed: [], missed: [] };

  it("moves a token between lists, and applying an event twice changes nothing", () => {
    const called = event("opd.token.updated", { action: "CALLED", entry: { ...entry(1, "CALLED"), room: "4" }, waits: [{ tokenNumber: 2, minutes: 5 }] });
    const once = applyOpdEvent(opd, called);
    expect(once.waitingPatients.map((e) => [e.tokenNumber, e.status, e.estimatedWaitMinutes])).toEqual([[1, "CALLED", null], [2, "WAITING", 5]]);
    expect(applyOpdEvent(once, called)).toEqual(once);
    const seen = applyOpdEvent(once, event("opd.token.updated", { action: "CONSULTATION_STARTED", entry: entry(1, "IN_CONSULTATION"), waits: [{ tokenNumber: 2, minutes: 5 }] }));
    expect(seen.inConsultation.map((e) => e.tokenNumber)).toEqual([1]);
    const cancelled = applyOpdEvent(seen, event("opd.token.removed", { action: "CANCELLED", tokenId: "t2", tokenNumber: 2, waits: [] }));
    expect(cancelled.waitingPatients).toEqual([]);
  });
});
