"""The writer process of the bench: bed housekeeping through the real HTTP route at a fixed rate.

`POST /api/ipd/beds/{id}/status`, cycling each bed AVAILABLE -> CLEANING -> AVAILABLE, open loop: writes
are started on schedule whatever the answers do, at most one in flight per bed (so each bed's moves stay
valid), on keep-alive connections.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from multiprocessing.connection import Connection
from typing import Any

import httpx

from bench.common import percentile, serve_commands


class Writer:
    def __init__(self) -> None:
        self.status: dict[str, str] = {}
        self.idle: deque[tuple[str, str]] = deque()  # (bed id, its ward topic)
        self.http: httpx.AsyncClient | None = None

    async def setup(self, spec: dict[str, Any]) -> int:
        self.http = httpx.AsyncClient(
            base_url=spec["url"], headers={"Authorization": f"Bearer {spec['token']}"}, timeout=30,
            limits=httpx.Limits(max_connections=spec.get("connections", 64), max_keepalive_connections=64),
        )
        for bed_id, topic in spec["beds"]:
            self.status[bed_id] = "AVAILABLE"
            self.idle.append((bed_id, topic))
        return len(self.idle)

    async def run(self, spec: dict[str, Any]) -> dict[str, Any]:
        assert self.http is not None
        http = self.http
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
                response = await http.post(f"/api/ipd/beds/{bed_id}/status", json={"status": target})
                outcomes[str(response.status_code)] += 1
                if response.status_code == 200:
                    self.status[bed_id] = target
                    per_topic[topic] += 1
            except httpx.HTTPError as exc:
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
            "per_topic": dict(per_topic), "wall_start": wall_start, "wall_end": time.time(),
            "answer_p50_ms": percentile(answer_ms, 50), "answer_p99_ms": percentile(answer_ms, 99),
        }

    async def settle(self) -> int:
        """Put every bed this writer left CLEANING back to AVAILABLE (through the route, with its events)."""
        assert self.http is not None
        moved = 0
        for bed_id, status in list(self.status.items()):
            if status == "CLEANING":
                response = await self.http.post(f"/api/ipd/beds/{bed_id}/status", json={"status": "AVAILABLE"})
                if response.status_code == 200:
                    self.status[bed_id] = "AVAILABLE"
                    moved += 1
        await self.http.aclose()
        return moved

    async def handle(self, command: str, argument: Any) -> Any:
        match command:
            case "setup":
                return await self.setup(argument)
            case "settle":
                return await self.settle()
            case "run":
                return await self.run(argument)
        raise ValueError(f"unknown command {command}")


def main(conn: Connection) -> None:
    serve_commands(conn, Writer().handle)
