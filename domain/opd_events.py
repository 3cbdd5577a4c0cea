"""The OPD's live topics: what `opd:{departmentId}` and `display:{departmentId}` hold, and how events change it.

Two boards of one department's queue for the hospital day (Asia/Kolkata):

- `opd:{departmentId}` (reception, the department's doctors and nurses, ADMIN): the spec's
  `{waitingPatients, inConsultation, completed}` plus `missed` (no-shows), each entry with the patient's
  name, MRN, age and sex: what the reception desk may see. Never clinical data (no chief complaint): every
  subscriber of a topic receives the same bytes.
- `display:{departmentId}` (the waiting-room screen, an unattended device): token numbers, rooms, statuses
  and the estimated wait of each waiting token. Never a name, MRN, phone, patient id or visit id: the
  structs below have no such field, so no code path can put one there.

Every event carries the entry it changed and the estimated waits of all waiting tokens afterwards (a call
moves everybody's wait), so applying events in seq order to a snapshot gives the next snapshot exactly.
Lists are kept in token-number order, which is how people look for their number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar
from uuid import UUID

import msgspec

from domain.events import EventPayload
from domain.opd import QueuePriority, TokenStatus, VisitType
from domain.queue import WaitingToken, call_order, estimated_wait_minutes


class QueueAction(StrEnum):
    """What happened to a token (the `action` of an event)."""

    ISSUED = "ISSUED"  # checked in
    CALLED = "CALLED"
    RECALLED = "RECALLED"
    SKIPPED = "SKIPPED"  # back in the queue, called again after a few others
    NO_SHOW = "NO_SHOW"
    CONSULTATION_STARTED = "CONSULTATION_STARTED"
    COMPLETED = "COMPLETED"
    CANCELLED = "CANCELLED"  # a check-in made by mistake
    MOVED = "MOVED"  # to another doctor's queue (in or out of the department)
    PRIORITY_CHANGED = "PRIORITY_CHANGED"  # triage, or a nurse's judgement


class WaitEstimate(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The estimated wait of one waiting token: None when no doctor is on duty to see it."""

    token_number: int
    minutes: int | None


def estimated_waits(
    tokens: Sequence[WaitingToken],
    *,
    now: datetime,
    durations: Mapping[UUID | None, Sequence[float]],
    doctors_on_duty: int,
) -> list[WaitEstimate]:
    """The estimated wait of every WAITING token of a department, in token-number order.

    A token in a doctor's queue waits for its place in that doctor's call order (the doctor's own tokens
    and the department's unassigned ones, domain.queue.call_order) at that doctor's recent pace
    (`durations[doctor_id]`). An unassigned token waits for its place in the whole department's order,
    at the department's pace (`durations[None]`) shared among `doctors_on_duty`; None when nobody is on duty.
    """
    waiting = [t for t in tokens if t.status is TokenStatus.WAITING]
    minutes: dict[int, int | None] = {}
    for doctor_id in sorted({t.doctor_id for t in waiting if t.doctor_id is not None}, key=str):
        queue = [t for t in waiting if t.doctor_id in (doctor_id, None)]
        for position, token in enumerate(call_order(queue, now), start=1):
            if token.doctor_id == doctor_id:
                minutes[token.token_number] = estimated_wait_minutes(position, durations.get(doctor_id, ()), 1)
    if any(t.doctor_id is None for t in waiting):
        for position, token in enumerate(call_order(waiting, now), start=1):
            if token.doctor_id is None:
                minutes[token.token_number] = estimated_wait_minutes(
                    position, durations.get(None, ()), doctors_on_duty
                )
    return [WaitEstimate(token_number=n, minutes=minutes.get(n)) for n in sorted(t.token_number for t in waiting)]


# --- opd:{departmentId}: staff, with names ---------------------------------------------------------


