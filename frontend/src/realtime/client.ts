// The browser's client of the live socket (protocol: docs/realtime.md; the Python twin is channels/client.py).
//
// One socket per tab, opened with a single-use ticket from POST /api/ws-ticket. After any disconnect it
// reconnects (exponential back-off with jitter) and resumes every topic with `since` = the last position
// applied, so a screen catches up by itself after a dropped network, a server restart or a laptop waking.
// Events reach the screen once each and in seq order: duplicates are dropped, a gap resumes, a new epoch
// asks for a fresh snapshot. The state callback says connecting / resyncing / live for the screen's badge.

import {
  CloseCode,
  FINAL_TOPIC_ERRORS,
  explainClose,
  type ClientMessage,
  type ErrorMessage,
  type EventMessage,
  type Position,
  type ServerMessage,
  type SnapshotMessage,
} from "./protocol";

export type LiveState = "connecting" | "resyncing" | "live" | "unauthorized" | "closed";

export interface TopicHandlers<S = unknown, E = unknown> {
  /** The topic's whole state: replace what the screen holds. */
  onSnapshot?: (data: S, position: Position, message: SnapshotMessage<S>) => void;
  /** One event, in order, exactly once (apply it to the state from the last snapshot). */
  onEvent?: (message: EventMessage<E>) => void;
  /** The server refused this topic (forbidden, not_found, ...). */
  onError?: (error: ErrorMessage) => void;
}

/** The parts of the browser's WebSocket this client uses (a test passes a fake). */
export interface SocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export class TicketRefused extends Error {
  constructor(message = "the server refused a socket ticket") {
    super(message);
    this.name = "TicketRefused";
  }
}

export interface LiveClientOptions {
  /** A fresh single-use ticket (POST /api/ws-ticket). Throw TicketRefused when the session is over. */
  ticket: () => Promise<string>;
  /** The socket's address; by default /ws on this page's host. */
  url?: string;
  socket?: SocketFactory;
  onState?: (state: LiveState) => void;
  /** 4001/4401: the session (or device token) has ended; the app should sign in again. */
  onUnauthorized?: () => void;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  pingIntervalMs?: number;
  /** Reconnect when nothing at all has been heard for this long (the server pings every 20 s). */
  silenceTimeoutMs?: number;
  /** Wait before asking again for a topic the server could not read just now (`unavailable`). */
  unavailableRetryMs?: number;
  /** Send a receipt for each `alert.*raised` event once the screen's handler has taken it. */
  autoReceipts?: boolean;
  random?: () => number;
  now?: () => number;
}

const CONNECTING = 0;
const OPEN = 1;

interface Topic {
  name: string;
  position: Position | null;
  synced: boolean;
  failed: ErrorMessage | null;
  handlers: Set<TopicHandlers<never, never>>;
}

export class LiveClient {
  private readonly options: Required<Omit<LiveClientOptions, "onState" | "onUnauthorized" | "url" | "socket">> &
    Pick<LiveClientOptions, "onState" | "onUnauthorized">;
  private readonly url: string;
  private readonly makeSocket: SocketFactory;
  private readonly topics = new Map<string, Topic>();
  private readonly receipted = new Set<string>();
  private readonly stateListeners = new Set<() => void>();
  private socket: SocketLike | null = null;
  private state: LiveState = "closed";
  private running = false;
  private fetchingTicket = false;
  private failures = 0;
  private lastHeard = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatTimer: ReturnType<typeof setInterval> | null = null;
  private readonly retryTimers = new Set<ReturnType<typeof setTimeout>>();
  /** Close codes seen, newest last (for diagnostics and tests). */
  readonly closeCodes: number[] = [];
  connections = 0;

  constructor(options: LiveClientOptions) {
    this.options = {
      backoffInitialMs: 200,
      backoffMaxMs: 10_000,
      pingIntervalMs: 20_000,
      silenceTimeoutMs: 50_000,
      unavailableRetryMs: 2_000,
      autoReceipts: true,
      random: Math.random,
      now: () => Date.now(),
      ...options,
    };
    this.url = options.url ?? defaultUrl();
    this.makeSocket = options.socket ?? ((url) => new WebSocket(url));
  }

  // --- the screen's side ---------------------------------------------------------------------

  getState = (): LiveState => this.state;

  /** For React's useSyncExternalStore: called after each change of state. */
  subscribeState = (listener: () => void): (() => void) => {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  };

  start(): void {
    if (this.running) return;
    this.running = true;
    this.failures = 0;
    void this.connect();
  }

