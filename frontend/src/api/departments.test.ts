import { describe, expect, it } from "vitest";
import { doctorChoices, doctorLabel, opdDepartments, worksEveryDesk, type Department } from "./departments";

const doctor = (id: string, name: string, onDutyNow: boolean, opdRoom: string | null = null) => ({
  id, userId: `u-${id}`, name, specialization: "Internal Medicine", opdRoom, onDutyNow,
});

const departments: Department[] = [
  { id: "s", code: "SURG", name: "Surgery", runsOpd: true, doctors: [doctor("d3", "Arun Rao", false)] },
  { id: "l", code: "LAB", name: "Laboratory", runsOpd: false, doctors: [] },
  { id: "g", code: "GEN", name: "General Medicine", runsOpd: true, doctors: [doctor("d1", "Zoya Khan", false, "2"), doctor("d2", "Meera Iyer", true, "4")] },
];

describe("departments and their doctors", () => {
  it("only departments that run an OPD, by name", () => {
    expect(opdDepartments(departments).map((d) => d.name)).toEqual(["General Medicine", "Surgery"]);
    expect(opdDepartments(null)).toEqual([]);
  });

  it("doctors on duty now first, each with room and whether on duty", () => {
    expect(doctorChoices(departments[2])).toEqual([
      { value: "d2", label: "Dr Meera Iyer · Internal Medicine · room 4 · on duty now" },
      { value: "d1", label: "Dr Zoya Khan · Internal Medicine · room 2 · not on duty now" },
    ]);
    expect(doctorLabel({ ...doctor("x", "Arun Rao", false), specialization: null })).toBe("Dr Arun Rao · not on duty now");
    expect(doctorChoices(undefined)).toEqual([]);
  });

  it("the front desk (a receptionist of no department) and ADMIN work every department's desk", () => {
    expect(worksEveryDesk({ role: "RECEPTIONIST", departmentId: null })).toBe(true);
    expect(worksEveryDesk({ role: "ADMIN", departmentId: "g" })).toBe(true);
    expect(worksEveryDesk({ role: "RECEPTIONIST", departmentId: "g" })).toBe(false);
    expect(worksEveryDesk({ role: "DOCTOR", departmentId: null })).toBe(false);
    expect(worksEveryDesk(null)).toBe(false);
  });
});