class OpdQueueEntry(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """One token as the department's staff see it: who, which doctor, where, how long they have waited."""

    token_id: UUID
    token_number: int
    visit_id: UUID
    visit_type: VisitType
    patient_id: UUID
    mrn: str
    patient_name: str
    age: int
    gender: str
    priority: QueuePriority
    status: TokenStatus
    doctor_id: UUID | None
    doctor_name: str | None
    room: str | None
    call_count: int
    arrived_at: datetime
    appointment_at: datetime | None
    called_at: datetime | None
    estimated_wait_minutes: int | None = None


class OpdBoard(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The `opd:{departmentId}` topic and the answer of `GET /api/opd/queue`.

    waitingPatients: WAITING and CALLED (still in the waiting room); inConsultation; completed; missed (NO_SHOW).
    """

    department_id: UUID
    date: date
    waiting_patients: list[OpdQueueEntry] = msgspec.field(default_factory=list)
    in_consultation: list[OpdQueueEntry] = msgspec.field(default_factory=list)
    completed: list[OpdQueueEntry] = msgspec.field(default_factory=list)
    missed: list[OpdQueueEntry] = msgspec.field(default_factory=list)


class OpdTokenUpdated(EventPayload, frozen=True, kw_only=True):
    """opd:{departmentId}: a token was issued or changed (see `action`); `entry` is its state now."""

    EVENT: ClassVar[str] = "opd.token.updated"

    action: QueueAction
    entry: OpdQueueEntry
    waits: list[WaitEstimate]


class OpdTokenRemoved(EventPayload, frozen=True, kw_only=True):
    """opd:{departmentId}: a token left this department's board (cancelled, or moved to another department)."""

    EVENT: ClassVar[str] = "opd.token.removed"

    action: QueueAction
    token_id: UUID
    token_number: int
    waits: list[WaitEstimate]


_OPD_LIST_OF: dict[TokenStatus, str] = {
    TokenStatus.WAITING: "waiting_patients",
    TokenStatus.CALLED: "waiting_patients",
    TokenStatus.IN_CONSULTATION: "in_consultation",
    TokenStatus.COMPLETED: "completed",
    TokenStatus.NO_SHOW: "missed",
}
_OPD_LISTS = ("waiting_patients", "in_consultation", "completed", "missed")


def opd_list_of(status: TokenStatus) -> str | None:
    """The board list (attribute name) a token of `status` sits in; None for CANCELLED (not on the board)."""
    return _OPD_LIST_OF.get(status)


def _with_waits_opd(entries: list[OpdQueueEntry], waits: dict[int, int | None]) -> list[OpdQueueEntry]:
    return [
        msgspec.structs.replace(e, estimated_wait_minutes=waits.get(e.token_number))
        if e.status is TokenStatus.WAITING else msgspec.structs.replace(e, estimated_wait_minutes=None)
        for e in entries
    ]


def _opd_rebuilt(board: OpdBoard, lists: dict[str, list[OpdQueueEntry]], waits: list[WaitEstimate]) -> OpdBoard:
    by_number = {w.token_number: w.minutes for w in waits}
    return msgspec.structs.replace(
        board,
        **{
            name: _with_waits_opd(sorted(lists[name], key=lambda e: e.token_number), by_number)
            for name in _OPD_LISTS
        },
    )


def _opd_without(board: OpdBoard, token_id: UUID) -> dict[str, list[OpdQueueEntry]]:
    return {name: [e for e in getattr(board, name) if e.token_id != token_id] for name in _OPD_LISTS}


def apply_opd_token_updated(board: OpdBoard, event: OpdTokenUpdated) -> OpdBoard:
    lists = _opd_without(board, event.entry.token_id)
    target = opd_list_of(event.entry.status)
    if target is not None:
        lists[target].append(event.entry)
    return _opd_rebuilt(board, lists, event.waits)


def apply_opd_token_removed(board: OpdBoard, event: OpdTokenRemoved) -> OpdBoard:
    return _opd_rebuilt(board, _opd_without(board, event.token_id), event.waits)


# --- display:{departmentId}: the waiting room, never a name -----------------------------------------


class DisplayEntry(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """One token on the waiting-room screen. Deliberately no patient, visit or token id, and no name."""

    token_number: int
    status: TokenStatus
    room: str | None
    estimated_wait_minutes: int | None = None


class DisplayBoard(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The `display:{departmentId}` topic: who is being called where, who is in, who is waiting and for how long."""

    department_id: UUID
    department_name: str
    date: date
    now_calling: list[DisplayEntry] = msgspec.field(default_factory=list)
    in_consultation: list[DisplayEntry] = msgspec.field(default_factory=list)
    waiting: list[DisplayEntry] = msgspec.field(default_factory=list)


class DisplayTokenUpdated(EventPayload, frozen=True, kw_only=True):
    """display:{departmentId}: a token appeared or changed on the screen (not a call: see DisplayTokenCalled)."""

    EVENT: ClassVar[str] = "display.token.updated"

    action: QueueAction
    entry: DisplayEntry
    waits: list[WaitEstimate]


class DisplayTokenCalled(EventPayload, frozen=True, kw_only=True):
    """display:{departmentId}: a token was called or recalled; the screen announces `announcement`."""

    EVENT: ClassVar[str] = "display.token.called"

    action: QueueAction
    entry: DisplayEntry
    call_count: int
    announcement: str  # "Token 23, Room 4"
    waits: list[WaitEstimate]


class DisplayTokenRemoved(EventPayload, frozen=True, kw_only=True):
    """display:{departmentId}: a token left the screen (completed, no-show, cancelled, moved away)."""

    EVENT: ClassVar[str] = "display.token.removed"

    action: QueueAction
    token_number: int
    waits: list[WaitEstimate]


_DISPLAY_LIST_OF: dict[TokenStatus, str] = {
    TokenStatus.WAITING: "waiting",
    TokenStatus.CALLED: "now_calling",
    TokenStatus.IN_CONSULTATION: "in_consultation",
}
_DISPLAY_LISTS = ("now_calling", "in_consultation", "waiting")


def display_list_of(status: TokenStatus) -> str | None:
    """The screen list a token of `status` is shown in; None once it has left the waiting room."""
    return _DISPLAY_LIST_OF.get(status)


def _display_rebuilt(
    board: DisplayBoard, lists: dict[str, list[DisplayEntry]], waits: list[WaitEstimate]
) -> DisplayBoard:
    by_number = {w.token_number: w.minutes for w in waits}
    rebuilt: dict[str, list[DisplayEntry]] = {}
    for name in _DISPLAY_LISTS:
        ordered = sorted(lists[name], key=lambda e: e.token_number)
        rebuilt[name] = [
            msgspec.structs.replace(
                e, estimated_wait_minutes=by_number.get(e.token_number) if e.status is TokenStatus.WAITING else None
            )
            for e in ordered
        ]
    return msgspec.structs.replace(board, **rebuilt)


def _display_without(board: DisplayBoard, token_number: int) -> dict[str, list[DisplayEntry]]:
    return {name: [e for e in getattr(board, name) if e.token_number != token_number] for name in _DISPLAY_LISTS}


def _display_upsert(board: DisplayBoard, entry: DisplayEntry, waits: list[WaitEstimate]) -> DisplayBoard:
    lists = _display_without(board, entry.token_number)
    target = display_list_of(entry.status)
    if target is not None:
        lists[target].append(entry)
    return _display_rebuilt(board, lists, waits)


def apply_display_token_updated(board: DisplayBoard, event: DisplayTokenUpdated) -> DisplayBoard:
    return _display_upsert(board, event.entry, event.waits)


def apply_display_token_called(board: DisplayBoard, event: DisplayTokenCalled) -> DisplayBoard:
    return _display_upsert(board, event.entry, event.waits)


def apply_display_token_removed(board: DisplayBoard, event: DisplayTokenRemoved) -> DisplayBoard:
    return _display_rebuilt(board, _display_without(board, event.token_number), event.waits)


OPD_EVENTS: tuple[type[EventPayload], ...] = (OpdTokenUpdated, OpdTokenRemoved)
DISPLAY_EVENTS: tuple[type[EventPayload], ...] = (DisplayTokenUpdated, DisplayTokenCalled, DisplayTokenRemoved)


def apply_opd_event(board: OpdBoard, event_name: str, data: object) -> OpdBoard:
    """Apply one event of the opd topic given as it arrives on the socket (name and decoded data)."""
    if event_name == OpdTokenUpdated.EVENT:
        return apply_opd_token_updated(board, msgspec.convert(data, OpdTokenUpdated))
    if event_name == OpdTokenRemoved.EVENT:
        return apply_opd_token_removed(board, msgspec.convert(data, OpdTokenRemoved))
    raise ValueError(f"not an event of the opd topic: {event_name}")


def apply_display_event(board: DisplayBoard, event_name: str, data: object) -> DisplayBoard:
    """Apply one event of the display topic given as it arrives on the socket (name and decoded data)."""
    if event_name == DisplayTokenUpdated.EVENT:
        return apply_display_token_updated(board, msgspec.convert(data, DisplayTokenUpdated))
    if event_name == DisplayTokenCalled.EVENT:
        return apply_display_token_called(board, msgspec.convert(data, DisplayTokenCalled))
    if event_name == DisplayTokenRemoved.EVENT:
        return apply_display_token_removed(board, msgspec.convert(data, DisplayTokenRemoved))
    raise ValueError(f"not an event of the display topic: {event_name}")
