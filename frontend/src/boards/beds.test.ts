import { describe, expect, it } from "vitest";
import type { EventMessage } from "../realtime/protocol";
import { applyCensusEvent, applyWardEvent, countBeds, durationSince, occupancyPercent, type CensusBoard, type WardBoard } from "./beds";

let seq = 0;
function event(name: string, data: object): EventMessage {
  seq += 1;
  return { type: "event", topic: "t", epoch: "E", seq, event: name, data, ts: "2026-11-26T07:00:00Z" };
}

const census: CensusBoard = {
  ...countBeds(["AVAILABLE", "CLEANING", "OCCUPIED", "OCCUPIED"]),
  byWard: [
    { wardId: "w1", code: "GMW", name: "General", departmentId: "d", ...countBeds(["AVAILABLE", "CLEANING", "OCCUPIED"]) },
    { wardId: "w2", code: "CCU", name: "Cardiac", departmentId: "d", ...countBeds(["OCCUPIED"]) },
  ],
  byRoomType: [{ roomType: "GENERAL", ...countBeds(["AVAILABLE", "CLEANING", "OCCUPIED", "OCCUPIED"]) }],
};

const ward: WardBoard = {
  wardId: "w1",
  code: "GMW",
  name: "General",
  departmentId: "d",
  floor: 1,
  counts: countBeds(["OCCUPIED", "CLEANING"]),
  rooms: [
    {
      id: "r1",
      roomNumber: "101",
      roomType: "GENERAL",
      beds: [
        { id: "b1", bedNumber: "101-A", status: "OCCUPIED", version: 3, admission: { id: "a1", admissionDate: "2026-11-24T05:00:00Z", admissionType: "ROUTINE", patient: { id: "p1", firstName: "Asha" } } },
        { id: "b2", bedNumber: "101-B", status: "CLEANING", version: 7 },
      ],
    },
  ],
};

describe("the census board", () => {
  it("moves one bed between counts in the totals, its ward and its room type", () => {
    const next = applyCensusEvent(census, event("census.updated", { wardId: "w1", roomType: "GENERAL", bedId: "b2", previousStatus: "CLEANING", status: "AVAILABLE" }));
    expect([next.available, next.cleaning, next.totalBeds]).toEqual([2, 0, 4]);
    expect([next.byWard[0]!.available, next.byWard[0]!.cleaning]).toEqual([2, 0]);
    expect(next.byWard[1]).toBe(census.byWard[1]);
    expect(next.byRoomType[0]!.available).toBe(2);
    expect(occupancyPercent(next)).toBe(50);
  });
});

describe("the census's beds out of service", () => {
  const moved = (bedId: string, bedNumber: string, previousStatus: string, status: string, at: string) =>
    event("census.updated", { wardId: "w1", roomType: "GENERAL", bedId, bedNumber, previousStatus, status, statusChangedAt: at });

  it("lists the beds in cleaning, maintenance or held, longest first, with since when; a bed back in service leaves", () => {
    let board: CensusBoard = { ...census, unavailableBeds: [{ bedId: "b2", bedNumber: "101-B", wardId: "w1", roomType: "GENERAL", status: "CLEANING", statusChangedAt: "2026-11-26T06:00:00Z" }] };
    board = applyCensusEvent(board, moved("b1", "101-A", "OCCUPIED", "CLEANING", "2026-11-26T07:00:00Z"));
    board = applyCensusEvent(board, moved("b9", "102-A", "AVAILABLE", "MAINTENANCE", "2026-11-26T05:00:00Z"));
    expect(board.unavailableBeds!.map((b) => [b.bedNumber, b.status])).toEqual([["102-A", "MAINTENANCE"], ["101-B", "CLEANING"], ["101-A", "CLEANING"]]);
    // Cleaned: off the list; the same bed under maintenance: its new state and its new since-when.
    board = applyCensusEvent(board, moved("b2", "101-B", "CLEANING", "AVAILABLE", "2026-11-26T07:10:00Z"));
    board = applyCensusEvent(board, moved("b1", "101-A", "CLEANING", "MAINTENANCE", "2026-11-26T07:20:00Z"));
    expect(board.unavailableBeds).toEqual([
      { bedId: "b9", bedNumber: "102-A", wardId: "w1", roomType: "GENERAL", status: "MAINTENANCE", statusChangedAt: "2026-11-26T05:00:00Z" },
      { bedId: "b1", bedNumber: "101-A", wardId: "w1", roomType: "GENERAL", status: "MAINTENANCE", statusChangedAt: "2026-11-26T07:20:00Z" },
    ]);
    expect(durationSince(board.unavailableBeds![1]!.statusChangedAt, Date.parse("2026-11-26T07:45:00Z"))).toBe("25 min");
  });
});

