"""Board snapshots: the whole current state of a topic, read together with the topic's seq.

Each is read in one REPEATABLE READ transaction (the counter and the rows from the same snapshot of the
database), in one or two queries, not one per bed: a snapshot is read on every subscribe and resync.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from db import audit
from db.connection import execute, fetch, fetchrow, transaction
from db.outbox import Position, ensure_counter
from domain.actors import Actor
from domain.alerts import AlertKind, AlertSeverity
from domain.boards import (
    UNAVAILABLE_STATES,
    BedCounts,
    BoardBed,
    BoardPatient,
    BoardRoom,
    CensusBed,
    CensusBoard,
    RoomTypeCensus,
    WardBoard,
    WardCensus,
    board_admission,
    count_beds,
    sort_census_beds,
)
from domain.events import BedVitals, WardAlert, WardDose, WardNews2, WardOccupant, WardVitals
from domain.inpatient import days_since_admission
from domain.ipd import BedState, Consciousness, RoomType
from domain.news2 import RiskBand
from domain.policy import patient_fields_for
from domain.roles import Role
from domain.topics import CENSUS, Topic, ward_topic


@asynccontextmanager
async def _repeatable_read() -> AsyncIterator[None]:
    # Piccolo's transaction() takes no isolation level: it is set by the first statement.
    async with transaction():
        await execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


async def _position(topic: str) -> Position | None:
    row = await fetchrow("SELECT seq, epoch FROM topic_counters WHERE topic = $1", topic)
    return Position(epoch=str(row["epoch"]), seq=int(row["seq"])) if row else None


# --- census ---------------------------------------------------------------------------------------

_CENSUS_SQL = """
SELECT w.id AS ward_id, w.code, w.name, w.department_id, r.room_type, b.status, count(b.id) AS beds
FROM wards w
LEFT JOIN rooms r ON r.ward_id = w.id
LEFT JOIN beds b ON b.room_id = r.id
GROUP BY w.id, w.code, w.name, w.department_id, r.room_type, b.status
"""

_UNAVAILABLE_BEDS_SQL = """
SELECT b.id, b.bed_number, r.ward_id, r.room_type, b.status, b.status_changed_at
FROM beds b JOIN rooms r ON r.id = b.room_id
WHERE b.status = ANY($1::text[])
"""


def _census_from(rows: list[Any], unavailable: list[Any]) -> CensusBoard:
    wards: dict[UUID, tuple[str, str, UUID]] = {}
    ward_states: dict[UUID, list[BedState]] = defaultdict(list)
    type_states: dict[RoomType, list[BedState]] = defaultdict(list)
    for row in rows:
        wards[row["ward_id"]] = (row["code"], row["name"], row["department_id"])
        if row["status"] is None:
            continue
        states = [BedState(row["status"])] * int(row["beds"])
        ward_states[row["ward_id"]].extend(states)
        type_states[RoomType(row["room_type"])].extend(states)
    totals = count_beds(s for states in ward_states.values() for s in states)
    by_ward = [
        WardCensus(ward_id=wid, code=code, name=name, department_id=dep, **_counts(count_beds(ward_states[wid])))
        for wid, (code, name, dep) in sorted(wards.items(), key=lambda item: (item[1][0], str(item[0])))
    ]
    by_room_type = [
        RoomTypeCensus(room_type=rt, **_counts(count_beds(type_states[rt]))) for rt in RoomType if rt in type_states
    ]
    beds = sort_census_beds(
        CensusBed(bed_id=r["id"], bed_number=r["bed_number"], ward_id=r["ward_id"], room_type=RoomType(r["room_type"]),
                  status=BedState(r["status"]), status_changed_at=r["status_changed_at"])
        for r in unavailable
    )
    return CensusBoard(**_counts(totals), by_ward=by_ward, by_room_type=by_room_type, unavailable_beds=beds)


async def _read_census() -> CensusBoard:
    return _census_from(await fetch(_CENSUS_SQL),
                        await fetch(_UNAVAILABLE_BEDS_SQL, sorted(s.value for s in UNAVAILABLE_STATES)))


def _counts(counts: BedCounts) -> dict[str, int]:
    return {
        "total_beds": counts.total_beds, "occupied_beds": counts.occupied_beds, "available": counts.available,
        "reserved": counts.reserved, "cleaning": counts.cleaning, "maintenance": counts.maintenance,
    }


async def census_counts() -> CensusBoard:
    """The census without its seq (for GET /api/ipd/census)."""
    return await _read_census()


async def census_board() -> tuple[Position, CensusBoard]:
    """The census topic's snapshot and the position it stands at."""
    for _ in range(2):
        async with _repeatable_read():
            position = await _position(CENSUS.name)
            if position is not None:
                return position, await _read_census()
        await ensure_counter(CENSUS.name)
    raise RuntimeError("the census counter could not be created")


