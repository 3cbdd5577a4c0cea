// Shapes of /api answers the screens use (camelCase, as the server's msgspec Structs put them).

import type { Role, User } from "../session/types";

/** A patient as the caller's role may see them: fields outside the role's view are absent. */
export interface Patient {
  id: string;
  mrn: string;
  firstName?: string | null;
  lastName?: string | null;
  dateOfBirth?: string;
  age?: number;
  gender?: string;
  phone?: string | null;
  email?: string | null;
  city?: string | null;
  healthId?: string | null;
  isUnidentified?: boolean;
  version?: number;
}

export interface PatientsPage {
  patients: Patient[];
  total: number;
}

/** One possible duplicate named by a 409 on registration. */
export interface DuplicateCandidate {
  id: string;
  mrn: string;
  firstName: string | null;
  lastName: string | null;
  dateOfBirth: string;
  phone: string | null;
}

export interface Device {
  id: string;
  name: string;
  topics: string[];
  createdAt: string;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
  /** Only in the answer that created it: shown once, never again. */
  token?: string | null;
}

export interface UsersPage {
  users: User[];
  total: number;
}

export type { Role, User };
