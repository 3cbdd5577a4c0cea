import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadDraft, saveDraft } from "../drafts/drafts";
import { ACTIVITY_PING_MS, Session, refreshDelayMs } from "./session";
import type { User } from "./types";

const NURSE: User = { id: "u-nurse", email: "nurse@demo.local", firstName: "Lakshmi", lastName: "Gowda", role: "NURSE", isActive: true, version: 1 };
const DOCTOR: User = { id: "u-doctor", email: "doctor@demo.local", firstName: "Arjun", lastName: "Rao", role: "DOCTOR", isActive: true, version: 1 };

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

/** A stand-in for the network: answers /api/auth/* as the server would, and records every call. */
function fakeAuthServer() {
  const calls: { url: string; authorization: string | null }[] = [];
  let refreshWorks = true;
  let issued = 0;
  const users: Record<string, User> = { "nurse@demo.local": NURSE, "doctor@demo.local": DOCTOR };
  const fetchImpl = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    const path = String(url);
    calls.push({ url: path, authorization: new Headers(init?.headers).get("Authorization") });
    if (path === "/api/auth/login") {
      const { email, password } = JSON.parse(String(init?.body)) as { email: string; password: string };
      const user = users[email];
      if (!user || password !== "demo-password") {
        return json(401, { status: 401, error: "Unauthorized", detail: "Wrong e-mail or password" });
      }
      return json(200, { token: `access-${++issued}`, expiresIn: 900, user });
    }
    if (path === "/api/auth/refresh-token") {
      return refreshWorks
        ? json(200, { token: `access-${++issued}`, expiresIn: 900 })
        : json(401, { status: 401, error: "Unauthorized", detail: "The session has ended; please sign in again" });
    }
    if (path === "/api/auth/logout") return json(200, { success: true });
    if (path === "/api/auth/activity") return new Response(null, { status: 204 });
    throw new Error(`unexpected ${path}`);
  });
  return {
    fetch: fetchImpl as unknown as typeof fetch,
    calls,
    endSessions: () => {
      refreshWorks = false;
    },
  };
}

function newSession(server = fakeAuthServer(), path = "/reception") {
  const session = new Session({
    fetch: server.fetch,
    storage: window.sessionStorage,
    config: { idleTimeoutMinutes: 15, accessTokenMinutes: 15 },
    currentPath: () => path,
  });
  return { session, server };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  window.localStorage.clear();
});

