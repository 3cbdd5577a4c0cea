"""The websocket gateway: one socket per client carrying many subscriptions, with snapshot, replay and repair.

Per process, one `Gateway` receives every event from the broker, keeps each watched topic in seq order
(holding out-of-order arrivals briefly, then repairing from the outbox) and hands each event, encoded
once, to the topic's subscribers. A socket's messages are written straight away while its queue is empty
and queued (bounded) behind a slow reader otherwise; overflowing the queue closes the socket with 4008
and the client resumes with `since`. docs/realtime.md is the protocol; this is how it is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal
from uuid import UUID

import msgspec

from channels.broker import Broker
from channels.snapshots import read_snapshot
from db import alerts, outbox, realtime
from db.outbox import CommittedEvent, Position
from db.realtime import EndedSockets, SessionCheck, TokenFacts
from domain.actors import Actor
from domain.errors import DomainError, Unauthenticated
from domain.sessions import SessionPolicy
from domain.topics import SubscriberFacts, Topic, may_subscribe, parse_topic

log = logging.getLogger("hospital.gateway")


class CloseCode:
    """Close codes of /ws (docs/realtime.md). 4xxx are ours; the client acts on each as documented."""

    NORMAL = 1000
    POLICY = 1008  # too many messages
    TOO_BIG = 1009  # a frame over MAX_FRAME_BYTES
    INTERNAL = 1011
    RESTART = 1012  # the server is restarting: reconnect (with jitter) and resume
    SESSION_ENDED = 4001  # session ended, timed out, revoked; or device token revoked: sign in again
    TOKEN_EXPIRED = 4002  # the access token ran out without an `auth` renewal: refresh, reconnect, resume
    SLOW_CONSUMER = 4008  # the send queue overflowed: reconnect and resume with `since`
    HEARTBEAT_TIMEOUT = 4009  # nothing heard from the client for IDLE_TIMEOUT: reconnect and resume
    UNAUTHENTICATED = 4401  # handshake refused: missing, bad or expired token or ticket
    FORBIDDEN_ORIGIN = 4403  # handshake refused: the Origin is not one of ours


@dataclass(frozen=True)
class GatewayConfig:
    session_policy: SessionPolicy = field(default_factory=SessionPolicy)
    max_queue: int = 1000  # messages waiting for one slow socket before it is closed with 4008
    max_frame_bytes: int = 16 * 1024
    max_subscriptions: int = 200
    # A bucket of client messages: a burst of `message_burst`, refilled at `message_rate` a second.
    message_burst: float = 400.0  # room to (re)subscribe max_subscriptions topics at once, twice
    message_rate: float = 20.0
    ping_interval: float = 20.0
    idle_timeout: float = 60.0
    session_check_interval: float = 30.0
    position_check_interval: float = 10.0
    gap_hold_seconds: float = 0.05
    replay_limit: int = 1000
    close_timeout: float = 5.0


@dataclass
class GatewayStats:
    """Counters of one process's gateway, for logs, the benchmark and tests."""

    written_at_once: int = 0  # messages written straight to an idle socket
    written_later: int = 0  # messages that waited behind a slow reader
    repaired: int = 0  # events fetched from the outbox to fill a gap
    resyncs: int = 0  # topics started over from a snapshot
    slow_consumers: int = 0  # sockets closed with 4008


@dataclass(frozen=True, slots=True)
class Credentials:
    """Who a socket belongs to, from the handshake or the last `auth` renewal."""

    actor: Actor
    token: TokenFacts = field(default_factory=TokenFacts)


# Checks a renewal token (`auth` message) for the socket of `previous`; raises Unauthenticated.
Authenticator = Callable[[str, Actor], Awaitable[Credentials]]

# --- Messages -------------------------------------------------------------------------------------


class Since(msgspec.Struct, forbid_unknown_fields=True):
    epoch: str
    seq: int


class Subscribe(msgspec.Struct, tag="subscribe", tag_field="type", forbid_unknown_fields=True):
    topic: str
    since: Since | None = None


