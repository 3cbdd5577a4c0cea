"""Inpatient services: beds and the census, admissions, transfers, discharge, cancelling and reverting.

Every change of who lies in which bed is written with its audit rows and its events in one transaction:
`bed.updated` / `bed.occupied` on each ward involved, `census.updated` on the census (docs/realtime.md).
All of a transaction's events go to the outbox in one `outbox.append` call, so topic counters are always
taken in sorted order (no deadlocks between two transactions touching the same topics).

Who may lie in a bed is enforced by PostgreSQL, not only here:

- the bed row is locked (`FOR UPDATE`) before its state is checked, so of N admissions racing for one bed,
  one commits and the others find it OCCUPIED (409, naming the state);
- partial unique indexes allow one ACTIVE admission per patient and per bed and one open bed assignment per
  bed and per admission; a race that slips past the checks (the same patient admitted twice at once to two
  beds) fails on the index, answered 409 with the reason (`_occupancy_conflict`).

Lock order, everywhere: an OPD queue (advisory) and its visit, then the admission row, then bed rows (in id
order when two are named), then topic counters (at commit, by the outbox). Picking a free bed of a room uses
`SKIP LOCKED` and never waits.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from db import alerts, audit, boards, outbox, realtime
from db import opd as opd_service
from db import patients as patients_service
from db.connection import execute, fetch, fetchrow, transaction
from db.outbox import PendingEvent, Position
from domain import icd10
from domain.actors import Actor
from domain.alerts import AlertResolution, EscalationScope
from domain.beds import BedMove, bed_move, housekeeping_move
from domain.boards import CensusBoard, WardBoard
from domain.clock import hospital_day
from domain.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from domain.events import BedOccupied, BedUpdated, CensusUpdated, WardOccupant
from domain.inpatient import (
    BASELINE_VITALS_DUE_AFTER,
    DEFAULT_DISCHARGE_REVERT_HOURS,
    ENDED_STATUSES,
    check_discharge_time,
    check_revert_window,
    discharge_status,
    room_charge_days,
)
from domain.ipd import AdmissionStatus, AdmissionType, BedState, DischargeType, RoomType
from domain.opd import VisitStatus, VisitType
from domain.roles import Role
from domain.topics import CENSUS, may_subscribe, ward_topic

_BED_COLUMNS = "b.id, b.room_id, b.bed_number, b.status, b.version, b.updated_at, b.status_changed_at"

_discharge_revert_hours = DEFAULT_DISCHARGE_REVERT_HOURS


def set_discharge_revert_hours(hours: int) -> None:
    """Set by the app at start-up from DISCHARGE_REVERT_HOURS (db/ reads no settings)."""
    global _discharge_revert_hours
    if hours < 0:
        raise ValueError("DISCHARGE_REVERT_HOURS cannot be negative")
    _discharge_revert_hours = hours


def discharge_revert_hours() -> int:
    return _discharge_revert_hours


def _now() -> datetime:
    return datetime.now(UTC)


# --- Beds ---------------------------------------------------------------------------------------------

_BED_PLACE = (
    f"SELECT {_BED_COLUMNS}, r.ward_id, r.room_type, r.room_number, r.rate_per_day, w.code AS ward_code "
    "FROM beds b JOIN rooms r ON r.id = b.room_id JOIN wards w ON w.id = r.ward_id"
)


async def _bed_for_update(bed_id: UUID, *, field_name: str = "bedId") -> dict[str, Any]:
    row = await fetchrow(f"{_BED_PLACE} WHERE b.id = $1 FOR UPDATE OF b", bed_id)
    if row is None:
        raise ValidationFailed(fields={field_name: "No such bed"})
    return dict(row)


async def _free_bed_in_room(room_id: UUID, *, field_name: str = "roomId", excluding: UUID | None = None
                            ) -> dict[str, Any]:
    """An AVAILABLE bed of the room, locked; one another transaction is taking is skipped, not waited for."""
    room = await fetchrow("SELECT id, room_number FROM rooms WHERE id = $1", room_id)
    if room is None:
        raise ValidationFailed(fields={field_name: "No such room"})
    row = await fetchrow(
        f"{_BED_PLACE} WHERE b.room_id = $1 AND b.status = 'AVAILABLE' AND b.id IS DISTINCT FROM $2 "
        "ORDER BY b.bed_number, b.id LIMIT 1 FOR UPDATE OF b SKIP LOCKED",
        room_id, excluding,
    )
    if row is None:
        counts = await fetch("SELECT status, count(*) AS n FROM beds WHERE room_id = $1 GROUP BY status", room_id)
        raise Conflict(f"Room {room['room_number']} has no AVAILABLE bed just now; name a bed or another room",
                       extra={"roomId": str(room_id), "beds": {r["status"]: int(r["n"]) for r in counts}})
    return dict(row)


async def _bed_to_take(room_id: UUID | None, bed_id: UUID | None, *, room_field: str, bed_field: str,
                       excluding: UUID | None = None) -> dict[str, Any]:
    if bed_id is not None:
        bed = await _bed_for_update(bed_id, field_name=bed_field)
        if room_id is not None and bed["room_id"] != room_id:
            raise ValidationFailed(fields={bed_field: "is not a bed of that room"})
        return bed
    if room_id is None:
        raise ValidationFailed(fields={room_field: "Name the room (and, if you like, the bed)"})
    return await _free_bed_in_room(room_id, field_name=room_field, excluding=excluding)


async def _set_bed(actor: Actor, bed: Mapping[str, Any], status: BedState, *, reason: str | None,
                   admission_id: UUID | None = None) -> tuple[dict[str, Any], CensusUpdated]:
    """Write a bed's new state (already allowed by domain.beds) with its audit row; the census event."""
    previous = BedState(bed["status"])
    updated = await fetchrow(
        "UPDATE beds b SET status = $2::varchar, version = b.version + 1, updated_at = now(), status_changed_at = "
        "CASE WHEN b.status IS DISTINCT FROM $2::varchar THEN now() ELSE b.status_changed_at END WHERE b.id = $1 "
        f"RETURNING {_BED_COLUMNS}",
        bed["id"], status.value,
    )
    assert updated is not None
    row = dict(updated) | {k: bed[k] for k in ("ward_id", "room_type", "room_number") if k in bed}
    await audit.record(
        actor, action="UPDATE", table="beds", record_id=bed["id"],
        old={"status": previous.value, "version": bed["version"]},
        new={"status": status.value, "version": row["version"], "reason": reason, "admission_id": admission_id},
    )
    census = CensusUpdated(ward_id=bed["ward_id"], room_type=RoomType(bed["room_type"]), bed_id=bed["id"],
                           bed_number=bed["bed_number"], previous_status=previous, status=status,
                           status_changed_at=row["status_changed_at"])
    return row, census


