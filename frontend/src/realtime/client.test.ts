import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LiveClient, TicketRefused, type LiveState, type SocketLike } from "./client";
import type { ClientMessage, EventMessage } from "./protocol";

/** A stand-in for the browser's WebSocket, driven by the test as the server would drive it. */
class FakeSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly sent: ClientMessage[] = [];
  closedWith: number | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(data) as ClientMessage);
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
  }

  // the server's side
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  push(message: object): void {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(message) }));
  }

  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent("close", { code }));
  }

  subscribes(): ClientMessage[] {
    return this.sent.filter((m) => m.type === "subscribe");
  }
}

function event(topic: string, seq: number, name = "bed.updated", data: object = { bedId: `b${seq}` }, epoch = "E1"): EventMessage {
  return { type: "event", topic, epoch, seq, event: name, data, ts: "2026-11-26T07:12:03.121Z" };
}

function harness(options: { random?: () => number } = {}) {
  const sockets: FakeSocket[] = [];
  const states: LiveState[] = [];
  let tickets = 0;
  let ticketAnswer: "ok" | "offline" | "refused" = "ok";
  const unauthorized = vi.fn();
  const client = new LiveClient({
    url: "ws://hospital.test/ws",
    ticket: async () => {
      if (ticketAnswer === "offline") throw new TypeError("Failed to fetch");
      if (ticketAnswer === "refused") throw new TicketRefused();
      tickets += 1;
      return `ticket-${tickets}`;
    },
    socket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    onState: (state) => states.push(state),
    onUnauthorized: unauthorized,
    random: options.random ?? (() => 0.5),
  });
  return {
    client,
    sockets,
    states,
    unauthorized,
    latest: () => sockets.at(-1)!,
    setTickets: (answer: typeof ticketAnswer) => {
      ticketAnswer = answer;
    },
  };
}

