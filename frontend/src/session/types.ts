// Who is signed in, as /api/auth/login answers it (server/users.py UserOut).

export const ROLES = [
  "ADMIN",
  "DOCTOR",
  "NURSE",
  "RECEPTIONIST",
  "LAB_STAFF",
  "PHARMACY_STAFF",
  "BILLING_STAFF",
  "RADIOLOGIST",
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Record<Role, string> = {
  ADMIN: "Administrator",
  DOCTOR: "Doctor",
  NURSE: "Nurse",
  RECEPTIONIST: "Receptionist",
  LAB_STAFF: "Laboratory",
  PHARMACY_STAFF: "Pharmacy",
  BILLING_STAFF: "Billing",
  RADIOLOGIST: "Radiology",
};

export interface User {
  id: string;
  email: string;
  firstName: string;
  lastName?: string | null;
  role: Role;
  isActive: boolean;
  version: number;
  phone?: string | null;
  departmentId?: string | null;
  lastLogin?: string | null;
  createdAt?: string | null;
  temporaryPassword?: string | null;
}

export function displayName(user: Pick<User, "firstName" | "lastName">): string {
  return [user.firstName, user.lastName].filter(Boolean).join(" ");
}
