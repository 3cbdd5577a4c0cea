import { describe, expect, it } from "vitest";
import type { EventMessage } from "../realtime/protocol";
import { REASON_LABELS, applyUserEvent, type OpenAlert, type UserBoard } from "./alerts";

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

  it("resolved (discharge, cancelled admission, NEWS2 back to low): the banner leaves, acknowledged or not", () => {
    const news2 = { ...alert("n", "2026-11-26T07:10:00Z"), kind: "NEWS2_DETERIORATION" as const, reason: "ATTENDING_DOCTOR" as const, admissionId: "adm" };
    let board: UserBoard = { alerts: [alert("a", "2026-11-26T07:00:00Z")], resultsToView: [] };
    board = applyUserEvent(board, event("alert.raised", { alert: news2 }));
    expect(board.alerts.map((a) => a.alertId)).toEqual(["a", "n"]);
    board = applyUserEvent(board, event("alert.resolved", { alertId: "n", reason: "DISCHARGED", resolvedAt: "2026-11-26T08:00:00Z" }));
    expect(board.alerts.map((a) => a.alertId)).toEqual(["a"]);
    // An alert already gone (acknowledged here first) changes nothing.
    expect(applyUserEvent(board, event("alert.resolved", { alertId: "n", reason: "NEWS2_BACK_TO_LOW", resolvedAt: "x" })).alerts).toEqual(board.alerts);
  });

  it("says why the alert reached this person, the attending doctor of a NEWS2 alert included", () => {
    expect(REASON_LABELS.ATTENDING_DOCTOR).toBe("you are the attending doctor");
    expect(REASON_LABELS.ORDERING_DOCTOR).toBe("you ordered the test");
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