/** Let the ticket promise and the socket's creation run. */
async function settle() {
  await vi.advanceTimersByTimeAsync(0);
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("LiveClient", () => {
  it("connects with a single-use ticket and subscribes, going connecting, resyncing, live", async () => {
    const { client, latest, states } = harness();
    const snapshots: unknown[] = [];
    client.subscribe("ward:w1", { onSnapshot: (data) => snapshots.push(data) });
    client.start();
    await settle();
    expect(latest().url).toBe("ws://hospital.test/ws?ticket=ticket-1");
    latest().open();
    expect(latest().subscribes()).toEqual([{ type: "subscribe", topic: "ward:w1" }]);
    expect(client.getState()).toBe("resyncing");
    latest().push({ type: "snapshot", topic: "ward:w1", epoch: "E1", seq: 5, data: { beds: 3 } });
    expect(snapshots).toEqual([{ beds: 3 }]);
    expect(states).toEqual(["connecting", "resyncing", "live"]);
  });

  it("hands each event on once and in order, dropping duplicates", async () => {
    const { client, latest } = harness();
    const seen: number[] = [];
    client.subscribe("census", { onEvent: (m) => seen.push(m.seq) });
    client.start();
    await settle();
    latest().open();
    latest().push({ type: "snapshot", topic: "census", epoch: "E1", seq: 10, data: {} });
    for (const seq of [11, 12, 12, 11, 13]) latest().push(event("census", seq));
    expect(seen).toEqual([11, 12, 13]);
  });

  it("resumes with since after a gap, and applies the missed events once they come", async () => {
    const { client, latest } = harness();
    const seen: number[] = [];
    client.subscribe("census", { onEvent: (m) => seen.push(m.seq) });
    client.start();
    await settle();
    latest().open();
    latest().push({ type: "snapshot", topic: "census", epoch: "E1", seq: 10, data: {} });
    latest().push(event("census", 11));
    latest().push(event("census", 13)); // 12 went missing
    expect(latest().subscribes().at(-1)).toEqual({ type: "subscribe", topic: "census", since: { epoch: "E1", seq: 11 } });
    expect(client.getState()).toBe("resyncing");
    latest().push(event("census", 14)); // still resyncing: not applied out of order
    latest().push({ type: "subscribed", topic: "census", epoch: "E1", seq: 11, recovered: true });
    for (const seq of [12, 13, 14]) latest().push(event("census", seq));
    expect(seen).toEqual([11, 12, 13, 14]);
    expect(client.getState()).toBe("live");
  });

  it("asks for a fresh snapshot when the topic's epoch changes", async () => {
    const { client, latest } = harness();
    const snapshots: unknown[] = [];
    client.subscribe("census", { onSnapshot: (d) => snapshots.push(d) });
    client.start();
    await settle();
    latest().open();
    latest().push({ type: "snapshot", topic: "census", epoch: "E1", seq: 10, data: "old" });
    latest().push(event("census", 1, "census.updated", {}, "E2"));
    expect(latest().subscribes().at(-1)).toEqual({ type: "subscribe", topic: "census" });
    latest().push({ type: "snapshot", topic: "census", epoch: "E2", seq: 1, data: "new" });
    expect(snapshots).toEqual(["old", "new"]);
  });

  it("after a dropped connection reconnects with a new ticket and resumes every topic with since", async () => {
    const { client, sockets, latest, states } = harness();
    const seen: number[] = [];
    client.subscribe("ward:w1", { onEvent: (m) => seen.push(m.seq) });
    client.subscribe("census", {});
    client.start();
    await settle();
    latest().open();
    latest().push({ type: "snapshot", topic: "ward:w1", epoch: "E1", seq: 3, data: {} });
    latest().push({ type: "snapshot", topic: "census", epoch: "C1", seq: 40, data: {} });
    latest().push(event("ward:w1", 4));
    latest().drop(1012); // the server restarts

    expect(client.getState()).toBe("connecting");
    await vi.advanceTimersByTimeAsync(199); // back-off: 200 ms x jitter 1.0
    expect(sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(sockets).toHaveLength(2);
    expect(latest().url).toBe("ws://hospital.test/ws?ticket=ticket-2");
    latest().open();
    expect(latest().subscribes()).toEqual([
      { type: "subscribe", topic: "ward:w1", since: { epoch: "E1", seq: 4 } },
      { type: "subscribe", topic: "census", since: { epoch: "C1", seq: 40 } },
    ]);
    latest().push({ type: "subscribed", topic: "ward:w1", epoch: "E1", seq: 4, recovered: true });
    latest().push({ type: "subscribed", topic: "census", epoch: "C1", seq: 40, recovered: true });
    latest().push(event("ward:w1", 4)); // a replay of what was applied is dropped
    latest().push(event("ward:w1", 5));
    expect(seen).toEqual([4, 5]);
    expect(states.slice(-3)).toEqual(["connecting", "resyncing", "live"]);
  });

  it("backs off exponentially with jitter while the server stays away, up to the cap", async () => {
    const jitters = [0, 1, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    const { client, sockets, latest } = harness({ random: () => jitters.shift() ?? 0.5 });
    client.start();
    await settle();
    const delays: number[] = [];
    for (let i = 0; i < 9; i += 1) {
      latest().drop(1006);
      const before = sockets.length;
      let waited = 0;
      while (sockets.length === before) {
        await vi.advanceTimersByTimeAsync(10);
        waited += 10;
      }
      delays.push(waited);
    }
    // 200 ms x 0.5, 400 ms x 1.5, then 800, 1600, ... capped at 10 s (jitter 1.0).
    expect(delays).toEqual([100, 600, 800, 1600, 3200, 6400, 10000, 10000, 10000]);
  });

  it("keeps retrying when the ticket cannot be had (offline), then connects", async () => {
    const { client, sockets, setTickets, latest } = harness();
    setTickets("offline");
    client.start();
    await settle();
    expect(sockets).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(sockets).toHaveLength(0);
    setTickets("ok");
    await vi.advanceTimersByTimeAsync(2_000);
    expect(sockets).toHaveLength(1);
    latest().open();
    expect(client.getState()).toBe("live");
  });

  it("stops and says so when the session has ended (4001) or the ticket is refused", async () => {
    const { client, sockets, latest, unauthorized, setTickets } = harness();
    client.subscribe("census", {});
    client.start();
    await settle();
    latest().open();
    latest().drop(4001);
    expect(client.getState()).toBe("unauthorized");
    expect(unauthorized).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);

    setTickets("refused");
    client.start();
    await settle();
    expect(client.getState()).toBe("unauthorized");
    expect(unauthorized).toHaveBeenCalledTimes(2);
  });

  it("reconnects at once, without back-off, when the access token expired (4002)", async () => {
    const { client, sockets, latest } = harness();
    client.start();
    await settle();
    latest().open();
    latest().drop(4002);
    await settle();
    expect(sockets).toHaveLength(2);
  });

  it("pings every 20 s, answers the server's pings, and reconnects after 50 s of silence", async () => {
    const { client, sockets, latest } = harness();
    client.subscribe("census", {});
    client.start();
    await settle();
    const first = latest();
    first.open();
    first.push({ type: "snapshot", topic: "census", epoch: "E1", seq: 1, data: {} });
    first.push({ type: "ping" });
    expect(first.sent.at(-1)).toEqual({ type: "pong" });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(first.sent.at(-1)).toEqual({ type: "ping" });
    await vi.advanceTimersByTimeAsync(40_000); // 60 s with nothing heard: the connection is dead
    expect(first.closedWith).toBe(4009);
    await vi.advanceTimersByTimeAsync(300);
    expect(sockets).toHaveLength(2);
    latest().open();
    expect(latest().subscribes()).toEqual([{ type: "subscribe", topic: "census", since: { epoch: "E1", seq: 1 } }]);
  });

  it("treats the socket as gone when the browser goes offline, and reconnects at once when it is back", async () => {
    const { client, sockets, latest, setTickets } = harness();
    client.subscribe("census", {});
    client.start();
    await settle();
    const first = latest();
    first.open();
    first.push({ type: "snapshot", topic: "census", epoch: "E1", seq: 7, data: {} });
    setTickets("offline");
    client.connectionLost();
    expect(first.closedWith).toBe(4009);
    expect(client.getState()).toBe("connecting");
    await vi.advanceTimersByTimeAsync(5_000); // tickets fail while offline: backing off
    expect(sockets).toHaveLength(1);
    setTickets("ok");
    client.reconnectNow();
    await settle();
    expect(sockets).toHaveLength(2);
    latest().open();
    expect(latest().subscribes()).toEqual([{ type: "subscribe", topic: "census", since: { epoch: "E1", seq: 7 } }]);
  });

  it("sends one receipt for an alert handed to the screen, even when it is replayed after a reconnect", async () => {
    const { client, latest } = harness();
    const shown: string[] = [];
    client.subscribe("user:u1", { onEvent: (m) => shown.push(m.event) });
    client.start();
    await settle();
    const first = latest();
    first.open();
    first.push({ type: "snapshot", topic: "user:u1", epoch: "E1", seq: 0, data: {} });
    first.push(event("user:u1", 1, "alert.raised", { alert: { alertId: "a1" } }));
    first.push(event("user:u1", 2, "alert.escalated", { alertId: "a1" }));
    first.drop(1006);
    await vi.advanceTimersByTimeAsync(300);
    const second = latest();
    second.open();
    second.push({ type: "snapshot", topic: "user:u1", epoch: "E2", seq: 1, data: {} }); // history reset
    second.push(event("user:u1", 2, "alert.raised", { alert: { alertId: "a1" } }, "E2"));
    expect(shown).toEqual(["alert.raised", "alert.escalated", "alert.raised"]);
    expect(collectReceipts(first)).toEqual([{ type: "receipt", alertId: "a1" }]);
    expect(collectReceipts(second)).toEqual([]);
  });

  it("sends a receipt per alert raised, not for replays nor for other events", async () => {
    const { client, latest } = harness();
    client.subscribe("user:u1", {});
    client.start();
    await settle();
    latest().open();
    latest().push({ type: "snapshot", topic: "user:u1", epoch: "E1", seq: 0, data: {} });
    latest().push(event("user:u1", 1, "alert.raised", { alert: { alertId: "a1" } }));
    latest().push(event("user:u1", 1, "alert.raised", { alert: { alertId: "a1" } }));
    latest().push(event("user:u1", 2, "alert.acknowledged", { alertId: "a1" }));
    latest().push(event("user:u1", 3, "alert.raised", { alert: { alertId: "a2" } }));
    expect(collectReceipts(latest())).toEqual([
      { type: "receipt", alertId: "a1" },
      { type: "receipt", alertId: "a2" },
    ]);
  });

  it("keeps waiting for no topic the server refused, so the screen can still be live", async () => {
    const { client, latest } = harness();
    const errors: string[] = [];
    client.subscribe("ward:other", { onError: (e) => errors.push(e.code) });
    client.subscribe("census", {});
    client.start();
    await settle();
    latest().open();
    latest().push({ type: "error", code: "forbidden", message: "You may not subscribe to ward:other", topic: "ward:other" });
    latest().push({ type: "snapshot", topic: "census", epoch: "E1", seq: 1, data: {} });
    expect(errors).toEqual(["forbidden"]);
    expect(client.getState()).toBe("live");
  });

  it("asks again for a topic whose snapshot was unavailable", async () => {
    const { client, latest } = harness();
    client.subscribe("census", {});
    client.start();
    await settle();
    latest().open();
    latest().push({ type: "error", code: "unavailable", message: "try again", topic: "census" });
    expect(latest().subscribes()).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(latest().subscribes()).toHaveLength(2);
  });

  it("unsubscribes when the last watcher leaves, and stop() closes for good", async () => {
    const { client, sockets, latest } = harness();
    const leave = client.subscribe("census", {});
    client.start();
    await settle();
    latest().open();
    leave();
    expect(latest().sent.at(-1)).toEqual({ type: "unsubscribe", topic: "census" });
    client.stop();
    expect(latest().closedWith).toBe(1000);
    expect(client.getState()).toBe("closed");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sockets).toHaveLength(1);
  });
});

function collectReceipts(socket: FakeSocket | undefined): ClientMessage[] {
  return socket ? socket.sent.filter((m) => m.type === "receipt") : [];
}
