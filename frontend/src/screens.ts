// Which screens each role has, and which one it opens on. A screen is listed here only once its API
// exists.

import type { Role } from "./session/types";

export interface Screen {
  path: string;
  title: string;
  roles: readonly Role[];
  /** Shown in the navigation (a screen reached from another one is not). */
  nav?: boolean;
}

export const SCREENS = {
  doctor: { path: "/doctor", title: "My queue & alerts", roles: ["DOCTOR"] },
  reception: { path: "/reception", title: "Reception", roles: ["RECEPTIONIST", "ADMIN"] },
  queue: { path: "/opd/queue", title: "OPD queue", roles: ["RECEPTIONIST", "ADMIN", "DOCTOR", "NURSE"] },
  ward: { path: "/ward", title: "Ward board", roles: ["NURSE", "DOCTOR", "ADMIN"] },
  census: { path: "/census", title: "Census", roles: ["ADMIN", "DOCTOR", "NURSE", "RECEPTIONIST"] },
  patients: { path: "/patients", title: "Patients", roles: ["DOCTOR", "NURSE", "BILLING_STAFF", "ADMIN"] },
  display: { path: "/display", title: "Waiting-room display", roles: ["RECEPTIONIST", "ADMIN", "DOCTOR", "NURSE"], nav: false },
  users: { path: "/admin/users", title: "Staff accounts", roles: ["ADMIN"] },
  devices: { path: "/admin/devices", title: "Device tokens", roles: ["ADMIN"] },
  lab: { path: "/lab", title: "Lab worklist", roles: ["LAB_STAFF", "ADMIN"] },
  consultation: { path: "/opd/consultations", title: "Consultation", roles: ["DOCTOR"], nav: false },
} as const satisfies Record<string, Screen>;

export type ScreenName = keyof typeof SCREENS;

/** The screen each role opens on; a role without one yet opens on its home page. */
const MAIN_SCREEN: Partial<Record<Role, ScreenName>> = {
  ADMIN: "users",
  RECEPTIONIST: "reception",
  DOCTOR: "doctor",
  NURSE: "ward",
  BILLING_STAFF: "patients",
  LAB_STAFF: "lab",
};

export function screensFor(role: Role): Screen[] {
  return Object.values(SCREENS).filter((screen: Screen) => (screen.roles as readonly Role[]).includes(role));
}

export function navScreensFor(role: Role): Screen[] {
  return screensFor(role).filter((screen) => screen.nav !== false);
}

export function mainScreenPath(role: Role): string {
  const name = MAIN_SCREEN[role];
  return name ? SCREENS[name].path : "/home";
}

export function mayOpen(role: Role, path: string): boolean {
  if (path === "/home") return true;
  return screensFor(role).some((screen) => path === screen.path || path.startsWith(`${screen.path}/`));
}
