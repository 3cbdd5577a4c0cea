"""Call-next ordering, fairness, the token state machine and the waiting-room estimate, table by table.

Times are written on the Kolkata wall clock of one OPD morning.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest

from domain.errors import InvalidTransition
from domain.opd import QueuePriority, TokenStatus
from domain.queue import (
    MAX_TIMES_PASSED_OVER,
    MAX_UNANSWERED_CALLS,
    PRIORITY_ORDER,
    TOKEN_TRANSITIONS,
    WaitingToken,
    after_call,
    appointment_due,
    call,
    call_again,
    call_announcement,
    call_order,
    cancel,
    check_transition,
    complete,
    estimated_wait_minutes,
    keeps_appointment,
    move_to_doctor,
    next_to_call,
    passed_over_by,
    priority_rank,
    queue_time,
    skip,
    start_consultation,
    token_label,
)

IST = timezone(timedelta(hours=5, minutes=30))
E, U, D, R = QueuePriority.EMERGENCY, QueuePriority.URGENT, QueuePriority.ELDERLY_DISABLED, QueuePriority.ROUTINE
DOCTOR = UUID("00000000-0000-0000-0000-00000000d0c1")


def at(hhmm: str) -> datetime:
    hours, minutes = hhmm.split(":")
    return datetime(2026, 3, 16, int(hours), int(minutes), tzinfo=IST)


def tok(
    number: int,
    priority: QueuePriority = R,
    arrived: str = "09:00",
    appointment: str | None = None,
    *,
    passed: int = 0,
    held: int = 0,
    status: TokenStatus = TokenStatus.WAITING,
    calls: int = 0,
) -> WaitingToken:
    return WaitingToken(
        token_id=UUID(int=number),
        token_number=number,
        priority=priority,
        arrived_at=at(arrived),
        appointment_at=at(appointment) if appointment else None,
        doctor_id=DOCTOR,
        status=status,
        call_count=calls,
        passed_over_count=passed,
        held_for_calls=held,
    )


# ---------------------------------------------------------------- call next, one decision at a time


@pytest.mark.parametrize(
    ("waiting", "now", "expected"),
    [
        pytest.param([], "09:00", None, id="nobody-waiting"),
        pytest.param(
            [tok(1, status=TokenStatus.CALLED), tok(2, status=TokenStatus.COMPLETED)], "09:30", None, id="none-waiting"
        ),
        pytest.param([tok(2, arrived="09:05"), tok(1, arrived="09:00")], "09:30", 1, id="routine-by-arrival"),
        pytest.param([tok(1, arrived="09:00"), tok(2, arrived="09:00")], "09:30", 1, id="same-minute-by-number"),
        pytest.param([tok(1, R, "08:00"), tok(2, E, "09:29")], "09:30", 2, id="emergency-first"),
        pytest.param([tok(1, R, "08:00"), tok(2, D, "09:00"), tok(3, U, "09:20")], "09:30", 3, id="urgent-next"),
        pytest.param([tok(1, R, "08:00"), tok(2, D, "09:20")], "09:30", 2, id="elderly-before-routine"),
        pytest.param(
            [tok(1, R, "08:00"), tok(2, D, "08:30"), tok(3, U, "09:00"), tok(4, E, "09:20")], "09:30", 4, id="ladder"
        ),
        pytest.param(
            [tok(1, U, "09:10"), tok(2, U, "09:00"), tok(3, R, "08:00")], "09:30", 2, id="urgent-by-arrival"
        ),
        # Booked patients are called near their time.
        pytest.param(
            [tok(1, R, "09:00"), tok(2, R, "09:40", "10:00")], "09:50", 2, id="appointment-due-within-15-min"
        ),
        pytest.param(
            [tok(1, R, "09:00"), tok(2, R, "09:40", "10:00")], "09:45", 2, id="appointment-due-at-window-start"
        ),
        pytest.param(
            [tok(1, R, "09:00"), tok(2, R, "09:40", "10:00")], "09:44", 1, id="appointment-not-yet-due"
        ),
        pytest.param(
            [tok(1, R, "09:00", "11:00"), tok(2, R, "09:20")], "09:30", 2, id="early-booked-waits-as-if-arrived-at-11"
        ),
        pytest.param(
            [tok(1, R, "09:00", "11:00")], "09:30", 1, id="early-booked-alone-is-called-rather-than-nobody"
        ),
        pytest.param(
            [tok(1, R, "10:05"), tok(2, R, "10:30", "10:00")], "10:40", 2, id="late-within-grace-keeps-place"
        ),
        pytest.param(
            [tok(1, R, "10:05"), tok(2, R, "10:31", "10:00")], "10:40", 1, id="later-than-grace-is-a-walk-in"
        ),
        pytest.param(
            [tok(1, R, "09:40", "10:15"), tok(2, R, "09:50", "10:00")], "10:05", 2, id="due-booked-by-appointment"
        ),
        pytest.param(
            [tok(1, U, "09:55"), tok(2, R, "09:40", "10:00")], "10:00", 1, id="priority-beats-appointment"
        ),
        pytest.param(
            [tok(1, R, "09:00"), tok(2, D, "09:40", "10:00")], "09:30", 2, id="priority-even-when-not-due"
        ),
        # Fairness: never passed over twice in a row by a later patient of the same priority.
        pytest.param(
            [tok(1, R, "09:00", passed=1), tok(2, R, "09:40", "10:00")], "10:00", 1, id="owed-beats-due-booked"
        ),
        pytest.param(
            [tok(1, R, "09:00", passed=0), tok(2, R, "09:40", "10:00")], "10:00", 2, id="first-pass-over-allowed"
        ),
        pytest.param(
            [tok(1, R, "09:00", passed=1), tok(2, E, "09:55")], "10:00", 2, id="emergency-still-first"
        ),
        pytest.param(
            [tok(1, R, "09:00", passed=1), tok(2, R, "09:10", passed=1), tok(3, R, "09:40", "10:00")],
            "10:00",
            1,
            id="earliest-owed-first",
        ),
        pytest.param(
            [tok(1, R, "09:20", passed=1), tok(2, R, "09:40", "09:15")],
            "09:45",
            2,
            id="booked-who-queues-earlier-is-not-a-later-patient",
        ),
        pytest.param(
            [tok(1, D, "09:00", passed=1), tok(2, R, "09:40", "10:00")], "10:00", 1, id="owed-other-priority"
        ),
        # After a skip: held back for N calls, unless nobody else is waiting.
        pytest.param([tok(1, R, "09:00", held=2), tok(2, R, "09:10")], "09:30", 2, id="held-is-passed-by"),
        pytest.param([tok(1, E, "09:00", held=1), tok(2, R, "09:10")], "09:30", 2, id="held-emergency-too"),
        pytest.param([tok(1, R, "09:00", held=2)], "09:30", 1, id="held-alone-is-called"),
        pytest.param(
            [tok(1, R, "09:00", held=1), tok(2, R, "09:10", held=3)], "09:30", 1, id="all-held-by-order"
        ),
    ],
)
def test_next_to_call(waiting: list[WaitingToken], now: str, expected: int | None) -> None:
    chosen = next_to_call(waiting, at(now))
    assert (chosen.token_number if chosen else None) == expected


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        next_to_call([tok(1)], datetime(2026, 3, 16, 9, 30))  # naive on purpose


@pytest.mark.parametrize(
    ("priority", "rank"), [(E, 0), (U, 1), (D, 2), (R, 3)]
)
def test_priority_rank(priority: QueuePriority, rank: int) -> None:
    assert priority_rank(priority) == rank
    assert PRIORITY_ORDER[rank] is priority


@pytest.mark.parametrize(
    ("token", "keeps", "queues_at"),
    [
        (tok(1, arrived="09:00"), False, "09:00"),
        (tok(1, arrived="09:00", appointment="11:00"), True, "11:00"),
        (tok(1, arrived="10:30", appointment="10:00"), True, "10:00"),
        (tok(1, arrived="10:31", appointment="10:00"), False, "10:31"),
    ],
)
def test_queue_time(token: WaitingToken, keeps: bool, queues_at: str) -> None:
    assert keeps_appointment(token) is keeps
    assert queue_time(token) == at(queues_at)


@pytest.mark.parametrize(
    ("token", "now", "due"),
    [
        (tok(1, arrived="09:00"), "12:00", False),
        (tok(1, arrived="09:00", appointment="10:00"), "09:44", False),
        (tok(1, arrived="09:00", appointment="10:00"), "09:45", True),
        (tok(1, arrived="09:00", appointment="10:00"), "11:00", True),
        (tok(1, arrived="10:31", appointment="10:00"), "10:40", False),
    ],
)
def test_appointment_due(token: WaitingToken, now: str, due: bool) -> None:
    assert appointment_due(token, at(now)) is due


# ---------------------------------------------------------------- several calls in a row


def numbers(tokens: list[WaitingToken]) -> list[int]:
    return [t.token_number for t in tokens]


def test_walk_in_is_passed_over_at_most_once_in_a_row() -> None:
    walk_in = tok(1, R, "09:00")
    booked = [tok(2, R, "09:50", "10:00"), tok(3, R, "09:50", "10:05"), tok(4, R, "09:50", "10:10")]
    assert numbers(call_order([walk_in, *booked], at("10:00"))) == [2, 1, 3, 4]


def test_a_later_patient_of_another_priority_does_not_count_as_passing_over() -> None:
    waiting = [tok(1, R, "09:00"), tok(2, R, "09:50", "10:00"), tok(3, E, "09:58"), tok(4, R, "09:55", "10:05")]
    # Booked 2 passes walk-in 1; the emergency does not count; then 1 is owed before booked 4.
    assert numbers(call_order(waiting, at("10:00"))) == [3, 2, 1, 4]


def test_after_call_updates_counters() -> None:
    waiting = [
        tok(1, R, "09:00"),
        tok(2, R, "09:40", "10:00"),
        tok(3, R, "09:05", held=2),
        tok(4, U, "09:01"),
        tok(5, R, "09:59"),
        tok(6, R, "09:02", status=TokenStatus.CANCELLED),
    ]
    called = waiting[1]
    after = {t.token_number: t for t in after_call(waiting, called)}
    assert sorted(after) == [1, 3, 4, 5, 6]
    assert after[1].passed_over_count == 1  # same priority, queued at 09:00 before 10:00
    assert (after[3].passed_over_count, after[3].held_for_calls) == (0, 1)  # held: not passed over, one call less
    assert after[4].passed_over_count == 0  # another priority
    assert after[5].passed_over_count == 1  # arrived 09:59, before the appointment time 10:00
    assert after[6] == waiting[5]  # not waiting: untouched


@pytest.mark.parametrize(
    ("token", "called", "passed"),
    [
        (tok(1, R, "09:00"), tok(2, R, "09:10"), True),
        (tok(1, R, "09:10"), tok(2, R, "09:00"), False),
        (tok(1, R, "09:00"), tok(2, U, "09:10"), False),
        (tok(1, R, "09:00", held=1), tok(2, R, "09:10"), False),
        (tok(1, R, "09:00"), tok(1, R, "09:00"), False),
        (tok(1, R, "09:00", status=TokenStatus.CALLED), tok(2, R, "09:10"), False),
        (tok(1, R, "09:00", "11:00"), tok(2, R, "09:10"), False),  # the early booked one queues at 11:00
    ],
)
def test_passed_over_by(token: WaitingToken, called: WaitingToken, passed: bool) -> None:
    assert passed_over_by(token, called) is passed


def test_skipped_patient_returns_after_three_others() -> None:
    first = call(tok(1, R, "09:00"))
    skipped = skip(first)
    others = [tok(n, R, f"09:0{n}") for n in range(2, 6)]
    assert numbers(call_order([skipped, *others], at("09:30"))) == [2, 3, 4, 1, 5]


@pytest.mark.parametrize("seed", range(60))
def test_nobody_is_passed_over_twice_in_a_row_in_random_mornings(seed: int) -> None:
    rng = random.Random(seed)
    waiting: list[WaitingToken] = []
    for number in range(1, rng.randint(2, 25)):
        arrived = at("08:00") + timedelta(minutes=rng.randint(0, 180))
        booked = rng.random() < 0.4
        appointment = at("08:00") + timedelta(minutes=5 * rng.randint(0, 48)) if booked else None
        waiting.append(
            WaitingToken(
                token_id=uuid4(),
                token_number=number,
                priority=rng.choice([E, U, D, R, R, R, R]),
                arrived_at=arrived,
                appointment_at=appointment,
                held_for_calls=rng.choice([0, 0, 0, 0, 2]),
            )
        )
    now = at("11:00")
    called: list[int] = []
    while (chosen := next_to_call(waiting, now)) is not None:
        called.append(chosen.token_number)
        waiting = after_call(waiting, chosen)
        assert all(t.passed_over_count <= MAX_TIMES_PASSED_OVER for t in waiting)
        now += timedelta(minutes=rng.randint(3, 15))
    assert len(called) == len(set(called))


# ---------------------------------------------------------------- the token's state machine

ALL = list(TokenStatus)
ALLOWED = {
    (TokenStatus.WAITING, TokenStatus.CALLED),
    (TokenStatus.WAITING, TokenStatus.CANCELLED),
    (TokenStatus.WAITING, TokenStatus.WAITING),
    (TokenStatus.CALLED, TokenStatus.IN_CONSULTATION),
    (TokenStatus.CALLED, TokenStatus.WAITING),
    (TokenStatus.CALLED, TokenStatus.CALLED),
    (TokenStatus.CALLED, TokenStatus.NO_SHOW),
    (TokenStatus.IN_CONSULTATION, TokenStatus.COMPLETED),
}


def test_the_table_is_exactly_the_allowed_moves() -> None:
    assert set(TOKEN_TRANSITIONS) == set(TokenStatus)
    assert {(a, b) for a, targets in TOKEN_TRANSITIONS.items() for b in targets} == ALLOWED


@pytest.mark.parametrize("current", ALL)
@pytest.mark.parametrize("target", ALL)
def test_check_transition(current: TokenStatus, target: TokenStatus) -> None:
    if (current, target) in ALLOWED:
        assert check_transition(current, target) is target
    else:
        with pytest.raises(InvalidTransition) as caught:
            check_transition(current, target)
        assert caught.value.current_state == current.value


def test_three_unanswered_calls_make_a_no_show() -> None:
    token = call(tok(1))
    assert (token.status, token.call_count) == (TokenStatus.CALLED, 1)
    token = call_again(token)
    assert (token.status, token.call_count) == (TokenStatus.CALLED, 2)
    token = call_again(token)
    assert (token.status, token.call_count) == (TokenStatus.CALLED, MAX_UNANSWERED_CALLS)
    token = call_again(token)
    assert (token.status, token.call_count) == (TokenStatus.NO_SHOW, MAX_UNANSWERED_CALLS)
    with pytest.raises(InvalidTransition) as caught:
        call_again(token)
    assert caught.value.current_state == "NO_SHOW"


def test_unanswered_calls_count_across_a_skip() -> None:
    token = call_again(call(tok(1)))  # two calls
    token = skip(token)
    assert (token.status, token.call_count, token.held_for_calls) == (TokenStatus.WAITING, 2, 3)
    token = call(token)  # the third
    assert (token.status, token.call_count, token.held_for_calls) == (TokenStatus.CALLED, 3, 0)
    assert call_again(token).status is TokenStatus.NO_SHOW


def test_an_answered_call_goes_to_consultation_and_completes() -> None:
    token = complete(start_consultation(call(tok(1, passed=1))))
    assert token.status is TokenStatus.COMPLETED
    assert token.passed_over_count == 0


def test_skip_takes_a_custom_count() -> None:
    assert skip(call(tok(1)), requeue_after=5).held_for_calls == 5
    with pytest.raises(ValueError):
        skip(call(tok(1)), requeue_after=-1)


@pytest.mark.parametrize(
    ("action", "status"),
    [
        (call, TokenStatus.CALLED),
        (call, TokenStatus.IN_CONSULTATION),
        (call, TokenStatus.COMPLETED),
        (call, TokenStatus.NO_SHOW),
        (call, TokenStatus.CANCELLED),
        (call_again, TokenStatus.WAITING),
        (call_again, TokenStatus.IN_CONSULTATION),
        (skip, TokenStatus.WAITING),
        (skip, TokenStatus.IN_CONSULTATION),
        (skip, TokenStatus.COMPLETED),
        (start_consultation, TokenStatus.WAITING),
        (start_consultation, TokenStatus.COMPLETED),
        (complete, TokenStatus.WAITING),
        (complete, TokenStatus.CALLED),
        (complete, TokenStatus.COMPLETED),
        (cancel, TokenStatus.CALLED),
        (cancel, TokenStatus.IN_CONSULTATION),
        (cancel, TokenStatus.COMPLETED),
        (cancel, TokenStatus.CANCELLED),
        (cancel, TokenStatus.NO_SHOW),
    ],
)
def test_illegal_actions_name_the_current_state(action: object, status: TokenStatus) -> None:
    with pytest.raises(InvalidTransition) as caught:
        action(tok(1, status=status))  # type: ignore[operator]
    assert caught.value.current_state == status.value


def test_cancel_a_waiting_token() -> None:
    assert cancel(tok(1)).status is TokenStatus.CANCELLED


def test_move_to_another_doctor_keeps_the_place() -> None:
    other = uuid4()
    token = tok(1, R, "09:00", "10:00", passed=1, held=2)
    moved = move_to_doctor(token, other)
    assert moved.status is TokenStatus.WAITING
    assert moved.doctor_id == other
    assert (moved.arrived_at, moved.appointment_at, moved.priority) == (token.arrived_at, token.appointment_at, R)
    assert (moved.passed_over_count, moved.held_for_calls) == (0, 0)


@pytest.mark.parametrize("status", [TokenStatus.CALLED, TokenStatus.IN_CONSULTATION, TokenStatus.COMPLETED])
def test_only_a_waiting_token_moves(status: TokenStatus) -> None:
    with pytest.raises(InvalidTransition) as caught:
        move_to_doctor(tok(1, status=status), uuid4())
    assert caught.value.current_state == status.value


def test_moving_to_the_same_doctor_is_refused() -> None:
    with pytest.raises(InvalidTransition):
        move_to_doctor(tok(1), DOCTOR)


# ---------------------------------------------------------------- the display


@pytest.mark.parametrize(
    ("position", "durations", "doctors", "minutes"),
    [
        (1, [], 1, 0),
        (2, [], 1, 10),
        (3, [], 2, 10),
        (4, [12, 8, 10], 1, 30),
        (2, [5, 7, 20, 30], 1, 14),  # median 13.5, rounded up
        (5, [7], 3, 10),  # 4 x 7 / 3 = 9.33
        (2, [0, -3], 1, 10),  # no usable durations: the default
        (2, [0, 6], 1, 6),
        (11, [4.5, 5.5], 2, 25),
        (3, [], 0, None),
        (3, [12], -1, None),
    ],
)
def test_estimated_wait_minutes(position: int, durations: list[float], doctors: int, minutes: int | None) -> None:
    assert estimated_wait_minutes(position, durations, doctors) == minutes


def test_position_starts_at_one() -> None:
    with pytest.raises(ValueError):
        estimated_wait_minutes(0, [], 1)


def test_token_label_and_announcement() -> None:
    assert token_label(23) == "23"
    assert token_label(1) == "1"
    assert call_announcement(23, "4") == "Token 23, Room 4"
    with pytest.raises(ValueError):
        token_label(0)


def test_call_order_ignores_tokens_not_waiting() -> None:
    waiting = [tok(1, status=TokenStatus.CALLED), tok(2, arrived="09:10"), replace(tok(3), arrived_at=at("09:05"))]
    assert numbers(call_order(waiting, at("09:30"))) == [3, 2]
