"""A Python client of the live socket, for tests, the benchmark and third-party displays.

It connects with a bearer token or a ticket, subscribes, and after any disconnect reconnects (rotating
through the servers it was given, exponential back-off with jitter) and resumes every topic with `since`.
Events reach the application once each and in seq order (duplicates dropped, a gap repaired by resuming);
the state callback says connecting / resyncing / live. Alerts handed to the application get a receipt.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

import msgspec
import websockets
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from channels.gateway import explain_close

log = logging.getLogger("hospital.client")

State = Literal["connecting", "resyncing", "live", "closed", "unauthorized"]
TokenSource = Callable[[], Awaitable[str]]


@dataclass
class TopicView:
    """What the client holds of one topic: the last snapshot and the events applied since, in order."""

    name: str
    epoch: str | None = None
    seq: int | None = None
    snapshot: Any = None
    snapshots: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    synced: bool = False
    error: dict[str, Any] | None = None


_decoder = msgspec.json.Decoder()
_encoder = msgspec.json.Encoder()


def _expiry_of(token: str) -> float | None:
    """When an access JWT expires (read, not verified: the server verifies); None for a device token."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = msgspec.json.decode(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        return float(claims["exp"])
    except (ValueError, KeyError, TypeError, msgspec.DecodeError):
        return None