  /** Stop for good (signing out): close the socket and forget every topic. */
  stop(): void {
    this.running = false;
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      try {
        socket.close(CloseCode.NORMAL, "client stopped");
      } catch {
        // already closing
      }
    }
    this.topics.clear();
    this.setState("closed");
  }

  /**
   * Watch a topic. The handlers get a snapshot, then each event in order. Returns the way to stop watching.
   * A second watcher of a topic already watched asks for a fresh snapshot, which every watcher then gets.
   * With `since` (a position the screen read over HTTP), the server answers `subscribed` and the events after
   * it, or a snapshot when it cannot resume from there.
   */
  subscribe<S = unknown, E = unknown>(
    name: string,
    handlers: TopicHandlers<S, E>,
    options: { since?: Position | null } = {},
  ): () => void {
    let topic = this.topics.get(name);
    if (topic === undefined) {
      // `since`: the screen already holds the state at that position (from the topic's HTTP companion).
      topic = { name, position: options.since ?? null, synced: false, failed: null, handlers: new Set() };
      this.topics.set(name, topic);
    } else {
      topic.position = options.since ?? null;
    }
    topic.handlers.add(handlers as TopicHandlers<never, never>);
    topic.synced = false;
    topic.failed = null;
    this.sendSubscribe(topic);
    this.refreshState();
    return () => this.unsubscribe(name, handlers as TopicHandlers<never, never>);
  }

  /** The alert is on screen (when autoReceipts is off, the screen says so itself). */
  receipt(alertId: string): void {
    if (this.receipted.has(alertId)) return;
    if (this.send({ type: "receipt", alertId })) this.receipted.add(alertId);
  }

  /** The alert was acted on. */
  ack(alertId: string, action: string): boolean {
    return this.send({ type: "ack", alertId, action });
  }

  /** A fresh access token for the same person, sent before the socket's one expires. */
  renew(token: string): void {
    this.send({ type: "auth", token });
  }

  /** The browser says the network is gone: the socket is dead even if no close event has come yet. */
  connectionLost(): void {
    if (this.running && this.socket !== null) this.abandon(CloseCode.HEARTBEAT_TIMEOUT);
  }

  /** The network is back (or the laptop woke): reconnect at once instead of waiting out the back-off. */
  reconnectNow(): void {
    if (!this.running || this.fetchingTicket) return;
    if (this.socket !== null && this.socket.readyState === CONNECTING) return; // a fresh attempt under way
    if (this.socket !== null && this.socket.readyState === OPEN && this.options.now() - this.lastHeard < this.options.silenceTimeoutMs) {
      return;
    }
    this.failures = 0;
    if (this.socket !== null) this.abandon(CloseCode.HEARTBEAT_TIMEOUT);
    else {
      if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
      void this.connect();
    }
  }

  // --- the connection ------------------------------------------------------------------------

  private async connect(): Promise<void> {
    if (!this.running || this.fetchingTicket) return;
    this.setState("connecting");
    let ticket: string;
    this.fetchingTicket = true;
    try {
      ticket = await this.options.ticket();
    } catch (error) {
      if (!this.running) return;
      if (error instanceof TicketRefused) {
        this.unauthorized();
        return;
      }
      this.scheduleReconnect();
      return;
    } finally {
      this.fetchingTicket = false;
    }
    if (!this.running) return;
    const separator = this.url.includes("?") ? "&" : "?";
    let socket: SocketLike;
    try {
      socket = this.makeSocket(`${this.url}${separator}ticket=${encodeURIComponent(ticket)}`);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    socket.onopen = () => {
      if (this.socket !== socket) return;
      this.connections += 1;
      this.lastHeard = this.options.now();
      for (const topic of this.topics.values()) {
        topic.synced = false;
        topic.failed = null;
        this.sendSubscribe(topic);
      }
      this.startHeartbeat();
      this.refreshState();
    };
    socket.onmessage = (event: MessageEvent) => {
      if (this.socket !== socket) return;
      this.handle(String(event.data));
    };
    socket.onclose = (event: CloseEvent) => {
      if (this.socket !== socket) return;
      this.closed(event.code);
    };
    socket.onerror = () => {
      // A close event follows; that is where the client decides what to do.
    };
  }

  private closed(code: number): void {
    this.socket = null;
    this.stopHeartbeat();
    this.closeCodes.push(code);
    for (const topic of this.topics.values()) topic.synced = false;
    if (!this.running) return;
    const action = explainClose(code);
    if (action === "sign-in") {
      this.unauthorized();
    } else if (action === "stop") {
      this.running = false;
      this.setState("closed");
    } else if (action === "renew") {
      // The access token ran out: the next ticket comes with a fresh one. No reason to wait.
      this.failures = 0;
      this.scheduleReconnect(0);
    } else {
      this.scheduleReconnect();
    }
  }

  private unauthorized(): void {
    this.running = false;
    this.clearTimers();
    this.setState("unauthorized");
    this.options.onUnauthorized?.();
  }

  /** Exponential back-off with jitter (0.5x to 1.5x), so clients do not all come back in step. */
  private scheduleReconnect(fixedDelayMs?: number): void {
    this.setState("connecting");
    const base = Math.min(this.options.backoffMaxMs, this.options.backoffInitialMs * 2 ** Math.min(this.failures, 16));
    const delay = fixedDelayMs ?? base * (0.5 + this.options.random());
    this.failures += 1;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  /** Give up on a socket that has gone silent: browsers may take minutes to notice a dead connection. */
  private abandon(code: number): void {
    const socket = this.socket;
    if (socket === null) return;
    detach(socket);
    try {
      socket.close(code, "silent");
    } catch {
      // already closing
    }
    this.closed(code);
  }

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setInterval(() => {
      if (this.options.now() - this.lastHeard > this.options.silenceTimeoutMs) {
        this.abandon(CloseCode.HEARTBEAT_TIMEOUT);
        return;
      }
      this.send({ type: "ping" });
    }, this.options.pingIntervalMs);
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private clearTimers(): void {
    this.stopHeartbeat();
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
  }

  private send(message: ClientMessage): boolean {
    const socket = this.socket;
    if (socket === null || socket.readyState !== OPEN) return false; // subscriptions are sent again on open
    socket.send(JSON.stringify(message));
    return true;
  }

  private sendSubscribe(topic: Topic): void {
    const message: ClientMessage = { type: "subscribe", topic: topic.name };
    if (topic.position !== null) message.since = topic.position;
    this.send(message);
  }

  private unsubscribe(name: string, handlers: TopicHandlers<never, never>): void {
    const topic = this.topics.get(name);
    if (topic === undefined) return;
    topic.handlers.delete(handlers);
    if (topic.handlers.size > 0) return;
    this.topics.delete(name);
    this.send({ type: "unsubscribe", topic: name });
    this.refreshState();
  }

  // --- messages ------------------------------------------------------------------------------

  private handle(raw: string): void {
    this.lastHeard = this.options.now();
    let message: ServerMessage;
    try {
      message = JSON.parse(raw) as ServerMessage;
    } catch {
      return;
    }
    switch (message.type) {
      case "event":
        this.applyEvent(message);
        break;
      case "snapshot": {
        const topic = this.topics.get(message.topic);
        if (topic === undefined) break;
        topic.position = { epoch: message.epoch, seq: message.seq };
        topic.synced = true;
        this.failures = 0;
        for (const h of topic.handlers) h.onSnapshot?.(message.data as never, topic.position, message as SnapshotMessage<never>);
        break;
      }
      case "subscribed": {
        const topic = this.topics.get(message.topic);
        if (topic === undefined) break;
        topic.synced = true;
        this.failures = 0;
        break;
      }
      case "ping":
        this.send({ type: "pong" });
        break;
      case "error":
        this.topicError(message);
        break;
      default:
        break;
    }
    this.refreshState();
  }

  private applyEvent(message: EventMessage): void {
    const topic = this.topics.get(message.topic);
    if (topic === undefined || topic.position === null || !topic.synced) return; // the snapshot or replay on its way covers it
    if (message.epoch !== topic.position.epoch) {
      // The topic's history was reset: only a fresh snapshot is right now.
      topic.position = null;
      topic.synced = false;
      this.sendSubscribe(topic);
      return;
    }
    if (message.seq <= topic.position.seq) return; // already applied
    if (message.seq > topic.position.seq + 1) {
      // A gap (the server repairs them, so rare): resume from what we have.
      topic.synced = false;
      this.sendSubscribe(topic);
      return;
    }
    topic.position = { epoch: topic.position.epoch, seq: message.seq };
    for (const h of topic.handlers) h.onEvent?.(message as EventMessage<never>);
    if (this.options.autoReceipts && message.event.startsWith("alert.") && message.event.endsWith("raised")) {
      // alert.raised carries the alert whole ({alert: {alertId, ...}}), as docs/realtime.md shows.
      const alertId = (message.data as { alert?: { alertId?: unknown } } | null)?.alert?.alertId;
      if (typeof alertId === "string") this.receipt(alertId);
    }
  }

  private topicError(error: ErrorMessage): void {
    const topic = error.topic === undefined ? undefined : this.topics.get(error.topic);
    if (topic === undefined) return;
    if (error.code === "unavailable") {
      // The snapshot could not be read just now: ask again shortly.
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (this.topics.get(topic.name) === topic) this.sendSubscribe(topic);
      }, this.options.unavailableRetryMs);
      this.retryTimers.add(timer);
    } else if (FINAL_TOPIC_ERRORS.has(error.code)) {
      topic.failed = error;
    }
    for (const h of topic.handlers) h.onError?.(error);
  }

  private refreshState(): void {
    if (!this.running) return;
    if (this.socket === null || this.socket.readyState !== OPEN) {
      this.setState("connecting");
      return;
    }
    const pending = [...this.topics.values()].some((t) => !t.synced && t.failed === null);
    this.setState(pending ? "resyncing" : "live");
  }

  private setState(state: LiveState): void {
    if (state === this.state) return;
    this.state = state;
    this.options.onState?.(state);
    for (const listener of this.stateListeners) listener();
  }
}

function detach(socket: SocketLike): void {
  socket.onopen = null;
  socket.onmessage = null;
  socket.onclose = null;
  socket.onerror = null;
}

function defaultUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}/ws`;
}
