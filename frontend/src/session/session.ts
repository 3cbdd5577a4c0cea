// The signed-in person's session: the access token (in memory only, never in storage), its quiet
// refresh through the HttpOnly refresh cookie, the idle time-out, log-out and switching user.
//
// What survives a reload of the tab: the user's profile in sessionStorage (no secret in it), so the
// tab can ask for a fresh access token with the cookie. A new tab or a closed-and-reopened browser
// starts at the log-in page even while the cookie lives, so a shared PC never resumes someone else.

import { ApiError } from "../api/errors";
import type { AppConfig } from "../config";
import { discardDrafts } from "../drafts/drafts";
import type { User } from "./types";

export type SignedOutReason = "signed-out" | "switched" | "expired" | "idle";
export type RefreshOutcome = "ok" | "ended" | "offline";

export interface SessionState {
  status: "starting" | "signed-out" | "signed-in";
  user: User | null;
  /** Why the log-in page is showing (null on a fresh start). */
  reason: SignedOutReason | null;
  /** After an expiry or time-out: the e-mail of the person whose work is waiting for them. */
  resumeEmail: string | null;
  /** Seconds left before the idle time-out, while the warning shows; otherwise null. */
  idleWarningSeconds: number | null;
}

interface ResumeNote {
  userId: string;
  email: string;
  returnTo: string;
}

export interface SessionDeps {
  fetch: typeof fetch;
  storage: Storage;
  config: AppConfig;
  now?: () => number;
  /** Where the person is now, to come back to after signing in again. */
  currentPath?: () => string;
  /** Web Locks, so two tabs never rotate the same refresh token at once (a reuse ends the session). */
  locks?: LockManager | null;
  /** Tells the other tabs of this browser that someone signed out. */
  broadcast?: BroadcastChannel | null;
}

const USER_KEY = "hl.user";
const RESUME_KEY = "hl.resume";
const ACTIVITY_EVENTS = ["keydown", "pointerdown", "wheel", "touchstart"] as const;
/** The idle warning shows for this long before the time-out. */
export const IDLE_WARNING_MS = 60_000;
const IDLE_CHECK_MS = 1_000;
/**
 * While the person types and clicks, tell the server at most this often (POST /api/auth/activity), so its
 * idle clock moves with this tab's: filling in a long form sends no request until it is saved.
 */
export const ACTIVITY_PING_MS = 60_000;
const OFFLINE_RETRY_MS = 15_000;

export class Session {
  private token: string | null = null;
  private tokenExpiresAt = 0;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  private refreshing: Promise<RefreshOutcome> | null = null;
  private lastActivity: number;
  private lastActivityPing = 0;
  private readonly listeners = new Set<() => void>();
  private readonly tokenListeners = new Set<(token: string) => void>();
  private readonly now: () => number;
  private state: SessionState = {
    status: "starting",
    user: null,
    reason: null,
    resumeEmail: null,
    idleWarningSeconds: null,
  };
  private readonly deps: SessionDeps;

  constructor(deps: SessionDeps) {
    this.deps = deps;
    this.now = deps.now ?? (() => Date.now());
    this.lastActivity = this.now();
    this.onActivity = this.onActivity.bind(this);
    deps.broadcast?.addEventListener("message", (event: MessageEvent) => {
      const data = event.data as { type?: string } | null;
      if (data?.type === "signed-out" && this.state.status === "signed-in") {
        this.clearLocal("signed-out", { drafts: "none" });
      }
    });
  }

  // --- reading -------------------------------------------------------------------------------

  getState = (): SessionState => this.state;

  getToken(): string | null {
    return this.token;
  }

