// The live socket's messages and close codes, as docs/realtime.md (and GET /api/asyncapi.json) define them.

export interface Position {
  epoch: string;
  seq: number;
}

export type ClientMessage =
  | { type: "subscribe"; topic: string; since?: Position }
  | { type: "unsubscribe"; topic: string }
  | { type: "receipt"; alertId: string }
  | { type: "ack"; alertId: string; action: string }
  | { type: "auth"; token: string }
  | { type: "ping" }
  | { type: "pong" };

export interface SnapshotMessage<T = unknown> {
  type: "snapshot";
  topic: string;
  epoch: string;
  seq: number;
  data: T;
}

export interface SubscribedMessage {
  type: "subscribed";
  topic: string;
  epoch: string;
  seq: number;
  recovered: true;
}

export interface EventMessage<T = unknown> {
  type: "event";
  topic: string;
  epoch: string;
  seq: number;
  /** The event's name, in the past tense: `bed.updated`, `alert.raised`. */
  event: string;
  data: T;
  /** When it was written (UTC, ISO 8601). */
  ts: string;
}

export interface ErrorMessage {
  type: "error";
  code:
    | "malformed"
    | "unknown_type"
    | "invalid_message"
    | "invalid_topic"
    | "forbidden"
    | "not_found"
    | "too_many_subscriptions"
    | "unavailable"
    | "permission_denied"
    | (string & {});
  message: string;
  topic?: string;
}

export type ServerMessage =
  | SnapshotMessage
  | SubscribedMessage
  | EventMessage
  | ErrorMessage
  | { type: "ping" }
  | { type: "pong" };

export const CloseCode = {
  NORMAL: 1000,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL: 1011,
  RESTART: 1012,
  SESSION_ENDED: 4001,
  TOKEN_EXPIRED: 4002,
  SLOW_CONSUMER: 4008,
  HEARTBEAT_TIMEOUT: 4009,
  UNAUTHENTICATED: 4401,
  FORBIDDEN_ORIGIN: 4403,
} as const;

/** What to do after the socket closed with `code` (the same table as channels.gateway.explain_close). */
export function explainClose(code: number): "resume" | "renew" | "sign-in" | "stop" {
  if (code === CloseCode.SESSION_ENDED || code === CloseCode.UNAUTHENTICATED) return "sign-in";
  if (code === CloseCode.TOKEN_EXPIRED) return "renew";
  if (code === CloseCode.FORBIDDEN_ORIGIN || code === CloseCode.TOO_BIG || code === CloseCode.POLICY) return "stop";
  return "resume";
}

/** Topic errors after which waiting is pointless: the subscription will not come. */
export const FINAL_TOPIC_ERRORS = new Set(["invalid_topic", "forbidden", "not_found", "too_many_subscriptions"]);