# --- ward:{wardId} --------------------------------------------------------------------------------

_WARD_SQL = """
SELECT w.id AS ward_id, w.code, w.name, w.department_id, w.floor,
       r.id AS room_id, r.room_number, r.room_type,
       b.id AS bed_id, b.bed_number, b.status, b.version, b.status_changed_at,
       a.id AS admission_id, p.id AS patient_id, p.mrn, p.first_name, p.last_name, p.gender
FROM wards w
LEFT JOIN rooms r ON r.ward_id = w.id
LEFT JOIN beds b ON b.room_id = r.id
LEFT JOIN ipd_admissions a ON a.bed_id = b.id AND a.status = 'ACTIVE'
LEFT JOIN patients p ON p.id = a.patient_id
WHERE w.id = $1
ORDER BY r.room_number, r.id, b.bed_number, b.id
"""

_PATIENT_FIELDS = (("mrn", "mrn"), ("firstName", "first_name"), ("lastName", "last_name"), ("gender", "gender"))

# What the board shows of each admission, read for all of a ward's admissions at once (a query each).
_OCCUPANT_SQL = """
SELECT a.id, a.admission_date, a.admission_type, a.primary_doctor_id, a.vitals_due_at,
       a.vitals_overdue_at IS NOT NULL AS vitals_overdue,
       nullif(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '') AS primary_doctor_name
FROM ipd_admissions a
LEFT JOIN doctors d ON d.id = a.primary_doctor_id
LEFT JOIN users u ON u.id = d.user_id
WHERE a.id = ANY($1::uuid[])
"""

VITALS_COLUMNS = (
    "o.id, o.admission_id, o.recorded_at, o.temperature, o.heart_rate, o.respiratory_rate, "
    "o.blood_pressure_systolic, o.blood_pressure_diastolic, o.oxygen_saturation, o.on_oxygen, o.consciousness, "
    "o.pain_score, o.spo2_scale, o.news2_score, o.news2_band"
)

# The latest observation not entered in error, and the latest with a NEWS2 (a partial set has none).
_LATEST_VITALS_SQL = f"""
SELECT DISTINCT ON (o.admission_id) {VITALS_COLUMNS} FROM vital_sign_observations o
WHERE o.admission_id = ANY($1::uuid[]) AND o.entered_in_error_at IS NULL
ORDER BY o.admission_id, o.recorded_at DESC, o.created_at DESC, o.id DESC
"""

_LATEST_NEWS2_SQL = f"""
SELECT DISTINCT ON (o.admission_id) {VITALS_COLUMNS} FROM vital_sign_observations o
WHERE o.admission_id = ANY($1::uuid[]) AND o.entered_in_error_at IS NULL AND o.news2_score IS NOT NULL
ORDER BY o.admission_id, o.recorded_at DESC, o.created_at DESC, o.id DESC
"""

_OPEN_ALERTS_SQL = """
SELECT a.id, a.admission_id, a.kind, a.severity, a.message, a.raised_at, a.escalation_level, a.is_preliminary
FROM alerts a WHERE a.admission_id = ANY($1::uuid[]) AND a.acknowledged_at IS NULL AND a.resolved_at IS NULL
ORDER BY a.raised_at, a.id
"""

DOSE_COLUMNS = (
    "m.id, m.admission_id, m.scheduled_at, m.status, m.administered_at, m.administered_by, m.notes, m.overdue_at, "
    "m.version, m.prescription_item_id, med.name AS medicine, i.dose_quantity, i.dose_unit, i.frequency"
)
DOSE_JOINS = (
    "FROM medication_administrations m LEFT JOIN prescription_items i ON i.id = m.prescription_item_id "
    "LEFT JOIN medicines med ON med.id = i.medicine_id"
)