describe("Session", () => {
  it("keeps the access token in memory only, never in storage", async () => {
    const { session } = newSession();
    await session.login("nurse@demo.local", "demo-password");
    expect(session.getToken()).toBe("access-1");
    const stored = [...Object.values(window.sessionStorage), ...Object.values(window.localStorage)].join("\n");
    expect(stored).not.toContain("access-1");
    expect(window.localStorage.length).toBe(0);
    expect(session.getState()).toMatchObject({ status: "signed-in", user: { email: "nurse@demo.local" } });
  });

  it("refreshes the token quietly a minute before it expires", async () => {
    const { session, server } = newSession();
    await session.login("nurse@demo.local", "demo-password");
    expect(refreshDelayMs(900)).toBe(840_000);
    await vi.advanceTimersByTimeAsync(839_000);
    expect(server.calls.filter((c) => c.url === "/api/auth/refresh-token")).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.calls.filter((c) => c.url === "/api/auth/refresh-token")).toHaveLength(1);
    expect(session.getToken()).toBe("access-2");
    expect(session.getState().status).toBe("signed-in");
  });

  it("asks for one refresh however many requests need it at once", async () => {
    const { session, server } = newSession();
    await session.login("nurse@demo.local", "demo-password");
    const outcomes = await Promise.all([session.refresh(), session.refresh(), session.refresh()]);
    expect(outcomes).toEqual(["ok", "ok", "ok"]);
    expect(server.calls.filter((c) => c.url === "/api/auth/refresh-token")).toHaveLength(1);
  });

  it("goes back to log-in keeping the drafts when the session has ended on the server", async () => {
    const { session, server } = newSession();
    const user = await session.login("nurse@demo.local", "demo-password");
    saveDraft(window.sessionStorage, user.id, "reception.register", { firstName: "Asha" });
    server.endSessions();
    await vi.advanceTimersByTimeAsync(840_000);
    expect(session.getState()).toMatchObject({ status: "signed-out", reason: "expired", resumeEmail: "nurse@demo.local" });
    expect(session.getToken()).toBeNull();
    expect(loadDraft(window.sessionStorage, user.id, "reception.register")).toEqual({ firstName: "Asha" });
  });

  it("warns a minute before the idle time-out and then signs out, ending the session on the server", async () => {
    const { session, server } = newSession();
    const user = await session.login("nurse@demo.local", "demo-password");
    saveDraft(window.sessionStorage, user.id, "reception.register", { firstName: "Asha" });
    await vi.advanceTimersByTimeAsync(14 * 60_000 + 1_000);
    expect(session.getState().idleWarningSeconds).toBe(59);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.getState()).toMatchObject({ status: "signed-out", reason: "idle", resumeEmail: "nurse@demo.local" });
    // The token was refreshed quietly at 14 minutes; the time-out ends the session with the current one.
    expect(server.calls.at(-1)).toEqual({ url: "/api/auth/logout", authorization: "Bearer access-2" });
    expect(loadDraft(window.sessionStorage, user.id, "reception.register")).toEqual({ firstName: "Asha" });
  });

  it("counts typing and clicks as activity, so a busy person is not timed out", async () => {
    const { session } = newSession();
    await session.login("nurse@demo.local", "demo-password");
    for (let minute = 0; minute < 30; minute += 5) {
      await vi.advanceTimersByTimeAsync(5 * 60_000);
      window.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    }
    expect(session.getState().status).toBe("signed-in");
  });

  it("tells the server the person is at work at most once a minute while they type and click", async () => {
    const { session, server } = newSession();
    await session.login("nurse@demo.local", "demo-password");
    const pings = () => server.calls.filter((c) => c.url === "/api/auth/activity");
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    expect(pings()).toHaveLength(0); // signing in has just moved the server's clock
    await vi.advanceTimersByTimeAsync(ACTIVITY_PING_MS);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "b" }));
    window.dispatchEvent(new Event("pointerdown"));
    expect(pings()).toHaveLength(1);
    expect(pings()[0]!.authorization).toBe("Bearer access-1");
    await vi.advanceTimersByTimeAsync(30_000);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "c" }));
    expect(pings()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(5 * 60_000); // nothing happens: no ping without activity
    expect(pings()).toHaveLength(1);
    window.dispatchEvent(new Event("pointerdown"));
    expect(pings()).toHaveLength(2);
    await session.logout();
    await vi.advanceTimersByTimeAsync(ACTIVITY_PING_MS);
    window.dispatchEvent(new KeyboardEvent("keydown", { key: "d" }));
    expect(pings()).toHaveLength(2);
  });

  it("brings the same person back to where they were after signing in again, but not someone else", async () => {
    const { session } = newSession(fakeAuthServer(), "/reception");
    await session.login("nurse@demo.local", "demo-password");
    session.expire("expired");
    const again = await session.login("nurse@demo.local", "demo-password");
    expect(session.takeReturnTo(again.id)).toBe("/reception");

    session.expire("expired");
    const other = await session.login("doctor@demo.local", "demo-password");
    expect(session.takeReturnTo(other.id)).toBeNull();
  });

  it("switching user leaves nothing of the last user in the tab", async () => {
    const { session, server } = newSession();
    const user = await session.login("nurse@demo.local", "demo-password");
    saveDraft(window.sessionStorage, user.id, "reception.register", { firstName: "Asha" });
    saveDraft(window.sessionStorage, "someone-earlier", "admin.device", { name: "TV" });
    await session.switchUser();
    expect(server.calls.at(-1)).toEqual({ url: "/api/auth/logout", authorization: "Bearer access-1" });
    expect(session.getState()).toMatchObject({ status: "signed-out", reason: "switched", user: null, resumeEmail: null });
    expect(session.getToken()).toBeNull();
    expect(window.sessionStorage.length).toBe(0);
  });

  it("logging out forgets this person's drafts", async () => {
    const { session } = newSession();
    const user = await session.login("nurse@demo.local", "demo-password");
    saveDraft(window.sessionStorage, user.id, "reception.register", { firstName: "Asha" });
    await session.logout();
    expect(loadDraft(window.sessionStorage, user.id, "reception.register")).toBeNull();
    expect(session.getState()).toMatchObject({ status: "signed-out", reason: "signed-out" });
  });

  it("a reloaded tab resumes with the refresh cookie; a new tab starts at log-in", async () => {
    const first = newSession();
    await first.session.login("nurse@demo.local", "demo-password");
    const reloaded = newSession(first.server);
    await reloaded.session.start();
    expect(reloaded.session.getState()).toMatchObject({ status: "signed-in", user: { id: NURSE.id } });
    expect(first.server.calls.at(-1)!.url).toBe("/api/auth/refresh-token");

    window.sessionStorage.clear(); // a new tab has its own, empty sessionStorage
    const fresh = newSession(first.server);
    const before = first.server.calls.length;
    await fresh.session.start();
    expect(fresh.session.getState()).toMatchObject({ status: "signed-out", reason: null });
    expect(first.server.calls.length).toBe(before);
  });

  it("a wrong password is an error with the server's words, and nobody is signed in", async () => {
    const { session } = newSession();
    await expect(session.login("nurse@demo.local", "nope")).rejects.toMatchObject({ status: 401, detail: "Wrong e-mail or password" });
    expect(session.getState().status).toBe("starting");
    expect(session.getToken()).toBeNull();
  });
});
