"""The event broker between server processes: Redis pub/sub, or an in-process broker when no Redis is set.

With the in-process broker the server must run as a single process; start-up logs that once. Redis down at
start-up does not stop the server: the subscription is retried every second until Redis answers.
Redis pub/sub drops what is published while a subscriber is disconnected: the broker says when its
subscription was re-established (`on_reconnect`), and the gateway then repairs every live topic from the
outbox. A connection that dies silently (no error, just nothing) is found by pinging when it goes quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import redis.asyncio as redis_asyncio

log = logging.getLogger("hospital.broker")

Handler = Callable[[str, bytes], Awaitable[None]]
ReconnectHook = Callable[[], None]


class Broker(Protocol):
    name: str

    async def start(self, handler: Handler, on_reconnect: ReconnectHook | None = None) -> None: ...
    async def publish(self, channel: str, message: bytes) -> None: ...
    async def publish_many(self, items: Sequence[tuple[str, bytes]]) -> None: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class InProcessBroker:
    """Delivers to this process only. Right for one process and for development without Redis."""

    name = "in-process"

    def __init__(self) -> None:
        self._handler: Handler | None = None

    async def start(self, handler: Handler, on_reconnect: ReconnectHook | None = None) -> None:
        self._handler = handler
        log.warning("no Redis configured: using the in-process broker, so the server runs as a single process")

    async def publish(self, channel: str, message: bytes) -> None:
        if self._handler is not None:
            await self._handler(channel, message)

    async def publish_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        for channel, message in items:
            await self.publish(channel, message)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._handler = None


class RedisBroker:
    """Redis pub/sub on one pattern subscription; every server process receives every event."""

    name = "redis"
    PREFIX = "hospital:"
    # Ping when nothing has arrived for this long; give the connection up after three quiet periods.
    QUIET_SECONDS = 5.0
    # How long start-up waits for Redis before going on without it.
    CONNECT_SECONDS = 3.0

    def __init__(self, url: str) -> None:
        self._client = redis_asyncio.Redis.from_url(
            url, socket_timeout=5, socket_connect_timeout=2, socket_keepalive=True
        )
        self._listener: asyncio.Task[None] | None = None

    async def start(self, handler: Handler, on_reconnect: ReconnectHook | None = None) -> None:
        """Subscribe; when Redis does not answer, start without it and keep trying every second.

        The app must start with Redis down (health says so): sockets are still served from PostgreSQL,
        what commits meanwhile stays unpublished in the outbox until the relay's sweep can publish it,
        and once the subscription is made `on_reconnect` has every live topic checked against the outbox.
        """
        pubsub = await self._subscribe()
        if pubsub is None:
            log.warning("redis does not answer: starting without it; subscribing every second until it does")
        self._listener = asyncio.create_task(self._listen(pubsub, handler, on_reconnect), name="redis-listener")

    async def _subscribe(self) -> redis_asyncio.client.PubSub | None:
        # Subscribe confirmations are kept: each one after the first means the subscription was re-made.
        pubsub = self._client.pubsub(ignore_subscribe_messages=False)
        try:
            async with asyncio.timeout(self.CONNECT_SECONDS):
                await pubsub.psubscribe(f"{self.PREFIX}*")
        except Exception:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]
            return None
        return pubsub

    async def _listen(
        self, pubsub: redis_asyncio.client.PubSub | None, handler: Handler, on_reconnect: ReconnectHook | None
    ) -> None:
        # Subscribed only after start-up: sockets served meanwhile may have missed events, so the first
        # confirmation counts as a reconnection (the gateway then checks every live topic).
        failing = pubsub is None
        while pubsub is None:
            await asyncio.sleep(1.0)
            pubsub = await self._subscribe()
        confirmations = 0
        last_heard = time.monotonic()
        pinged_at = 0.0
        prefix_length = len(self.PREFIX)
        while True:
            try:
                message = await pubsub.get_message(timeout=1.0)
                now = time.monotonic()
                if message is None:
                    quiet = now - last_heard
                    if quiet > 3 * self.QUIET_SECONDS:
                        log.warning("redis subscription silent for %.0f s: reconnecting", quiet)
                        last_heard = now
                        if pubsub.connection is not None:
                            await pubsub.connection.disconnect()
                    elif quiet > self.QUIET_SECONDS and now - pinged_at > self.QUIET_SECONDS:
                        pinged_at = now
                        await pubsub.ping()
                    continue
                last_heard = now
                kind = message["type"]
                if kind == "pmessage":
                    try:
                        await handler(message["channel"].decode()[prefix_length:], message["data"])
                    except Exception:
                        log.exception("the event handler failed")
                elif kind == "psubscribe":
                    confirmations += 1
                    if failing or confirmations > 1:
                        log.warning("redis subscription established again; live topics will check the outbox")
                        failing = False
                        if on_reconnect is not None:
                            on_reconnect()
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]
                raise
            except Exception as exc:
                if not failing:
                    log.warning("redis subscription lost (%s); retrying every second", exc.__class__.__name__)
                failing = True
                await asyncio.sleep(1.0)
                # The next get_message reconnects, and redis-py re-subscribes the pattern on connect.

    async def publish(self, channel: str, message: bytes) -> None:
        await self._client.publish(f"{self.PREFIX}{channel}", message)

    async def publish_many(self, items: Sequence[tuple[str, bytes]]) -> None:
        if not items:
            return
        async with self._client.pipeline(transaction=False) as pipe:
            for channel, message in items:
                pipe.publish(f"{self.PREFIX}{channel}", message)
            await pipe.execute()

    async def ping(self) -> bool:
        try:
            return bool(await self._client.ping())
        except Exception:
            return False

    async def close(self) -> None:
        if self._listener:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._client.aclose()


def broker_for(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else InProcessBroker()
