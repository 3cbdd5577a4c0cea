"""Snapshot then events with nothing missed, resuming with since, and the outbox's transactional promise."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, ClassVar

import msgspec
import pytest

from db import outbox
from db.connection import execute, fetch, fetchrow, transaction
from db.outbox import PendingEvent
from domain.boards import WardBoard, apply_bed_updated
from domain.events import BedUpdated, EventPayload
from domain.topics import lab_topic
from tests.channels.conftest import ADMIN, DOCTOR, NURSE, counter_of, set_bed


class Noise(EventPayload, frozen=True, kw_only=True):
    """A test-only event for topics nobody else writes to."""

    EVENT: ClassVar[str] = "test.noise"
    n: int
    padding: str = ""


def noise_topic() -> str:
    return lab_topic(f"test-{uuid.uuid4().hex[:12]}").name


async def write_noise(topic: str, count: int, *, start: int = 0, padding: str = "") -> None:
    """`count` events on `topic`, committed in one transaction."""
    async with transaction():
        await outbox.append(*[PendingEvent(lab_topic(topic.split(":", 1)[1]), Noise(n=start + i, padding=padding))
                              for i in range(count)])


def seqs(events: list[dict[str, Any]]) -> list[int]:
    return [e["seq"] for e in events]


async def counter_reaches(topic: str, seq: int) -> None:
    for _ in range(3000):
        if await counter_of(topic) >= seq:
            return
        await asyncio.sleep(0.005)
    raise TimeoutError(f"{topic} did not reach seq {seq}")


async def flip_bed(client, headers, bed_id: Any, times: int) -> None:
    status = "CLEANING"
    for _ in range(times):
        response = await set_bed(client, headers, bed_id, status)
        assert response.status_code == 200, response.text
        status = "AVAILABLE" if status == "CLEANING" else "CLEANING"


async def test_snapshot_then_events_misses_nothing_under_concurrent_writes(
    app, client, open_socket, headers_for, ward
):
    topic = f"ward:{ward['ward_id']}"
    admin = await headers_for(ADMIN)
    doctor = await headers_for(DOCTOR)
    written_at_once = app.state.gateway.stats.written_at_once
    writers = [asyncio.create_task(flip_bed(client, admin, bed, 12)) for bed in ward["beds"][:4]]
    sockets = []
    for joined in range(5):  # join while the writes are under way, at different points of the stream
        await counter_reaches(topic, joined * 8)
        sock = await open_socket(doctor)
        snapshot = await sock.subscribe(topic)
        assert snapshot["type"] == "snapshot"
        sockets.append((sock, snapshot))
    await asyncio.gather(*writers)
    final = await counter_of(topic)
    assert final == 48
    fresh = await (await open_socket(doctor)).subscribe(topic)
    for sock, snapshot in sockets:
        events = await sock.events(topic, final - snapshot["seq"])
        # Exactly the events after the snapshot, once each, in order.
        assert seqs(events) == list(range(snapshot["seq"] + 1, final + 1))
        board = msgspec.convert(snapshot["data"], WardBoard)
        for event in events:
            board = apply_bed_updated(board, msgspec.convert(event["data"], BedUpdated))
        assert board == msgspec.convert(fresh["data"], WardBoard)
    # Readers that keep up are written to directly, without a queue or a task per message.
    assert app.state.gateway.stats.written_at_once - written_at_once >= 48


async def test_resume_with_since_replays_exactly_the_missed_events(open_socket, headers_for):
    topic = noise_topic()
    doctor = await headers_for(DOCTOR)
    first = await open_socket(doctor)
    snapshot = await first.subscribe(topic)
    await write_noise(topic, 3)
    seen = await first.events(topic, 3)
    await first.close()
    await write_noise(topic, 5, start=3)  # missed while away
    second = await open_socket(doctor)
    answer = await second.subscribe(topic, since={"epoch": snapshot["epoch"], "seq": seen[-1]["seq"]})
    assert answer["type"] == "subscribed" and answer["seq"] == seen[-1]["seq"] and answer["recovered"] is True
    replayed = await second.events(topic, 5)
    assert seqs(replayed) == list(range(seen[-1]["seq"] + 1, seen[-1]["seq"] + 6))
    assert [e["data"]["n"] for e in replayed] == [3, 4, 5, 6, 7]
    await write_noise(topic, 1, start=8)  # and then live
    live = await second.events(topic, 1)
    assert live[0]["seq"] == replayed[-1]["seq"] + 1 and live[0]["data"]["n"] == 8
    assert not [m for m in second.seen if m["type"] == "snapshot"]


@pytest.mark.parametrize("case", ["other epoch", "too old", "ahead of the topic"])
async def test_a_since_that_cannot_be_replayed_gets_a_fresh_snapshot(open_socket, headers_for, case):
    topic = noise_topic()
    doctor = await headers_for(DOCTOR)
    sock = await open_socket(doctor)
    snapshot = await sock.subscribe(topic)
    await write_noise(topic, 6)
    await sock.events(topic, 6)
    since = {"epoch": snapshot["epoch"], "seq": 1}
    if case == "other epoch":
        since["epoch"] = uuid.uuid4().hex
    elif case == "too old":
        await execute("DELETE FROM outbox_events WHERE topic = $1 AND seq <= 3", topic)  # pruned
    else:
        since["seq"] = 99
    again = await open_socket(doctor)
    answer = await again.subscribe(topic, since=since)
    assert answer["type"] == "snapshot" and answer["seq"] == 6 and answer["epoch"] == snapshot["epoch"]


async def test_the_oldest_retained_event_can_still_be_resumed_from(open_socket, headers_for):
    topic = noise_topic()
    doctor = await headers_for(DOCTOR)
    sock = await open_socket(doctor)
    snapshot = await sock.subscribe(topic)
    await write_noise(topic, 6)
    await sock.events(topic, 6)
    await execute("DELETE FROM outbox_events WHERE topic = $1 AND seq <= 3", topic)
    again = await open_socket(doctor)
    answer = await again.subscribe(topic, since={"epoch": snapshot["epoch"], "seq": 3})  # needs 4.. only
    assert answer["type"] == "subscribed"
    assert seqs(await again.events(topic, 3)) == [4, 5, 6]


async def test_a_rolled_back_transaction_publishes_nothing_and_takes_no_seq(open_socket, headers_for):
    topic = noise_topic()
    sock = await open_socket(await headers_for(DOCTOR))
    snapshot = await sock.subscribe(topic)

    class Refused(Exception):
        pass

    with pytest.raises(Refused):
        async with transaction():
            await outbox.append(PendingEvent(lab_topic(topic.split(":", 1)[1]), Noise(n=-1)))
            raise Refused
    assert await fetch("SELECT id FROM outbox_events WHERE topic = $1", topic) == []
    await write_noise(topic, 1, start=1)
    event = (await sock.events(topic, 1))[0]
    assert event["seq"] == snapshot["seq"] + 1 and event["data"]["n"] == 1


async def test_events_of_several_topics_in_one_transaction_each_get_their_next_seq(open_socket, headers_for):
    a, b = noise_topic(), noise_topic()
    sock = await open_socket(await headers_for(DOCTOR))
    await sock.subscribe(a)
    await sock.subscribe(b)
    async with transaction():
        await outbox.append(
            PendingEvent(lab_topic(b.split(":", 1)[1]), Noise(n=1)),
            PendingEvent(lab_topic(a.split(":", 1)[1]), Noise(n=2)),
            PendingEvent(lab_topic(b.split(":", 1)[1]), Noise(n=3)),
        )
    events = [await sock.expect(lambda m: m["type"] == "event") for _ in range(3)]
    assert [(e["seq"], e["data"]["n"]) for e in events if e["topic"] == b] == [(1, 1), (2, 3)]
    assert [(e["seq"], e["data"]["n"]) for e in events if e["topic"] == a] == [(1, 2)]


async def test_an_event_whose_publishing_was_lost_is_published_by_the_sweep(open_socket, headers_for):
    topic = noise_topic()
    sock = await open_socket(await headers_for(DOCTOR))
    await sock.subscribe(topic)
    # As if the process died between commit and publish: nobody publishes at commit time.
    previous = outbox.set_publisher(None)
    try:
        await write_noise(topic, 2)
    finally:
        outbox.set_publisher(previous)
    assert seqs(await sock.events(topic, 2, within=20)) == [1, 2]
    for _ in range(200):
        rows = await fetch("SELECT published_at FROM outbox_events WHERE topic = $1", topic)
        if all(r["published_at"] is not None for r in rows):
            break
        await asyncio.sleep(0.1)
    assert all(r["published_at"] is not None for r in rows), "the sweep should have published them"


async def test_a_nurse_board_names_patients_and_a_device_board_does_not(client, open_socket, headers_for):
    from tests.channels.conftest import roster_wards_of

    ward_id = next(iter(await roster_wards_of(NURSE)))
    occupied = await fetchrow(
        "SELECT count(*) AS n FROM ipd_admissions a JOIN beds b ON b.id = a.bed_id JOIN rooms r ON r.id = b.room_id "
        "WHERE r.ward_id = $1 AND a.status = 'ACTIVE'", ward_id,
    )
    assert occupied is not None and occupied["n"] > 0, "the demo nurse's ward should have admissions"
    nurse = await open_socket(await headers_for(NURSE))
    board = (await nurse.subscribe(f"ward:{ward_id}"))["data"]
    patients = [b["admission"]["patient"] for r in board["rooms"] for b in r["beds"] if b.get("admission")]
    assert patients and all("firstName" in p and "mrn" in p for p in patients)
    response = await client.post("/api/devices", json={"name": "ward board", "topics": [f"ward:{ward_id}"]},
                                 headers=await headers_for(ADMIN))
    device = await open_socket({"Authorization": f"Bearer {response.json()['token']}"})
    shown = (await device.subscribe(f"ward:{ward_id}"))["data"]
    admissions = [b["admission"] for r in shown["rooms"] for b in r["beds"] if b.get("admission")]
    assert len(admissions) == len(patients) and all("patient" not in a for a in admissions)


async def test_an_event_that_arrives_before_the_ones_it_follows_waits_for_them(app, open_socket, headers_for):
    topic = noise_topic()
    sock = await open_socket(await headers_for(DOCTOR))
    await sock.subscribe(topic)
    previous = outbox.set_publisher(None)  # nothing published at commit time...
    try:
        async with transaction():
            committed = await outbox.append(
                *[PendingEvent(lab_topic(topic.split(":", 1)[1]), Noise(n=i)) for i in range(1, 4)]
            )
    finally:
        outbox.set_publisher(previous)
    await app.state.broker.publish(topic, committed[2].message)  # ...then seq 3 arrives alone
    events = await sock.events(topic, 3)
    # Held, the gap filled from the outbox, then handed on: 1, 2, 3 and nothing twice.
    assert seqs(events) == [1, 2, 3] and [e["data"]["n"] for e in events] == [1, 2, 3]
    await write_noise(topic, 1, start=4)
    assert seqs(await sock.events(topic, 1)) == [4]
