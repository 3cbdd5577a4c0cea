// The one way screens talk to /api: the bearer token from the session, an Idempotency-Key on every
// POST (the same key again when a dropped connection makes us retry, so nothing is recorded twice),
// If-Match on updates, one refresh-and-retry on 401, and the server's error shape as ApiError.

import { ApiError } from "./errors";
import type { Session } from "../session/session";

export interface RequestOptions {
  query?: Record<string, string | number | boolean | null | undefined>;
  /** For POST: reuse a key across the person's own re-submits of the same thing (see IdempotencyKeys). */
  idempotencyKey?: string;
  /** For PUT/POST updates: the version (ETag) the change was based on; a stale one is answered 412. */
  ifMatch?: number | string;
  /** A poll or heartbeat, not the person's own doing: it must not keep an idle session alive. */
  background?: boolean;
  /** Read the answer as text (an HTML print view), not JSON. */
  text?: boolean;
  signal?: AbortSignal;
}

export interface ApiResult<T> {
  data: T;
  status: number;
  etag: string | null;
}

export interface ApiClientDeps {
  session: Pick<Session, "getToken" | "refresh" | "expire">;
  fetch: typeof fetch;
  /** Waits between retries after a network error (tests pass a quick one). */
  sleep?: (ms: number) => Promise<void>;
  newKey?: () => string;
}

/** Delays before the retries of a request whose connection dropped: three tries in all. */
export const NETWORK_RETRY_DELAYS_MS = [400, 1500];

export class ApiClient {
  private readonly deps: ApiClientDeps;

  constructor(deps: ApiClientDeps) {
    this.deps = deps;
  }

  newIdempotencyKey(): string {
    return (this.deps.newKey ?? randomKey)();
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.send<T>("GET", path, undefined, options).then((r) => r.data);
  }

  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.send<T>("POST", path, body, options).then((r) => r.data);
  }

  /** A GET answered with text, such as the HTML of a token slip. */
  getText(path: string, options: RequestOptions = {}): Promise<string> {
    return this.send<string>("GET", path, undefined, { ...options, text: true }).then((r) => r.data);
  }

  put<T>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return this.send<T>("PUT", path, body, options).then((r) => r.data);
  }

  async send<T>(method: string, path: string, body: unknown, options: RequestOptions = {}): Promise<ApiResult<T>> {
    const url = withQuery(path, options.query);
    const isPost = method === "POST";
    const key = isPost ? (options.idempotencyKey ?? this.newIdempotencyKey()) : null;
    // A GET and a keyed POST are safe to send again; a PUT is not retried blindly (it may have landed).
    const retryable = method === "GET" || isPost;
    const sleep = this.deps.sleep ?? defaultSleep;
    let refreshed = false;
    let attempt = 0;
    for (;;) {
      const token = this.deps.session.getToken();
      const headers: Record<string, string> = { Accept: options.text ? "text/html, text/plain" : "application/json" };
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      if (body !== undefined) headers["Content-Type"] = "application/json";
      if (key !== null) headers["Idempotency-Key"] = key;
      if (options.ifMatch !== undefined) headers["If-Match"] = `"${options.ifMatch}"`;
      if (options.background) headers["X-Activity"] = "background";

      let response: Response;
      try {
        response = await this.deps.fetch(url, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          credentials: "same-origin",
          signal: options.signal,
        });
      } catch (cause) {
        if (options.signal?.aborted) throw cause;
        const delay = NETWORK_RETRY_DELAYS_MS[attempt];
        if (!retryable || delay === undefined) throw ApiError.network(cause);
        attempt += 1;
        await sleep(delay);
        continue;
      }

      if (response.status === 401 && token !== null && !refreshed) {
        // The access token may just have run out: one quiet refresh, then the same request again.
        refreshed = true;
        const outcome = await this.deps.session.refresh();
        if (outcome === "ok") continue;
        if (outcome === "ended") this.deps.session.expire("expired");
        throw await ApiError.fromResponse(response);
      }
      if (response.status === 401 && token !== null) this.deps.session.expire("expired");
      if (!response.ok) throw await ApiError.fromResponse(response);

      const data = (response.status === 204 ? null : options.text ? await response.text() : await response.json()) as T;
      return { data, status: response.status, etag: response.headers.get("ETag") };
    }
  }
}

/**
 * The key for a form's submission: the same while the person re-submits the same content (after a
 * network error, say), a new one once it succeeded or the content changed.
 */
export class IdempotencyKeys {
  private last: { fingerprint: string; key: string } | null = null;
  private readonly newKey: () => string;

  constructor(newKey: () => string = randomKey) {
    this.newKey = newKey;
  }

  keyFor(body: unknown): string {
    const fingerprint = JSON.stringify(body);
    if (this.last === null || this.last.fingerprint !== fingerprint) {
      this.last = { fingerprint, key: this.newKey() };
    }
    return this.last.key;
  }

  /** After a success: the next submission, even of the same content, is a new request. */
  done(): void {
    this.last = null;
  }
}

export function withQuery(path: string, query: RequestOptions["query"]): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** A v4 UUID. crypto.randomUUID exists only on HTTPS or localhost; a ward PC on plain HTTP has getRandomValues. */
export function randomKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