_OVERDUE_DOSES_SQL = f"""
SELECT {DOSE_COLUMNS} {DOSE_JOINS}
WHERE m.admission_id = ANY($1::uuid[]) AND m.status = 'SCHEDULED' AND m.overdue_at IS NOT NULL
ORDER BY m.scheduled_at, m.id
"""


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def ward_vitals(row: Any) -> WardVitals:
    return WardVitals(
        id=row["id"], recorded_at=row["recorded_at"], temperature=_float(row["temperature"]),
        heart_rate=row["heart_rate"], respiratory_rate=row["respiratory_rate"],
        blood_pressure_systolic=row["blood_pressure_systolic"],
        blood_pressure_diastolic=row["blood_pressure_diastolic"], oxygen_saturation=row["oxygen_saturation"],
        on_oxygen=row["on_oxygen"], consciousness=Consciousness(row["consciousness"]) if row["consciousness"] else None,
        pain_score=row["pain_score"], spo2_scale=int(row["spo2_scale"]), news2_score=row["news2_score"],
        news2_band=RiskBand(row["news2_band"]) if row["news2_band"] else None,
    )


def _fmt_number(value: Any) -> str:
    text = f"{Decimal(value):f}" if value is not None else ""
    return text.rstrip("0").rstrip(".") if "." in text else text


def ward_dose(row: Any) -> WardDose:
    dose = " ".join(p for p in (_fmt_number(row["dose_quantity"]), row["dose_unit"] or "") if p)
    return WardDose(id=row["id"], scheduled_at=row["scheduled_at"], medicine=row["medicine"] or "",
                    dose=dose, frequency=row["frequency"] or "")


async def occupants(admission_ids: Sequence[UUID], now: datetime | None = None) -> dict[UUID, WardOccupant]:
    """What a ward board shows of each admission (no patient): a handful of queries, whatever the count."""
    ids = list(dict.fromkeys(admission_ids))
    if not ids:
        return {}
    now = now or datetime.now(UTC)
    latest = {r["admission_id"]: ward_vitals(r) for r in await fetch(_LATEST_VITALS_SQL, ids)}
    scored = {r["admission_id"]: r for r in await fetch(_LATEST_NEWS2_SQL, ids)}
    alerts: dict[UUID, list[WardAlert]] = defaultdict(list)
    for r in await fetch(_OPEN_ALERTS_SQL, ids):
        alerts[r["admission_id"]].append(WardAlert(
            alert_id=r["id"], kind=AlertKind(r["kind"]), severity=AlertSeverity(r["severity"]), message=r["message"],
            raised_at=r["raised_at"], escalation_level=int(r["escalation_level"]),
            preliminary=bool(r["is_preliminary"]),
        ))
    doses: dict[UUID, list[WardDose]] = defaultdict(list)
    for r in await fetch(_OVERDUE_DOSES_SQL, ids):
        doses[r["admission_id"]].append(ward_dose(r))
    found: dict[UUID, WardOccupant] = {}
    for row in await fetch(_OCCUPANT_SQL, ids):
        aid = row["id"]
        news2 = scored.get(aid)
        found[aid] = WardOccupant(
            id=aid, admission_date=row["admission_date"], admission_type=row["admission_type"],
            primary_doctor_id=row["primary_doctor_id"], primary_doctor_name=row["primary_doctor_name"],
            days_since_admission=days_since_admission(row["admission_date"], now),
            latest_vitals=latest.get(aid),
            news2=None if news2 is None else WardNews2(score=int(news2["news2_score"]),
                                                       band=RiskBand(news2["news2_band"]),
                                                       observation_id=news2["id"], recorded_at=news2["recorded_at"]),
            vitals_due_at=row["vitals_due_at"], vitals_overdue=bool(row["vitals_overdue"]),
            alerts=alerts.get(aid, []), overdue_doses=doses.get(aid, []),
        )
    return found


async def bed_vitals(admission_id: UUID) -> BedVitals:
    """The vitals part of an admission's board entry as it stands now (read after a change, in its transaction)."""
    occupant = (await occupants([admission_id])).get(admission_id)
    if occupant is None:
        return BedVitals()
    return BedVitals(latest_vitals=occupant.latest_vitals, news2=occupant.news2,
                     vitals_due_at=occupant.vitals_due_at, vitals_overdue=occupant.vitals_overdue)


