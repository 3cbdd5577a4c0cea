"""The snapshot of each topic kind: the whole current state of a board and the position it stands at.

One reader per topic kind, registered in `READERS`; each board is read by the area that owns it (db.boards,
db.opd, db.lab, db.imaging, db.alerts), in one REPEATABLE READ transaction with the topic's counter, and
shaped for the viewer there. A kind without a board of its own (patients) snapshots as `{}` with its
position, so resuming works for it too. Who may ask for which topic was decided before this is called
(domain.topics.may_subscribe).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import msgspec

from db import alerts, boards, imaging, lab, opd
from db.outbox import Position
from domain.actors import Actor
from domain.topics import Topic, TopicKind

_encoder = msgspec.json.Encoder()
EMPTY = b"{}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    position: Position
    data: bytes  # JSON, shaped for the viewer


# Reads one topic's board for a viewer: (position, board), or None when the topic names nothing that exists.
Reader = Callable[[Topic, Actor], Awaitable[tuple[Position, Any] | None]]


def _key(topic: Topic) -> UUID:
    key = topic.key_uuid
    assert key is not None, f"{topic.kind} topics are keyed by a UUID"
    return key


async def _census(topic: Topic, viewer: Actor) -> tuple[Position, Any]:
    return await boards.census_board()


async def _ward(topic: Topic, viewer: Actor) -> tuple[Position, Any] | None:
    return await boards.ward_board(_key(topic), viewer)  # names patients only for roles that may see them


async def _opd(topic: Topic, viewer: Actor) -> tuple[Position, Any] | None:
    return await opd.queue_snapshot(_key(topic), with_names=True, viewer=viewer)  # audited: it names patients


async def _display(topic: Topic, viewer: Actor) -> tuple[Position, Any] | None:
    return await opd.queue_snapshot(_key(topic), with_names=False)  # token numbers and rooms, never a name


async def _lab(topic: Topic, viewer: Actor) -> tuple[Position, Any]:
    assert topic.key is not None
    return await lab.worklist_board(topic.key)


async def _imaging(topic: Topic, viewer: Actor) -> tuple[Position, Any]:
    return await imaging.worklist_board()


async def _user(topic: Topic, viewer: Actor) -> tuple[Position, Any]:
    # domain.topics lets only the user themself subscribe, so the id names an existing user.
    return await alerts.user_board(_key(topic))


READERS: dict[TopicKind, Reader] = {
    TopicKind.CENSUS: _census,
    TopicKind.WARD: _ward,
    TopicKind.OPD: _opd,
    TopicKind.DISPLAY: _display,
    TopicKind.LAB: _lab,
    TopicKind.IMAGING: _imaging,
    TopicKind.USER: _user,
}


async def read_snapshot(topic: Topic, viewer: Actor) -> Snapshot | None:
    """The topic's snapshot for `viewer`, or None when the topic names nothing that exists."""
    reader = READERS.get(topic.kind)
    if reader is None:
        position = await boards.position_of(topic)
        return None if position is None else Snapshot(position, EMPTY)
    found = await reader(topic, viewer)
    return None if found is None else Snapshot(found[0], _encoder.encode(found[1]))
