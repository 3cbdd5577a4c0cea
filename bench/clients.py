"""A client process of the bench: many websockets to /ws (or to the bare broadcast server), driven by commands.

Each socket subscribes to one topic, answers the server's pings, counts the events it receives and checks
their seq (a gap is counted, never hidden). While recording, every event's latency is kept: the moment it
arrived here minus its `ts` (the outbox row's created_at, clock_timestamp() inside the writing transaction,
a statement or two before COMMIT; same machine, same clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from array import array
from datetime import datetime
from multiprocessing.connection import Connection
from typing import Any

import msgspec
from websockets.asyncio.client import ClientConnection, connect

from bench.common import serve_commands


class Head(msgspec.Struct):
    type: str
    topic: str | None = None
    seq: int | None = None
    ts: datetime | None = None
    code: str | None = None


_decode = msgspec.json.Decoder(Head).decode
PONG = '{"type":"pong"}'
PING = '{"type":"ping"}'


class Sock:
    __slots__ = ("count", "error", "gaps", "group", "last_seq", "last_time", "pongs", "reader", "ready", "topic",
                 "ws")

    def __init__(self, ws: ClientConnection, topic: str, group: str) -> None:
        self.ws = ws
        self.topic = topic
        self.group = group
        self.count = 0
        self.gaps = 0
        self.last_seq: int | None = None
        self.last_time = 0.0
        self.pongs = 0
        self.error: str | None = None
        self.ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.reader: asyncio.Task[None] | None = None


class ClientProcess:
    def __init__(self) -> None:
        self.socks: list[Sock] = []
        self.recording = False
        self.event_ts = array("d")  # the event's ts (epoch seconds)
        self.latency_ms = array("d")
        self.closed_by_server: dict[int, int] = {}

    async def _read(self, sock: Sock) -> None:
        ws = sock.ws
        try:
            async for raw in ws:
                now = time.time()
                head = _decode(raw)
                kind = head.type
                if kind == "event":
                    sock.count += 1
                    sock.last_time = now
                    seq = head.seq or 0
                    if sock.last_seq is not None and seq != sock.last_seq + 1:
                        sock.gaps += 1
                    sock.last_seq = seq
                    if self.recording and head.ts is not None:
                        ts = head.ts.timestamp()
                        self.event_ts.append(ts)
                        self.latency_ms.append((now - ts) * 1000.0)
                elif kind == "ping":
                    await ws.send(PONG)
                elif kind == "pong":
                    sock.pongs += 1
                elif kind in ("snapshot", "subscribed"):
                    sock.last_seq = head.seq
                    if not sock.ready.done():
                        sock.ready.set_result(kind)
                elif kind == "error" and not sock.ready.done():
                    sock.ready.set_exception(RuntimeError(f"subscribe refused: {head.code}"))
        except Exception as exc:  # closed under us: counted below
            sock.error = exc.__class__.__name__
        finally:
            code = ws.close_code or 0
            self.closed_by_server[code] = self.closed_by_server.get(code, 0) + 1
            if not sock.ready.done():
                sock.ready.set_exception(RuntimeError(f"closed before subscribing ({code})"))

    async def _open_one(self, url: str, token: str | None, topic: str, group: str, limit: asyncio.Semaphore) -> None:
        async with limit:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            ws = await connect(url, additional_headers=headers, compression=None, open_timeout=120,
                               ping_interval=None, close_timeout=2, max_queue=None)
            sock = Sock(ws, topic, group)
            sock.reader = asyncio.create_task(self._read(sock))
            await ws.send(msgspec.json.encode({"type": "subscribe", "topic": topic}).decode())
            await asyncio.wait_for(sock.ready, 120)
            self.socks.append(sock)

    async def open(self, spec: dict[str, Any]) -> dict[str, Any]:
        limit = asyncio.Semaphore(spec.get("concurrency", 100))
        results = await asyncio.gather(
            *(self._open_one(spec["url"], spec.get("token"), topic, spec.get("group", ""), limit)
              for topic in spec["topics"]),
            return_exceptions=True,
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        return {"opened": len(results) - len(failures), "failed": len(failures),
                "errors": sorted({f"{f.__class__.__name__}: {f}"[:160] for f in failures})[:5]}

    def open_count(self) -> int:
        return sum(1 for s in self.socks if s.reader is not None and not s.reader.done())

    async def wait_counts(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Wait until every open socket has received `target` events; the last arrival's time."""
        deadline = time.monotonic() + spec.get("timeout", 60)
        target = spec["target"]
        group = spec.get("group", "")
        mine = [s for s in self.socks if s.group == group]
        while time.monotonic() < deadline:
            live = [s for s in mine if s.reader is not None and not s.reader.done()]
            if all(s.count >= target for s in live):
                return {"last": max((s.last_time for s in live), default=0.0), "sockets": len(live),
                        "complete": True, "gaps": sum(s.gaps for s in mine)}
            await asyncio.sleep(0.005)
        live = [s for s in mine if s.reader is not None and not s.reader.done()]
        return {"last": max((s.last_time for s in live), default=0.0), "sockets": len(live), "complete": False,
                "short": sum(1 for s in live if s.count < target), "gaps": sum(s.gaps for s in mine)}

    async def ping_all(self, within: float) -> int:
        """Send an application ping on every open socket: how many answered within `within` seconds."""
        before = {id(s): s.pongs for s in self.socks}
        for s in self.socks:
            with contextlib.suppress(Exception):
                await s.ws.send(PING)
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            answered = sum(1 for s in self.socks if s.pongs > before[id(s)])
            if answered == len(self.socks):
                break
            await asyncio.sleep(0.05)
        return sum(1 for s in self.socks if s.pongs > before[id(s)])

    async def close(self, abort: bool) -> dict[str, int]:
        async def close_one(s: Sock) -> None:
            with contextlib.suppress(Exception):
                if abort:
                    s.ws.transport.abort()
                else:
                    await s.ws.close()
            if s.reader is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(s.reader, 5)

        await asyncio.gather(*(close_one(s) for s in self.socks))
        self.socks = []
        codes = {str(k): v for k, v in self.closed_by_server.items()}
        self.closed_by_server = {}
        return codes

    async def handle(self, command: str, argument: Any) -> Any:
        match command:
            case "open":
                return await self.open(argument)
            case "open_count":
                return self.open_count()
            case "record":
                self.recording = bool(argument)
                return None
            case "latencies":
                out = (self.event_ts.tobytes(), self.latency_ms.tobytes(), sum(s.gaps for s in self.socks),
                       sum(s.count for s in self.socks))
                self.event_ts, self.latency_ms = array("d"), array("d")
                return out
            case "reset_counts":
                for s in self.socks:
                    s.count = 0
                return None
            case "wait_counts":
                return await self.wait_counts(argument)
            case "ping_all":
                return await self.ping_all(float(argument))
            case "close":
                return await self.close(bool(argument))
        raise ValueError(f"unknown command {command}")


def main(conn: Connection) -> None:
    process = ClientProcess()
    serve_commands(conn, process.handle)