class Unsubscribe(msgspec.Struct, tag="unsubscribe", tag_field="type", forbid_unknown_fields=True):
    topic: str


class Receipt(msgspec.Struct, tag="receipt", tag_field="type", rename="camel", forbid_unknown_fields=True):
    alert_id: UUID


class Ack(msgspec.Struct, tag="ack", tag_field="type", rename="camel", forbid_unknown_fields=True):
    alert_id: UUID
    action: str


class Auth(msgspec.Struct, tag="auth", tag_field="type", forbid_unknown_fields=True):
    token: str


class Ping(msgspec.Struct, tag="ping", tag_field="type"):
    pass


class Pong(msgspec.Struct, tag="pong", tag_field="type"):
    pass


ClientMessage = Subscribe | Unsubscribe | Receipt | Ack | Auth | Ping | Pong
CLIENT_TYPES = ("subscribe", "unsubscribe", "receipt", "ack", "auth", "ping", "pong")
_client_decoder = msgspec.json.Decoder(ClientMessage)
_any_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


class SnapshotMessage(msgspec.Struct, tag="snapshot", tag_field="type"):
    topic: str
    epoch: str
    seq: int
    data: msgspec.Raw


class SubscribedMessage(msgspec.Struct, tag="subscribed", tag_field="type"):
    """The answer to a subscribe with `since` that could be replayed: the missed events follow it."""

    topic: str
    epoch: str
    seq: int
    recovered: bool = True


class ErrorMessage(msgspec.Struct, tag="error", tag_field="type", omit_defaults=True):
    code: str
    message: str
    topic: str | None = None


def _text(value: msgspec.Struct) -> str:
    return _encoder.encode(value).decode()


PING_TEXT = '{"type":"ping"}'
PONG_TEXT = '{"type":"pong"}'


class _Head(msgspec.Struct):
    topic: str
    epoch: str
    seq: int


_head_decoder = msgspec.json.Decoder(_Head)


class Event:
    """One event as this process hands it on: its position and its message, decoded to text once."""

    __slots__ = ("epoch", "seq", "text", "topic")

    def __init__(self, topic: str, epoch: str, seq: int, text: str) -> None:
        self.topic = topic
        self.epoch = epoch
        self.seq = seq
        self.text = text

    @classmethod
    def from_committed(cls, event: CommittedEvent) -> Event:
        return cls(event.topic, event.epoch, event.seq, event.message.decode())


# --- Writing to a socket without blocking the dispatcher ------------------------------------------


class _Continue:
    """Awaits the rest of a coroutine whose first step already ran and yielded `pending`.

    Lets a socket write run synchronously in the common case (the transport accepts the bytes at once)
    and, only when the transport is paused by a slow reader, finish in a task of its own.
    """

    __slots__ = ("_coro", "_pending")

    def __init__(self, coro: Coroutine[Any, Any, Any], pending: Any) -> None:
        self._coro = coro
        self._pending = pending

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, pending = self._coro, self._pending
        while True:
            try:
                sent = yield pending
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:
                try:
                    pending = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
            else:
                try:
                    pending = coro.send(sent)
                except StopIteration as stop:
                    return stop.value


Send = Callable[[dict[str, Any]], Coroutine[Any, Any, None]]
Receive = Callable[[], Awaitable[dict[str, Any]]]


class Subscription:
    __slots__ = ("buffer", "connection", "epoch", "last_seq", "live", "topic")

    def __init__(self, connection: Connection, topic: Topic) -> None:
        self.connection = connection
        self.topic = topic
        self.epoch = ""
        self.last_seq = 0
        self.live = False
        # Events that arrived while the snapshot or replay was being read; applied above its seq.
        self.buffer: list[Event] = []

    def deliver(self, event: Event) -> None:
        if not self.live:
            self.buffer.append(event)
        elif event.seq > self.last_seq and event.epoch == self.epoch:
            self.last_seq = event.seq
            self.connection.push(event.text)

    def go_live(self, epoch: str, seq: int) -> None:
        self.epoch = epoch
        self.last_seq = seq
        for event in self.buffer:
            if event.epoch == epoch and event.seq > self.last_seq:
                self.last_seq = event.seq
                self.connection.push(event.text)
        self.buffer = []
        self.live = True