def _bed_updated(bed: Mapping[str, Any], after: Mapping[str, Any], *, reason: str | None,
                 admission_id: UUID | None = None) -> PendingEvent:
    return PendingEvent(ward_topic(bed["ward_id"]), BedUpdated(
        bed_id=bed["id"], ward_id=bed["ward_id"], room_id=bed["room_id"], bed_number=bed["bed_number"],
        status=BedState(after["status"]), previous_status=BedState(bed["status"]), version=int(after["version"]),
        updated_at=after["updated_at"], status_changed_at=after["status_changed_at"], reason=reason,
        admission_id=admission_id,
    ))


async def _bed_occupied(bed: Mapping[str, Any], after: Mapping[str, Any], *, reason: BedMove,
                        admission_id: UUID) -> PendingEvent:
    occupant = (await boards.occupants([admission_id]))[admission_id]
    return PendingEvent(ward_topic(bed["ward_id"]), BedOccupied(
        bed_id=bed["id"], ward_id=bed["ward_id"], room_id=bed["room_id"], bed_number=bed["bed_number"],
        status=BedState(after["status"]), previous_status=BedState(bed["status"]), version=int(after["version"]),
        updated_at=after["updated_at"], status_changed_at=after["status_changed_at"], reason=reason.value,
        admission=occupant,
    ))


async def set_bed_status(
    actor: Actor, bed_id: UUID, *, status: BedState, expected_version: int | None, reason: str | None
) -> dict[str, Any]:
    """Housekeeping moves a bed (cleaned, under maintenance, available); 409 names the state it is in."""
    async with transaction():
        row = await fetchrow(f"{_BED_PLACE} WHERE b.id = $1 FOR UPDATE OF b", bed_id)
        if row is None:
            raise NotFound("No such bed")
        if expected_version is not None and expected_version != row["version"]:
            raise StaleVersion("The bed has changed since you loaded it; reload and try again",
                               current_version=int(row["version"]))
        housekeeping_move(BedState(row["status"]), status)
        bed, census_event = await _set_bed(actor, row, status, reason=reason)
        await outbox.append(_bed_updated(row, bed, reason=reason), PendingEvent(CENSUS, census_event))
    return bed


# --- Unique indexes: the database's word on who lies where ---------------------------------------------

_OCCUPANCY_REASONS: Mapping[str, str] = {
    "ux_ipd_admissions_active_patient": "This patient already has an active admission",
    "ux_ipd_admissions_active_bed": "Another active admission holds this bed",
    "ux_bed_assignments_open_bed": "Another patient was placed in this bed at the same moment",
    "ux_bed_assignments_open_admission": "This admission is already in a bed",
}


def _occupancy_conflict(exc: asyncpg.UniqueViolationError) -> Conflict:
    name = getattr(exc, "constraint_name", None) or ""
    reason = _OCCUPANCY_REASONS.get(name)
    if reason is None:
        return Conflict("This clashes with a change made at the same moment; reload and try again",
                        extra={"constraint": name})
    return Conflict(reason, extra={"constraint": name})


# --- Reading admissions ----------------------------------------------------------------------------

ADMISSION_COLUMNS = (
    "a.id, a.patient_id, a.admission_date, a.discharge_date, a.room_id, a.bed_id, a.admitted_by, "
    "a.primary_doctor_id, a.reason_for_admission, a.diagnosis, a.icd_codes, a.admission_type, a.status, "
    "a.discharge_summary, a.discharge_advice, a.estimated_cost, a.version, a.created_at, a.updated_at, a.visit_id, "
    "a.visit_status_before, a.discharge_type, a.discharge_medications::text AS discharge_medications, "
    "a.follow_up_date, a.follow_up_notes, a.discharged_by, a.cancelled_at, a.cancelled_by, a.cancel_reason, "
    "a.spo2_scale, a.spo2_scale_set_by, a.spo2_scale_set_at, a.vitals_due_at, a.vitals_overdue_at"
)

# Where an admission is (its bed, or the room of a stay without a bed), with names of doctors and places.
_PLACE_COLUMNS = (
    "b.bed_number, r.id AS place_room_id, r.room_number, r.room_type, r.rate_per_day, w.id AS ward_id, "
    "w.code AS ward_code, w.name AS ward_name, w.department_id AS ward_department_id, "
    "nullif(trim(au.first_name || ' ' || coalesce(au.last_name, '')), '') AS admitted_by_name, "
    "nullif(trim(pu.first_name || ' ' || coalesce(pu.last_name, '')), '') AS primary_doctor_name, "
    "pu.id AS primary_doctor_user_id, au.id AS admitted_by_user_id"
)
_PLACE_JOINS = (
    "LEFT JOIN beds b ON b.id = a.bed_id LEFT JOIN rooms r ON r.id = coalesce(b.room_id, a.room_id) "
    "LEFT JOIN wards w ON w.id = r.ward_id "
    "LEFT JOIN doctors ad ON ad.id = a.admitted_by LEFT JOIN users au ON au.id = ad.user_id "
    "LEFT JOIN doctors pd ON pd.id = a.primary_doctor_id LEFT JOIN users pu ON pu.id = pd.user_id"
)
ADMISSION_SQL = f"SELECT {ADMISSION_COLUMNS}, {_PLACE_COLUMNS} FROM ipd_admissions a {_PLACE_JOINS}"


