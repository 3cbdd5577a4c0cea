import { describe, expect, it } from "vitest";
import type { EventMessage } from "../realtime/protocol";
import { applyUserEvent, type OpenAlert, type UserBoard } from "./alerts";

function event(name: string, data: object): EventMessage {
  return { type: "event", topic: "user:u", epoch: "E", seq: 1, event: name, data, ts: "2026-11-26T07:00:00Z" };
}

const alert = (id: string, raisedAt: string): OpenAlert => ({
  alertId: id, kind: "CRITICAL_RESULT", severity: "CRITICAL", patientId: "p", labTestId: "l", accessionNumber: "L1", message: "K+ 6.8",
  preliminary: true, escalationLevel: 0, reason: "ORDERING_DOCTOR", raisedAt, analytes: [],
});

describe("a person's alert inbox", () => {
  it("raised (oldest first, once), escalated, verified, acknowledged", () => {
    let board: UserBoard = { alerts: [alert("b", "2026-11-26T07:05:00Z")], resultsToView: [] };
    board = applyUserEvent(board, event("alert.raised", { alert: alert("a", "2026-11-26T07:00:00Z") }));
    board = applyUserEvent(board, event("alert.raised", { alert: alert("a", "2026-11-26T07:00:00Z") }));
    expect(board.alerts.map((a) => a.alertId)).toEqual(["a", "b"]);
    board = applyUserEvent(board, event("alert.escalated", { alertId: "a", escalationLevel: 2 }));
    board = applyUserEvent(board, event("alert.verified", { alertId: "a" }));
    expect(board.alerts[0]).toMatchObject({ escalationLevel: 2, preliminary: false });
    board = applyUserEvent(board, event("alert.acknowledged", { alertId: "a", action: "Repeat sent" }));
    expect(board.alerts.map((a) => a.alertId)).toEqual(["b"]);
  });

  it("results to view: newest release first, gone once opened", () => {
    const result = (id: string, at: string) => ({ orderId: id, accessionNumber: id, patientId: "p", testCode: "ELEC", testName: "Electrolytes", isAbnormal: true, hasCritical: false, isCorrected: false, releasedAt: at });
    let board: UserBoard = { alerts: [], resultsToView: [] };
    board = applyUserEvent(board, event("lab.result.released", { result: result("o1", "2026-11-26T07:00:00Z") }));
    board = applyUserEvent(board, event("lab.result.released", { result: result("o2", "2026-11-26T08:00:00Z") }));
    expect(board.resultsToView.map((r) => r.orderId)).toEqual(["o2", "o1"]);
    board = applyUserEvent(board, event("lab.result.reviewed", { orderId: "o2" }));
    expect(board.resultsToView.map((r) => r.orderId)).toEqual(["o1"]);
  });
});