class Connection:
    """One open socket: its subscriptions, its send queue and who it belongs to."""

    __slots__ = (
        "_closing", "_receive", "_receiving", "_send", "_serving", "_stopped_by_us", "_tokens", "_tokens_at",
        "close_code", "closed", "config", "credentials", "facts", "gateway", "last_heard", "queue",
        "subscriptions", "writer",
    )

    def __init__(
        self, gateway: Gateway, send: Send, receive: Receive, credentials: Credentials, facts: SubscriberFacts
    ) -> None:
        self.gateway = gateway
        self.config = gateway.config
        self._send = send
        self._receive = receive
        self.credentials = credentials
        self.facts = facts
        self.subscriptions: dict[str, Subscription] = {}
        self.queue: deque[str] = deque()
        self.writer: asyncio.Task[None] | None = None
        self.closed = False
        self.close_code: int | None = None
        self.last_heard = time.monotonic()
        self._tokens = self.config.message_burst
        self._tokens_at = self.last_heard
        self._serving: asyncio.Task[Any] | None = None
        self._receiving = False
        self._closing: asyncio.Task[Any] | None = None
        self._stopped_by_us = False

    # -- writing --

    def push(self, text: str) -> None:
        """Send one message: at once if nothing is queued, else behind the queue; never blocks."""
        if self.closed:
            return
        if self.writer is not None or self.queue:
            if len(self.queue) >= self.config.max_queue:
                self.gateway.stats.slow_consumers += 1
                self.close(CloseCode.SLOW_CONSUMER, "slow consumer: reconnect and resume with since")
                return
            self.queue.append(text)
            self.gateway.stats.written_later += 1
            return
        coro = self._send({"type": "websocket.send", "text": text})
        try:
            pending = coro.send(None)
        except StopIteration:
            self.gateway.stats.written_at_once += 1
            return  # written: the usual case
        except Exception:
            self._lost()
            return
        self.gateway.stats.written_later += 1
        self.writer = asyncio.create_task(self._finish_and_drain(coro, pending))

    async def _finish_and_drain(self, coro: Coroutine[Any, Any, Any], pending: Any) -> None:
        try:
            await _Continue(coro, pending)
            while self.queue and not self.closed:
                await self._send({"type": "websocket.send", "text": self.queue.popleft()})
        except asyncio.CancelledError:
            raise
        except Exception:
            self._lost()
        finally:
            self.writer = None

    def _lost(self) -> None:
        """The client went away mid-write: stop serving it (its receive loop sees the disconnect)."""
        if not self.closed:
            self.closed = True
            self.queue.clear()
            self.gateway.forget(self)

    def error(self, code: str, message: str, topic: str | None = None) -> None:
        self.push(_text(ErrorMessage(code=code, message=message, topic=topic)))

    def close(self, code: int, reason: str) -> None:
        """Close the socket with `code`; subscriptions end now, the close frame follows what was sent."""
        if self.closed:
            return
        self.closed = True
        self.close_code = code
        self.queue.clear()
        if self.writer is not None:
            self.writer.cancel()
        self.gateway.forget(self)
        self._closing = self.gateway.spawn(self._send_close(code, reason))

    async def _send_close(self, code: int, reason: str) -> None:
        try:
            async with asyncio.timeout(self.config.close_timeout):
                await self._send({"type": "websocket.close", "code": code, "reason": reason})
            return
        except Exception as exc:
            log.debug("close frame not sent (%s)", exc.__class__.__name__)
        # The client does not read: stop waiting for it; returning from serve() ends the connection.
        if self._receiving and self._serving is not None and not self._serving.done():
            self._stopped_by_us = True
            self._serving.cancel()

    # -- reading --

    async def serve(self) -> None:
        self._serving = asyncio.current_task()
        try:
            while not self.closed:
                self._receiving = True
                message = await self._receive()
                self._receiving = False
                kind = message["type"]
                if kind == "websocket.disconnect":
                    break
                if kind != "websocket.receive":
                    continue
                data = message.get("text")
                if data is None:
                    data = message.get("bytes") or b""
                await self.handle(data)
        except asyncio.CancelledError:
            if not self._stopped_by_us:
                raise
            task = asyncio.current_task()
            if task is not None:
                task.uncancel()
        except Exception as exc:  # the client went away under us
            log.debug("socket ended: %s", exc.__class__.__name__)
        finally:
            self._receiving = False
            self.closed = True
            self.queue.clear()
            self.gateway.forget(self)
            if self.writer is not None:
                self.writer.cancel()
        # Returning ends the connection: first let the close frame we started go out.
        closing = self._closing
        if closing is not None and not closing.done():
            with contextlib.suppress(Exception):
                await asyncio.shield(closing)

    def _allow_message(self) -> bool:
        now = time.monotonic()
        self.last_heard = now
        config = self.config
        self._tokens = min(config.message_burst, self._tokens + (now - self._tokens_at) * config.message_rate)
        self._tokens_at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    async def handle(self, data: str | bytes) -> None:
        size = len(data)
        if size > self.config.max_frame_bytes or (
            isinstance(data, str) and size * 4 > self.config.max_frame_bytes
            and len(data.encode()) > self.config.max_frame_bytes
        ):
            self.close(CloseCode.TOO_BIG, f"messages are limited to {self.config.max_frame_bytes} bytes")
            return
        if not self._allow_message():
            self.close(CloseCode.POLICY, "too many messages")
            return
        try:
            message = _client_decoder.decode(data)
        except msgspec.DecodeError as exc:
            self.error(*_explain(data, exc))
            return
        match message:
            case Ping():
                self.push(PONG_TEXT)
            case Pong():
                pass
            case Subscribe():
                await self.gateway.subscribe(self, message)
            case Unsubscribe():
                self.gateway.unsubscribe(self, message.topic)
            case Receipt():
                await self._alert(alerts.record_receipt(self.credentials.actor, message.alert_id))
            case Ack():
                # The same service as POST /api/alerts/{id}/ack: its checks, its events, its audit row.
                await self._alert(alerts.acknowledge(self.credentials.actor, message.alert_id, message.action))
            case Auth():
                await self.gateway.renew(self, message.token)

    async def _alert(self, recording: Coroutine[Any, Any, Any]) -> None:
        try:
            await recording
        except DomainError as exc:
            self.error(exc.code, exc.detail)


