"""What a live board holds (the snapshot of a topic) and how an event changes it.

The server sends a snapshot at seq N; a client applies events N+1, N+2... with these functions. Tests
check every event type in Zulip's verify_action style: snapshot, act, apply, compare with a fresh snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar
from uuid import UUID

import msgspec

from domain.alert_events import (
    AlertAcknowledged,
    AlertEscalated,
    AlertPosted,
    AlertResolved,
    AlertVerified,
    OpenAlert,
)
from domain.events import (
    BedOccupied,
    BedUpdated,
    BedVitals,
    CensusUpdated,
    DoseRecorded,
    DoseWentOverdue,
    EventPayload,
    VitalsMarkedInError,
    VitalsRecorded,
    VitalsWentOverdue,
    WardAlert,
    WardDose,
    WardOccupant,
)
from domain.ipd import BedState, RoomType


class BedCounts(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    total_beds: int = 0
    occupied_beds: int = 0
    available: int = 0
    reserved: int = 0
    cleaning: int = 0
    maintenance: int = 0


C = TypeVar("C", bound=BedCounts)

_COUNT_OF: dict[BedState, str] = {
    BedState.AVAILABLE: "available",
    BedState.RESERVED: "reserved",
    BedState.OCCUPIED: "occupied_beds",
    BedState.CLEANING: "cleaning",
    BedState.MAINTENANCE: "maintenance",
}


def count_beds(states: Iterable[BedState]) -> BedCounts:
    tally = dict.fromkeys(_COUNT_OF.values(), 0)
    total = 0
    for state in states:
        tally[_COUNT_OF[state]] += 1
        total += 1
    return BedCounts(total_beds=total, **tally)


def move_count(counts: C, previous: BedState, status: BedState) -> C:
    """`counts` with one bed moved from `previous` to `status`."""
    if previous == status:
        return counts
    changes = {_COUNT_OF[previous]: getattr(counts, _COUNT_OF[previous]) - 1}
    changes[_COUNT_OF[status]] = getattr(counts, _COUNT_OF[status]) + 1
    return msgspec.structs.replace(counts, **changes)


# --- census ---------------------------------------------------------------------------------------


class WardCensus(BedCounts, kw_only=True, frozen=True):
    ward_id: UUID
    code: str
    name: str
    department_id: UUID


class RoomTypeCensus(BedCounts, kw_only=True, frozen=True):
    room_type: RoomType


# The states a bed is neither free nor in use in: the census lists these beds with the time each entered
# its state (how long a bed has been in cleaning, under maintenance, held).
UNAVAILABLE_STATES: frozenset[BedState] = frozenset({BedState.CLEANING, BedState.MAINTENANCE, BedState.RESERVED})


class CensusBed(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """A bed that is neither AVAILABLE nor OCCUPIED, and since when it is in its state."""

    bed_id: UUID
    bed_number: str
    ward_id: UUID
    room_type: RoomType
    status: BedState
    status_changed_at: datetime


def _census_bed_key(bed: CensusBed) -> tuple[datetime, str]:
    return (bed.status_changed_at, str(bed.bed_id))


def sort_census_beds(beds: Iterable[CensusBed]) -> list[CensusBed]:
    """Longest in their state first (then by bed id): the order of the snapshot and of every update."""
    return sorted(beds, key=_census_bed_key)


class CensusBoard(BedCounts, kw_only=True, frozen=True):
    """The `census` topic: hospital-wide counts, by ward and by room type, and the beds neither free nor in use
    (UNAVAILABLE_STATES) with the time each entered its state. No patient data."""

    by_ward: list[WardCensus] = msgspec.field(default_factory=list)
    by_room_type: list[RoomTypeCensus] = msgspec.field(default_factory=list)
    unavailable_beds: list[CensusBed] = msgspec.field(default_factory=list)


def apply_census_updated(board: CensusBoard, event: CensusUpdated) -> CensusBoard:
    moved = move_count(board, event.previous_status, event.status)
    beds = [b for b in board.unavailable_beds if b.bed_id != event.bed_id]
    if event.status in UNAVAILABLE_STATES:
        beds.append(CensusBed(bed_id=event.bed_id, bed_number=event.bed_number, ward_id=event.ward_id,
                              room_type=event.room_type, status=event.status,
                              status_changed_at=event.status_changed_at))
    return msgspec.structs.replace(
        moved,
        unavailable_beds=sort_census_beds(beds),
        by_ward=[
            move_count(w, event.previous_status, event.status) if w.ward_id == event.ward_id else w
            for w in board.by_ward
        ],
        by_room_type=[
            move_count(r, event.previous_status, event.status) if r.room_type == event.room_type else r
            for r in board.by_room_type
        ],
    )


# --- ward:{wardId} --------------------------------------------------------------------------------


class BoardPatient(msgspec.Struct, rename="camel", kw_only=True, frozen=True, omit_defaults=True):
    """The patient in a bed, with only the fields the viewer's role may read (none for a device)."""

    id: UUID
    mrn: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    gender: str | None = None


