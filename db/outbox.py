"""The transactional outbox: events written in the service's transaction, numbered per topic, gap-free.

A service calls `append(...)` inside its transaction. Each topic's counter row is locked until commit, so
seq N+1 is only handed out after N committed (or rolled back and freed N again): gap-free and in commit
order. After the outermost transaction commits, the events go to the publisher set by the app
(channels.relay); a rolled-back transaction publishes nothing. The relay's sweep publishes what that fast
path missed, and the pruner keeps `outbox_retention_hours` of history for clients that resume.
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from db.connection import after_commit, execute, fetch, fetchrow, transaction
from domain.events import EventPayload
from domain.topics import Topic

log = logging.getLogger("hospital.outbox")


@dataclass(frozen=True, slots=True)
class PendingEvent:
    """An event a service is about to write: its topic and payload (the payload names the event)."""

    topic: Topic
    payload: EventPayload

    @property
    def event(self) -> str:
        return self.payload.EVENT


class EventMessage(msgspec.Struct, frozen=True, tag="event", tag_field="type"):
    """The websocket message of an event, exactly as every subscriber receives it (and Redis carries it)."""

    topic: str
    epoch: str
    seq: int
    event: str
    data: msgspec.Raw
    ts: datetime


_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class CommittedEvent:
    """An outbox row ready to publish: `message` is the encoded websocket message, made once."""

    id: int
    topic: str
    seq: int
    epoch: str
    message: bytes


def event_message(*, topic: str, epoch: str, seq: int, event: str, data: bytes, ts: datetime) -> bytes:
    return _encoder.encode(
        EventMessage(topic=topic, epoch=epoch, seq=seq, event=event, data=msgspec.Raw(data), ts=ts)
    )


Publisher = Callable[[Sequence[CommittedEvent]], None]
_publisher: Publisher | None = None


def set_publisher(publisher: Publisher | None) -> Publisher | None:
    """Called by the app at start-up (channels.relay provides it): db/ does not import channels/.

    Returns the publisher it replaces.
    """
    global _publisher
    previous, _publisher = _publisher, publisher
    return previous


def new_epoch() -> str:
    return uuid.uuid4().hex


# One round trip per topic: take the next seqs (locking the counter row until commit) and insert the events.
_APPEND_TOPIC = """
WITH counter AS (
  INSERT INTO topic_counters (topic, seq, epoch) VALUES ($1::text, $2::bigint, $3::text)
  ON CONFLICT (topic) DO UPDATE SET seq = topic_counters.seq + $2::bigint
  RETURNING seq, epoch
)
INSERT INTO outbox_events (topic, seq, epoch, event_type, payload, created_at)
SELECT $1::text, counter.seq - $2::bigint + e.n, counter.epoch, e.event_type, e.payload::jsonb, clock_timestamp()
FROM counter, unnest($4::text[], $5::text[]) WITH ORDINALITY AS e(event_type, payload, n)
RETURNING id, seq, epoch, created_at
"""


def lock_order(topic: str) -> tuple[bool, str]:
    """The one order in which a transaction takes topic counters (so two never deadlock): keyed topics by
    name, then the hospital-wide ones (`census`, `imaging`, `patients`), whose counters every write of their
    kind takes: last, so their row lock is held for one statement and the COMMIT, not for the others too."""
    return (":" not in topic, topic)


async def append(*events: PendingEvent) -> list[CommittedEvent]:
    """Write `events` to the outbox in the current transaction; they are published after it commits.

    Events of one topic keep their order here. Counters are taken in `lock_order`, so two transactions
    that touch the same topics never deadlock on them.
    """
    if not events:
        return []
    by_topic: dict[str, list[PendingEvent]] = defaultdict(list)
    for event in events:
        by_topic[event.topic.name].append(event)
    committed: list[CommittedEvent] = []
    async with transaction():
        for topic in sorted(by_topic, key=lock_order):
            batch = by_topic[topic]
            payloads = [_encoder.encode(e.payload) for e in batch]
            rows = await fetch(_APPEND_TOPIC, topic, len(batch), new_epoch(), [e.event for e in batch],
                               [p.decode() for p in payloads])
            by_seq = {int(r["seq"]): r for r in rows}
            first = min(by_seq)
            for offset, (event, payload) in enumerate(zip(batch, payloads, strict=True)):
                seq = first + offset
                r = by_seq[seq]
                epoch = str(r["epoch"])
                message = event_message(
                    topic=topic, epoch=epoch, seq=seq, event=event.event, data=payload, ts=r["created_at"]
                )
                committed.append(CommittedEvent(id=int(r["id"]), topic=topic, seq=seq, epoch=epoch, message=message))
        publisher = _publisher
        if publisher is not None:
            ready = list(committed)
            after_commit(lambda: publisher(ready))
    return committed


# --- Reading the outbox: replay, repair, the relay's sweep ----------------------------------------

_ROW_COLUMNS = "id, topic, seq, epoch, event_type, payload::text AS payload, created_at"


def committed_from_row(row: Any) -> CommittedEvent:
    message = event_message(
        topic=row["topic"], epoch=row["epoch"], seq=int(row["seq"]), event=row["event_type"],
        data=row["payload"].encode(), ts=row["created_at"],
    )
    return CommittedEvent(id=int(row["id"]), topic=row["topic"], seq=int(row["seq"]), epoch=row["epoch"],
                          message=message)


@dataclass(frozen=True, slots=True)
class Position:
    """Where a topic stands: its epoch and the last seq handed out (0 before its first event)."""

    epoch: str
    seq: int


async def ensure_counter(topic: str) -> Position:
    """The topic's position, creating its counter at seq 0 (with a fresh epoch) if it has none yet."""
    row = await fetchrow(
        "INSERT INTO topic_counters (topic, seq, epoch) VALUES ($1, 0, $2) ON CONFLICT (topic) DO NOTHING "
        "RETURNING seq, epoch",
        topic, new_epoch(),
    )
    if row is None:
        row = await fetchrow("SELECT seq, epoch FROM topic_counters WHERE topic = $1", topic)
    assert row is not None
    return Position(epoch=str(row["epoch"]), seq=int(row["seq"]))


