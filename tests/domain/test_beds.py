"""The bed housekeeping state machine, and applying bed and census events to boards."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from domain.beds import HOUSEKEEPING_TRANSITIONS, housekeeping_move
from domain.boards import BedCounts, count_beds, move_count
from domain.errors import InvalidTransition
from domain.ipd import BedState

B = BedState

ALLOWED = {
    (B.AVAILABLE, B.CLEANING), (B.AVAILABLE, B.MAINTENANCE), (B.AVAILABLE, B.RESERVED),
    (B.CLEANING, B.AVAILABLE), (B.CLEANING, B.MAINTENANCE),
    (B.MAINTENANCE, B.AVAILABLE), (B.MAINTENANCE, B.CLEANING),
    (B.RESERVED, B.AVAILABLE),
}


@pytest.mark.parametrize("current", list(B))
@pytest.mark.parametrize("target", list(B))
def test_housekeeping_moves_exactly_as_the_table_says(current, target):
    if (current, target) in ALLOWED:
        assert housekeeping_move(current, target) is target
    else:
        with pytest.raises(InvalidTransition) as refused:
            housekeeping_move(current, target)
        assert refused.value.current_state == current.value


def test_an_occupied_bed_is_freed_only_by_discharge_or_transfer():
    assert HOUSEKEEPING_TRANSITIONS[B.OCCUPIED] == frozenset()
    with pytest.raises(InvalidTransition, match="discharging or transferring"):
        housekeeping_move(B.OCCUPIED, B.AVAILABLE)


def test_counts_follow_a_bed_moving_between_states():
    counts = count_beds([B.AVAILABLE, B.AVAILABLE, B.OCCUPIED, B.CLEANING])
    assert counts == BedCounts(total_beds=4, available=2, occupied_beds=1, cleaning=1)
    moved = move_count(counts, B.CLEANING, B.AVAILABLE)
    assert moved == count_beds([B.AVAILABLE, B.AVAILABLE, B.OCCUPIED, B.AVAILABLE])
    assert move_count(counts, B.AVAILABLE, B.AVAILABLE) == counts


def test_applying_a_bed_event_to_a_ward_board():
    from domain.boards import BoardBed, BoardRoom, WardBoard, apply_bed_updated
    from domain.events import BedUpdated
    from domain.ipd import RoomType

    bed, other = uuid4(), uuid4()
    room = BoardRoom(id=uuid4(), room_number="101", room_type=RoomType.GENERAL, beds=[
        BoardBed(id=bed, bed_number="A", status=B.CLEANING, version=3),
        BoardBed(id=other, bed_number="B", status=B.OCCUPIED, version=1),
    ])
    board = WardBoard(ward_id=uuid4(), code="W1", name="Ward", department_id=uuid4(), floor=1,
                      counts=count_beds([B.CLEANING, B.OCCUPIED]), rooms=[room])
    event = BedUpdated(bed_id=bed, ward_id=board.ward_id, room_id=room.id, bed_number="A", status=B.AVAILABLE,
                       previous_status=B.CLEANING, version=4, updated_at=datetime.now(UTC))
    after = apply_bed_updated(board, event)
    assert after.rooms[0].beds[0].status is B.AVAILABLE and after.rooms[0].beds[0].version == 4
    assert after.rooms[0].beds[1] == room.beds[1]
    assert after.counts == count_beds([B.AVAILABLE, B.OCCUPIED])