class LiveClient:
    def __init__(
        self,
        urls: str | Sequence[str],
        *,
        bearer: TokenSource | None = None,
        ticket: TokenSource | None = None,
        origin: str | None = None,
        on_state: Callable[[State], None] | None = None,
        on_snapshot: Callable[[str, Any], None] | None = None,
        on_event: Callable[[str, dict[str, Any]], None] | None = None,
        on_error: Callable[[dict[str, Any]], None] | None = None,
        backoff_initial: float = 0.2,
        backoff_max: float = 10.0,
        ping_interval: float = 20.0,
        silence_timeout: float = 50.0,
        auto_receipts: bool = True,
    ) -> None:
        self.urls = [urls] if isinstance(urls, str) else list(urls)
        if bearer is None and ticket is None:
            raise ValueError("give bearer= or ticket=: a source of access tokens or of tickets")
        self._bearer = bearer
        self._ticket = ticket
        self._origin = origin
        self._on_state = on_state
        self._on_snapshot = on_snapshot
        self._on_event = on_event
        self._on_error = on_error
        self._backoff_initial = backoff_initial
        self._backoff_max = backoff_max
        self._ping_interval = ping_interval
        self._silence_timeout = silence_timeout
        self._auto_receipts = auto_receipts
        self.topics: dict[str, TopicView] = {}
        self.errors: list[dict[str, Any]] = []
        self.state: State = "closed"
        self.close_codes: list[int] = []
        self.connections = 0
        self.connected_url: str | None = None
        self._url_index = 0
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._stopping = False
        self._last_heard = 0.0
        self._token_expires_at: float | None = None
        self._chores: set[asyncio.Task[None]] = set()

    # -- the application's side --

    async def start(self) -> None:
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name="live-client")

    async def close(self) -> None:
        self._stopping = True
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._set_state("closed")

    async def subscribe(self, topic: str) -> TopicView:
        view = self.topics.setdefault(topic, TopicView(topic))
        view.synced = False
        await self._send_subscribe(view)
        return view

    async def unsubscribe(self, topic: str) -> None:
        self.topics.pop(topic, None)
        await self._send({"type": "unsubscribe", "topic": topic})

    async def receipt(self, alert_id: str) -> None:
        await self._send({"type": "receipt", "alertId": alert_id})

    async def ack(self, alert_id: str, action: str) -> None:
        await self._send({"type": "ack", "alertId": alert_id, "action": action})

    async def renew(self, token: str) -> None:
        await self._send({"type": "auth", "token": token})

    async def wait_until(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        """Wait (at most `within` seconds) until `condition()` holds; it is re-checked on every message."""
        deadline = time.monotonic() + within
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the condition did not hold in time")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.5))

    # -- the connection --

    def _soon(self, coro: Any) -> None:
        """Send something from a callback; the task is kept until done (asyncio holds tasks weakly)."""
        task = asyncio.get_running_loop().create_task(coro)
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    def _set_state(self, state: State) -> None:
        if state != self.state:
            self.state = state
            if self._on_state is not None:
                self._on_state(state)
            self._changed.set()

    async def _send(self, message: dict[str, Any]) -> None:
        ws = self._ws
        if ws is None:
            return  # sent again on reconnect (subscriptions) or dropped (the rest)
        with contextlib.suppress(ConnectionClosed):
            await ws.send(_encoder.encode(message).decode())

    async def _send_subscribe(self, view: TopicView) -> None:
        message: dict[str, Any] = {"type": "subscribe", "topic": view.name}
        if view.epoch is not None and view.seq is not None:
            message["since"] = {"epoch": view.epoch, "seq": view.seq}
        await self._send(message)

    async def _address(self) -> tuple[str, dict[str, str]]:
        url = self.urls[self._url_index % len(self.urls)]
        if self._bearer is not None:
            token = await self._bearer()
            self._token_expires_at = _expiry_of(token)
            return url, {"Authorization": f"Bearer {token}"}
        assert self._ticket is not None
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}ticket={quote(await self._ticket())}", {}

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._set_state("connecting")
            code = 1006
            try:
                url, headers = await self._address()
                async with websockets.connect(
                    url, additional_headers=headers, origin=self._origin,  # type: ignore[arg-type]
                    compression=None, open_timeout=5, close_timeout=2, max_size=8 * 1024 * 1024,
                ) as ws:
                    self._ws = ws
                    self.connections += 1
                    self.connected_url = url.split("?")[0]
                    self._set_state("resyncing")
                    for view in self.topics.values():
                        view.synced = False
                        await self._send_subscribe(view)
                    heartbeat = asyncio.create_task(self._heartbeat(ws))
                    try:
                        async for raw in ws:
                            if self._handle(raw):
                                failures = 0
                    finally:
                        heartbeat.cancel()
                code = ws.close_code or 1000
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else 1006
            except (OSError, InvalidHandshake, InvalidURI, TimeoutError) as exc:
                log.debug("connecting failed: %s", exc)
                code = 1006
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("the live client failed")
            finally:
                self._ws = None
            if self._stopping:
                break
            self.close_codes.append(code)
            action = explain_close(code)
            if action == "sign-in":
                self._set_state("unauthorized")
                return
            if action == "stop":
                self._set_state("closed")
                return
            # Another server next time: a process that died or is restarting should not be retried first.
            self._url_index += 1
            delay = min(self._backoff_max, self._backoff_initial * 2 ** min(failures, 10))
            failures += 1
            await asyncio.sleep(delay * random.uniform(0.5, 1.5))  # jitter: clients do not return in step

    async def _heartbeat(self, ws: ClientConnection) -> None:
        while True:
            await asyncio.sleep(self._ping_interval)
            if time.monotonic() - self._last_heard > self._silence_timeout:
                log.info("nothing heard from the server for %.0f s: reconnecting", self._silence_timeout)
                await ws.close(code=4009, reason="server silent")
                return
            with contextlib.suppress(ConnectionClosed):
                await ws.send('{"type":"ping"}')
                await self._renew_if_expiring()

    async def _renew_if_expiring(self) -> None:
        """Renew a personal socket's access token on the socket before it runs out (the server closes with
        4002 otherwise). The bearer source is asked for a token, and is expected to refresh it when due."""
        if self._bearer is None or self._token_expires_at is None:
            return
        if self._token_expires_at - time.time() > 2 * self._ping_interval + 30:
            return
        token = await self._bearer()
        expires_at = _expiry_of(token)
        if expires_at is not None and expires_at > self._token_expires_at:
            self._token_expires_at = expires_at
            await self.renew(token)

    def _handle(self, raw: str | bytes) -> bool:
        """Apply one server message; True when a subscription (re)synced."""
        self._last_heard = time.monotonic()
        message = _decoder.decode(raw)
        kind = message.get("type")
        synced = False
        if kind == "event":
            self._apply_event(message)
        elif kind == "ping":
            self._soon(self._send({"type": "pong"}))
        elif kind == "snapshot":
            view = self.topics.get(message["topic"])
            if view is not None:
                view.epoch, view.seq = message["epoch"], message["seq"]
                view.snapshot = message["data"]
                view.snapshots += 1
                view.events = []
                view.synced = synced = True
                if self._on_snapshot is not None:
                    self._on_snapshot(view.name, message["data"])
        elif kind == "subscribed":
            view = self.topics.get(message["topic"])
            if view is not None:
                view.synced = synced = True
        elif kind == "error":
            self.errors.append(message)
            topic = message.get("topic")
            if topic in self.topics:
                self.topics[topic].error = message
            if self._on_error is not None:
                self._on_error(message)
        if self._ws is not None and self.topics and all(v.synced for v in self.topics.values()):
            self._set_state("live")
        self._changed.set()
        return synced

    def _apply_event(self, message: dict[str, Any]) -> None:
        view = self.topics.get(message["topic"])
        if view is None or view.seq is None or not view.synced:
            return  # not (yet) following it: the snapshot or replay on its way covers it
        if message["epoch"] != view.epoch:
            # The topic's history was reset: only a fresh snapshot is right now.
            view.epoch = view.seq = None
            view.synced = False
            self._set_state("resyncing")
            self._soon(self._send_subscribe(view))
            return
        seq = message["seq"]
        if seq <= view.seq:
            return  # already applied
        if seq > view.seq + 1:
            # A gap (should not happen; the server repairs them): resume from what we have.
            view.synced = False
            self._set_state("resyncing")
            self._soon(self._send_subscribe(view))
            return
        view.seq = seq
        view.events.append(message)
        if self._on_event is not None:
            self._on_event(view.name, message)
        if self._auto_receipts and message.get("event") == "alert.raised" and view.name.startswith("user:"):
            # alert.raised carries the whole alert: {"alert": {"alertId": ...}}.
            data = message.get("data") or {}
            alert_id = (data.get("alert") or {}).get("alertId") or data.get("alertId")
            if alert_id:
                self._soon(self.receipt(alert_id))