async def positions(topics: Sequence[str]) -> dict[str, Position]:
    rows = await fetch("SELECT topic, seq, epoch FROM topic_counters WHERE topic = ANY($1::text[])", list(topics))
    return {r["topic"]: Position(epoch=str(r["epoch"]), seq=int(r["seq"])) for r in rows}


async def events_after(topic: str, seq: int, *, limit: int) -> list[CommittedEvent]:
    """Committed events of `topic` with seq > `seq`, in order (at most `limit`)."""
    rows = await fetch(
        f"SELECT {_ROW_COLUMNS} FROM outbox_events WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        topic, seq, limit,
    )
    return [committed_from_row(r) for r in rows]


@dataclass(frozen=True, slots=True)
class Replay:
    """The events a client missed since `since` (all of them, in order) and where the topic stands."""

    position: Position
    events: list[CommittedEvent]


async def replay_since(topic: str, *, epoch: str, seq: int, limit: int) -> Replay | None:
    """Everything after (epoch, seq), or None when that cannot be replayed exactly.

    None means: another epoch, a seq the topic never reached, history already pruned, or more than
    `limit` events missed (a snapshot is cheaper then). The caller sends a fresh snapshot instead.
    """
    async with transaction():
        await execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        counter = await fetchrow("SELECT seq, epoch FROM topic_counters WHERE topic = $1", topic)
        if counter is None or counter["epoch"] != epoch or not 0 <= seq <= int(counter["seq"]):
            return None
        position = Position(epoch=str(counter["epoch"]), seq=int(counter["seq"]))
        if position.seq == seq:
            return Replay(position=position, events=[])
        if position.seq - seq > limit:
            return None
        rows = await fetch(
            f"SELECT {_ROW_COLUMNS} FROM outbox_events WHERE topic = $1 AND seq > $2 ORDER BY seq LIMIT $3",
            topic, seq, limit,
        )
    events = [committed_from_row(r) for r in rows]
    # Exactly seq+1 .. position.seq, or the oldest of them were pruned: then it is not a replay.
    if len(events) != position.seq - seq or (events and events[0].seq != seq + 1):
        return None
    return Replay(position=position, events=events)


async def claim_unpublished(
    publish: Callable[[list[CommittedEvent]], Any], *, older_than_seconds: float, limit: int = 500
) -> int:
    """The relay's sweep: publish events that commit-time publishing missed, then mark them published.

    Rows are claimed with SKIP LOCKED, so several processes sweep without publishing a row twice at once.
    `publish` is awaited inside the transaction; if it raises, nothing is marked and the next sweep retries.
    """
    async with transaction():
        rows = await fetch(
            f"SELECT {_ROW_COLUMNS} FROM outbox_events WHERE published_at IS NULL "
            "AND created_at < clock_timestamp() - make_interval(secs => $1) "
            "ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED",
            older_than_seconds, limit,
        )
        if not rows:
            return 0
        events = [committed_from_row(r) for r in rows]
        await publish(events)
        await execute("UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::bigint[])",
                      [e.id for e in events])
    return len(events)


async def mark_published(ids: Sequence[int]) -> None:
    if ids:
        await execute(
            "UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::bigint[]) AND published_at IS NULL",
            list(ids),
        )


async def prune(*, retention_hours: int, batch: int = 5000) -> int:
    """Delete outbox rows older than the retention window (one process at a time); returns rows deleted."""
    deleted = 0
    while True:
        async with transaction():
            got = await fetchrow("SELECT pg_try_advisory_xact_lock(hashtext('outbox_pruner')) AS ok")
            if got is None or not got["ok"]:
                return deleted
            rows = await fetch(
                "DELETE FROM outbox_events WHERE id IN (SELECT id FROM outbox_events "
                "WHERE created_at < now() - make_interval(hours => $1) ORDER BY id LIMIT $2) RETURNING id",
                retention_hours, batch,
            )
        deleted += len(rows)
        if len(rows) < batch:
            return deleted
