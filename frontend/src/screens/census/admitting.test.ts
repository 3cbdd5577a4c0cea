import { describe, expect, it } from "vitest";
import type { WardBoard } from "../../boards/beds";
import { freeBeds } from "./admitting";

const board: WardBoard = {
  wardId: "w1",
  code: "GMW",
  name: "General Medicine Ward",
  departmentId: "d1",
  floor: 1,
  counts: { totalBeds: 3, occupiedBeds: 1, available: 1, reserved: 0, cleaning: 1, maintenance: 0 },
  rooms: [
    {
      id: "r1",
      roomNumber: "101",
      roomType: "GENERAL",
      beds: [
        { id: "b1", bedNumber: "GMW-101-A", status: "OCCUPIED", version: 3 },
        { id: "b2", bedNumber: "GMW-101-B", status: "AVAILABLE", version: 1 },
      ],
    },
    { id: "r2", roomNumber: "102", roomType: "PRIVATE", beds: [{ id: "b3", bedNumber: "GMW-102-A", status: "CLEANING", version: 2 }] },
  ],
};

describe("freeBeds", () => {
  it("lists only the available beds, with their room and room type", () => {
    expect(freeBeds(board)).toEqual([{ bedId: "b2", roomId: "r1", bedNumber: "GMW-101-B", label: "Bed GMW-101-B · room 101 · General" }]);
  });

  it("leaves out the bed the patient is in already, and copes with no board", () => {
    expect(freeBeds(board, "b2")).toEqual([]);
    expect(freeBeds(null)).toEqual([]);
  });
});