def shows_patients(role: Role | None) -> bool:
    """Whether a viewer of this role sees who is in a bed (never an unattended device)."""
    return role is not None and "firstName" in patient_fields_for(role)


def board_patient(role: Role | None, row: Any) -> BoardPatient | None:
    """The patient as a board shows them to `role` (None for a device or a role that sees no patients).

    `row` has id (or patient_id), mrn, first_name, last_name, gender.
    """
    fields = patient_fields_for(role) if role is not None else frozenset()
    if "id" not in fields:
        return None
    shown = {col: row[col] for name, col in _PATIENT_FIELDS if name in fields}
    patient_id = row["patient_id"] if "patient_id" in row else row["id"]
    return BoardPatient(id=patient_id, **shown)


def _ward_from(rows: list[Any], role: Role | None, occupied: dict[UUID, WardOccupant]) -> WardBoard | None:
    if not rows:
        return None
    head = rows[0]
    rooms: dict[UUID, tuple[Any, list[BoardBed]]] = {}
    for row in rows:
        if row["room_id"] is None:
            continue
        room = rooms.setdefault(row["room_id"], (row, []))
        if row["bed_id"] is None:
            continue
        admission = None
        occupant = occupied.get(row["admission_id"]) if row["admission_id"] is not None else None
        if occupant is not None:
            admission = board_admission(occupant, board_patient(role, row))
        room[1].append(BoardBed(id=row["bed_id"], bed_number=row["bed_number"], status=BedState(row["status"]),
                                version=int(row["version"]), status_changed_at=row["status_changed_at"],
                                admission=admission))
    board_rooms = [
        BoardRoom(id=rid, room_number=r["room_number"], room_type=RoomType(r["room_type"]), beds=beds)
        for rid, (r, beds) in rooms.items()
    ]
    return WardBoard(
        ward_id=head["ward_id"], code=head["code"], name=head["name"], department_id=head["department_id"],
        floor=head["floor"], counts=count_beds(b.status for r in board_rooms for b in r.beds), rooms=board_rooms,
    )


async def _read_ward(ward_id: UUID, role: Role | None) -> WardBoard | None:
    rows = await fetch(_WARD_SQL, ward_id)
    occupied = await occupants([r["admission_id"] for r in rows if r["admission_id"] is not None])
    return _ward_from(rows, role, occupied)


async def ward_board(ward_id: UUID, viewer: Actor) -> tuple[Position, WardBoard] | None:
    """The ward topic's snapshot, shaped for the viewer's role, and its position; None for no such ward.

    A board that names patients is a read of patient data: it leaves an audit row.
    """
    topic = ward_topic(ward_id).name
    for _ in range(2):
        async with _repeatable_read():
            position = await _position(topic)
            found = None
            if position is not None:
                board = await _read_ward(ward_id, viewer.role)
                found = None if board is None else (position, board)
            exists = found is not None or await fetchrow("SELECT 1 FROM wards WHERE id = $1", ward_id) is not None
        if found is not None:
            await audit_board_read(viewer, found[1])
            return found
        if not exists:
            return None
        await ensure_counter(topic)
    raise RuntimeError("the ward counter could not be created")


async def audit_board_read(viewer: Actor, board: WardBoard) -> None:
    patients = [b.admission.patient.id for r in board.rooms for b in r.beds
                if b.admission is not None and isinstance(b.admission.patient, BoardPatient)]
    if patients:
        async with transaction():
            await audit.record(viewer, action="READ", table="ward_board", record_id=board.ward_id,
                               new={"patients": patients})


# --- topics with no board yet ---------------------------------------------------------------------


async def topic_exists(topic: Topic) -> bool:
    """Whether the thing a topic is about exists (a department for opd/display), so no junk counters."""
    key = topic.key_uuid
    if topic.kind.value in ("opd", "display") and key is not None:
        return await fetchrow("SELECT 1 FROM departments WHERE id = $1", key) is not None
    if topic.kind.value == "user" and key is not None:
        return await fetchrow("SELECT 1 FROM users WHERE id = $1", key) is not None
    return True


async def position_of(topic: Topic) -> Position | None:
    """Where a topic without a board of its own stands (its snapshot is `{}`); None if it names nothing."""
    async with _repeatable_read():
        position = await _position(topic.name)
    if position is not None:
        return position
    if not await topic_exists(topic):
        return None
    return await ensure_counter(topic.name)
