"""The event broker between server processes: Redis pub/sub, or an in-process broker when no Redis is set.

With the in-process broker the server must run as a single process; start-up logs that once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import redis.asyncio as redis_asyncio

log = logging.getLogger("hospital.broker")

Handler = Callable[[str, bytes], Awaitable[None]]


class Broker(Protocol):
    name: str

    async def start(self, handler: Handler) -> None: ...
    async def publish(self, channel: str, message: bytes) -> None: ...
    async def ping(self) -> bool: ...
    async def close(self) -> None: ...


class InProcessBroker:
    """Delivers to this process only. Right for one process and for development without Redis."""

    name = "in-process"

    def __init__(self) -> None:
        self._handler: Handler | None = None

    async def start(self, handler: Handler) -> None:
        self._handler = handler
        log.warning("no Redis configured: using the in-process broker, so the server runs as a single process")

    async def publish(self, channel: str, message: bytes) -> None:
        if self._handler is not None:
            await self._handler(channel, message)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self._handler = None


class RedisBroker:
    """Redis pub/sub on one pattern subscription; every server process receives every event."""

    name = "redis"
    PREFIX = "hospital:"

    def __init__(self, url: str) -> None:
        self._client = redis_asyncio.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)
        self._listener: asyncio.Task[None] | None = None

    async def start(self, handler: Handler) -> None:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        await pubsub.psubscribe(f"{self.PREFIX}*")
        self._listener = asyncio.create_task(self._listen(pubsub, handler), name="redis-listener")

    async def _listen(self, pubsub: redis_asyncio.client.PubSub, handler: Handler) -> None:
        while True:
            try:
                message = await pubsub.get_message(timeout=1.0)
                if message and message["type"] == "pmessage":
                    channel = message["channel"].decode()[len(self.PREFIX):]
                    await handler(channel, message["data"])
            except asyncio.CancelledError:
                await pubsub.aclose()  # type: ignore[no-untyped-call]
                raise
            except Exception:
                log.exception("redis listener failed; resubscribing in 1 s")
                await asyncio.sleep(1.0)
                try:
                    await pubsub.psubscribe(f"{self.PREFIX}*")
                except Exception:
                    log.warning("redis still unavailable")

    async def publish(self, channel: str, message: bytes) -> None:
        await self._client.publish(f"{self.PREFIX}{channel}", message)

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