def _explain(data: str | bytes, exc: msgspec.DecodeError) -> tuple[str, str]:
    """The error code and message for a frame that is not a valid client message."""
    try:
        raw = _any_decoder.decode(data)
    except msgspec.DecodeError:
        return "malformed", "Send JSON text: one object with a type"
    if not isinstance(raw, dict):
        return "malformed", "Send one JSON object with a type"
    kind = raw.get("type")
    if kind not in CLIENT_TYPES:
        shown = str(kind)[:40]
        return "unknown_type", f"Unknown message type {shown!r}; one of {', '.join(CLIENT_TYPES)}"
    return "invalid_message", f"Invalid {kind} message: {exc}"


# --- Topics: order, gaps and repair ---------------------------------------------------------------


# Events held behind a gap that repair cannot fill (the database away too): past this, start over.
MAX_HELD = 10_000


class TopicState:
    """One topic as this process follows it: its position, its subscribers, events held for order."""

    __slots__ = ("epoch", "gap_timer", "held", "name", "repairing", "seq", "subscribers", "topic")

    def __init__(self, topic: Topic) -> None:
        self.topic = topic
        self.name = topic.name
        self.subscribers: dict[Subscription, None] = {}
        self.epoch: str | None = None
        self.seq: int | None = None  # the last seq handed on; None until a snapshot or replay tells
        self.held: dict[int, Event] = {}
        self.gap_timer: asyncio.TimerHandle | None = None
        self.repairing = False