def _decoded(row: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(row)
    meds = out.get("discharge_medications")
    out["discharge_medications"] = json.loads(meds) if isinstance(meds, str) else (meds or [])
    return out


async def admission_row(admission_id: UUID) -> dict[str, Any]:
    row = await fetchrow(f"{ADMISSION_SQL} WHERE a.id = $1", admission_id)
    if row is None:
        raise NotFound("No such admission")
    return _decoded(row)


async def _admission_for_update(admission_id: UUID) -> dict[str, Any]:
    row = await fetchrow(f"SELECT {ADMISSION_COLUMNS} FROM ipd_admissions a WHERE a.id = $1 FOR UPDATE", admission_id)
    if row is None:
        raise NotFound("No such admission")
    return _decoded(row)


def _check_version(row: Mapping[str, Any], expected: int | None) -> None:
    if expected is not None and expected != row["version"]:
        raise StaleVersion(f"The admission was changed by someone else (now version {row['version']}); reload",
                           current_version=int(row["version"]))


def _require_active(row: Mapping[str, Any], doing: str) -> None:
    if row["status"] != AdmissionStatus.ACTIVE.value:
        raise InvalidTransition(f"The admission is {row['status']}: it cannot be {doing}", current_state=row["status"])


async def open_admission(actor: Actor, admission_id: UUID, *, part: str) -> dict[str, Any]:
    """The admission (with its place and doctors), if `actor` may open the patient's record.

    The policy's rule (domain/policy.py): a NURSE only while the patient is on a ward she is rostered for or
    assigned to, a DOCTOR for the patients assigned to them; break-the-glass otherwise; refusals are audited.
    Runs outside any transaction (the refusal's audit row must commit).
    """
    row = await admission_row(admission_id)
    await patients_service.require_record_access(actor, row["patient_id"], part=part)
    return row


# --- Doctors -------------------------------------------------------------------------------------------


async def _doctor(doctor_id: UUID, *, field_name: str) -> dict[str, Any]:
    row = await fetchrow(
        "SELECT d.id, d.user_id, d.department_id, u.is_active, u.role, "
        "nullif(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '') AS name "
        "FROM doctors d JOIN users u ON u.id = d.user_id WHERE d.id = $1",
        doctor_id,
    )
    if row is None or row["role"] != Role.DOCTOR.value:
        raise ValidationFailed(fields={field_name: "No such doctor"})
    if not row["is_active"]:
        raise ValidationFailed(fields={field_name: "This doctor's account is disabled"})
    return dict(row)


async def _admitting_doctor(actor: Actor, named: UUID | None) -> dict[str, Any]:
    """A doctor admits under their own name; a nurse or ADMIN placing a patient names the admitting doctor."""
    if actor.role is Role.DOCTOR:
        own = await fetchrow("SELECT id FROM doctors WHERE user_id = $1", actor.user_id)
        if own is None:
            raise PermissionDenied("Your account has no doctor record")
        if named is not None and named != own["id"]:
            raise PermissionDenied("A doctor admits under their own name (name the attending doctor as "
                                   "primaryDoctorId)")
        return await _doctor(own["id"], field_name="doctorId")
    if named is None:
        raise ValidationFailed(fields={"doctorId": "Name the admitting doctor"})
    return await _doctor(named, field_name="doctorId")


# --- Admission ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewAdmission:
    patient_id: UUID
    reason: str
    admission_type: AdmissionType = AdmissionType.ROUTINE
    room_id: UUID | None = None
    bed_id: UUID | None = None
    doctor_id: UUID | None = None
    primary_doctor_id: UUID | None = None
    diagnosis: str | None = None
    icd_codes: Sequence[str] = ()
    estimated_cost: Decimal | None = None
    visit_id: UUID | None = None


async def _active_admission_of(patient_id: UUID) -> Mapping[str, Any] | None:
    return await fetchrow(
        "SELECT a.id, b.bed_number, w.code AS ward_code FROM ipd_admissions a LEFT JOIN beds b ON b.id = a.bed_id "
        "LEFT JOIN rooms r ON r.id = coalesce(b.room_id, a.room_id) LEFT JOIN wards w ON w.id = r.ward_id "
        "WHERE a.patient_id = $1 AND a.status = 'ACTIVE'",
        patient_id,
    )


async def admit(actor: Actor, new: NewAdmission) -> dict[str, Any]:
    """Admit a patient to a bed in one transaction: the bed (named, or a free one of the room) OCCUPIED, the
    admission ACTIVE with its first bed assignment, the visit linked (an OPD or emergency visit becomes
    ADMITTED; otherwise an IPD visit is opened), audit rows, and the events of the ward and the census."""
    reason = " ".join(new.reason.split())
    if not reason:
        raise ValidationFailed(fields={"reasonForAdmission": "Say why the patient is admitted"})
    if new.room_id is None and new.bed_id is None:
        raise ValidationFailed(fields={"roomId": "Name the room (and, if you like, the bed)"})
    if new.estimated_cost is not None and new.estimated_cost < 0:
        raise ValidationFailed(fields={"estimatedCost": "cannot be negative"})
    codes = [c.code for c in icd10.validate_codes(new.icd_codes, field="icdCodes")]
    await patients_service.live_patient(new.patient_id)
    admitting = await _admitting_doctor(actor, new.doctor_id)
    primary = admitting
    if new.primary_doctor_id is not None and new.primary_doctor_id != admitting["id"]:
        primary = await _doctor(new.primary_doctor_id, field_name="primaryDoctorId")
    current = await _active_admission_of(new.patient_id)
    if current is not None:
        raise Conflict("This patient already has an active admission",
                       extra={"admissionId": str(current["id"]), "wardCode": current["ward_code"],
                              "bedNumber": current["bed_number"]})
    admission_id = uuid4()
    try:
        async with transaction():
            now = _now()
            events: list[PendingEvent] = []
            visit_before: str | None = None
            if new.visit_id is not None:
                visit_before, queue_events = await opd_service.admit_from_visit(actor, new.visit_id, new.patient_id)
                events.extend(queue_events)
                visit_id = new.visit_id
            else:
                visit_id = uuid4()
                await execute(
                    "INSERT INTO patient_visits (id, patient_id, visit_type, visit_date, chief_complaint, status, "
                    "assigned_doctor_id, created_at, updated_at) "
                    "VALUES ($1, $2, 'IPD', $3, $4, 'ADMITTED', $5, $3, $3)",
                    visit_id, new.patient_id, now, reason[:2000], primary["id"],
                )
                await audit.record(actor, action="CREATE", table="patient_visits", record_id=visit_id,
                                   new={"patient_id": new.patient_id, "visit_type": "IPD", "status": "ADMITTED",
                                        "admission_id": admission_id})
            bed = await _bed_to_take(new.room_id, new.bed_id, room_field="roomId", bed_field="bedId")
            target = bed_move(BedMove.ADMIT, BedState(bed["status"]))
            row = await fetchrow(
                "INSERT INTO ipd_admissions (id, patient_id, admission_date, room_id, bed_id, admitted_by, "
                "primary_doctor_id, reason_for_admission, diagnosis, icd_codes, admission_type, status, "
                "estimated_cost, version, created_at, updated_at, visit_id, visit_status_before, spo2_scale, "
                "vitals_due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'ACTIVE', $12, 1, $3, $3, $13, "
                "$14, 1, $15) RETURNING id",
                admission_id, new.patient_id, now, bed["room_id"], bed["id"], admitting["id"], primary["id"], reason,
                (new.diagnosis or "").strip() or None, ", ".join(codes) or None, new.admission_type.value,
                new.estimated_cost, visit_id, visit_before, now + BASELINE_VITALS_DUE_AFTER,
            )
            assert row is not None
            await execute(
                "INSERT INTO bed_assignments (id, admission_id, bed_id, started_at, assigned_by) "
                "VALUES ($1, $2, $3, $4, $5)",
                uuid4(), admission_id, bed["id"], now, actor.user_id,
            )
            after, census_event = await _set_bed(actor, bed, target, reason=BedMove.ADMIT.value,
                                                 admission_id=admission_id)
            await audit.record(actor, action="ADMIT", table="ipd_admissions", record_id=admission_id, new={
                "patient_id": new.patient_id, "bed_id": bed["id"], "room_id": bed["room_id"],
                "admitted_by": admitting["id"], "primary_doctor_id": primary["id"],
                "admission_type": new.admission_type.value, "visit_id": visit_id, "reason": reason,
            })
            events.append(await _bed_occupied(bed, after, reason=BedMove.ADMIT, admission_id=admission_id))
            events.append(PendingEvent(CENSUS, census_event))
            await outbox.append(*events)
    except asyncpg.UniqueViolationError as exc:
        raise _occupancy_conflict(exc) from exc
    return await admission_row(admission_id)


# --- Transfer ----------------------------------------------------------------------------------------


async def _bed_history_close(admission_id: UUID, at: datetime) -> None:
    await execute("UPDATE bed_assignments SET ended_at = $2 WHERE admission_id = $1 AND ended_at IS NULL",
                  admission_id, at)


async def transfer(actor: Actor, admission_id: UUID, *, new_room_id: UUID | None, new_bed_id: UUID | None,
                   reason: str | None, expected_version: int | None) -> dict[str, Any]:
    """Move the patient to another bed atomically: the old bed CLEANING, the new one OCCUPIED, the admission
    still ACTIVE with its bed history kept; an event on each ward involved and two on the census."""
    await open_admission(actor, admission_id, part="transfer")
    cleaned = " ".join((reason or "").split()) or None
    try:
        async with transaction():
            admission = await _admission_for_update(admission_id)
            _require_active(admission, "transferred")
            _check_version(admission, expected_version)
            old_id = admission["bed_id"]
            if old_id is None:
                raise Conflict("This admission has no bed to move from")
            if new_bed_id is not None:
                if new_bed_id == old_id:
                    raise ValidationFailed(fields={"newBedId": "The patient is already in this bed"})
                # Two named beds: locked in id order, as every transaction that locks two beds does.
                first, second = sorted([old_id, new_bed_id])
                locked = {first: await _bed_for_update(first, field_name="newBedId"),
                          second: await _bed_for_update(second, field_name="newBedId")}
                old, new = locked[old_id], locked[new_bed_id]
                if new_room_id is not None and new["room_id"] != new_room_id:
                    raise ValidationFailed(fields={"newBedId": "is not a bed of that room"})
            else:
                if new_room_id is None:
                    raise ValidationFailed(fields={"newRoomId": "Name the room to move to"})
                new = await _free_bed_in_room(new_room_id, field_name="newRoomId", excluding=old_id)
                old = await _bed_for_update(old_id)
            old_target = bed_move(BedMove.TRANSFER_OUT, BedState(old["status"]))
            new_target = bed_move(BedMove.TRANSFER_IN, BedState(new["status"]))
            now = _now()
            await _bed_history_close(admission_id, now)
            await execute(
                "INSERT INTO bed_assignments (id, admission_id, bed_id, started_at, assigned_by) "
                "VALUES ($1, $2, $3, $4, $5)",
                uuid4(), admission_id, new["id"], now, actor.user_id,
            )
            await execute(
                "UPDATE ipd_admissions SET bed_id = $2, room_id = $3, version = version + 1, updated_at = now() "
                "WHERE id = $1",
                admission_id, new["id"], new["room_id"],
            )
            old_after, old_census = await _set_bed(actor, old, old_target, reason=BedMove.TRANSFER_OUT.value,
                                                   admission_id=admission_id)
            new_after, new_census = await _set_bed(actor, new, new_target, reason=BedMove.TRANSFER_IN.value,
                                                   admission_id=admission_id)
            await audit.record(actor, action="TRANSFER", table="ipd_admissions", record_id=admission_id,
                               old={"bed_id": old["id"], "room_id": old["room_id"], "ward_id": old["ward_id"],
                                    "version": admission["version"]},
                               new={"bed_id": new["id"], "room_id": new["room_id"], "ward_id": new["ward_id"],
                                    "version": admission["version"] + 1, "reason": cleaned})
            await outbox.append(
                _bed_updated(old, old_after, reason=BedMove.TRANSFER_OUT.value, admission_id=admission_id),
                await _bed_occupied(new, new_after, reason=BedMove.TRANSFER_IN, admission_id=admission_id),
                PendingEvent(CENSUS, old_census),
                PendingEvent(CENSUS, new_census),
            )
    except asyncpg.UniqueViolationError as exc:
        raise _occupancy_conflict(exc) from exc
    return await admission_row(admission_id)


# --- Discharge -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Discharge:
    discharge_type: DischargeType
    summary: str
    advice: str | None = None
    medications: Sequence[Mapping[str, Any]] = ()
    follow_up_date: date | None = None
    follow_up_notes: str | None = None
    discharged_at: datetime | None = None


@dataclass
class DischargeResult:
    admission: dict[str, Any]
    bill: dict[str, Any] = field(default_factory=dict)


async def _end_alerts(actor: Actor, admission_id: UUID, reason: AlertResolution, why: str) -> list[PendingEvent]:
    """The patient left (or never was here): their ward alerts (NEWS2) are resolved (off every board); the
    others (a critical result still needs acting on) stop escalating and wait for an ack."""
    events = await alerts.resolve_alerts(actor, reason, admission_id=admission_id, scope=EscalationScope.WARD,
                                         why=why)
    await alerts.stop_escalations(admission_id, why)
    return events


async def _discharge_bill(actor: Actor, admission: Mapping[str, Any], discharged_at: datetime) -> dict[str, Any]:
    """A DRAFT IPD bill with the room charges: one line per bed held, days by the midnight census x the
    room's daily rate. Billing adds the rest and finalizes it."""
    stays = await fetch(
        "SELECT ba.bed_id, ba.started_at, coalesce(ba.ended_at, $2) AS ended_at, b.bed_number, r.room_number, "
        "r.room_type, coalesce(r.rate_per_day, 0) AS rate FROM bed_assignments ba JOIN beds b ON b.id = ba.bed_id "
        "JOIN rooms r ON r.id = b.room_id WHERE ba.admission_id = $1 ORDER BY ba.started_at, ba.id",
        admission["id"], discharged_at,
    )
    days = room_charge_days([(s["started_at"], max(s["started_at"], s["ended_at"])) for s in stays])
    bill_id = uuid4()
    number = await opd_service.next_bill_number(hospital_day(discharged_at).year)
    bill = await fetchrow(
        "INSERT INTO bills (id, bill_number, patient_id, visit_id, ipd_admission_id, bill_date, bill_type, subtotal, "
        "discount, tax, total_amount, amount_paid, balance, status, version, created_at, updated_at) "
        "VALUES ($1, $2, $3, $4, $5, now(), 'IPD', 0, 0, 0, 0, 0, 0, 'DRAFT', 1, now(), now()) RETURNING *",
        bill_id, number, admission["patient_id"], admission["visit_id"], admission["id"],
    )
    assert bill is not None
    total = Decimal("0.00")
    lines = []
    for index, (stay, n) in enumerate(zip(stays, days, strict=True)):
        if n == 0:
            continue
        rate = Decimal(stay["rate"])
        amount = (rate * n).quantize(Decimal("0.01"))
        total += amount
        name = (f"Room charges: {stay['room_type']} room {stay['room_number']}, bed {stay['bed_number']} "
                f"({n} day{'s' if n != 1 else ''})")[:200]
        await execute(
            "INSERT INTO bill_items (id, bill_id, item_type, item_name, quantity, unit_rate, amount, created_at) "
            "VALUES ($1, $2, 'ROOM', $3, $4, $5, $6, $7)",
            uuid4(), bill_id, name, n, rate, amount, datetime.now(UTC) + timedelta(microseconds=index),
        )
        lines.append({"bed_id": stay["bed_id"], "days": n, "rate": rate, "amount": amount})
    updated = await fetchrow(
        "UPDATE bills SET subtotal = $2, total_amount = $2, balance = $2 WHERE id = $1 RETURNING *", bill_id, total,
    )
    assert updated is not None
    await audit.record(actor, action="CREATE", table="bills", record_id=bill_id,
                       new={**dict(updated), "room_charges": lines})
    result = dict(updated)
    result["items"] = [dict(r) for r in await fetch(
        "SELECT id, item_type, item_name, quantity, unit_rate, amount FROM bill_items WHERE bill_id = $1 "
        "ORDER BY created_at, id", bill_id)]
    return result


async def discharge(actor: Actor, admission_id: UUID, d: Discharge, *, expected_version: int | None
                    ) -> DischargeResult:
    """Discharge (home, against medical advice, transferred out, death): the admission's status follows the
    type, the summary, advice, medications and follow-up are kept, the bed goes to CLEANING, the stay's IPD
    visit is completed, open alerts stop escalating, and a DRAFT bill holds the room charges."""
    summary = (d.summary or "").strip()
    if not summary:
        raise ValidationFailed(fields={"dischargeSummary": "Write the discharge summary"})
    await open_admission(actor, admission_id, part="discharge")
    async with transaction():
        admission = await _admission_for_update(admission_id)
        _require_active(admission, "discharged")
        _check_version(admission, expected_version)
        now = _now()
        at = d.discharged_at or now
        check_discharge_time(at, now, admission["admission_date"])
        last = await fetchrow("SELECT max(started_at) AS at FROM bed_assignments WHERE admission_id = $1", admission_id)
        if last is not None and last["at"] is not None and at < last["at"]:
            raise ValidationFailed(fields={"dischargedAt": "is before the patient moved to their current bed"})
        if d.follow_up_date is not None and d.follow_up_date < hospital_day(at):
            raise ValidationFailed(fields={"followUp.date": "must be on or after the day of discharge"})
        status = discharge_status(d.discharge_type)
        bed = await _bed_for_update(admission["bed_id"]) if admission["bed_id"] is not None else None
        target = bed_move(BedMove.DISCHARGE, BedState(bed["status"])) if bed is not None else None
        await _bed_history_close(admission_id, at)
        updated = await fetchrow(
            "UPDATE ipd_admissions SET status = $2, discharge_date = $3, discharge_type = $4, discharge_summary = $5, "
            "discharge_advice = $6, discharge_medications = $7::jsonb, follow_up_date = $8, follow_up_notes = $9, "
            "discharged_by = $10, vitals_due_at = NULL, vitals_overdue_at = NULL, version = version + 1, "
            "updated_at = now() WHERE id = $1 RETURNING version",
            admission_id, status.value, at, d.discharge_type.value, summary, (d.advice or "").strip() or None,
            json.dumps(list(d.medications), default=str), d.follow_up_date, (d.follow_up_notes or "").strip() or None,
            actor.user_id,
        )
        assert updated is not None
        events: list[PendingEvent] = []
        if bed is not None and target is not None:
            after, census_event = await _set_bed(actor, bed, target, reason=BedMove.DISCHARGE.value,
                                                 admission_id=admission_id)
            events = [_bed_updated(bed, after, reason=BedMove.DISCHARGE.value, admission_id=admission_id),
                      PendingEvent(CENSUS, census_event)]
        await _finish_visit(actor, admission, VisitStatus.COMPLETED)
        events.extend(await _end_alerts(actor, admission_id, AlertResolution.DISCHARGED,
                                        f"discharged ({d.discharge_type.value})"))
        bill = await _discharge_bill(actor, admission, at)
        await audit.record(actor, action="DISCHARGE", table="ipd_admissions", record_id=admission_id,
                           old={"status": admission["status"], "version": admission["version"]},
                           new={"status": status.value, "discharge_type": d.discharge_type.value,
                                "discharge_date": at, "bill_id": bill["id"], "version": updated["version"]})
        await outbox.append(*events)
    return DischargeResult(admission=await admission_row(admission_id), bill=bill)


async def _finish_visit(actor: Actor, admission: Mapping[str, Any], status: VisitStatus) -> None:
    """The stay's own IPD visit follows the stay; an OPD or emergency visit it came from stays ADMITTED."""
    if admission["visit_id"] is None:
        return
    visit = await fetchrow("SELECT visit_type FROM patient_visits WHERE id = $1", admission["visit_id"])
    if visit is not None and visit["visit_type"] == VisitType.IPD.value:
        await opd_service.set_visit_status(actor, admission["visit_id"], status.value)


# --- Undoing mistakes --------------------------------------------------------------------------------

_CLINICAL_RECORDS_SQL = """
SELECT (SELECT count(*) FROM vital_sign_observations WHERE admission_id = $1 AND entered_in_error_at IS NULL)
     + (SELECT count(*) FROM ipd_daily_notes WHERE admission_id = $1)
     + (SELECT count(*) FROM medication_administrations WHERE admission_id = $1 AND status <> 'SCHEDULED')
     + (SELECT count(*) FROM prescriptions WHERE ipd_admission_id = $1) AS n
"""


async def cancel_admission(actor: Actor, admission_id: UUID, *, reason: str, bed_status: BedState | None,
                           expected_version: int | None) -> dict[str, Any]:
    """An admission entered by mistake: CANCELLED (kept, audited, counted nowhere), the bed freed (AVAILABLE, or
    CLEANING when it was used), the visit put back. One with clinical records is discharged instead, unless
    ADMIN cancels it (a patient admitted under the wrong record)."""
    cleaned = " ".join(reason.split())
    if len(cleaned) < 5:
        raise ValidationFailed(fields={"reason": "Say why the admission is cancelled"})
    await open_admission(actor, admission_id, part="cancel admission")
    async with transaction():
        admission = await _admission_for_update(admission_id)
        _require_active(admission, "cancelled")
        _check_version(admission, expected_version)
        if actor.role is not Role.ADMIN:
            records = await fetchrow(_CLINICAL_RECORDS_SQL, admission_id)
            if records is not None and int(records["n"]) > 0:
                raise Conflict("This admission already has clinical records: discharge it, or ask an ADMIN to "
                               "cancel it", extra={"clinicalRecords": int(records["n"])})
        now = _now()
        bed = await _bed_for_update(admission["bed_id"]) if admission["bed_id"] is not None else None
        target = bed_move(BedMove.CANCEL_ADMISSION, BedState(bed["status"]), bed_status) if bed is not None else None
        await _bed_history_close(admission_id, now)
        updated = await fetchrow(
            "UPDATE ipd_admissions SET status = 'CANCELLED', cancelled_at = $2, cancelled_by = $3, cancel_reason = $4, "
            "vitals_due_at = NULL, vitals_overdue_at = NULL, version = version + 1, updated_at = now() WHERE id = $1 "
            "RETURNING version",
            admission_id, now, actor.user_id, cleaned,
        )
        assert updated is not None
        events: list[PendingEvent] = []
        if bed is not None and target is not None:
            after, census_event = await _set_bed(actor, bed, target, reason=BedMove.CANCEL_ADMISSION.value,
                                                 admission_id=admission_id)
            events = [_bed_updated(bed, after, reason=BedMove.CANCEL_ADMISSION.value, admission_id=admission_id),
                      PendingEvent(CENSUS, census_event)]
        if admission["visit_id"] is not None:
            restore = admission["visit_status_before"] or VisitStatus.CANCELLED.value
            await opd_service.set_visit_status(actor, admission["visit_id"], restore)
        events.extend(await _end_alerts(actor, admission_id, AlertResolution.ADMISSION_CANCELLED,
                                        "admission cancelled (entered by mistake)"))
        await audit.record(actor, action="CANCEL", table="ipd_admissions", record_id=admission_id,
                           old={"status": admission["status"], "bed_id": admission["bed_id"],
                                "version": admission["version"]},
                           new={"status": "CANCELLED", "reason": cleaned, "version": updated["version"],
                                "bed_status": target.value if target else None})
        await outbox.append(*events)
    return await admission_row(admission_id)


async def revert_discharge(actor: Actor, admission_id: UUID, *, reason: str, room_id: UUID | None,
                           bed_id: UUID | None, expected_version: int | None) -> dict[str, Any]:
    """Undo a discharge within DISCHARGE_REVERT_HOURS: ACTIVE again, back in the bed it left (if nobody has
    taken it; else the bed or room named), its draft bill cancelled (refused once billing finalized it)."""
    cleaned = " ".join(reason.split())
    if len(cleaned) < 5:
        raise ValidationFailed(fields={"reason": "Say why the discharge is reverted"})
    await open_admission(actor, admission_id, part="revert discharge")
    try:
        async with transaction():
            admission = await _admission_for_update(admission_id)
            if AdmissionStatus(admission["status"]) not in ENDED_STATUSES:
                raise InvalidTransition(f"The admission is {admission['status']}: there is no discharge to revert",
                                        current_state=admission["status"])
            _check_version(admission, expected_version)
            now = _now()
            check_revert_window(admission["discharge_date"], now, _discharge_revert_hours)
            bills = await fetch("SELECT id, bill_number, status, version FROM bills WHERE ipd_admission_id = $1 "
                                "AND status <> 'CANCELLED' FOR UPDATE", admission_id)
            settled = [b for b in bills if b["status"] != "DRAFT"]
            if settled:
                raise Conflict("Billing has already finalized this stay's bill; ask billing to cancel it first",
                               extra={"billNumber": settled[0]["bill_number"], "billStatus": settled[0]["status"]})
            if bed_id is None and room_id is None:
                if admission["bed_id"] is None:
                    raise ValidationFailed(fields={"roomId": "Name the room to admit the patient back to"})
                bed = await _bed_for_update(admission["bed_id"])
                target = bed_move(BedMove.REVERT_DISCHARGE, BedState(bed["status"]))
            else:
                bed = await _bed_to_take(room_id, bed_id, room_field="roomId", bed_field="bedId")
                target = bed_move(BedMove.ADMIT, BedState(bed["status"]))
            await execute(
                "INSERT INTO bed_assignments (id, admission_id, bed_id, started_at, assigned_by) "
                "VALUES ($1, $2, $3, $4, $5)",
                uuid4(), admission_id, bed["id"], now, actor.user_id,
            )
            updated = await fetchrow(
                "UPDATE ipd_admissions SET status = 'ACTIVE', discharge_date = NULL, discharge_type = NULL, "
                "discharged_by = NULL, bed_id = $2, room_id = $3, vitals_due_at = $4, vitals_overdue_at = NULL, "
                "version = version + 1, updated_at = now() WHERE id = $1 RETURNING version",
                admission_id, bed["id"], bed["room_id"], now + BASELINE_VITALS_DUE_AFTER,
            )
            assert updated is not None
            for bill in bills:
                await execute("UPDATE bills SET status = 'CANCELLED', version = version + 1, updated_at = now() "
                              "WHERE id = $1", bill["id"])
                await audit.record(actor, action="CANCEL", table="bills", record_id=bill["id"],
                                   old={"status": bill["status"], "version": bill["version"]},
                                   new={"status": "CANCELLED", "reason": "discharge reverted"})
            await _finish_visit(actor, admission, VisitStatus.ADMITTED)
            after, census_event = await _set_bed(actor, bed, target, reason=BedMove.REVERT_DISCHARGE.value,
                                                 admission_id=admission_id)
            await audit.record(actor, action="REVERT_DISCHARGE", table="ipd_admissions", record_id=admission_id,
                               old={"status": admission["status"], "discharge_date": admission["discharge_date"],
                                    "discharge_type": admission["discharge_type"], "version": admission["version"]},
                               new={"status": "ACTIVE", "bed_id": bed["id"], "reason": cleaned,
                                    "version": updated["version"]})
            await outbox.append(
                await _bed_occupied(bed, after, reason=BedMove.REVERT_DISCHARGE, admission_id=admission_id),
                PendingEvent(CENSUS, census_event),
            )
    except asyncpg.UniqueViolationError as exc:
        raise _occupancy_conflict(exc) from exc
    return await admission_row(admission_id)


# --- SpO2 scale 2 ------------------------------------------------------------------------------------


async def set_spo2_scale(actor: Actor, admission_id: UUID, *, scale: int, reason: str) -> dict[str, Any]:
    """A doctor marks (or unmarks) hypercapnic respiratory failure: later observations score SpO2 on scale 2."""
    if actor.role is not Role.DOCTOR:
        raise PermissionDenied("Only a doctor decides that a patient is scored on SpO2 scale 2")
    cleaned = " ".join(reason.split())
    if len(cleaned) < 5:
        raise ValidationFailed(fields={"reason": "Say why (e.g. COPD with hypercapnic respiratory failure, "
                                                 "target SpO2 88-92%)"})
    await open_admission(actor, admission_id, part="spo2 scale")
    async with transaction():
        admission = await _admission_for_update(admission_id)
        _require_active(admission, "changed")
        if admission["spo2_scale"] == scale:
            return await admission_row(admission_id)
        await execute(
            "UPDATE ipd_admissions SET spo2_scale = $2, spo2_scale_set_by = $3, spo2_scale_set_at = now(), "
            "version = version + 1, updated_at = now() WHERE id = $1",
            admission_id, scale, actor.user_id,
        )
        await audit.record(actor, action="SPO2_SCALE", table="ipd_admissions", record_id=admission_id,
                           old={"spo2_scale": admission["spo2_scale"]}, new={"spo2_scale": scale, "reason": cleaned})
    return await admission_row(admission_id)


# --- Lists and details -----------------------------------------------------------------------------


async def _nurse_wards(actor: Actor) -> list[UUID]:
    facts = await realtime.subscriber_facts(actor)
    return sorted(facts.ward_ids_on_roster)


async def list_admissions(actor: Actor, *, status: AdmissionStatus | None, patient_id: UUID | None,
                          ward_id: UUID | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int,
                                                                                    dict[UUID, bool]]:
    """Admissions, newest first. A NURSE sees the ACTIVE admissions of the wards she is on; others see all
    (doctors see every ward's board anyway). Returns the rows, the total, and per patient whether the actor
    may read their clinical fields (reason, diagnosis). A list naming patients is an audited read."""
    wards: list[UUID] | None = None
    if actor.role is Role.NURSE:
        wards = await _nurse_wards(actor)
        if status is not None and status is not AdmissionStatus.ACTIVE:
            return [], 0, {}
        status = AdmissionStatus.ACTIVE
    where = ["($1::text IS NULL OR a.status = $1)", "($2::uuid IS NULL OR a.patient_id = $2)",
             "($3::uuid IS NULL OR w.id = $3)", "($4::uuid[] IS NULL OR w.id = ANY($4::uuid[]))"]
    args: list[Any] = [status.value if status else None, patient_id, ward_id, wards]
    sql = (f"SELECT {ADMISSION_COLUMNS}, {_PLACE_COLUMNS}, p.mrn, p.first_name, p.last_name, p.gender, "
           f"p.date_of_birth, count(*) OVER () AS total FROM ipd_admissions a {_PLACE_JOINS} "
           f"JOIN patients p ON p.id = a.patient_id WHERE {' AND '.join(where)} "
           "ORDER BY a.admission_date DESC, a.id LIMIT $5 OFFSET $6")
    async with transaction():
        rows = [_decoded(r) for r in await fetch(sql, *args, limit, offset)]
        total = int(rows[0]["total"]) if rows else 0
        patient_ids = list({r["patient_id"] for r in rows})
        clinical: dict[UUID, bool] = {pid: True for pid in patient_ids}
        if actor.role in (Role.DOCTOR, Role.NURSE):
            access = await patients_service.access_among(actor, patient_ids)
            clinical = {pid: a.granted for pid, a in access.items()}
        if rows:
            await audit.record(actor, action="READ", table="ipd_admissions",
                               new={"admissions": [r["id"] for r in rows], "patients": patient_ids})
    return rows, total, clinical


async def bed_history(admission_id: UUID) -> list[dict[str, Any]]:
    rows = await fetch(
        "SELECT ba.bed_id, ba.started_at, ba.ended_at, b.bed_number, r.id AS room_id, r.room_number, r.room_type, "
        "w.id AS ward_id, w.code AS ward_code FROM bed_assignments ba JOIN beds b ON b.id = ba.bed_id "
        "JOIN rooms r ON r.id = b.room_id JOIN wards w ON w.id = r.ward_id WHERE ba.admission_id = $1 "
        "ORDER BY ba.started_at, ba.id",
        admission_id,
    )
    return [dict(r) for r in rows]


@dataclass
class AdmissionDetail:
    admission: dict[str, Any]
    patient: dict[str, Any]
    allergies: list[dict[str, Any]]
    beds: list[dict[str, Any]]
    prescriptions: list[dict[str, Any]]
    bills: list[dict[str, Any]]
    access: str
    # What the ward board shows of a patient in a bed (None once the stay ended).
    board: WardOccupant | None = None


async def get_admission(actor: Actor, admission_id: UUID) -> AdmissionDetail:
    """Everything about one stay: patient, places (bed history), doctors, discharge, prescriptions, bills.
    A read of the patient's record: assignment rules, audited."""
    row = await admission_row(admission_id)
    basis = await patients_service.require_record_access(actor, row["patient_id"], part="admission")
    async with transaction():
        patient = await patients_service.live_patient(row["patient_id"])
        allergies = (await patients_service.allergies_of([row["patient_id"]]))[row["patient_id"]]
        beds = await bed_history(admission_id)
        heads = [dict(r) for r in await fetch(
            "SELECT pr.id, pr.prescribed_date, pr.doctor_id, nullif(trim(u.first_name || ' ' || "
            "coalesce(u.last_name, '')), '') AS doctor_name FROM prescriptions pr "
            "JOIN doctors d ON d.id = pr.doctor_id JOIN users u ON u.id = d.user_id "
            "WHERE pr.ipd_admission_id = $1 ORDER BY pr.prescribed_date, pr.id",
            admission_id,
        )]
        items = await opd_service.prescription_items_of([p["id"] for p in heads])
        prescriptions = [{**p, "items": items[p["id"]]} for p in heads]
        bills = [dict(r) for r in await fetch(
            "SELECT id, bill_number, status, bill_type, total_amount, balance, bill_date FROM bills "
            "WHERE ipd_admission_id = $1 ORDER BY created_at, id", admission_id)]
        board = None
        if row["status"] == AdmissionStatus.ACTIVE.value:
            board = (await boards.occupants([admission_id])).get(admission_id)
        await audit.record(actor, action="READ", table="ipd_admissions", record_id=admission_id,
                           new={"patient_id": row["patient_id"], "access": basis})
    return AdmissionDetail(admission=row, patient=patient, allergies=allergies, beds=beds,
                           prescriptions=prescriptions, bills=bills, access=basis, board=board)


async def lab_orders(actor: Actor, admission_id: UUID) -> list[dict[str, Any]]:
    """The stay's lab orders: those placed for the admission, and the patient's others during the stay."""
    row = await open_admission(actor, admission_id, part="lab orders")
    until = row["discharge_date"] or row["cancelled_at"] or _now()
    async with transaction():
        rows = await fetch(
            "SELECT t.id, t.accession_number, t.test_code, t.test_name, t.test_category, t.urgency, t.status, "
            "t.order_date, t.sample_collected_date, t.released_at, t.ipd_admission_id, "
            "coalesce(bool_or(c.flag IS NOT NULL AND c.flag <> 'N'), t.is_abnormal, false) AS is_abnormal, "
            "coalesce(bool_or(c.flag IN ('LL', 'HH')), false) AS has_critical "
            "FROM lab_tests t LEFT JOIN lab_result_components c ON c.lab_test_id = t.id "
            "WHERE t.ipd_admission_id = $1 OR (t.patient_id = $2 AND t.order_date >= $3 AND t.order_date <= $4) "
            "GROUP BY t.id ORDER BY t.order_date DESC, t.id",
            admission_id, row["patient_id"], row["admission_date"], until,
        )
        await audit.record(actor, action="READ", table="lab_tests",
                           new={"admission_id": admission_id, "patient_id": row["patient_id"],
                                "orders": [r["id"] for r in rows]})
    return [dict(r) for r in rows]


async def discharge_summary_for_print(actor: Actor, admission_id: UUID) -> dict[str, Any]:
    """What the printed discharge summary shows; a read of the patient's record (audited)."""
    detail = await get_admission(actor, admission_id)
    if AdmissionStatus(detail.admission["status"]) not in ENDED_STATUSES and not detail.admission["discharge_summary"]:
        raise Conflict("The patient has not been discharged yet: there is no discharge summary to print")
    doctor = await opd_service.doctor_by_id(detail.admission["primary_doctor_id"] or detail.admission["admitted_by"])
    discharged_by = None
    if detail.admission["discharged_by"] is not None:
        discharged_by = await fetchrow(
            "SELECT nullif(trim(first_name || ' ' || coalesce(last_name, '')), '') AS name, role FROM users "
            "WHERE id = $1", detail.admission["discharged_by"])
    return {"detail": detail, "doctor": doctor, "discharged_by": dict(discharged_by) if discharged_by else None,
            "today": hospital_day(_now())}


# --- The census, ward boards, a room's beds ----------------------------------------------------------

_ADMISSIONS_SQL = """
SELECT a.id, a.patient_id, a.admission_date, a.admission_type, a.primary_doctor_id,
       b.id AS bed_id, b.bed_number, r.id AS room_id, r.room_number, r.room_type, r.ward_id
FROM ipd_admissions a
LEFT JOIN beds b ON b.id = a.bed_id
LEFT JOIN rooms r ON r.id = coalesce(b.room_id, a.room_id)
WHERE a.status = 'ACTIVE'
ORDER BY a.admission_date, a.id
"""


async def census(actor: Actor) -> tuple[CensusBoard, list[dict[str, Any]]]:
    """Counts by ward and room type, and the current admissions (ids and places: no patient names)."""
    counts = await boards.census_counts()
    admissions = [dict(r) for r in await fetch(_ADMISSIONS_SQL)]
    return counts, admissions


async def ward_board(actor: Actor, ward_id: UUID) -> tuple[Position, WardBoard]:
    """The ward's board as its live topic shows it to `actor` (same rules as subscribing to ward:{id})."""
    if await fetchrow("SELECT 1 FROM wards WHERE id = $1", ward_id) is None:
        raise NotFound("No such ward")
    facts = await realtime.subscriber_facts(actor)
    if not may_subscribe(facts, ward_topic(ward_id)):
        raise PermissionDenied("This ward's board is for its rostered nurses, doctors and ADMIN")
    found = await boards.ward_board(ward_id, actor)
    if found is None:
        raise NotFound("No such ward")
    return found


async def room_beds(room_id: UUID) -> list[dict[str, Any]]:
    if await fetchrow("SELECT 1 FROM rooms WHERE id = $1", room_id) is None:
        raise NotFound("No such room")
    rows = await fetch(
        f"SELECT {_BED_COLUMNS} FROM beds b WHERE b.room_id = $1 ORDER BY b.bed_number, b.id", room_id
    )
    return [dict(r) for r in rows]
