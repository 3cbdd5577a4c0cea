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
    earlier, now = datetime(2026, 11, 26, 6, 0, tzinfo=UTC), datetime.now(UTC)
    room = BoardRoom(id=uuid4(), room_number="101", room_type=RoomType.GENERAL, beds=[
        BoardBed(id=bed, bed_number="A", status=B.CLEANING, version=3, status_changed_at=earlier),
        BoardBed(id=other, bed_number="B", status=B.OCCUPIED, version=1, status_changed_at=earlier),
    ])
    board = WardBoard(ward_id=uuid4(), code="W1", name="Ward", department_id=uuid4(), floor=1,
                      counts=count_beds([B.CLEANING, B.OCCUPIED]), rooms=[room])
    event = BedUpdated(bed_id=bed, ward_id=board.ward_id, room_id=room.id, bed_number="A", status=B.AVAILABLE,
                       previous_status=B.CLEANING, version=4, updated_at=now, status_changed_at=now)
    after = apply_bed_updated(board, event)
    assert after.rooms[0].beds[0].status is B.AVAILABLE and after.rooms[0].beds[0].version == 4
    assert after.rooms[0].beds[0].status_changed_at == now
    assert after.rooms[0].beds[1] == room.beds[1]
    assert after.counts == count_beds([B.AVAILABLE, B.OCCUPIED])


def test_the_census_lists_the_beds_neither_free_nor_in_use_longest_first():
    from domain.boards import CensusBoard, apply_census_updated
    from domain.events import CensusUpdated
    from domain.ipd import RoomType

    ward, first, second = uuid4(), uuid4(), uuid4()
    counts = count_beds([B.AVAILABLE, B.AVAILABLE])
    board = CensusBoard(total_beds=counts.total_beds, available=counts.available)
    t1, t2, t3 = (datetime(2026, 11, 26, h, 0, tzinfo=UTC) for h in (6, 7, 8))

    def moved(bed, previous, status, at):
        return CensusUpdated(ward_id=ward, room_type=RoomType.ICU, bed_id=bed, bed_number="A", previous_status=previous,
                             status=status, status_changed_at=at)

    board = apply_census_updated(board, moved(second, B.AVAILABLE, B.MAINTENANCE, t2))
    board = apply_census_updated(board, moved(first, B.AVAILABLE, B.CLEANING, t1))
    assert [(b.bed_id, b.status, b.status_changed_at) for b in board.unavailable_beds] == [
        (first, B.CLEANING, t1), (second, B.MAINTENANCE, t2)]
    board = apply_census_updated(board, moved(first, B.CLEANING, B.MAINTENANCE, t3))  # a new state: a new time
    assert [(b.bed_id, b.status_changed_at) for b in board.unavailable_beds] == [(second, t2), (first, t3)]
    board = apply_census_updated(board, moved(second, B.MAINTENANCE, B.AVAILABLE, t3))  # free again: off the list
    assert [b.bed_id for b in board.unavailable_beds] == [first]
    assert (board.cleaning, board.maintenance, board.available) == (0, 1, 1)