class Gateway:
    def __init__(self, config: GatewayConfig, authenticate: Authenticator) -> None:
        self.config = config
        self._authenticate = authenticate
        self.topics: dict[str, TopicState] = {}
        self.connections: set[Connection] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._timers: list[asyncio.Task[None]] = []
        self.stats = GatewayStats()

    # -- life cycle --

    def start(self) -> None:
        self._timers = [
            asyncio.create_task(self._every(self.config.ping_interval, self._heartbeat), name="ws-heartbeat"),
            asyncio.create_task(self._every(self.config.session_check_interval, self.check_sessions),
                                name="ws-sessions"),
            asyncio.create_task(self._every(self.config.position_check_interval, self.check_positions),
                                name="ws-positions"),
        ]

    async def stop(self) -> None:
        """Graceful shutdown: every socket is closed with 1012 so its client reconnects elsewhere."""
        for connection in list(self.connections):
            connection.close(CloseCode.RESTART, "service restart")
        for task in self._timers:
            task.cancel()
        pending = [*self._timers, *self._tasks]
        if pending:
            await asyncio.wait(pending, timeout=self.config.close_timeout)
        for task in self._tasks:
            task.cancel()

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _every(self, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(seconds)
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("periodic gateway job %s failed", getattr(job, "__name__", job))

    async def serve(self, send: Send, receive: Receive, credentials: Credentials) -> int | None:
        """Serve one accepted socket until it closes; returns the close code we sent, if we closed it."""
        facts = await realtime.subscriber_facts(credentials.actor)
        connection = Connection(self, send, receive, credentials, facts)
        self.connections.add(connection)
        try:
            await connection.serve()
        finally:
            self.forget(connection)
        return connection.close_code

    def forget(self, connection: Connection) -> None:
        self.connections.discard(connection)
        for subscription in list(connection.subscriptions.values()):
            self._detach(subscription)
        connection.subscriptions.clear()

    # -- subscriptions --

    def _attach(self, subscription: Subscription) -> TopicState:
        state = self.topics.get(subscription.topic.name)
        if state is None:
            state = self.topics[subscription.topic.name] = TopicState(subscription.topic)
        state.subscribers[subscription] = None
        return state

    def _detach(self, subscription: Subscription) -> None:
        state = self.topics.get(subscription.topic.name)
        if state is None:
            return
        state.subscribers.pop(subscription, None)
        if not state.subscribers:
            # No empty topics are kept: memory follows what is watched.
            if state.gap_timer is not None:
                state.gap_timer.cancel()
            del self.topics[state.name]

    async def subscribe(self, connection: Connection, message: Subscribe) -> None:
        try:
            topic = parse_topic(message.topic)
        except DomainError as exc:
            connection.error("invalid_topic", exc.detail, message.topic[:200])
            return
        name = topic.name
        if not may_subscribe(connection.facts, topic):
            connection.error("forbidden", f"You may not subscribe to {name}", name)
            return
        if name not in connection.subscriptions and len(connection.subscriptions) >= self.config.max_subscriptions:
            connection.error(
                "too_many_subscriptions", f"At most {self.config.max_subscriptions} topics per socket", name
            )
            return
        previous = connection.subscriptions.pop(name, None)
        if previous is not None:  # a resubscribe: the client wants a fresh start (a resync or a resume)
            self._detach(previous)
        subscription = Subscription(connection, topic)
        connection.subscriptions[name] = subscription
        self._attach(subscription)  # first on the live stream, then the state: no event can fall between
        try:
            await self._sync(subscription, message.since)
        except Exception:
            log.exception("subscribing to %s failed", name)
            if connection.subscriptions.get(name) is subscription:
                del connection.subscriptions[name]
                self._detach(subscription)
            connection.error("unavailable", f"Could not subscribe to {name} just now; try again", name)

    async def _sync(self, subscription: Subscription, since: Since | None) -> None:
        """Bring a just-attached subscription up to date: a replay when possible, else a snapshot."""
        connection = subscription.connection
        name = subscription.topic.name
        if since is not None:
            replay = await outbox.replay_since(name, epoch=since.epoch, seq=since.seq,
                                               limit=self.config.replay_limit)
            if connection.subscriptions.get(name) is not subscription:
                return
            if replay is not None:
                connection.push(_text(SubscribedMessage(topic=name, epoch=replay.position.epoch, seq=since.seq)))
                for event in replay.events:
                    connection.push(event.message.decode())
                self._known_position(name, replay.position)
                subscription.go_live(replay.position.epoch, replay.position.seq)
                return
        snapshot = await read_snapshot(subscription.topic, connection.credentials.actor)
        if connection.subscriptions.get(name) is not subscription:
            return
        if snapshot is None:
            del connection.subscriptions[name]
            self._detach(subscription)
            connection.error("not_found", f"{name} names nothing that exists", name)
            return
        position = snapshot.position
        connection.push(_text(SnapshotMessage(topic=name, epoch=position.epoch, seq=position.seq,
                                              data=msgspec.Raw(snapshot.data))))
        self._known_position(name, position)
        subscription.go_live(position.epoch, position.seq)

    def unsubscribe(self, connection: Connection, topic_name: str) -> None:
        try:
            name = parse_topic(topic_name).name
        except DomainError:
            name = topic_name
        subscription = connection.subscriptions.pop(name, None)
        if subscription is not None:
            self._detach(subscription)

    async def renew(self, connection: Connection, token: str) -> None:
        """`{"type":"auth"}`: a fresh access token for the same person keeps the socket open past expiry."""
        current = connection.credentials.actor
        if current.is_device:
            connection.error("invalid_message", "A device socket needs no renewal")
            return
        try:
            credentials = await self._authenticate(token, current)
        except Unauthenticated as exc:
            # The socket keeps its current token (and closes with 4001/4002 when that one is done).
            connection.error("unauthenticated", f"The renewal was refused: {exc.detail}")
            return
        if credentials.actor.user_id != current.user_id:
            connection.error("forbidden", "The token belongs to someone else; open a new socket for them")
            return
        connection.credentials = credentials
        connection.facts = await realtime.subscriber_facts(credentials.actor)
        for name, subscription in list(connection.subscriptions.items()):
            if not may_subscribe(connection.facts, subscription.topic):
                del connection.subscriptions[name]
                self._detach(subscription)
                connection.error("forbidden", f"You may no longer watch {name}; the subscription ended", name)

    # -- events in --

    async def deliver(self, channel: str, message: bytes) -> None:
        """The broker's handler: every event of every topic arrives here once per process."""
        state = self.topics.get(channel)
        if state is None:
            if channel == CONTROL_CHANNEL:
                self._control(message)
            return  # nobody here watches it
        try:
            head = _head_decoder.decode(message)
        except msgspec.DecodeError:
            log.warning("dropped an undecodable message on %s", channel)
            return
        self._accept(state, Event(head.topic, head.epoch, head.seq, message.decode()))

    def _accept(self, state: TopicState, event: Event) -> None:
        if state.seq is None:
            state.held[event.seq] = event  # position not known yet: the first snapshot will tell
            return
        if event.epoch != state.epoch:
            if event.seq > 0:
                self._reset(state, f"epoch changed to {event.epoch}")
            return
        if event.seq <= state.seq:
            return  # already handed on (published twice, or repaired before it arrived)
        if event.seq > state.seq + 1:
            state.held[event.seq] = event
            if len(state.held) > MAX_HELD:
                self._reset(state, f"more than {MAX_HELD} events held behind a gap")
                return
            if state.gap_timer is None and not state.repairing:
                loop = asyncio.get_running_loop()
                state.gap_timer = loop.call_later(self.config.gap_hold_seconds, self._gap_expired, state)
            return
        self._hand_on(state, event)
        while state.held:
            following = state.held.pop(state.seq + 1, None)
            if following is None:
                break
            self._hand_on(state, following)
        if state.held:
            # Drop what is now behind; keep waiting for the rest.
            for seq in [s for s in state.held if s <= state.seq]:
                del state.held[seq]
        if not state.held and state.gap_timer is not None:
            state.gap_timer.cancel()
            state.gap_timer = None

    def _hand_on(self, state: TopicState, event: Event) -> None:
        state.seq = event.seq
        # A copy: a subscriber that overflows is closed, and so detached, in the middle of this loop.
        for subscription in tuple(state.subscribers):
            subscription.deliver(event)

    def _known_position(self, name: str, position: Position) -> None:
        state = self.topics.get(name)
        if state is None:
            return
        if state.seq is None:
            state.epoch, state.seq = position.epoch, position.seq
            held = sorted(state.held.items())
            state.held.clear()
            for _, event in held:
                self._accept(state, event)
        elif state.epoch != position.epoch:
            self._reset(state, "a snapshot of another epoch")

    def _gap_expired(self, state: TopicState) -> None:
        state.gap_timer = None
        if self.topics.get(state.name) is state and state.held:
            self.spawn(self._repair(state))

    async def _repair(self, state: TopicState) -> None:
        """Fetch what this process missed from the outbox, in order: a gap is repaired, not just noticed."""
        if state.repairing or state.seq is None:
            return
        state.repairing = True
        try:
            while self.topics.get(state.name) is state and state.seq is not None:
                start = state.seq
                events = await outbox.events_after(state.name, start, limit=self.config.replay_limit)
                if not events:
                    break
                if events[0].seq != start + 1 or events[0].epoch != state.epoch:
                    self._reset(state, f"events after seq {start} are no longer in the outbox")
                    return
                self.stats.repaired += len(events)
                for committed in events:
                    self._accept(state, Event.from_committed(committed))
                if len(events) < self.config.replay_limit:
                    break
        except Exception:
            log.exception("repairing %s from the outbox failed", state.name)
        finally:
            state.repairing = False
        if state.held and state.gap_timer is None and self.topics.get(state.name) is state:
            loop = asyncio.get_running_loop()
            state.gap_timer = loop.call_later(self.config.gap_hold_seconds, self._gap_expired, state)

    def _reset(self, state: TopicState, why: str) -> None:
        """The topic's history cannot be followed: start over with a fresh snapshot for every subscriber."""
        log.warning("resyncing %s: %s", state.name, why)
        self.stats.resyncs += 1
        state.seq = None
        state.epoch = None
        state.held.clear()
        for subscription in list(state.subscribers):
            subscription.live = False
            subscription.buffer = []
            self.spawn(self._resync(subscription))

    async def _resync(self, subscription: Subscription) -> None:
        connection = subscription.connection
        try:
            await self._sync(subscription, None)
        except Exception:
            log.exception("resyncing %s failed", subscription.topic.name)
            connection.close(CloseCode.INTERNAL, "could not resync; reconnect and resume")

    # -- sessions ended elsewhere --

    def _control(self, message: bytes) -> None:
        try:
            ended = _ended_decoder.decode(message)
        except msgspec.DecodeError:
            log.warning("dropped an undecodable control message")
            return
        self.close_ended(ended)

    def close_ended(self, ended: EndedSockets) -> int:
        """Close (4001) this process's sockets of an ended user, session or device; how many were closed."""
        closed = 0
        for connection in list(self.connections):
            actor = connection.credentials.actor
            if (
                (ended.user_id is not None and not actor.is_device and actor.user_id == ended.user_id)
                or (ended.session_id is not None and actor.session_id == ended.session_id)
                or (ended.device_id is not None and actor.device_id == ended.device_id)
            ):
                connection.close(CloseCode.SESSION_ENDED, f"{ended.reason}: sign in again")
                closed += 1
        return closed

    # -- periodic checks --

    def on_broker_reconnect(self) -> None:
        """Redis dropped whatever was published while we were away: check every live topic now."""
        self.spawn(self.check_positions())

    async def check_positions(self) -> None:
        """Compare each live topic with its counter and repair any that fell behind (Centrifugo-style)."""
        known = {name: state for name, state in self.topics.items() if state.seq is not None}
        if not known:
            return
        counters = await outbox.positions(list(known))
        for name, position in counters.items():
            state = self.topics.get(name)
            if state is None or state.seq is None or state is not known[name]:
                continue
            if position.epoch != state.epoch:
                self._reset(state, "its epoch changed")
            elif position.seq > state.seq and not state.repairing:
                self.spawn(self._repair(state))

    async def _heartbeat(self) -> None:
        deadline = time.monotonic() - self.config.idle_timeout
        for connection in list(self.connections):
            if connection.last_heard < deadline:
                connection.close(CloseCode.HEARTBEAT_TIMEOUT, "heartbeat timeout: nothing heard from the client")
            else:
                connection.push(PING_TEXT)

    async def check_sessions(self) -> None:
        """Close personal sockets whose session ended or token ran out, and device sockets revoked."""
        now = datetime.now(UTC)
        personal: list[tuple[Connection, SessionCheck]] = []
        devices: list[Connection] = []
        for connection in list(self.connections):
            actor = connection.credentials.actor
            token = connection.credentials.token
            if actor.is_device:
                devices.append(connection)
            elif actor.user_id is not None and actor.session_id is not None:
                if token.expires_at is not None and token.expires_at <= now:
                    connection.close(CloseCode.TOKEN_EXPIRED, "the access token expired: renew it with auth")
                    continue
                personal.append((connection, SessionCheck(actor.user_id, actor.session_id, token)))
        if personal:
            alive = await realtime.sessions_alive([c for _, c in personal], self.config.session_policy)
            for connection, check in personal:
                if check.session_id not in alive:
                    connection.close(CloseCode.SESSION_ENDED, "the session ended: sign in again")
        if devices:
            alive_devices = await realtime.devices_alive(
                [c.credentials.actor.device_id for c in devices if c.credentials.actor.device_id is not None]
            )
            for connection in devices:
                if connection.credentials.actor.device_id not in alive_devices:
                    connection.close(CloseCode.SESSION_ENDED, "the device token was revoked")


# Not a topic (no seq, no outbox, no subscribers): how processes tell each other which sockets to close.
CONTROL_CHANNEL = "_control:sockets"
_ended_decoder = msgspec.json.Decoder(EndedSockets)


def socket_closer(gateway: Gateway, broker: Broker) -> Callable[[EndedSockets], None]:
    """db.realtime's hook for one app: close this process's sockets now and tell every other process.

    Called after the commit that ended the sessions. If the broker is down, the other processes close
    theirs at their next session check (every 30 s) instead.
    """

    async def tell_others(message: bytes) -> None:
        try:
            await broker.publish(CONTROL_CHANNEL, message)
        except Exception as exc:
            log.warning("could not tell the other processes to close ended sockets (%s); their session check "
                        "will", exc.__class__.__name__)

    def close(ended: EndedSockets) -> None:
        gateway.close_ended(ended)
        gateway.spawn(tell_others(_encoder.encode(ended)))

    return close


def explain_close(code: int) -> Literal["resume", "renew", "sign-in", "stop"]:
    """What a client should do after `code` (the Python and TypeScript clients follow this)."""
    if code in (CloseCode.SESSION_ENDED, CloseCode.UNAUTHENTICATED):
        return "sign-in"
    if code == CloseCode.TOKEN_EXPIRED:
        return "renew"
    if code in (CloseCode.FORBIDDEN_ORIGIN, CloseCode.TOO_BIG, CloseCode.POLICY):
        return "stop"
    return "resume"