describe("the ward board", () => {
  it("a bed's new state, version and since-when; a freed bed holds nobody", () => {
    const cleaned = applyWardEvent(ward, event("bed.updated", { bedId: "b2", roomId: "r1", status: "AVAILABLE", previousStatus: "CLEANING", version: 8, updatedAt: "2026-11-26T07:01:00Z", statusChangedAt: "2026-11-26T07:01:00Z" }));
    expect(cleaned.rooms[0]!.beds[1]).toMatchObject({ status: "AVAILABLE", version: 8, statusChangedAt: "2026-11-26T07:01:00Z" });
    // A bed update that is not a change of state (a note) keeps the time the bed entered its state.
    const noted = applyWardEvent(cleaned, event("bed.updated", { bedId: "b2", roomId: "r1", status: "AVAILABLE", previousStatus: "AVAILABLE", version: 9, updatedAt: "2026-11-26T07:30:00Z", statusChangedAt: "2026-11-26T07:01:00Z" }));
    expect(noted.rooms[0]!.beds[1]!.statusChangedAt).toBe("2026-11-26T07:01:00Z");
    expect([cleaned.counts.available, cleaned.counts.cleaning]).toEqual([1, 0]);
    const discharged = applyWardEvent(cleaned, event("bed.updated", { bedId: "b1", roomId: "r1", status: "CLEANING", previousStatus: "OCCUPIED", version: 4, updatedAt: "2026-11-26T08:00:00Z", admissionId: "a1" }));
    expect(discharged.rooms[0]!.beds[0]!.admission).toBeNull();
  });

  it("a patient coming into a bed, with the name only when the viewer may see it", () => {
    const occupant = { id: "a2", admissionDate: "2026-11-26T07:00:00Z", admissionType: "EMERGENCY", alerts: [], overdueDoses: [] };
    const message = event("bed.occupied", { bedId: "b2", roomId: "r1", status: "OCCUPIED", previousStatus: "CLEANING", version: 9, updatedAt: "2026-11-26T07:02:00Z", reason: "admitted", admission: occupant });
    expect(applyWardEvent(ward, message).rooms[0]!.beds[1]!.admission).toEqual(occupant);
    const named = applyWardEvent(ward, message, { id: "p2", firstName: "Ravi" });
    expect(named.rooms[0]!.beds[1]!.admission?.patient?.firstName).toBe("Ravi");
    expect(named.counts.occupiedBeds).toBe(2);
  });

  it("vitals, overdue doses and alerts land on the admission they are about", () => {
    let board = applyWardEvent(ward, event("vitals.recorded", { admissionId: "a1", bedId: "b1", vitals: { news2: { score: 7, band: "HIGH", observationId: "o1", recordedAt: "2026-11-26T07:00:00Z" }, vitalsOverdue: false } }));
    expect(board.rooms[0]!.beds[0]!.admission?.news2?.score).toBe(7);
    board = applyWardEvent(board, event("vitals.went_overdue", { admissionId: "a1", bedId: "b1", dueAt: "2026-11-26T08:00:00Z" }));
    expect(board.rooms[0]!.beds[0]!.admission?.vitalsOverdue).toBe(true);
    const dose = { id: "d1", scheduledAt: "2026-11-26T06:00:00Z", medicine: "Ceftriaxone", dose: "1 g", frequency: "BD" };
    board = applyWardEvent(board, event("dose.went_overdue", { admissionId: "a1", bedId: "b1", dose }));
    board = applyWardEvent(board, event("dose.went_overdue", { admissionId: "a1", bedId: "b1", dose }));
    expect(board.rooms[0]!.beds[0]!.admission?.overdueDoses).toEqual([dose]);
    board = applyWardEvent(board, event("dose.recorded", { admissionId: "a1", bedId: "b1", doseId: "d1", status: "GIVEN", administeredAt: "x" }));
    expect(board.rooms[0]!.beds[0]!.admission?.overdueDoses).toEqual([]);
    const alert = { alertId: "al1", kind: "NEWS2_DETERIORATION", severity: "URGENT", message: "NEWS2 7", raisedAt: "2026-11-26T07:00:00Z", escalationLevel: 0, preliminary: false, admissionId: "a1" };
    board = applyWardEvent(board, event("alert.posted", { alert }));
    board = applyWardEvent(board, event("alert.escalated", { alertId: "al1", escalationLevel: 1 }));
    expect(board.rooms[0]!.beds[0]!.admission?.alerts).toMatchObject([{ alertId: "al1", escalationLevel: 1 }]);
    board = applyWardEvent(board, event("alert.acknowledged", { alertId: "al1" }));
    expect(board.rooms[0]!.beds[0]!.admission?.alerts).toEqual([]);
    // alert.resolved (discharge, cancelled admission, NEWS2 back to low) takes it off the ward board too.
    board = applyWardEvent(board, event("alert.posted", { alert: { ...alert, alertId: "al2" } }));
    expect(board.rooms[0]!.beds[0]!.admission?.alerts).toMatchObject([{ alertId: "al2" }]);
    board = applyWardEvent(board, event("alert.resolved", { alertId: "al2", reason: "NEWS2_BACK_TO_LOW", resolvedAt: "2026-11-26T09:00:00Z" }));
    expect(board.rooms[0]!.beds[0]!.admission?.alerts).toEqual([]);
    expect(applyWardEvent(board, event("something.else", {}))).toBe(board);
  });
});

describe("durationSince", () => {
  it("says how long in words a person reads at a glance", () => {
    const now = Date.parse("2026-11-26T10:00:00Z");
    expect(durationSince("2026-11-26T09:59:30Z", now)).toBe("less than a minute");
    expect(durationSince("2026-11-26T09:35:00Z", now)).toBe("25 min");
    expect(durationSince("2026-11-26T07:55:00Z", now)).toBe("2 h 05 min");
    expect(durationSince("2026-11-22T10:00:00Z", now)).toBe("4 days");
    expect(durationSince(null, now)).toBeNull();
  });
});