  get idleTimeoutMs(): number {
    return this.deps.config.idleTimeoutMinutes * 60_000;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Told each new access token (the live socket renews itself with it). */
  onToken(listener: (token: string) => void): () => void {
    this.tokenListeners.add(listener);
    return () => this.tokenListeners.delete(listener);
  }

  // --- starting, signing in and out --------------------------------------------------------------

  /** On page load: resume this tab's session with the refresh cookie, if this tab had one. */
  async start(): Promise<void> {
    const user = this.storedUser();
    const resume = this.resumeNote();
    if (user === null) {
      this.setState({
        status: "signed-out",
        user: null,
        reason: resume ? "expired" : null,
        resumeEmail: resume?.email ?? null,
        idleWarningSeconds: null,
      });
      return;
    }
    const outcome = await this.refresh();
    if (outcome === "ok") {
      this.signedIn(user);
    } else {
      // The session ended while the tab was closed or asleep: their drafts wait for them.
      this.deps.storage.removeItem(USER_KEY);
      this.writeResume({ userId: user.id, email: user.email, returnTo: this.path() });
      this.setState({
        status: "signed-out",
        user: null,
        reason: "expired",
        resumeEmail: user.email,
        idleWarningSeconds: null,
      });
    }
  }

  async login(email: string, password: string): Promise<User> {
    let response: Response;
    try {
      response = await this.deps.fetch("/api/auth/login", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ email, password }),
      });
    } catch (cause) {
      throw ApiError.network(cause);
    }
    if (!response.ok) throw await ApiError.fromResponse(response);
    const body = (await response.json()) as { token: string; expiresIn: number; user: User };
    this.setToken(body.token, body.expiresIn);
    this.deps.storage.setItem(USER_KEY, JSON.stringify(body.user));
    const resume = this.resumeNote();
    if (resume && resume.userId !== body.user.id) this.deps.storage.removeItem(RESUME_KEY);
    this.signedIn(body.user);
    return body.user;
  }

  /** The path to go back to after signing in again, if the same person's session had ended there. */
  takeReturnTo(userId: string): string | null {
    const resume = this.resumeNote();
    this.deps.storage.removeItem(RESUME_KEY);
    return resume && resume.userId === userId ? resume.returnTo : null;
  }

  /** Ends the session on the server and forgets this person's unsaved drafts. */
  async logout(): Promise<void> {
    await this.endOnServer();
    this.clearLocal("signed-out", { drafts: "user" });
    this.deps.broadcast?.postMessage({ type: "signed-out" });
  }

  /** A shared nurse-station PC: end the session and leave nothing of this person in the tab. */
  async switchUser(): Promise<void> {
    await this.endOnServer();
    this.clearLocal("switched", { drafts: "all" });
    this.deps.broadcast?.postMessage({ type: "signed-out" });
  }

  /**
   * The session ended under the person (401 that a refresh could not mend, or idle time-out):
   * back to log-in, keeping their drafts and where they were, for when they sign in again.
   */
  expire(reason: "expired" | "idle"): void {
    const user = this.state.user;
    if (this.state.status !== "signed-in" || user === null) return;
    if (reason === "idle") void this.endOnServer();
    this.writeResume({ userId: user.id, email: user.email, returnTo: this.path() });
    this.clearLocal(reason, { drafts: "none" });
    this.setState({ ...this.state, resumeEmail: user.email });
  }

  // --- the access token ----------------------------------------------------------------------

  /**
   * Rotates the refresh cookie for a new access token. One refresh at a time, across tabs too:
   * the refresh token rotates, and a rotated one sent again would end the session as stolen.
   */
  refresh(): Promise<RefreshOutcome> {
    if (this.refreshing === null) {
      const run = (): Promise<RefreshOutcome> => this.refreshOnce();
      const locks = this.deps.locks;
      const pending: Promise<RefreshOutcome> = locks
        ? (locks.request("hospital-live-refresh", run) as unknown as Promise<RefreshOutcome>)
        : run();
      this.refreshing = pending.finally(() => {
        this.refreshing = null;
      });
      return this.refreshing;
    }
    return this.refreshing;
  }

  private async refreshOnce(): Promise<RefreshOutcome> {
    let response: Response;
    try {
      response = await this.deps.fetch("/api/auth/refresh-token", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: "{}",
      });
    } catch {
      return "offline";
    }
    if (response.status >= 500) return "offline";
    if (!response.ok) return "ended";
    const body = (await response.json()) as { token: string; expiresIn: number };
    this.setToken(body.token, body.expiresIn);
    return "ok";
  }

  private setToken(token: string, expiresInSeconds: number): void {
    this.token = token;
    this.tokenExpiresAt = this.now() + expiresInSeconds * 1000;
    this.scheduleRefresh(refreshDelayMs(expiresInSeconds));
    for (const listener of this.tokenListeners) listener(token);
  }

  private scheduleRefresh(delayMs: number): void {
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refreshOnSchedule(), delayMs);
  }

  private async refreshOnSchedule(): Promise<void> {
    this.refreshTimer = null;
    if (this.token === null) return;
    const outcome = await this.refresh();
    if (outcome === "ended") this.expire("expired");
    else if (outcome === "offline") this.scheduleRefresh(OFFLINE_RETRY_MS);
  }

  /** After sleep or a long background spell the timer may be late: refresh now if the token is near its end. */
  refreshIfStale(): void {
    if (this.token !== null && this.tokenExpiresAt - this.now() < 60_000) void this.refreshOnSchedule();
  }

  // --- idle time-out -------------------------------------------------------------------------

  private onActivity(): void {
    this.lastActivity = this.now();
    if (this.state.idleWarningSeconds !== null) this.setState({ ...this.state, idleWarningSeconds: null });
    this.pingActivity();
  }

  /** The person is at work in this tab: move the server's idle clock too (at most once a minute). */
  private pingActivity(): void {
    const token = this.token;
    if (this.state.status !== "signed-in" || token === null) return;
    const now = this.now();
    if (now - this.lastActivityPing < ACTIVITY_PING_MS) return;
    this.lastActivityPing = now;
    this.deps
      .fetch("/api/auth/activity", {
        method: "POST",
        credentials: "same-origin",
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      })
      .catch(() => {
        // Offline: the next request the person makes says the same, or finds the session ended.
      });
  }

  /** "I'm still here" on the idle warning. */
  stillHere(): void {
    this.onActivity();
  }

  checkIdle(): void {
    if (this.state.status !== "signed-in") return;
    const left = this.lastActivity + this.idleTimeoutMs - this.now();
    if (left <= 0) {
      this.expire("idle");
    } else if (left <= IDLE_WARNING_MS) {
      const seconds = Math.ceil(left / 1000);
      if (this.state.idleWarningSeconds !== seconds) this.setState({ ...this.state, idleWarningSeconds: seconds });
    } else if (this.state.idleWarningSeconds !== null) {
      this.setState({ ...this.state, idleWarningSeconds: null });
    }
  }

  private startIdleWatch(): void {
    this.lastActivity = this.now();
    // Signing in (or the refresh that resumed the tab) has just moved the server's idle clock.
    this.lastActivityPing = this.now();
    if (typeof window !== "undefined") {
      for (const name of ACTIVITY_EVENTS) window.addEventListener(name, this.onActivity, { passive: true });
    }
    if (this.idleTimer === null) this.idleTimer = setInterval(() => this.checkIdle(), IDLE_CHECK_MS);
  }

  private stopIdleWatch(): void {
    if (typeof window !== "undefined") {
      for (const name of ACTIVITY_EVENTS) window.removeEventListener(name, this.onActivity);
    }
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.idleTimer = null;
  }

  // --- internals -----------------------------------------------------------------------------

  private signedIn(user: User): void {
    this.startIdleWatch();
    this.setState({ status: "signed-in", user, reason: null, resumeEmail: null, idleWarningSeconds: null });
  }

  private async endOnServer(): Promise<void> {
    const token = this.token;
    if (token === null) return;
    try {
      await this.deps.fetch("/api/auth/logout", {
        method: "POST",
        credentials: "same-origin",
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      });
    } catch {
      // Offline: the server ends the session itself after the idle limit.
    }
  }

  private clearLocal(reason: SignedOutReason, { drafts }: { drafts: "none" | "user" | "all" }): void {
    const user = this.state.user;
    this.token = null;
    this.tokenExpiresAt = 0;
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
    this.stopIdleWatch();
    this.deps.storage.removeItem(USER_KEY);
    if (drafts === "all") {
      discardDrafts(this.deps.storage, null);
      this.deps.storage.removeItem(RESUME_KEY);
    } else if (drafts === "user" && user !== null) {
      discardDrafts(this.deps.storage, user.id);
      this.deps.storage.removeItem(RESUME_KEY);
    }
    this.setState({ status: "signed-out", user: null, reason, resumeEmail: null, idleWarningSeconds: null });
  }

  private storedUser(): User | null {
    const raw = this.deps.storage.getItem(USER_KEY);
    if (raw === null) return null;
    try {
      const user = JSON.parse(raw) as User;
      return typeof user.id === "string" && typeof user.role === "string" ? user : null;
    } catch {
      return null;
    }
  }

  private resumeNote(): ResumeNote | null {
    const raw = this.deps.storage.getItem(RESUME_KEY);
    if (raw === null) return null;
    try {
      return JSON.parse(raw) as ResumeNote;
    } catch {
      return null;
    }
  }

  private writeResume(note: ResumeNote): void {
    this.deps.storage.setItem(RESUME_KEY, JSON.stringify(note));
  }

  private path(): string {
    return this.deps.currentPath?.() ?? "/";
  }

  private setState(next: SessionState): void {
    this.state = next;
    for (const listener of this.listeners) listener();
  }
}

/** Refresh a minute before the token runs out (or at three quarters of a short lifetime). */
export function refreshDelayMs(expiresInSeconds: number): number {
  const lifetime = expiresInSeconds * 1000;
  return Math.max(1_000, lifetime > 240_000 ? lifetime - 60_000 : lifetime * 0.75);
}