class BoardAdmission(WardOccupant, kw_only=True, frozen=True):
    """The admission in a bed: days in, doctor, latest vitals and NEWS2, open alerts, overdue doses, and the
    patient as the viewer's role may see them."""

    # Absent (not null) for a viewer that sees no patients: an unattended device.
    patient: BoardPatient | msgspec.UnsetType = msgspec.UNSET


class BoardBed(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    id: UUID
    bed_number: str
    status: BedState
    version: int
    # When the bed entered `status` (how long it has been in cleaning, say).
    status_changed_at: datetime
    admission: BoardAdmission | None = None


class BoardRoom(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    id: UUID
    room_number: str
    room_type: RoomType
    beds: list[BoardBed]


class WardBoard(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The `ward:{wardId}` topic: the ward's rooms and beds, who is in them and how they are, and its counts."""

    ward_id: UUID
    code: str
    name: str
    department_id: UUID
    floor: int | None
    counts: BedCounts
    rooms: list[BoardRoom]


def board_admission(occupant: WardOccupant, patient: BoardPatient | None = None) -> BoardAdmission:
    fields = {f.name: getattr(occupant, f.name) for f in msgspec.structs.fields(WardOccupant)}
    return BoardAdmission(**fields, patient=msgspec.UNSET if patient is None else patient)


def _with_beds(board: WardBoard, change: Callable[[BoardBed], BoardBed | None]) -> WardBoard:
    """The board with `change` applied to every bed (None: leave the bed as it is); counts recounted."""
    rooms = []
    touched = False
    for room in board.rooms:
        beds = []
        for bed in room.beds:
            changed = change(bed)
            touched = touched or changed is not None
            beds.append(bed if changed is None else changed)
        rooms.append(msgspec.structs.replace(room, beds=beds))
    if not touched:
        return board
    counts = count_beds(b.status for r in rooms for b in r.beds)
    return msgspec.structs.replace(board, rooms=rooms, counts=counts)


def _on_admission(board: WardBoard, admission_id: UUID,
                  change: Callable[[BoardAdmission], BoardAdmission]) -> WardBoard:
    def one(bed: BoardBed) -> BoardBed | None:
        if bed.admission is None or bed.admission.id != admission_id:
            return None
        return msgspec.structs.replace(bed, admission=change(bed.admission))

    return _with_beds(board, one)


def apply_bed_updated(board: WardBoard, event: BedUpdated) -> WardBoard:
    """A bed's state changed; a bed that is not OCCUPIED holds nobody."""

    def one(bed: BoardBed) -> BoardBed | None:
        if bed.id != event.bed_id:
            return None
        admission = bed.admission if event.status is BedState.OCCUPIED else None
        return msgspec.structs.replace(bed, status=event.status, version=event.version,
                                       status_changed_at=event.status_changed_at, admission=admission)

    return _with_beds(board, one)


def apply_bed_occupied(board: WardBoard, event: BedOccupied, patient: BoardPatient | None = None) -> WardBoard:
    """A patient came into a bed. `patient` is who the viewer's role may see (from GET /api/ipd/admissions/{id}
    shaped by `board_patient`), or None for a board that shows no names."""

    def one(bed: BoardBed) -> BoardBed | None:
        if bed.id != event.bed_id:
            return None
        return msgspec.structs.replace(bed, status=event.status, version=event.version,
                                       status_changed_at=event.status_changed_at,
                                       admission=board_admission(event.admission, patient))

    return _with_beds(board, one)


def _vitals(admission: BoardAdmission, vitals: BedVitals) -> BoardAdmission:
    return msgspec.structs.replace(admission, latest_vitals=vitals.latest_vitals, news2=vitals.news2,
                                   vitals_due_at=vitals.vitals_due_at, vitals_overdue=vitals.vitals_overdue)


def apply_vitals_recorded(board: WardBoard, event: VitalsRecorded) -> WardBoard:
    return _on_admission(board, event.admission_id, lambda a: _vitals(a, event.vitals))


def apply_vitals_marked_in_error(board: WardBoard, event: VitalsMarkedInError) -> WardBoard:
    return _on_admission(board, event.admission_id, lambda a: _vitals(a, event.vitals))


def apply_vitals_went_overdue(board: WardBoard, event: VitalsWentOverdue) -> WardBoard:
    return _on_admission(board, event.admission_id, lambda a: msgspec.structs.replace(a, vitals_overdue=True))


def _dose_key(dose: WardDose) -> tuple[datetime, str]:
    return (dose.scheduled_at, str(dose.id))


def apply_dose_went_overdue(board: WardBoard, event: DoseWentOverdue) -> WardBoard:
    def change(a: BoardAdmission) -> BoardAdmission:
        doses = [d for d in a.overdue_doses if d.id != event.dose.id] + [event.dose]
        return msgspec.structs.replace(a, overdue_doses=sorted(doses, key=_dose_key))

    return _on_admission(board, event.admission_id, change)


def apply_dose_recorded(board: WardBoard, event: DoseRecorded) -> WardBoard:
    return _on_admission(board, event.admission_id, lambda a: msgspec.structs.replace(
        a, overdue_doses=[d for d in a.overdue_doses if d.id != event.dose_id]))


def ward_alert(alert: OpenAlert) -> WardAlert:
    return WardAlert(alert_id=alert.alert_id, kind=alert.kind, severity=alert.severity, message=alert.message,
                     raised_at=alert.raised_at, escalation_level=alert.escalation_level,
                     preliminary=alert.preliminary)


def _alert_key(alert: WardAlert) -> tuple[datetime, str]:
    return (alert.raised_at, str(alert.alert_id))


def apply_ward_alert_posted(board: WardBoard, event: AlertPosted) -> WardBoard:
    """An alert about the patient of an admission on this ward was raised, or updated (a NEWS2 alert follows
    later observations: same id, new severity and text)."""
    if event.alert.admission_id is None:
        return board
    posted = ward_alert(event.alert)

    def change(a: BoardAdmission) -> BoardAdmission:
        alerts = [x for x in a.alerts if x.alert_id != posted.alert_id] + [posted]
        return msgspec.structs.replace(a, alerts=sorted(alerts, key=_alert_key))

    return _on_admission(board, event.alert.admission_id, change)


def _on_alert(board: WardBoard, alert_id: UUID, change: Callable[[WardAlert], WardAlert | None]) -> WardBoard:
    def one(bed: BoardBed) -> BoardBed | None:
        a = bed.admission
        if a is None or not any(x.alert_id == alert_id for x in a.alerts):
            return None
        alerts = [y for y in (change(x) if x.alert_id == alert_id else x for x in a.alerts) if y is not None]
        return msgspec.structs.replace(bed, admission=msgspec.structs.replace(a, alerts=alerts))

    return _with_beds(board, one)


def apply_ward_alert_escalated(board: WardBoard, event: AlertEscalated) -> WardBoard:
    return _on_alert(board, event.alert_id,
                     lambda a: msgspec.structs.replace(a, escalation_level=event.escalation_level))


def apply_ward_alert_verified(board: WardBoard, event: AlertVerified) -> WardBoard:
    return _on_alert(board, event.alert_id, lambda a: msgspec.structs.replace(a, preliminary=False))


def apply_ward_alert_acknowledged(board: WardBoard, event: AlertAcknowledged) -> WardBoard:
    return _on_alert(board, event.alert_id, lambda a: None)


def apply_ward_alert_resolved(board: WardBoard, event: AlertResolved) -> WardBoard:
    """The alert stopped being relevant (discharge, cancelled admission, NEWS2 back to low): off the board."""
    return _on_alert(board, event.alert_id, lambda a: None)


# Every event of the ward topic and how it changes the board (bed.occupied takes the patient as well).
WARD_EVENTS: Mapping[str, tuple[type[EventPayload], Callable[..., WardBoard]]] = MappingProxyType({
    BedUpdated.EVENT: (BedUpdated, apply_bed_updated),
    BedOccupied.EVENT: (BedOccupied, apply_bed_occupied),
    VitalsRecorded.EVENT: (VitalsRecorded, apply_vitals_recorded),
    VitalsMarkedInError.EVENT: (VitalsMarkedInError, apply_vitals_marked_in_error),
    VitalsWentOverdue.EVENT: (VitalsWentOverdue, apply_vitals_went_overdue),
    DoseWentOverdue.EVENT: (DoseWentOverdue, apply_dose_went_overdue),
    DoseRecorded.EVENT: (DoseRecorded, apply_dose_recorded),
    AlertPosted.EVENT: (AlertPosted, apply_ward_alert_posted),
    AlertEscalated.EVENT: (AlertEscalated, apply_ward_alert_escalated),
    AlertVerified.EVENT: (AlertVerified, apply_ward_alert_verified),
    AlertAcknowledged.EVENT: (AlertAcknowledged, apply_ward_alert_acknowledged),
    AlertResolved.EVENT: (AlertResolved, apply_ward_alert_resolved),
})


def apply_ward_event(board: WardBoard, event: str, data: Any, patient: BoardPatient | None = None) -> WardBoard:
    """Apply one ward event by name (`data` as decoded from the socket); unknown events change nothing."""
    found = WARD_EVENTS.get(event)
    if found is None:
        return board
    payload_type, apply = found
    payload = msgspec.convert(data, payload_type)
    if isinstance(payload, BedOccupied):
        return apply_bed_occupied(board, payload, patient)
    return apply(board, payload)
