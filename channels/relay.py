"""The outbox relay: publishes committed events to the broker, sweeps up what was missed, prunes history.

Fast path: db.outbox hands each committed transaction's events to `Relay.enqueue` (set as its publisher at
start-up); one publisher task per process sends them to the broker in batches, so a request never waits
on Redis. Marking them
published is a database write the next publish must not wait for: a second task does it, coalesced (if
it fails, the sweep publishes those events again, which is harmless).

Sweep: every second each process claims (SKIP LOCKED) events still unpublished after a second and
publishes them: a crash between commit and publish, or Redis down, delays events but loses none.
Publishing twice is harmless: every consumer drops a seq it already has.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Sequence

from channels.broker import Broker
from db import outbox, realtime
from db.outbox import CommittedEvent

log = logging.getLogger("hospital.relay")

# Relays started in this process, newest last: the newest one gets what commits (tests run a second app
# in the test process; stopping it hands the fast path back to the first instead of leaving none).
_started: list[Relay] = []


async def publish_committed(broker: Broker, events: Sequence[CommittedEvent]) -> None:
    """Publish `events` (in order) and mark them published; raises if the broker refused them."""
    await broker.publish_many([(e.topic, e.message) for e in events])
    await outbox.mark_published([e.id for e in events])


class Relay:
    # Committed events waiting for the publisher; past this many the oldest are left to the sweep.
    MAX_PENDING = 20_000
    BATCH = 500

    def __init__(
        self,
        broker: Broker,
        *,
        retention_hours: int,
        sweep_interval: float = 1.0,
        sweep_after: float = 1.0,
        prune_interval: float = 300.0,
    ) -> None:
        self._broker = broker
        self._retention_hours = retention_hours
        self._sweep_interval = sweep_interval
        self._sweep_after = sweep_after
        self._prune_interval = prune_interval
        self._pending: deque[CommittedEvent] = deque()
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._tasks: list[asyncio.Task[None]] = []
        self._broker_failing = False
        self._published: list[int] = []  # outbox ids sent to the broker, not yet marked published
        self._mark_wake = asyncio.Event()
        self._marked = asyncio.Event()
        self._marked.set()

    def enqueue(self, events: Sequence[CommittedEvent]) -> None:
        """The after-commit hook: never blocks, never raises (the transaction has already committed)."""
        self._pending.extend(events)
        self._drained.clear()
        overflow = len(self._pending) - self.MAX_PENDING
        for _ in range(max(0, overflow)):
            self._pending.popleft()  # still unpublished in the outbox: the sweep will send it
        self._wake.set()

    def start(self) -> None:
        _started.append(self)
        outbox.set_publisher(self.enqueue)
        self._tasks = [
            asyncio.create_task(self._run_publisher(), name="outbox-publisher"),
            asyncio.create_task(self._run_marker(), name="outbox-marker"),
            asyncio.create_task(self._run_sweep(), name="outbox-sweep"),
            asyncio.create_task(self._run_pruner(), name="outbox-pruner"),
        ]

    async def stop(self) -> None:
        if self in _started:
            _started.remove(self)
        outbox.set_publisher(_started[-1].enqueue if _started else None)
        # Best effort: what committed just before shutdown goes out now, not at another process's sweep.
        if self._tasks and not self._tasks[0].done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._drained.wait(), 2.0)
                await asyncio.wait_for(self._marked.wait(), 2.0)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def _run_publisher(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = [self._pending.popleft() for _ in range(min(self.BATCH, len(self._pending)))]
                try:
                    await self._broker.publish_many([(e.topic, e.message) for e in batch])
                    self._published.extend(e.id for e in batch)
                    self._marked.clear()
                    self._mark_wake.set()
                    if self._broker_failing:
                        log.info("publishing to the broker again")
                    self._broker_failing = False
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    # Left unpublished in the outbox; the sweep retries once the broker answers.
                    if not self._broker_failing:
                        log.warning("publishing %d events failed (%s); the sweep will retry", len(batch),
                                    exc.__class__.__name__)
                    self._broker_failing = True
            self._drained.set()

    async def _run_marker(self) -> None:
        while True:
            await self._mark_wake.wait()
            self._mark_wake.clear()
            while self._published:
                ids, self._published = self._published[:5000], self._published[5000:]
                try:
                    await outbox.mark_published(ids)
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("marking %d events published failed (%s); the sweep will send them again",
                                len(ids), exc.__class__.__name__)
            self._marked.set()

    async def sweep_once(self) -> int:
        async def publish(events: list[CommittedEvent]) -> None:
            await self._broker.publish_many([(e.topic, e.message) for e in events])

        total = 0
        while True:
            count = await outbox.claim_unpublished(publish, older_than_seconds=self._sweep_after)
            total += count
            if count < 500:
                return total

    async def _run_sweep(self) -> None:
        failing = False
        while True:
            await asyncio.sleep(self._sweep_interval)
            try:
                swept = await self.sweep_once()
                if swept:
                    log.info("the sweep published %d events the fast path had missed", swept)
                if failing:
                    log.info("the outbox sweep works again")
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not failing:
                    log.warning("the outbox sweep failed (%s); retrying", exc.__class__.__name__)
                failing = True

    async def _run_pruner(self) -> None:
        while True:
            try:
                pruned = await outbox.prune(retention_hours=self._retention_hours)
                await realtime.prune_tickets()
                if pruned:
                    log.info("pruned %d outbox events older than %d h", pruned, self._retention_hours)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("pruning the outbox failed")
            await asyncio.sleep(self._prune_interval)
