// The hospital's departments with their OPD doctors (GET /api/opd/departments): what the check-in desk picks
// a department and a doctor from, and the admin a waiting-room display's department. Any role that reads an
// OPD queue may read it (doctors, nurses, receptionists, ADMIN).

import type { User } from "../session/types";
import { useApiGet, type Loaded } from "./useApiGet";

export interface DepartmentDoctor {
  /** doctors.id: what check-in, booking and the queue take as doctorId. */
  id: string;
  userId: string;
  name: string | null;
  specialization: string | null;
  opdRoom: string | null;
  /** On the duty roster at this moment. */
  onDutyNow: boolean;
}

export interface Department {
  id: string;
  code: string;
  name: string;
  /** Has OPD doctors: patients can be checked in to it, and it has a waiting room. */
  runsOpd: boolean;
  doctors: DepartmentDoctor[];
}

export function useDepartments(): Loaded<{ departments: Department[] }> {
  return useApiGet<{ departments: Department[] }>("/api/opd/departments");
}

/** The departments that run an OPD, by name. */
export function opdDepartments(departments: readonly Department[] | null | undefined): Department[] {
  return (departments ?? []).filter((d) => d.runsOpd).sort((a, b) => a.name.localeCompare(b.name));
}

/** "Dr Meera Iyer · Cardiology · room 4 · on duty now". */
export function doctorLabel(doctor: DepartmentDoctor): string {
  const parts = [`Dr ${doctor.name ?? "(no name)"}`];
  if (doctor.specialization) parts.push(doctor.specialization);
  if (doctor.opdRoom) parts.push(`room ${doctor.opdRoom}`);
  parts.push(doctor.onDutyNow ? "on duty now" : "not on duty now");
  return parts.join(" · ");
}

/** A department's doctors for a picker: those on duty now first, then by name. */
export function doctorChoices(department: Department | null | undefined): { value: string; label: string }[] {
  return [...(department?.doctors ?? [])]
    .sort((a, b) => Number(b.onDutyNow) - Number(a.onDutyNow) || (a.name ?? "").localeCompare(b.name ?? ""))
    .map((d) => ({ value: d.id, label: doctorLabel(d) }));
}

/**
 * Whether this person works every department's OPD desk: ADMIN, and a receptionist attached to no department
 * (the front desk; domain/topics.py may_watch_opd). Others work their own department's queue.
 */
export function worksEveryDesk(user: Pick<User, "role" | "departmentId"> | null | undefined): boolean {
  if (!user) return false;
  return user.role === "ADMIN" || (user.role === "RECEPTIONIST" && !user.departmentId);
}
