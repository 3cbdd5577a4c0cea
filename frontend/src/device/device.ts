// Unattended screens (a waiting-room TV, a ward or census board on a wall): they sign in with a device
// token, not a person's session. An ADMIN issues the token bound to the screen's topics (Admin → Device
// tokens) and opens the screen's link on the TV once: /display/<department id>?device=<token>. The app keeps
// the token in this browser's localStorage (it survives reboots of the TV; it is a read-only credential for
// that screen, not a person's) and takes it out of the address bar at once, so it is not left in the history
// or shown on the wall. `?device=forget` removes it. Revoking the token in the admin screen stops the screen.

import type { RefreshOutcome } from "../session/session";

const KEY = "hl.device-token";
const TOKEN = /^dev_[A-Za-z0-9_-]{16,200}$/;

/** The screens a device may show; anything else in a device browser is the normal staff app. */
export const DEVICE_SCREENS = [/^\/display\/[0-9a-f-]{36}\/?$/i, /^\/census\/?$/, /^\/ward\/[0-9a-f-]{36}\/?$/i];

export function isDeviceScreen(path: string): boolean {
  return DEVICE_SCREENS.some((pattern) => pattern.test(path));
}

/**
 * Reads `?device=` from the address, stores (or, for `forget`, removes) the token, and rewrites the
 * address without it. Returns what happened, for the screen to say so.
 */
export function captureDeviceToken(
  location: Pick<Location, "href">,
  history: Pick<History, "replaceState" | "state">,
  storage: Storage,
): "stored" | "forgotten" | "invalid" | null {
  const url = new URL(location.href);
  const given = url.searchParams.get("device");
  if (given === null) return null;
  url.searchParams.delete("device");
  history.replaceState(history.state, "", `${url.pathname}${url.search}${url.hash}`);
  if (given === "forget") {
    storage.removeItem(KEY);
    return "forgotten";
  }
  if (!TOKEN.test(given)) return "invalid";
  storage.setItem(KEY, given);
  return "stored";
}

export function storedDeviceToken(storage: Storage): string | null {
  const token = storage.getItem(KEY);
  return token !== null && TOKEN.test(token) ? token : null;
}

export function forgetDeviceToken(storage: Storage): void {
  storage.removeItem(KEY);
}

/**
 * What the API client and the live socket need from "who is calling", for a device: its token, which
 * never refreshes. A 401 or a 4001 means the token was revoked: the screen says so and stops.
 */
export class DeviceAuth {
  private revoked = false;
  private readonly listeners = new Set<() => void>();
  private readonly token: string;

  constructor(token: string) {
    this.token = token;
  }

  getToken(): string | null {
    return this.revoked ? null : this.token;
  }

  refresh(): Promise<RefreshOutcome> {
    return Promise.resolve("ended");
  }

  expire(): void {
    if (this.revoked) return;
    this.revoked = true;
    for (const listener of this.listeners) listener();
  }

  /** A device token is never renewed. */
  onToken(): () => void {
    return () => undefined;
  }

  isRevoked = (): boolean => this.revoked;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}
