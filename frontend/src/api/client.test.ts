import { describe, expect, it, vi } from "vitest";
import { ApiClient, IdempotencyKeys, withQuery } from "./client";
import { ApiError } from "./errors";
import type { RefreshOutcome } from "../session/session";

type Call = { url: string; init: RequestInit };

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

function harness(answers: (Response | Error)[], session: Partial<{ token: string | null; refresh: RefreshOutcome }> = {}) {
  const calls: Call[] = [];
  const queue = [...answers];
  const fetchImpl = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    const next = queue.shift();
    if (next === undefined) throw new Error("no answer queued");
    if (next instanceof Error) throw next;
    return next;
  });
  let token: string | null = session.token === undefined ? "token-1" : session.token;
  const fakeSession = {
    getToken: () => token,
    refresh: vi.fn(async (): Promise<RefreshOutcome> => {
      const outcome = session.refresh ?? "ok";
      if (outcome === "ok") token = "token-2";
      return outcome;
    }),
    expire: vi.fn(),
  };
  let n = 0;
  const client = new ApiClient({
    session: fakeSession,
    fetch: fetchImpl as unknown as typeof fetch,
    sleep: async () => undefined,
    newKey: () => `key-${++n}`,
  });
  const header = (i: number, name: string) => new Headers(calls[i]!.init.headers).get(name);
  return { client, calls, fakeSession, header };
}

describe("ApiClient", () => {
  it("sends the bearer token and parses the JSON answer", async () => {
    const { client, calls, header } = harness([json(200, { patients: [], total: 0 })]);
    const page = await client.get("/api/patients", { query: { search: "MRN-2026-000001", limit: 20 } });
    expect(page).toEqual({ patients: [], total: 0 });
    expect(calls[0]!.url).toBe("/api/patients?search=MRN-2026-000001&limit=20");
    expect(header(0, "Authorization")).toBe("Bearer token-1");
    expect(header(0, "Idempotency-Key")).toBeNull();
  });

  it("puts an Idempotency-Key on every POST and the same key on the retries after a network error", async () => {
    const { client, calls, header } = harness([
      new TypeError("Failed to fetch"),
      new TypeError("Failed to fetch"),
      json(201, { patient: { id: "p1", mrn: "MRN-2026-000501" } }),
    ]);
    const answer = await client.post("/api/patients", { firstName: "Asha", gender: "FEMALE" });
    expect(answer).toEqual({ patient: { id: "p1", mrn: "MRN-2026-000501" } });
    expect(calls).toHaveLength(3);
    expect([header(0, "Idempotency-Key"), header(1, "Idempotency-Key"), header(2, "Idempotency-Key")]).toEqual([
      "key-1",
      "key-1",
      "key-1",
    ]);
    expect(calls[0]!.init.body).toBe(calls[2]!.init.body);
  });

  it("gives up after three tries with a network error of status 0", async () => {
    const { client, calls } = harness([new TypeError("down"), new TypeError("down"), new TypeError("down")]);
    const failure = await client.post("/api/devices", { name: "TV" }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).isNetworkError).toBe(true);
    expect(calls).toHaveLength(3);
  });

  it("does not resend a PUT blindly after a network error, since it may have landed", async () => {
    const { client, calls } = harness([new TypeError("down")]);
    await expect(client.put("/api/users/u1/role", { role: "NURSE" }, { ifMatch: 3 })).rejects.toBeInstanceOf(ApiError);
    expect(calls).toHaveLength(1);
  });

  it("sends If-Match with the version an update was based on, and surfaces 412 with currentVersion", async () => {
    const { client, header } = harness([
      json(412, { status: 412, error: "Precondition Failed", detail: "Changed by someone else", currentVersion: 4 }),
    ]);
    const failure = (await client.put("/api/users/u1/role", { role: "NURSE" }, { ifMatch: 3 }).catch((e: unknown) => e)) as ApiError;
    expect(header(0, "If-Match")).toBe('"3"');
    expect(failure.status).toBe(412);
    expect(failure.extra<number>("currentVersion")).toBe(4);
  });

  it("turns the server's error shape into field errors", async () => {
    const { client } = harness([
      json(422, { status: 422, error: "Unprocessable Entity", detail: "The request is not valid", fields: { phone: "not a mobile number" } }),
    ]);
    const failure = (await client.post("/api/patients", {}).catch((e: unknown) => e)) as ApiError;
    expect(failure.detail).toBe("The request is not valid");
    expect(failure.fields).toEqual({ phone: "not a mobile number" });
  });

  it("refreshes once on 401 and repeats the request with the new token", async () => {
    const { client, calls, fakeSession, header } = harness([
      json(401, { status: 401, error: "Unauthorized", detail: "The access token has expired" }),
      json(200, { users: [], total: 0 }),
    ]);
    await client.get("/api/users");
    expect(fakeSession.refresh).toHaveBeenCalledTimes(1);
    expect(calls).toHaveLength(2);
    expect(header(1, "Authorization")).toBe("Bearer token-2");
    expect(fakeSession.expire).not.toHaveBeenCalled();
  });

  it("ends the session (keeping drafts) when the refresh says the session is over", async () => {
    const { client, fakeSession } = harness(
      [json(401, { status: 401, error: "Unauthorized", detail: "The session has timed out; please sign in again" })],
      { refresh: "ended" },
    );
    const failure = (await client.get("/api/users").catch((e: unknown) => e)) as ApiError;
    expect(failure.status).toBe(401);
    expect(fakeSession.expire).toHaveBeenCalledWith("expired");
  });

  it("marks background requests so they do not keep an idle session alive", async () => {
    const { client, header } = harness([json(200, {})]);
    await client.get("/api/ipd/census", { background: true });
    expect(header(0, "X-Activity")).toBe("background");
  });
});

describe("IdempotencyKeys", () => {
  it("keeps the key while the same content is re-submitted and changes it when the content changes or succeeded", () => {
    let n = 0;
    const keys = new IdempotencyKeys(() => `k${++n}`);
    expect(keys.keyFor({ a: 1 })).toBe("k1");
    expect(keys.keyFor({ a: 1 })).toBe("k1");
    expect(keys.keyFor({ a: 2 })).toBe("k2");
    keys.done();
    expect(keys.keyFor({ a: 2 })).toBe("k3");
  });
});

describe("withQuery", () => {
  it("leaves out empty values", () => {
    expect(withQuery("/api/users", { role: undefined, limit: 5, search: "" })).toBe("/api/users?limit=5");
  });
});
