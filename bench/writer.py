"""The writer process of the bench: bed housekeeping through the real HTTP route at a fixed rate.

`POST /api/ipd/beds/{id}/status`, cycling each bed AVAILABLE -> CLEANING -> AVAILABLE, open loop: writes
are started on schedule whatever the answers do, at most one in flight per bed (so each bed's moves stay
valid). The client is a few lines of HTTP/1.1 over keep-alive connections parsed with httptools: a general
HTTP client (httpx) costs the writer more CPU per request than the server spends, and on a small machine
the writer would then be what limits the rate.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from multiprocessing.connection import Connection
from typing import Any
from urllib.parse import urlsplit

import httptools
import msgspec

from bench.common import percentile, serve_commands


class _Answer:
    """Collects one response from the httptools parser."""

    def __init__(self) -> None:
        self.done = False
        self.status = 0

    def on_message_complete(self) -> None:
        self.done = True


class KeepAlive:
    """One HTTP/1.1 connection, one request at a time."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = (f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                     "Content-Type: application/json\r\nConnection: keep-alive\r\n").encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> int:
        if self.writer is None or self.writer.is_closing():
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(b"POST " + path.encode() + b" HTTP/1.1\r\n" + self.head
                          + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        answer = _Answer()
        parser = httptools.HttpResponseParser(answer)
        while not answer.done:
            data = await self.reader.read(65536)
            if not data:
                self.writer = None
                raise ConnectionError("the server closed the connection")
            parser.feed_data(data)
        status: int = parser.get_status_code()
        if not parser.should_keep_alive():
            self.writer.close()
            self.writer = None
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


class Writer:
    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.idle: deque[tuple[str, str]] = deque()  # (bed id, its ward topic)
        self.connections: asyncio.Queue[KeepAlive] = asyncio.Queue()

    async def setup(self, spec: dict[str, Any]) -> int:
        url = urlsplit(spec["url"])
        assert url.hostname is not None and url.port is not None
        for _ in range(spec.get("connections", 64)):
            self.connections.put_nowait(KeepAlive(url.hostname, url.port, spec["token"]))
        for bed_id, topic in spec["beds"]:
            self.status[bed_id] = "AVAILABLE"
            self.idle.append((bed_id, topic))
        return len(self.idle)

    async def _post(self, bed_id: str, target: str) -> int:
        connection = await self.connections.get()
        try:
            return await connection.post(f"/api/ipd/beds/{bed_id}/status",
                                         msgspec.json.encode({"status": target}))
        finally:
            self.connections.put_nowait(connection)

    async def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        rate, duration = float(spec["rate"]), float(spec["duration"])
        total = int(rate * duration)
        outcomes: Counter[str] = Counter()
        per_topic: Counter[str] = Counter()
        answer_ms: list[float] = []
        pending: set[asyncio.Task[None]] = set()
        skipped = 0

        async def write(bed_id: str, topic: str) -> None:
            target = "CLEANING" if self.status[bed_id] == "AVAILABLE" else "AVAILABLE"
            started = time.perf_counter()
            try:
                status = await self._post(bed_id, target)
                outcomes[str(status)] += 1
                if status == 200:
                    self.status[bed_id] = target
                    per_topic[topic] += 1
            except OSError as exc:
                outcomes[exc.__class__.__name__] += 1
            finally:
                answer_ms.append((time.perf_counter() - started) * 1000)
                self.idle.append((bed_id, topic))

        start = time.perf_counter()
        wall_start = time.time()
        for i in range(total):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if not self.idle:
                skipped += 1
                continue
            bed_id, topic = self.idle.popleft()
            task = asyncio.create_task(write(bed_id, topic))
            pending.add(task)
            task.add_done_callback(pending.discard)
        issued_for = time.perf_counter() - start
        if pending:
            await asyncio.wait(pending, timeout=60)
        answer_ms.sort()
        return {
            "rate": rate, "sent": total - skipped, "skipped": skipped, "outcomes": dict(outcomes),
            "achieved_rate": (total - skipped) / issued_for if issued_for else 0.0,
            "completed_rate": outcomes["200"] / issued_for if issued_for else 0.0,
            "per_topic": dict(per_topic), "wall_start": wall_start, "wall_end": time.time(),
            "answer_p50_ms": percentile(answer_ms, 50), "answer_p99_ms": percentile(answer_ms, 99),
        }

    async def settle(self) -> int:
        """Put every bed this writer left CLEANING back to AVAILABLE (through the route, with its events)."""
        moved = 0
        for bed_id, status in list(self.status.items()):
            if status == "CLEANING" and await self._post(bed_id, "AVAILABLE") == 200:
                self.status[bed_id] = "AVAILABLE"
                moved += 1
        while not self.connections.empty():
            self.connections.get_nowait().close()
        return moved

    async def handle(self, command: str, argument: Any) -> Any:
        match command:
            case "setup":
                return await self.setup(argument)
            case "run":
                return await self.run(argument)
            case "settle":
                return await self.settle()
        raise ValueError(f"unknown command {command}")


def main(conn: Connection) -> None:
    serve_commands(conn, Writer().handle)
