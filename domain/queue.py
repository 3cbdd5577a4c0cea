"""The OPD waiting-room queue: who is called next, the token's state machine, and the estimated wait.

Pure rules on plain values: db/ stores the tokens, server/ applies these rules to them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from uuid import UUID

from domain.errors import InvalidTransition
from domain.opd import QueuePriority, TokenStatus

# Most urgent first.
PRIORITY_ORDER: tuple[QueuePriority, ...] = (
    QueuePriority.EMERGENCY,
    QueuePriority.URGENT,
    QueuePriority.ELDERLY_DISABLED,
    QueuePriority.ROUTINE,
)
_PRIORITY_RANK: Mapping[QueuePriority, int] = MappingProxyType({p: i for i, p in enumerate(PRIORITY_ORDER)})

# A booked patient is called near the appointment: from this long before it, the appointment is "due".
APPOINTMENT_EARLY_WINDOW = timedelta(minutes=15)
# A booked patient arriving more than this long after the appointment has lost it and queues as a walk-in.
APPOINTMENT_LATE_GRACE = timedelta(minutes=30)
# How often a waiting patient may be passed over by a later patient of the same priority before they
# must be the next one called (1: never twice in a row).
MAX_TIMES_PASSED_OVER = 1
# Calls a patient may leave unanswered; asking to call them once more after that makes them NO_SHOW.
MAX_UNANSWERED_CALLS = 3
# A skipped patient goes back in the queue and is called again after this many others.
SKIP_REQUEUE_AFTER = 3
# The consultation length assumed when no recent consultation has been timed.
DEFAULT_CONSULTATION_MINUTES = 10


@dataclass(frozen=True, slots=True)
class WaitingToken:
    """A token in a doctor's queue, with what the calling rule needs to know about it.

    - `arrived_at`: check-in time; `appointment_at`: the booked time, if the patient had an appointment.
    - `call_count`: calls so far that the patient has not answered (kept across a skip).
    - `passed_over_count`: times a patient of the same priority who queues later (see `queue_time`) was
      called while this one waited; reset when the token is called.
    - `held_for_calls`: after a skip, how many more calls go to others before this token is eligible again.
    """

    token_id: UUID
    token_number: int
    priority: QueuePriority
    arrived_at: datetime
    appointment_at: datetime | None = None
    doctor_id: UUID | None = None
    status: TokenStatus = TokenStatus.WAITING
    call_count: int = 0
    passed_over_count: int = 0
    held_for_calls: int = 0


# ---------------------------------------------------------------- who is called next


def priority_rank(priority: QueuePriority) -> int:
    """0 for EMERGENCY, then URGENT, ELDERLY_DISABLED and ROUTINE (3)."""
    return _PRIORITY_RANK[priority]


def keeps_appointment(token: WaitingToken) -> bool:
    """True if the token has an appointment and arrived no later than `APPOINTMENT_LATE_GRACE` after it."""
    return token.appointment_at is not None and token.arrived_at <= token.appointment_at + APPOINTMENT_LATE_GRACE


def queue_time(token: WaitingToken) -> datetime:
    """The time a token queues by: the appointment time for a patient who keeps one, else the arrival time.

    A booked patient who arrives early waits as if they had arrived at the appointment time; one who
    arrives within the grace after it keeps the appointment's place; one later than that is a walk-in.
    """
    if token.appointment_at is not None and keeps_appointment(token):
        return token.appointment_at
    return token.arrived_at


def appointment_due(token: WaitingToken, now: datetime) -> bool:
    """True once `now` is within `APPOINTMENT_EARLY_WINDOW` of a kept appointment (or past it)."""
    return (
        token.appointment_at is not None
        and keeps_appointment(token)
        and now >= token.appointment_at - APPOINTMENT_EARLY_WINDOW
    )


def _order_key(token: WaitingToken, now: datetime) -> tuple[int, int, datetime, datetime, int]:
    return (
        priority_rank(token.priority),
        0 if appointment_due(token, now) else 1,
        queue_time(token),
        token.arrived_at,
        token.token_number,
    )


def _fairness_key(token: WaitingToken) -> tuple[datetime, datetime, int]:
    return (queue_time(token), token.arrived_at, token.token_number)


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a naive datetime has no time zone; pass an aware (UTC) datetime")


def next_to_call(waiting: Sequence[WaitingToken], now: datetime) -> WaitingToken | None:
    """The token a doctor's "call next" picks from `waiting`, or None when nobody is waiting.

    The rule, in order:

    1. Only WAITING tokens count; tokens held after a skip (`held_for_calls > 0`) are passed by
       unless nobody else is waiting.
    2. The most urgent priority present: EMERGENCY, URGENT, ELDERLY_DISABLED, ROUTINE.
    3. Within it, booked patients whose appointment is due (from 15 minutes before it) first, by
       appointment time; then everyone by `queue_time` (a booked patient who came early queues as if
       arrived at the appointment time); then arrival; then token number.
    4. Fairness: a patient already passed over once by someone of the same priority who queues later
       is never passed over again by such a patient: if the pick of step 3 queues later than any of
       them, the one of them who queues earliest is called instead. A more urgent priority still
       comes first (an EMERGENCY does not count as passing anyone over).

    After the call, `after_call` gives the remaining tokens their new counters.
    """
    _require_aware(now)
    candidates = [t for t in waiting if t.status is TokenStatus.WAITING]
    if not candidates:
        return None
    eligible = [t for t in candidates if t.held_for_calls <= 0] or candidates
    top = min(priority_rank(t.priority) for t in eligible)
    group = [t for t in eligible if priority_rank(t.priority) == top]
    pick = min(group, key=lambda t: _order_key(t, now))
    owed = [
        t
        for t in group
        if t.passed_over_count >= MAX_TIMES_PASSED_OVER and _fairness_key(t) < _fairness_key(pick)
    ]
    if owed:
        return min(owed, key=_fairness_key)
    return pick


def passed_over_by(token: WaitingToken, called: WaitingToken) -> bool:
    """True if calling `called` passes over the waiting `token`: same priority, `token` queues earlier.

    A token held after a skip is not passed over (it was set aside on purpose).
    """
    return (
        token.token_id != called.token_id
        and token.status is TokenStatus.WAITING
        and token.held_for_calls <= 0
        and token.priority == called.priority
        and _fairness_key(token) < _fairness_key(called)
    )


def after_call(waiting: Sequence[WaitingToken], called: WaitingToken) -> list[WaitingToken]:
    """The tokens still waiting once `called` has been called, with their counters brought up to date.

    Each token passed over (see `passed_over_by`) counts it once more; each held token has one call
    fewer to wait. Order is kept; `called` itself is left out.
    """
    remaining: list[WaitingToken] = []
    for token in waiting:
        if token.token_id == called.token_id:
            continue
        if token.status is not TokenStatus.WAITING:
            remaining.append(token)
            continue
        if passed_over_by(token, called):
            token = replace(token, passed_over_count=token.passed_over_count + 1)
        if token.held_for_calls > 0:
            token = replace(token, held_for_calls=token.held_for_calls - 1)
        remaining.append(token)
    return remaining


def call_order(waiting: Sequence[WaitingToken], now: datetime) -> list[WaitingToken]:
    """The order in which the waiting tokens would be called if nobody else arrived (for displays)."""
    order: list[WaitingToken] = []
    left = [t for t in waiting if t.status is TokenStatus.WAITING]
    while (chosen := next_to_call(left, now)) is not None:
        order.append(chosen)
        left = after_call(left, chosen)
    return order


# ---------------------------------------------------------------- the token's state machine

S = TokenStatus

# Every move a token may make; staying WAITING is a move to another doctor's queue, staying CALLED a recall.
TOKEN_TRANSITIONS: Mapping[TokenStatus, frozenset[TokenStatus]] = MappingProxyType(
    {
        S.WAITING: frozenset({S.CALLED, S.CANCELLED, S.WAITING}),
        S.CALLED: frozenset({S.IN_CONSULTATION, S.WAITING, S.CALLED, S.NO_SHOW}),
        S.IN_CONSULTATION: frozenset({S.COMPLETED}),
        S.COMPLETED: frozenset(),
        S.NO_SHOW: frozenset(),
        S.CANCELLED: frozenset(),
    }
)


def check_transition(current: TokenStatus, target: TokenStatus) -> TokenStatus:
    """`target` if a token may move from `current` to it; otherwise InvalidTransition naming `current`."""
    if target not in TOKEN_TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TOKEN_TRANSITIONS[current])) or "nothing (it is closed)"
        raise InvalidTransition(
            f"A token that is {current.value} cannot become {target.value} (it may become {allowed})",
            current_state=current.value,
        )
    return target


def _require(token: WaitingToken, source: TokenStatus, verb: str) -> None:
    # Several actions share a target (WAITING, CALLED), so the table alone cannot tell them apart.
    if token.status is not source:
        raise InvalidTransition(
            f"Only a {source.value} token can be {verb}; this one is {token.status.value}",
            current_state=token.status.value,
        )


def call(token: WaitingToken) -> WaitingToken:
    """WAITING -> CALLED: the display announces it; one more call awaiting an answer."""
    _require(token, S.WAITING, "called")
    return replace(
        token,
        status=check_transition(token.status, S.CALLED),
        call_count=token.call_count + 1,
        passed_over_count=0,
        held_for_calls=0,
    )


def call_again(token: WaitingToken) -> WaitingToken:
    """CALLED -> CALLED (recall, one more call), or NO_SHOW once `MAX_UNANSWERED_CALLS` calls went unanswered.

    With the default of three: the token is called once and recalled twice; asking once more records
    the patient as not having come (NO_SHOW) instead of calling a fourth time.
    """
    _require(token, S.CALLED, "called again")
    if token.call_count >= MAX_UNANSWERED_CALLS:
        return replace(token, status=check_transition(token.status, S.NO_SHOW))
    return replace(token, status=check_transition(token.status, S.CALLED), call_count=token.call_count + 1)


def skip(token: WaitingToken, *, requeue_after: int = SKIP_REQUEUE_AFTER) -> WaitingToken:
    """CALLED -> WAITING: the patient did not come; back in the queue, called again after `requeue_after` others.

    The unanswered calls still count towards NO_SHOW.
    """
    if requeue_after < 0:
        raise ValueError("requeue_after cannot be negative")
    _require(token, S.CALLED, "skipped")
    return replace(
        token, status=check_transition(token.status, S.WAITING), held_for_calls=requeue_after, passed_over_count=0
    )


def start_consultation(token: WaitingToken) -> WaitingToken:
    """CALLED -> IN_CONSULTATION: the patient answered and is with the doctor."""
    return replace(token, status=check_transition(token.status, S.IN_CONSULTATION))


def complete(token: WaitingToken) -> WaitingToken:
    """IN_CONSULTATION -> COMPLETED."""
    return replace(token, status=check_transition(token.status, S.COMPLETED))


def cancel(token: WaitingToken) -> WaitingToken:
    """WAITING -> CANCELLED: a check-in made by mistake, or a patient who left before being called."""
    return replace(token, status=check_transition(token.status, S.CANCELLED))


def move_to_doctor(token: WaitingToken, doctor_id: UUID) -> WaitingToken:
    """WAITING -> WAITING in another doctor's queue, keeping arrival, appointment and priority.

    The counters of the old queue (passed over, held after a skip) do not follow the patient.
    """
    _require(token, S.WAITING, "moved to another doctor")
    if token.doctor_id == doctor_id:
        raise InvalidTransition("The token is already in that doctor's queue", current_state=token.status.value)
    return replace(
        token,
        status=check_transition(token.status, S.WAITING),
        doctor_id=doctor_id,
        passed_over_count=0,
        held_for_calls=0,
    )


# ---------------------------------------------------------------- what the display shows


def estimated_wait_minutes(
    position: int, recent_durations_minutes: Sequence[float], doctors_on_duty: int
) -> int | None:
    """Minutes until the token at `position` is called, rounded up; None when no doctor is on duty.

    `position` is the place in the call order, 1 for the token called next (it waits 0 minutes: it is
    next). Each patient ahead takes the median of the recent consultation durations (non-positive
    durations are ignored; `DEFAULT_CONSULTATION_MINUTES` when there are none), shared among the doctors
    on duty.
    """
    if position < 1:
        raise ValueError("position starts at 1 (the token called next)")
    if doctors_on_duty < 1:
        return None
    durations = [d for d in recent_durations_minutes if d > 0]
    typical = statistics.median(durations) if durations else DEFAULT_CONSULTATION_MINUTES
    return math.ceil((position - 1) * typical / doctors_on_duty)


def token_label(number: int) -> str:
    """The token as printed on the slip and shown on the display: just its number ("23").

    Numbers restart at 1 each Kolkata day in each department, so the plain number is short and enough;
    the department and room are shown next to it, never a name.
    """
    if number < 1:
        raise ValueError("token numbers start at 1")
    return str(number)


def call_announcement(number: int, room: str) -> str:
    """What the waiting-room display announces when a token is called: "Token 23, Room 4"."""
    return f"Token {token_label(number)}, Room {room}"
