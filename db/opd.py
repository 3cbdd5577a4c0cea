"""OPD services: appointments, check-in and tokens, the called queue, triage, consultations, prescriptions,
completion with follow-up and the draft bill, schedules, dashboards, the OPD report, and the live boards.

Every write runs in one transaction with its audit rows and its events (`opd:{departmentId}` with names,
`display:{departmentId}` without). Decisions worth knowing:

- One department's queue for one hospital day changes under `pg_advisory_xact_lock(hashtext('opd-queue:'
  || department || ':' || day))`, taken after any patient registration and held to commit: token numbers
  (max + 1) can never repeat and a rolled-back check-in leaves no gap; call-next, skip and the fairness
  counters of domain/queue.py see every earlier change of that queue. Two departments (a move) are locked
  in id order.
- After a change the department's whole queue of the day is read again (a few hundred rows at most) and
  the events carry the changed token and every waiting token's estimated wait: events applied to a
  snapshot give the next snapshot exactly (domain/opd_events.py).
- The acting doctor is always the signed-in doctor. ADMIN may work a doctor's queue by naming the doctor
  (a doctor naming another doctor is refused), but consultations and prescriptions are written only by a
  doctor, and a prescription only by the consultation's own doctor.
- A doctor works only their own department's queue: the tokens assigned to them and the department's
  unassigned ones. Calling an unassigned token assigns it (and the visit) to the caller.
- Consultation fees are not financial data the doctor sees: `complete_consultation` returns the bill and
  the route hides the amounts from roles without billing:read.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from db import audit, outbox, realtime
from db import patients as patients_service
from db.connection import execute, fetch, fetchrow, transaction
from db.outbox import PendingEvent, Position, ensure_counter
from db.patients import NewPatient
from domain import icd10
from domain import queue as queue_rules
from domain.actors import Actor
from domain.appointments import (
    Booking,
    DoctorHours,
    check_booking,
    clashes,
    consultation_charge,
    first_free_slot,
    week_of,
)
from domain.clock import day_bounds_utc, hospital_day, hospital_time
from domain.dosing import FREQUENCY_LABELS, Frequency, validate_frequency
from domain.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from domain.ipd import Consciousness
from domain.news2 import PartialObservation, score_if_complete, validate_vitals
from domain.opd import AppointmentStatus, QueuePriority, TokenStatus, VisitStatus, VisitType
from domain.opd_events import (
    DisplayBoard,
    DisplayEntry,
    DisplayTokenCalled,
    DisplayTokenRemoved,
    DisplayTokenUpdated,
    OpdBoard,
    OpdQueueEntry,
    OpdTokenRemoved,
    OpdTokenUpdated,
    QueueAction,
    WaitEstimate,
    display_list_of,
    estimated_waits,
    opd_list_of,
)
from domain.opd_templates import template as find_template
from domain.policy import Permission, allows, may_amend_note
from domain.prescribing import (
    MAX_ITEMS,
    Allergy,
    CurrentMedication,
    ItemCheck,
    Medicine,
    check_prescription,
    clean_override_reason,
    dose_unit_for,
    require_overrides,
    validate_amounts,
)
from domain.queue import WaitingToken, call_announcement
from domain.registration import age_on, normalise_health_id, normalise_phone
from domain.roles import Role
from domain.topics import display_topic, may_watch_opd, opd_topic
from domain.triage import check_in_priority, triage_priority

# Tokens still in the waiting room or with the doctor: a patient has at most one per department per day.
OPEN_TOKEN_STATES = (TokenStatus.WAITING.value, TokenStatus.CALLED.value, TokenStatus.IN_CONSULTATION.value)
# Appointments that hold their slot.
BOOKED_STATES = (AppointmentStatus.SCHEDULED.value, AppointmentStatus.CHECK_IN.value,
                 AppointmentStatus.IN_PROGRESS.value)
FOLLOW_UP_SEARCH_DAYS = 14
RECENT_DURATIONS = 20


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    return hospital_day(_now())


def _name_sql(alias: str) -> str:
    return f"nullif(trim({alias}.first_name || ' ' || coalesce({alias}.last_name, '')), '')"


def _full_name(row: Mapping[str, Any], first: str = "first_name", last: str = "last_name") -> str:
    return " ".join(part for part in (row[first], row[last]) if part)


def _age(dob: date, today: date) -> int:
    return age_on(dob, today) if dob <= today else 0


# --- Doctors -------------------------------------------------------------------------------------

_DOCTOR_SQL = f"""
SELECT d.id, d.user_id, d.department_id, d.specialization, d.qualification, d.registration_number,
       d.registration_council, d.opd_room, d.consultation_fee, d.available_mon_fri_start,
       d.available_mon_fri_end, d.available_weekends, u.is_active, {_name_sql('u')} AS name,
       dep.name AS department_name
FROM doctors d JOIN users u ON u.id = d.user_id LEFT JOIN departments dep ON dep.id = d.department_id
"""


async def doctor_by_id(doctor_id: UUID) -> dict[str, Any] | None:
    row = await fetchrow(f"{_DOCTOR_SQL} WHERE d.id = $1", doctor_id)
    return dict(row) if row else None


async def doctor_of_user(user_id: UUID | None) -> dict[str, Any] | None:
    if user_id is None:
        return None
    row = await fetchrow(f"{_DOCTOR_SQL} WHERE d.user_id = $1", user_id)
    return dict(row) if row else None


def _hours(doctor: Mapping[str, Any]) -> DoctorHours:
    return DoctorHours(doctor["available_mon_fri_start"], doctor["available_mon_fri_end"],
                       bool(doctor["available_weekends"]))


async def acting_doctor(actor: Actor, named: UUID | None, *, field_name: str = "doctorId") -> dict[str, Any]:
    """The doctor whose queue or schedule `actor` works: themselves if a doctor, else the one they name."""
    if actor.role is Role.DOCTOR:
        mine = await doctor_of_user(actor.user_id)
        if mine is None:
            raise PermissionDenied("Your account has no doctor profile; ask the administrator")
        if named is not None and named != mine["id"]:
            raise PermissionDenied("A doctor works only their own queue: leave doctorId out or send your own")
        return mine
    if named is None:
        raise ValidationFailed(fields={field_name: "Say which doctor (you are not signed in as a doctor)"})
    found = await doctor_by_id(named)
    if found is None:
        raise NotFound("No such doctor", fields={field_name: "not found"})
    return found


async def _signed_in_doctor(actor: Actor, what: str) -> dict[str, Any]:
    if actor.role is not Role.DOCTOR:
        raise PermissionDenied(f"{what} are written by doctors only, signed in as themselves")
    mine = await doctor_of_user(actor.user_id)
    if mine is None:
        raise PermissionDenied("Your account has no doctor profile; ask the administrator")
    return mine


async def _department(department_id: UUID) -> dict[str, Any]:
    row = await fetchrow("SELECT id, name, code FROM departments WHERE id = $1", department_id)
    if row is None:
        raise NotFound("No such department", fields={"departmentId": "not found"})
    return dict(row)


_DEPARTMENT_DOCTORS_SQL = f"""
SELECT d.id, d.user_id, d.department_id, d.specialization, d.opd_room, {_name_sql('u')} AS name,
       EXISTS (SELECT 1 FROM duty_roster r WHERE r.user_id = d.user_id AND r.starts_at <= now()
               AND r.ends_at > now()) AS on_duty_now
FROM doctors d JOIN users u ON u.id = d.user_id
WHERE d.department_id IS NOT NULL AND u.is_active AND u.role = 'DOCTOR'
ORDER BY u.first_name, u.last_name, d.id
"""


async def departments_with_doctors() -> list[dict[str, Any]]:
    """Every department (by name) with its OPD doctors: active accounts of the DOCTOR role (a radiologist's
    doctor row sees no OPD queue), each on duty now or not by the duty roster. `runs_opd`: it has any."""
    departments = [dict(r) | {"doctors": []} for r in await fetch(
        "SELECT id, code, name FROM departments ORDER BY name, id")]
    by_id = {d["id"]: d for d in departments}
    for row in await fetch(_DEPARTMENT_DOCTORS_SQL):
        department = by_id.get(row["department_id"])
        if department is not None:
            department["doctors"].append(dict(row))
    for department in departments:
        department["runs_opd"] = bool(department["doctors"])
    return departments


# --- The queue of one department and day ----------------------------------------------------------

_TOKEN_SELECT = f"""
SELECT t.id, t.visit_id, t.department_id, t.doctor_id, t.token_number, t.token_date, t.priority,
       t.priority_reason, t.status, t.call_count, t.room, t.called_at, t.completed_at, t.appointment_id,
       t.passed_over_count, t.held_for_calls, t.consultation_started_at, t.cancelled_reason, t.version,
       t.created_at, v.visit_type, v.patient_id, v.status AS visit_status, v.chief_complaint,
       p.mrn, p.first_name, p.last_name, p.date_of_birth, p.gender, p.phone,
       ap.appointment_date AS appointment_at, ap.status AS appointment_status,
       {_name_sql('du')} AS doctor_name, dep.name AS department_name
FROM queue_tokens t
JOIN patient_visits v ON v.id = t.visit_id
JOIN patients p ON p.id = v.patient_id
JOIN departments dep ON dep.id = t.department_id
LEFT JOIN appointments ap ON ap.id = t.appointment_id
LEFT JOIN doctors d ON d.id = t.doctor_id
LEFT JOIN users du ON du.id = d.user_id
"""

_DURATIONS_SQL = """
SELECT doctor_id, duration_minutes FROM (
  SELECT c.doctor_id, c.duration_minutes,
         row_number() OVER (PARTITION BY c.doctor_id ORDER BY c.consultation_end_time DESC) AS n
  FROM opd_consultations c JOIN doctors d ON d.id = c.doctor_id
  WHERE d.department_id = $1 AND c.duration_minutes IS NOT NULL
    AND c.consultation_end_time > now() - interval '30 days'
) recent WHERE n <= $2
"""

_ON_DUTY_SQL = """
SELECT count(*) AS n FROM doctors d JOIN users u ON u.id = d.user_id
WHERE d.department_id = $1 AND u.is_active AND (
  EXISTS (SELECT 1 FROM duty_roster r WHERE r.user_id = d.user_id AND r.starts_at <= now() AND r.ends_at > now())
  OR EXISTS (SELECT 1 FROM queue_tokens t WHERE t.doctor_id = d.id AND t.token_date = $2
             AND t.status IN ('CALLED', 'IN_CONSULTATION', 'COMPLETED')))
"""


def waiting_token(row: Mapping[str, Any]) -> WaitingToken:
    return WaitingToken(
        token_id=row["id"], token_number=int(row["token_number"]), priority=QueuePriority(row["priority"]),
        arrived_at=row["created_at"], appointment_at=row["appointment_at"], doctor_id=row["doctor_id"],
        status=TokenStatus(row["status"]), call_count=int(row["call_count"]),
        passed_over_count=int(row["passed_over_count"]), held_for_calls=int(row["held_for_calls"]),
    )


@dataclass
class QueueState:
    """A department's tokens of one day, as stored now, with every waiting token's estimated wait."""

    department_id: UUID
    day: date
    rows: list[dict[str, Any]]
    waits: list[WaitEstimate]

    def row(self, token_id: UUID) -> dict[str, Any]:
        return next(r for r in self.rows if r["id"] == token_id)

    @property
    def wait_of(self) -> dict[int, int | None]:
        return {w.token_number: w.minutes for w in self.waits}


async def _queue_state(department_id: UUID, day: date) -> QueueState:
    rows = [dict(r) for r in await fetch(
        f"{_TOKEN_SELECT} WHERE t.department_id = $1 AND t.token_date = $2 ORDER BY t.token_number",
        department_id, day,
    )]
    recent = await fetch(_DURATIONS_SQL, department_id, RECENT_DURATIONS)
    durations: dict[UUID | None, list[float]] = {None: []}
    for r in recent:
        durations.setdefault(r["doctor_id"], []).append(float(r["duration_minutes"]))
        durations[None].append(float(r["duration_minutes"]))
    on_duty = await fetchrow(_ON_DUTY_SQL, department_id, day)
    waits = estimated_waits(
        [waiting_token(r) for r in rows], now=_now(), durations=durations,
        doctors_on_duty=int(on_duty["n"]) if on_duty else 0,
    )
    return QueueState(department_id=department_id, day=day, rows=rows, waits=waits)


async def _lock_queues(*departments: tuple[UUID, date]) -> None:
    for department_id, day in sorted(set(departments), key=lambda d: (str(d[0]), d[1])):
        await execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"opd-queue:{department_id}:{day.isoformat()}")


def opd_entry(row: Mapping[str, Any], wait: int | None, today: date) -> OpdQueueEntry:
    status = TokenStatus(row["status"])
    return OpdQueueEntry(
        token_id=row["id"], token_number=int(row["token_number"]), visit_id=row["visit_id"],
        visit_type=VisitType(row["visit_type"]), patient_id=row["patient_id"], mrn=row["mrn"],
        patient_name=_full_name(row), age=_age(row["date_of_birth"], today), gender=row["gender"],
        priority=QueuePriority(row["priority"]), status=status, doctor_id=row["doctor_id"],
        doctor_name=row["doctor_name"], room=row["room"], call_count=int(row["call_count"]),
        arrived_at=row["created_at"], appointment_at=row["appointment_at"], called_at=row["called_at"],
        estimated_wait_minutes=wait if status is TokenStatus.WAITING else None,
    )


def display_entry(row: Mapping[str, Any], wait: int | None) -> DisplayEntry:
    status = TokenStatus(row["status"])
    return DisplayEntry(
        token_number=int(row["token_number"]), status=status,
        room=row["room"] if status in (TokenStatus.CALLED, TokenStatus.IN_CONSULTATION) else None,
        estimated_wait_minutes=wait if status is TokenStatus.WAITING else None,
    )


def opd_board(state: QueueState) -> OpdBoard:
    waits = state.wait_of
    lists: dict[str, list[OpdQueueEntry]] = {"waiting_patients": [], "in_consultation": [], "completed": [],
                                             "missed": []}
    for row in state.rows:
        target = opd_list_of(TokenStatus(row["status"]))
        if target is not None:
            lists[target].append(opd_entry(row, waits.get(int(row["token_number"])), state.day))
    return OpdBoard(department_id=state.department_id, date=state.day, **lists)


def display_board(state: QueueState, department_name: str) -> DisplayBoard:
    waits = state.wait_of
    lists: dict[str, list[DisplayEntry]] = {"now_calling": [], "in_consultation": [], "waiting": []}
    for row in state.rows:
        target = display_list_of(TokenStatus(row["status"]))
        if target is not None:
            lists[target].append(display_entry(row, waits.get(int(row["token_number"]))))
    return DisplayBoard(department_id=state.department_id, department_name=department_name, date=state.day, **lists)


def _events_for(state: QueueState, token_id: UUID, action: QueueAction) -> list[PendingEvent]:
    """The opd and display events of one token's change, from the queue as it now stands."""
    row = state.row(token_id)
    status = TokenStatus(row["status"])
    number = int(row["token_number"])
    wait = state.wait_of.get(number)
    opd, display = opd_topic(state.department_id), display_topic(state.department_id)
    events: list[PendingEvent] = []
    if opd_list_of(status) is None:
        events.append(PendingEvent(opd, OpdTokenRemoved(action=action, token_id=token_id, token_number=number,
                                                        waits=state.waits)))
    else:
        events.append(PendingEvent(opd, OpdTokenUpdated(action=action, entry=opd_entry(row, wait, state.day),
                                                        waits=state.waits)))
    if display_list_of(status) is None:
        events.append(PendingEvent(display, DisplayTokenRemoved(action=action, token_number=number,
                                                                waits=state.waits)))
    elif action in (QueueAction.CALLED, QueueAction.RECALLED):
        events.append(PendingEvent(display, DisplayTokenCalled(
            action=action, entry=display_entry(row, wait), call_count=int(row["call_count"]),
            announcement=call_announcement(number, row["room"] or "-"), waits=state.waits,
        )))
    else:
        events.append(PendingEvent(display, DisplayTokenUpdated(action=action, entry=display_entry(row, wait),
                                                                waits=state.waits)))
    return events


async def _publish(department_id: UUID, day: date, changes: Sequence[tuple[UUID, QueueAction]]) -> QueueState:
    state = await _queue_state(department_id, day)
    events = [e for token_id, action in changes for e in _events_for(state, token_id, action)]
    await outbox.append(*events)
    return state


async def _publish_removed(department_id: UUID, day: date, token_id: UUID, number: int, action: QueueAction) -> None:
    """Events for a token that left this department's queue (moved to another department)."""
    state = await _queue_state(department_id, day)
    await outbox.append(
        PendingEvent(opd_topic(department_id), OpdTokenRemoved(action=action, token_id=token_id, token_number=number,
                                                               waits=state.waits)),
        PendingEvent(display_topic(department_id), DisplayTokenRemoved(action=action, token_number=number,
                                                                       waits=state.waits)),
    )


async def _token_for_update(token_id: UUID) -> dict[str, Any]:
    """The token, its department's queue locked first (then the row read again, fresh)."""
    head = await fetchrow("SELECT department_id, token_date FROM queue_tokens WHERE id = $1", token_id)
    if head is None:
        raise NotFound("No such token")
    await _lock_queues((head["department_id"], head["token_date"]))
    row = await fetchrow(f"{_TOKEN_SELECT} WHERE t.id = $1 FOR UPDATE OF t", token_id)
    assert row is not None
    return dict(row)


async def _token_of_visit(visit_id: UUID) -> dict[str, Any]:
    found = await fetchrow("SELECT id FROM queue_tokens WHERE visit_id = $1", visit_id)
    if found is None:
        if await fetchrow("SELECT 1 FROM patient_visits WHERE id = $1", visit_id) is None:
            raise NotFound("No such visit")
        raise Conflict("This visit has no OPD token (it was not checked in to a queue)")
    return await _token_for_update(found["id"])


def _check_version(row: Mapping[str, Any], expected: int | None, what: str) -> None:
    if expected is not None and expected != row["version"]:
        raise StaleVersion(f"The {what} was changed by someone else (now version {row['version']}); reload and retry",
                           current_version=int(row["version"]))


def _require_own_queue(actor: Actor, doctor: Mapping[str, Any], token: Mapping[str, Any]) -> None:
    """A doctor touches only tokens of their own queue: assigned to them, or unassigned in their department."""
    if token["doctor_id"] == doctor["id"]:
        return
    if token["doctor_id"] is None and token["department_id"] == doctor["department_id"]:
        return
    raise PermissionDenied("This token is in another doctor's queue")


_TOKEN_UPDATE_COLUMNS = ("status", "call_count", "passed_over_count", "held_for_calls", "doctor_id", "room",
                         "called_at", "completed_at", "priority", "priority_reason", "consultation_started_at",
                         "cancelled_reason", "department_id", "token_number")


async def _update_token(actor: Actor, old: Mapping[str, Any], action: str, **changes: Any) -> None:
    names = [n for n in changes if n in _TOKEN_UPDATE_COLUMNS]
    assignments = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=2))
    await execute(
        f"UPDATE queue_tokens SET {assignments}, version = version + 1, updated_at = now() WHERE id = $1",
        old["id"], *[changes[n] for n in names],
    )
    await audit.record(
        actor, action=action, table="queue_tokens", record_id=old["id"],
        old={**{n: old.get(n) for n in names}, "version": old["version"]},
        new={**{n: changes[n] for n in names}, "version": old["version"] + 1},
    )


async def _set_visit(actor: Actor, visit_id: UUID, **changes: Any) -> None:
    old = await fetchrow("SELECT id, status, assigned_doctor_id FROM patient_visits WHERE id = $1 FOR UPDATE",
                         visit_id)
    assert old is not None
    names = list(changes)
    if all(old[n] == changes[n] for n in names):
        return
    assignments = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=2))
    await execute(f"UPDATE patient_visits SET {assignments}, updated_at = now() WHERE id = $1",
                  visit_id, *[changes[n] for n in names])
    await audit.record(actor, action="UPDATE", table="patient_visits", record_id=visit_id,
                       old={n: old[n] for n in names}, new=dict(changes))


async def admit_from_visit(actor: Actor, visit_id: UUID, patient_id: UUID) -> tuple[str, list[PendingEvent]]:
    """The OPD or emergency visit a patient is admitted from becomes ADMITTED (IPD calls this inside the
    admission's transaction, before it locks a bed: the queue lock comes first, as everywhere in OPD).

    A token still waiting leaves the queue (CANCELLED: admitted); a token being called is refused (the doctor
    is about to see the patient); a consultation in progress goes on, and completing it leaves the visit
    ADMITTED. Returns the visit's status before, to restore if the admission is cancelled, and the queue's
    events, for the caller to write with its own.
    """
    visit = await fetchrow("SELECT id, patient_id, visit_type FROM patient_visits WHERE id = $1", visit_id)
    if visit is None:
        raise ValidationFailed(fields={"visitId": "No such visit"})
    if visit["patient_id"] != patient_id:
        raise ValidationFailed(fields={"visitId": "is another patient's visit"})
    if visit["visit_type"] == VisitType.IPD.value:
        raise ValidationFailed(fields={"visitId": "is an inpatient stay; admit from an OPD or emergency visit"})
    found = await fetchrow("SELECT id FROM queue_tokens WHERE visit_id = $1", visit_id)
    token = await _token_for_update(found["id"]) if found is not None else None
    locked = await fetchrow("SELECT status FROM patient_visits WHERE id = $1 FOR UPDATE", visit_id)
    assert locked is not None
    before = VisitStatus(locked["status"])
    if before is VisitStatus.ADMITTED:
        raise Conflict("This visit already led to an admission", fields={"visitId": "already ADMITTED"})
    if before is VisitStatus.CANCELLED:
        raise Conflict("This visit was cancelled", fields={"visitId": "is CANCELLED"})
    events: list[PendingEvent] = []
    if token is not None:
        status = TokenStatus(token["status"])
        if status is TokenStatus.CALLED:
            raise InvalidTransition("The patient's token is being called by a doctor: admit once the consultation "
                                    "has started", current_state=status.value)
        if status is TokenStatus.WAITING:
            queue_rules.cancel(waiting_token(token))
            await _update_token(actor, token, "ADMIT", status=TokenStatus.CANCELLED.value,
                                cancelled_reason="Admitted to IPD")
            state = await _queue_state(token["department_id"], token["token_date"])
            events = _events_for(state, token["id"], QueueAction.CANCELLED)
    await _set_visit(actor, visit_id, status=VisitStatus.ADMITTED.value)
    return before.value, events


async def set_visit_status(actor: Actor, visit_id: UUID, status: str) -> None:
    """Set a visit's status (audited), e.g. an admission's visit when the stay ends or is cancelled."""
    await _set_visit(actor, visit_id, status=status)


async def _set_appointment_status(actor: Actor, appointment_id: UUID | None, status: AppointmentStatus,
                                  *, only_from: Sequence[str] | None = None) -> None:
    if appointment_id is None:
        return
    old = await fetchrow("SELECT id, status, version FROM appointments WHERE id = $1 FOR UPDATE", appointment_id)
    if old is None or old["status"] == status.value or (only_from is not None and old["status"] not in only_from):
        return
    await execute("UPDATE appointments SET status = $2, version = version + 1, updated_at = now() WHERE id = $1",
                  appointment_id, status.value)
    await audit.record(actor, action="UPDATE", table="appointments", record_id=appointment_id,
                       old={"status": old["status"], "version": old["version"]},
                       new={"status": status.value, "version": old["version"] + 1})


# --- Check-in ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckInRequest:
    """One way of naming the patient (id, MRN, phone, health ID, or a new registration) and where they go."""

    chief_complaint: str
    patient_id: UUID | None = None
    mrn: str | None = None
    phone: str | None = None
    health_id: str | None = None
    new_patient: NewPatient | None = None
    doctor_id: UUID | None = None
    department_id: UUID | None = None
    appointment_id: UUID | None = None
    visit_type: VisitType = VisitType.OPD
    priority: QueuePriority | None = None
    priority_reason: str | None = None


@dataclass
class CheckInResult:
    visit: dict[str, Any]
    token: dict[str, Any]
    patient: dict[str, Any]
    registered: bool
    appointment_id: UUID | None
    estimated_wait_minutes: int | None


def _candidate(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": str(row["id"]), "mrn": row["mrn"], "firstName": row["first_name"], "lastName": row["last_name"],
            "dateOfBirth": row["date_of_birth"].isoformat()}


async def _find_patient(request: CheckInRequest) -> dict[str, Any]:
    """The live patient the request names; 404 when nobody matches, 409 with candidates when several do."""
    if request.patient_id is not None:
        return await patients_service.live_patient(request.patient_id)
    if request.mrn is not None or request.health_id is not None:
        column, value, name = (
            ("mrn", request.mrn.strip().upper(), "mrn") if request.mrn is not None
            else ("health_id", normalise_health_id(request.health_id or "", "healthId"), "healthId")
        )
        rows = await fetch(
            f"SELECT DISTINCT p.id FROM patients m JOIN patients p ON p.id = coalesce(m.merged_into, m.id) "
            f"WHERE m.{column} = $1 AND p.merged_into IS NULL",
            value,
        )
        if not rows:
            raise NotFound("No patient has this " + ("MRN" if name == "mrn" else "health ID"),
                           fields={name: "not found"})
        return await patients_service.live_patient(rows[0]["id"])
    assert request.phone is not None
    rows = await fetch(
        "SELECT id, mrn, first_name, last_name, date_of_birth FROM patients WHERE phone = $1 AND merged_into IS NULL "
        "ORDER BY created_at, id",
        normalise_phone(request.phone, "phone", allow_landline=True),
    )
    if not rows:
        raise NotFound("No patient has this phone number; register them in the same step (newPatient)",
                       fields={"phone": "not found"})
    if len(rows) > 1:
        raise Conflict("Several patients share this phone number: check in by patientId (or MRN)",
                       fields={"phone": "more than one patient"}, extra={"candidates": [_candidate(r) for r in rows]})
    return await patients_service.live_patient(rows[0]["id"])


async def check_in(actor: Actor, request: CheckInRequest) -> CheckInResult:
    """Find or register the patient, open the visit and issue the department's next token of the day."""
    complaint = " ".join(request.chief_complaint.split())
    if not complaint:
        raise ValidationFailed(fields={"chiefComplaint": "Record why the patient has come"})
    if request.new_patient is not None and (actor.role is None or not allows(actor.role, Permission.PATIENTS_REGISTER)):
        raise PermissionDenied("Your role may not register patients")
    now = _now()
    today = hospital_day(now)
    async with transaction():
        registered = request.new_patient is not None
        if request.new_patient is not None:
            record = await patients_service.register_patient(actor, request.new_patient)
            patient = record.patient
        else:
            patient = await _find_patient(request)
        appointment: dict[str, Any] | None = None
        if request.appointment_id is not None:
            found = await fetchrow(
                "SELECT id, patient_id, doctor_id, appointment_date, status FROM appointments WHERE id = $1",
                request.appointment_id,
            )
            if found is None:
                raise NotFound("No such appointment", fields={"appointmentId": "not found"})
            if found["patient_id"] != patient["id"]:
                raise ValidationFailed(fields={"appointmentId": "is another patient's appointment"})
            if found["status"] != AppointmentStatus.SCHEDULED.value:
                raise Conflict(f"This appointment is {found['status']}, not SCHEDULED",
                               fields={"appointmentId": found["status"]})
            if hospital_day(found["appointment_date"]) != today:
                raise ValidationFailed(fields={"appointmentId": "is not for today"})
            appointment = dict(found)
        doctor_id = request.doctor_id or (appointment["doctor_id"] if appointment else None)
        doctor: dict[str, Any] | None = None
        if doctor_id is not None:
            doctor = await doctor_by_id(doctor_id)
            if doctor is None or not doctor["is_active"]:
                raise NotFound("No such doctor", fields={"doctorId": "not found"})
            if doctor["department_id"] is None:
                raise Conflict("This doctor belongs to no department and has no OPD queue",
                               fields={"doctorId": "no department"})
            if request.department_id is not None and request.department_id != doctor["department_id"]:
                raise ValidationFailed(fields={"departmentId": "is not the doctor's department"})
            department_id: UUID = doctor["department_id"]
        elif request.department_id is not None:
            department_id = (await _department(request.department_id))["id"]
        else:
            raise ValidationFailed(fields={"doctorId": "Give the doctor (or at least the department) the visit is for",
                                           "departmentId": "Give the department (or the doctor)"})
        if not may_watch_opd(await realtime.subscriber_facts(actor), department_id):
            raise PermissionDenied("You work another department's desk: check patients in there, or ask the "
                                   "front desk", fields={"departmentId": "not your department"})
        if appointment is None:
            # A booked patient who did not mention the booking keeps its place all the same.
            booked = await fetchrow(
                "SELECT a.id, a.doctor_id, a.appointment_date FROM appointments a JOIN doctors d ON d.id = a.doctor_id "
                "WHERE a.patient_id = $1 AND a.status = 'SCHEDULED' AND a.appointment_date >= $2 "
                "AND a.appointment_date < $3 AND d.department_id = $4 AND ($5::uuid IS NULL OR a.doctor_id = $5) "
                "ORDER BY a.appointment_date LIMIT 1",
                patient["id"], *day_bounds_utc(today), department_id, doctor_id,
            )
            if booked is not None:
                appointment = dict(booked)
                if doctor is None:
                    doctor = await doctor_by_id(booked["doctor_id"])
        visit_type = request.visit_type
        if visit_type is VisitType.OPD and appointment is not None and await fetchrow(
            "SELECT 1 FROM opd_consultations WHERE patient_id = $1 AND doctor_id = $2 LIMIT 1",
            patient["id"], appointment["doctor_id"],
        ):
            visit_type = VisitType.FOLLOW_UP
        decision = check_in_priority(age=_age(patient["date_of_birth"], today), requested=request.priority,
                                     visit_type=visit_type, reason=request.priority_reason)

        # Last, and held to commit: the department's queue of the day.
        await _lock_queues((department_id, today))
        open_token = await fetchrow(
            "SELECT t.token_number FROM queue_tokens t JOIN patient_visits v ON v.id = t.visit_id "
            "WHERE v.patient_id = $1 AND t.department_id = $2 AND t.token_date = $3 AND t.status = ANY($4::text[])",
            patient["id"], department_id, today, list(OPEN_TOKEN_STATES),
        )
        if open_token is not None:
            raise Conflict(f"This patient is already checked in here today (token {open_token['token_number']})",
                           extra={"tokenNumber": open_token["token_number"]})
        visit_id, token_id = uuid4(), uuid4()
        assigned = doctor["id"] if doctor else None
        await execute(
            "INSERT INTO patient_visits (id, patient_id, visit_type, visit_date, chief_complaint, status, "
            "assigned_doctor_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now(), now())",
            visit_id, patient["id"], visit_type.value, now, complaint, VisitStatus.WAITING.value, assigned,
        )
        top = await fetchrow(
            "SELECT coalesce(max(token_number), 0) AS n FROM queue_tokens WHERE department_id = $1 AND token_date = $2",
            department_id, today,
        )
        number = int(top["n"] if top else 0) + 1
        await execute(
            "INSERT INTO queue_tokens (id, visit_id, department_id, doctor_id, token_number, token_date, priority, "
            "priority_reason, status, call_count, passed_over_count, held_for_calls, appointment_id, version, "
            "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'WAITING', 0, 0, 0, $9, 1, $10, now())",
            token_id, visit_id, department_id, assigned, number, today, decision.priority.value, decision.reason,
            appointment["id"] if appointment else None, now,
        )
        await audit.record(actor, action="CREATE", table="patient_visits", record_id=visit_id, new={
            "patient_id": patient["id"], "visit_type": visit_type.value, "chief_complaint": complaint,
            "status": VisitStatus.WAITING.value, "assigned_doctor_id": assigned,
        })
        await audit.record(actor, action="CHECK_IN", table="queue_tokens", record_id=token_id, new={
            "visit_id": visit_id, "department_id": department_id, "doctor_id": assigned, "token_number": number,
            "token_date": today, "priority": decision.priority.value, "priority_reason": decision.reason,
            "appointment_id": appointment["id"] if appointment else None, "registered_now": registered,
        })
        if appointment is not None:
            await _set_appointment_status(actor, appointment["id"], AppointmentStatus.CHECK_IN)
        state = await _publish(department_id, today, [(token_id, QueueAction.ISSUED)])
        token = state.row(token_id)
        visit = await fetchrow("SELECT * FROM patient_visits WHERE id = $1", visit_id)
        assert visit is not None
    return CheckInResult(
        visit=dict(visit), token=token, patient=patient, registered=registered,
        appointment_id=appointment["id"] if appointment else None,
        estimated_wait_minutes=state.wait_of.get(number),
    )


async def token_slip(actor: Actor, token_id: UUID) -> dict[str, Any]:
    """What the printed slip shows (audited: it names the patient)."""
    async with transaction():
        row = await fetchrow(f"{_TOKEN_SELECT} WHERE t.id = $1", token_id)
        if row is None:
            raise NotFound("No such token")
        token = dict(row)
        state = await _queue_state(token["department_id"], token["token_date"])
        ahead = sum(1 for r in state.rows if r["status"] == TokenStatus.WAITING.value
                    and r["token_number"] < token["token_number"])
        token["estimated_wait_minutes"] = state.wait_of.get(int(token["token_number"]))
        token["waiting_ahead"] = ahead
        await audit.record(actor, action="READ", table="queue_tokens", record_id=token_id,
                           new={"part": "token-slip", "patient_id": token["patient_id"]})
    return token


async def cancel_check_in(actor: Actor, visit_id: UUID, reason: str, *, expected_version: int | None = None
                          ) -> dict[str, Any]:
    """A check-in made by mistake (or a patient who left): token and visit CANCELLED, appointment booked again."""
    cleaned = " ".join(reason.split())
    if len(cleaned) < 3:
        raise ValidationFailed(fields={"reason": "Say why the check-in is cancelled"})
    async with transaction():
        token = await _token_of_visit(visit_id)
        _check_version(token, expected_version, "token")
        queue_rules.cancel(waiting_token(token))
        await _update_token(actor, token, "CANCEL_CHECK_IN", status=TokenStatus.CANCELLED.value,
                            cancelled_reason=cleaned)
        await _set_visit(actor, visit_id, status=VisitStatus.CANCELLED.value)
        await _set_appointment_status(actor, token["appointment_id"], AppointmentStatus.SCHEDULED,
                                      only_from=[AppointmentStatus.CHECK_IN.value])
        state = await _publish(token["department_id"], token["token_date"], [(token["id"], QueueAction.CANCELLED)])
    return state.row(token["id"])


async def move_to_doctor(actor: Actor, visit_id: UUID, doctor_id: UUID, reason: str | None, *,
                         expected_version: int | None = None) -> dict[str, Any]:
    """Move a waiting patient to another doctor's queue; to another department, with that department's next token."""
    target = await doctor_by_id(doctor_id)
    if target is None or not target["is_active"]:
        raise NotFound("No such doctor", fields={"doctorId": "not found"})
    if target["department_id"] is None:
        raise Conflict("This doctor belongs to no department and has no OPD queue",
                       fields={"doctorId": "no department"})
    async with transaction():
        head = await fetchrow("SELECT t.id, t.department_id, t.token_date FROM queue_tokens t WHERE t.visit_id = $1",
                              visit_id)
        if head is None:
            if await fetchrow("SELECT 1 FROM patient_visits WHERE id = $1", visit_id) is None:
                raise NotFound("No such visit")
            raise Conflict("This visit has no OPD token (it was not checked in to a queue)")
        day = head["token_date"]
        await _lock_queues((head["department_id"], day), (target["department_id"], day))
        row = await fetchrow(f"{_TOKEN_SELECT} WHERE t.id = $1 FOR UPDATE OF t", head["id"])
        assert row is not None
        token = dict(row)
        _check_version(token, expected_version, "token")
        queue_rules.move_to_doctor(waiting_token(token), target["id"])
        changes: dict[str, Any] = {"doctor_id": target["id"], "passed_over_count": 0, "held_for_calls": 0}
        crossing = target["department_id"] != token["department_id"]
        if crossing:
            top = await fetchrow(
                "SELECT coalesce(max(token_number), 0) AS n FROM queue_tokens WHERE department_id = $1 "
                "AND token_date = $2", target["department_id"], day,
            )
            changes.update(department_id=target["department_id"], token_number=int(top["n"] if top else 0) + 1)
        await _update_token(actor, token, "MOVE", **changes)
        if reason:
            await audit.record(actor, action="MOVE_REASON", table="queue_tokens", record_id=token["id"],
                               new={"reason": " ".join(reason.split())})
        await _set_visit(actor, visit_id, assigned_doctor_id=target["id"])
        if crossing:
            await _publish_removed(token["department_id"], day, token["id"], int(token["token_number"]),
                                   QueueAction.MOVED)
        state = await _publish(target["department_id"], day, [(token["id"], QueueAction.MOVED)])
    return state.row(token["id"])


# --- Calling -------------------------------------------------------------------------------------


async def _room_for(doctor: Mapping[str, Any], room: str | None, day: date) -> str:
    chosen = " ".join((room or "").split()) or doctor["opd_room"]
    if not chosen:
        last = await fetchrow(
            "SELECT room FROM queue_tokens WHERE doctor_id = $1 AND token_date = $2 AND room IS NOT NULL "
            "ORDER BY called_at DESC NULLS LAST LIMIT 1", doctor["id"], day,
        )
        chosen = last["room"] if last else None
    if not chosen:
        raise ValidationFailed(fields={"room": "Say which room you are in: the display announces it"})
    return str(chosen)[:50]


async def call_next(actor: Actor, named_doctor: UUID | None, room: str | None) -> dict[str, Any] | None:
    """The doctor's "call next": the token domain/queue.py picks, called to the doctor's room; None if nobody waits.

    A token this doctor called and that has not come in yet is skipped first (back in the queue after a few).
    """
    doctor = await acting_doctor(actor, named_doctor)
    department_id = doctor["department_id"]
    if department_id is None:
        raise Conflict("This doctor belongs to no department and has no OPD queue")
    today = _today()
    chosen_room = await _room_for(doctor, room, today)
    async with transaction():
        await _lock_queues((department_id, today))
        rows = [dict(r) for r in await fetch(
            f"{_TOKEN_SELECT} WHERE t.department_id = $1 AND t.token_date = $2 "
            "AND (t.doctor_id = $3 OR t.doctor_id IS NULL) AND t.status IN ('WAITING', 'CALLED') "
            "ORDER BY t.token_number FOR UPDATE OF t",
            department_id, today, doctor["id"],
        )]
        changes: list[tuple[UUID, QueueAction]] = []
        for row in rows:
            if row["status"] == TokenStatus.CALLED.value and row["doctor_id"] == doctor["id"]:
                skipped = queue_rules.skip(waiting_token(row))
                await _update_token(actor, row, "SKIP", status=skipped.status.value,
                                    held_for_calls=skipped.held_for_calls, passed_over_count=0)
                changes.append((row["id"], QueueAction.SKIPPED))
                row.update(status=skipped.status.value, held_for_calls=skipped.held_for_calls, passed_over_count=0)
        waiting = [waiting_token(r) for r in rows if r["status"] == TokenStatus.WAITING.value]
        pick = queue_rules.next_to_call(waiting, _now())
        if pick is None:
            if changes:
                await _publish(department_id, today, changes)
            return None
        called = queue_rules.call(pick)
        for after in queue_rules.after_call(waiting, pick):
            before = next(r for r in rows if r["id"] == after.token_id)
            counters = (after.passed_over_count, after.held_for_calls)
            if counters != (before["passed_over_count"], before["held_for_calls"]):
                await execute(
                    "UPDATE queue_tokens SET passed_over_count = $2, held_for_calls = $3, updated_at = now() "
                    "WHERE id = $1", after.token_id, after.passed_over_count, after.held_for_calls,
                )
        picked = next(r for r in rows if r["id"] == pick.token_id)
        await _update_token(
            actor, picked, "CALL", status=called.status.value, call_count=called.call_count, passed_over_count=0,
            held_for_calls=0, doctor_id=doctor["id"], room=chosen_room, called_at=_now(),
        )
        await _set_visit(actor, picked["visit_id"], assigned_doctor_id=doctor["id"])
        changes.append((pick.token_id, QueueAction.CALLED))
        state = await _publish(department_id, today, changes)
    return state.row(pick.token_id)


async def _queue_action(
    actor: Actor, token_id: UUID, named_doctor: UUID | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    doctor = await acting_doctor(actor, named_doctor)
    token = await _token_for_update(token_id)
    if actor.role is Role.DOCTOR or named_doctor is not None:
        _require_own_queue(actor, doctor, token)
    return doctor, token


async def recall(actor: Actor, token_id: UUID, named_doctor: UUID | None = None) -> dict[str, Any]:
    """Call a CALLED token again; after MAX_UNANSWERED_CALLS unanswered calls it becomes NO_SHOW instead."""
    async with transaction():
        _, token = await _queue_action(actor, token_id, named_doctor)
        after = queue_rules.call_again(waiting_token(token))
        if after.status is TokenStatus.NO_SHOW:
            await _mark_no_show(actor, token)
            action = QueueAction.NO_SHOW
        else:
            await _update_token(actor, token, "RECALL", status=after.status.value, call_count=after.call_count,
                                called_at=_now())
            action = QueueAction.RECALLED
        state = await _publish(token["department_id"], token["token_date"], [(token_id, action)])
    return state.row(token_id)


async def skip(actor: Actor, token_id: UUID, after: int | None, named_doctor: UUID | None = None) -> dict[str, Any]:
    """A called patient did not come: back in the queue, called again after `after` (default 3) others."""
    async with transaction():
        _, token = await _queue_action(actor, token_id, named_doctor)
        skipped = queue_rules.skip(waiting_token(token), requeue_after=queue_rules.SKIP_REQUEUE_AFTER
                                   if after is None else after)
        await _update_token(actor, token, "SKIP", status=skipped.status.value, held_for_calls=skipped.held_for_calls,
                            passed_over_count=0)
        state = await _publish(token["department_id"], token["token_date"], [(token_id, QueueAction.SKIPPED)])
    return state.row(token_id)


async def _mark_no_show(actor: Actor, token: Mapping[str, Any]) -> None:
    await _update_token(actor, token, "NO_SHOW", status=TokenStatus.NO_SHOW.value, completed_at=_now())
    await _set_visit(actor, token["visit_id"], status=VisitStatus.CANCELLED.value)
    await _set_appointment_status(actor, token["appointment_id"], AppointmentStatus.NO_SHOW)


async def no_show(actor: Actor, token_id: UUID, named_doctor: UUID | None = None) -> dict[str, Any]:
    """A called patient who did not come: NO_SHOW now (without waiting for three calls)."""
    async with transaction():
        _, token = await _queue_action(actor, token_id, named_doctor)
        if token["status"] != TokenStatus.CALLED.value:
            raise InvalidTransition(f"Only a CALLED token can be marked NO_SHOW; this one is {token['status']}",
                                    current_state=token["status"])
        queue_rules.check_transition(TokenStatus(token["status"]), TokenStatus.NO_SHOW)
        await _mark_no_show(actor, token)
        state = await _publish(token["department_id"], token["token_date"], [(token_id, QueueAction.NO_SHOW)])
    return state.row(token_id)


async def set_priority(actor: Actor, token_id: UUID, priority: QueuePriority, reason: str) -> dict[str, Any]:
    """A nurse's or doctor's judgement: raise (or, with a reason, lower) a waiting patient's priority."""
    cleaned = " ".join(reason.split())
    if len(cleaned) < 3:
        raise ValidationFailed(fields={"reason": "Say why the priority changes"})
    async with transaction():
        token = await _token_for_update(token_id)
        if token["status"] not in (TokenStatus.WAITING.value, TokenStatus.CALLED.value):
            raise InvalidTransition(f"The priority of a {token['status']} token no longer matters",
                                    current_state=token["status"])
        if token["priority"] == priority.value:
            return token
        await _update_token(actor, token, "PRIORITY", priority=priority.value, priority_reason=cleaned)
        state = await _publish(token["department_id"], token["token_date"], [(token_id, QueueAction.PRIORITY_CHANGED)])
    return state.row(token_id)


# --- Triage --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vitals:
    temperature: Decimal | None = None
    heart_rate: int | None = None
    respiratory_rate: int | None = None
    blood_pressure_systolic: int | None = None
    blood_pressure_diastolic: int | None = None
    oxygen_saturation: int | None = None
    on_oxygen: bool | None = None
    consciousness: str | None = None
    weight_kg: Decimal | None = None
    height_cm: int | None = None

    def check(self) -> None:
        _check_weight(self.weight_kg)
        validate_vitals(temperature=self.temperature, heart_rate=self.heart_rate,
                        respiratory_rate=self.respiratory_rate, systolic=self.blood_pressure_systolic,
                        diastolic=self.blood_pressure_diastolic, spo2=self.oxygen_saturation)


def _storable(value: Decimal, *, digits: int, places: int) -> Decimal | None:
    """`value` as a numeric(digits, places) column keeps it; None when no such column can (NaN, infinite, too big).

    A decimal like 1e-999999 passes a range check but cannot even be sent to PostgreSQL: rounded, it is 0.
    """
    if not value.is_finite() or abs(value) >= Decimal(10) ** (digits - places):
        return None
    return value.quantize(Decimal(1).scaleb(-places))


def _check_weight(weight_kg: Decimal | None) -> None:
    if weight_kg is None:
        return
    kept = _storable(weight_kg, digits=5, places=2)  # opd_triage / consultations: numeric(5, 2)
    if kept is None or not Decimal(0) < kept <= Decimal(500):
        raise ValidationFailed(fields={"weightKg": "must be more than 0 and at most 500 kg"})


async def triage(actor: Actor, visit_id: UUID, vitals: Vitals, *, priority: QueuePriority | None,
                 notes: str | None) -> dict[str, Any]:
    """Record triage observations, score them with NEWS2 and raise the token's priority when they call for it."""
    vitals.check()
    observation = PartialObservation(
        respiratory_rate=vitals.respiratory_rate, spo2=vitals.oxygen_saturation, on_oxygen=vitals.on_oxygen,
        systolic=vitals.blood_pressure_systolic, heart_rate=vitals.heart_rate,
        consciousness=Consciousness(vitals.consciousness) if vitals.consciousness else None,
        temperature=vitals.temperature, diastolic=vitals.blood_pressure_diastolic,
    )
    score = score_if_complete(observation)
    async with transaction():
        token = await _token_of_visit(visit_id)
        if token["status"] not in OPEN_TOKEN_STATES:
            raise InvalidTransition(f"This visit's token is {token['status']}: triage is for patients still here",
                                    current_state=token["status"])
        before = QueuePriority(token["priority"])
        decision = triage_priority(before, score=score, requested=priority)
        triage_id = uuid4()
        row = await fetchrow(
            "INSERT INTO opd_triage (id, visit_id, patient_id, token_id, temperature, heart_rate, respiratory_rate, "
            "blood_pressure_systolic, blood_pressure_diastolic, oxygen_saturation, on_oxygen, consciousness, "
            "weight_kg, height_cm, news2_score, news2_band, news2_sub_scores, priority_before, priority_after, notes, "
            "recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
            "$16, $17::jsonb, $18, $19, $20, $21, now()) RETURNING *",
            triage_id, visit_id, token["patient_id"], token["id"], vitals.temperature, vitals.heart_rate,
            vitals.respiratory_rate, vitals.blood_pressure_systolic, vitals.blood_pressure_diastolic,
            vitals.oxygen_saturation, vitals.on_oxygen, vitals.consciousness, vitals.weight_kg, vitals.height_cm,
            score.total if score else None, score.band.value if score else None,
            json.dumps(score.sub_scores.as_dict()) if score else None, before.value, decision.priority.value,
            (notes or "").strip() or None, actor.user_id,
        )
        assert row is not None
        result = dict(row)
        await audit.record(actor, action="CREATE", table="opd_triage", record_id=triage_id,
                           new={k: v for k, v in result.items() if k != "news2_sub_scores"})
        changed = decision.priority is not before and token["status"] != TokenStatus.IN_CONSULTATION.value
        if changed:
            await _update_token(actor, token, "PRIORITY", priority=decision.priority.value,
                                priority_reason=decision.reason)
            await _publish(token["department_id"], token["token_date"], [(token["id"], QueueAction.PRIORITY_CHANGED)])
    result["priority_changed"] = changed
    result["news2_response"] = score.response if score else None
    result["missing_for_news2"] = list(observation.missing())
    return result


# --- Consultations -------------------------------------------------------------------------------

CONSULTATION_COLUMNS = (
    "id, visit_id, patient_id, doctor_id, chief_complaint, history, examination_findings, diagnosis, "
    "diagnosis_codes, treatment_plan, notes, temperature, heart_rate, blood_pressure_systolic, "
    "blood_pressure_diastolic, respiratory_rate, weight_kg, height_cm, consultation_start_time, "
    "consultation_end_time, duration_minutes, follow_up_required, follow_up_date, follow_up_notes, version, "
    "created_at, updated_at"
)
_TEXT_FIELDS = ("chief_complaint", "history", "examination_findings", "diagnosis", "treatment_plan", "notes")
_VITAL_FIELDS = ("temperature", "heart_rate", "blood_pressure_systolic", "blood_pressure_diastolic",
                 "respiratory_rate", "weight_kg", "height_cm")


def _clean_fields(values: Mapping[str, Any]) -> dict[str, Any]:
    """Text trimmed (an empty one becomes null), ICD-10 codes checked and written as the list writes them."""
    cleaned: dict[str, Any] = {}
    for name, value in values.items():
        if name in _TEXT_FIELDS and isinstance(value, str):
            value = value.strip() or None
        if name == "diagnosis_codes":
            value = [c.code for c in icd10.validate_codes(value or [])]
        cleaned[name] = value
    _check_weight(cleaned.get("weight_kg"))
    vitals = {k: cleaned.get(k) for k in ("temperature", "heart_rate", "respiratory_rate",
                                          "blood_pressure_systolic", "blood_pressure_diastolic")}
    validate_vitals(temperature=vitals["temperature"], heart_rate=vitals["heart_rate"],
                    respiratory_rate=vitals["respiratory_rate"], systolic=vitals["blood_pressure_systolic"],
                    diastolic=vitals["blood_pressure_diastolic"])
    return cleaned


async def _consultation(consultation_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    row = await fetchrow(
        f"SELECT {CONSULTATION_COLUMNS} FROM opd_consultations WHERE id = $1{' FOR UPDATE' if lock else ''}",
        consultation_id,
    )
    if row is None:
        raise NotFound("No such consultation")
    return dict(row)


async def _open_visit_for(doctor: Mapping[str, Any], patient_id: UUID, today: date) -> UUID:
    row = await fetchrow(
        "SELECT t.visit_id FROM queue_tokens t JOIN patient_visits v ON v.id = t.visit_id "
        "WHERE v.patient_id = $1 AND t.token_date = $2 AND t.department_id = $3 AND t.status IN ('WAITING', 'CALLED') "
        "AND (t.doctor_id = $4 OR t.doctor_id IS NULL) "
        "ORDER BY (t.status = 'CALLED') DESC, (t.doctor_id IS NOT NULL) DESC, t.token_number LIMIT 1",
        patient_id, today, doctor["department_id"], doctor["id"],
    )
    if row is None:
        raise Conflict("This patient is not waiting in your queue today: check them in first",
                       fields={"patientId": "not in your queue"})
    return UUID(str(row["visit_id"]))


async def create_consultation(
    actor: Actor, *, visit_id: UUID | None, patient_id: UUID | None, named_doctor: UUID | None,
    fields: Mapping[str, Any], template_id: str | None,
) -> dict[str, Any]:
    """Start the consultation of a patient in the doctor's queue: the token goes IN_CONSULTATION.

    `fields` are column names (those sent); a template fills the ones not sent; vitals not sent are taken
    from the visit's latest triage.
    """
    doctor = await _signed_in_doctor(actor, "Consultations")
    if named_doctor is not None and named_doctor != doctor["id"]:
        raise PermissionDenied("A consultation is written by the signed-in doctor: doctorId must be your own")
    values = dict(fields)
    if template_id is not None:
        chosen = find_template(template_id)
        if chosen is None:
            raise ValidationFailed(fields={"templateId": "No such template"})
        for name, value in (("chief_complaint", chosen.chief_complaint), ("history", chosen.history),
                            ("examination_findings", chosen.examination_findings), ("diagnosis", chosen.diagnosis),
                            ("diagnosis_codes", list(chosen.diagnosis_codes)),
                            ("treatment_plan", chosen.treatment_plan)):
            values.setdefault(name, value)
    values = _clean_fields(values)
    today = _today()
    async with transaction():
        if visit_id is None:
            assert patient_id is not None
            visit_id = await _open_visit_for(doctor, patient_id, today)
        token = await _token_of_visit(visit_id)
        if patient_id is not None and patient_id != token["patient_id"]:
            raise ValidationFailed(fields={"patientId": "is not the patient of this visit"})
        _require_own_queue(actor, doctor, token)
        existing = await fetchrow("SELECT id FROM opd_consultations WHERE visit_id = $1 LIMIT 1", visit_id)
        if existing is not None:
            raise Conflict("This visit already has a consultation", extra={"consultationId": str(existing["id"])})
        status = TokenStatus(token["status"])
        current = waiting_token(token)
        token_changes: dict[str, Any] = {}
        if status is TokenStatus.WAITING:  # seen straight away, without being called through the display
            current = queue_rules.call(current)
            token_changes.update(call_count=current.call_count, passed_over_count=0, held_for_calls=0,
                                 room=token["room"] or doctor["opd_room"], called_at=_now())
        elif status is not TokenStatus.CALLED:
            raise InvalidTransition(f"This visit's token is {status.value}: a consultation starts from the queue",
                                    current_state=status.value)
        started = queue_rules.start_consultation(current)
        now = _now()
        await _update_token(actor, token, "START_CONSULTATION", status=started.status.value, doctor_id=doctor["id"],
                            consultation_started_at=now, **token_changes)
        triaged = await fetchrow(
            "SELECT temperature, heart_rate, respiratory_rate, blood_pressure_systolic, blood_pressure_diastolic, "
            "weight_kg, height_cm FROM opd_triage WHERE visit_id = $1 ORDER BY recorded_at DESC LIMIT 1", visit_id,
        )
        for name in _VITAL_FIELDS:
            if values.get(name) is None and triaged is not None and triaged[name] is not None:
                values[name] = triaged[name]
        if not values.get("chief_complaint"):
            values["chief_complaint"] = token["chief_complaint"] or ""
        consultation_id = uuid4()
        columns: dict[str, Any] = {
            "id": consultation_id, "visit_id": visit_id, "patient_id": token["patient_id"], "doctor_id": doctor["id"],
            "chief_complaint": values.get("chief_complaint") or "", "diagnosis": values.get("diagnosis") or "",
            "diagnosis_codes": values.get("diagnosis_codes") or [], "consultation_start_time": now,
            "follow_up_required": False, "version": 1,
            **{n: values.get(n)
               for n in ("history", "examination_findings", "treatment_plan", "notes", *_VITAL_FIELDS)},
        }
        names = list(columns)
        row = await fetchrow(
            f"INSERT INTO opd_consultations ({', '.join(names)}, created_at, updated_at) VALUES "
            f"({', '.join(f'${i}' for i in range(1, len(names) + 1))}, now(), now()) RETURNING {CONSULTATION_COLUMNS}",
            *[columns[n] for n in names],
        )
        assert row is not None
        await audit.record(actor, action="CREATE", table="opd_consultations", record_id=consultation_id,
                           new={**dict(row), "template_id": template_id})
        await _set_visit(actor, visit_id, status=VisitStatus.IN_CONSULTATION.value, assigned_doctor_id=doctor["id"])
        await _set_appointment_status(actor, token["appointment_id"], AppointmentStatus.IN_PROGRESS)
        await _publish(token["department_id"], token["token_date"], [(token["id"], QueueAction.CONSULTATION_STARTED)])
    return dict(row)


@dataclass
class ConsultationRecord:
    consultation: dict[str, Any]
    patient: dict[str, Any]
    allergies: list[dict[str, Any]]
    doctor: dict[str, Any]
    prescriptions: list[dict[str, Any]]
    triage: list[dict[str, Any]]
    bill: dict[str, Any] | None = None


_PRESCRIPTION_ITEMS_SQL = """
SELECT i.id, i.prescription_id, i.medicine_id, m.name AS medicine_name, m.generic_name, m.strength, m.form,
       i.dose_quantity, i.dose_unit, i.frequency, i.duration_days, i.instructions, i.status, i.override_reason,
       i.warnings::text AS warnings
FROM prescription_items i JOIN medicines m ON m.id = i.medicine_id
WHERE i.prescription_id = ANY($1::uuid[]) ORDER BY i.created_at, i.id
"""


async def _prescriptions_of(consultation_id: UUID) -> list[dict[str, Any]]:
    prescriptions = [{**dict(r), "items": []} for r in await fetch(
        "SELECT id, consultation_id, patient_id, doctor_id, prescribed_date FROM prescriptions "
        "WHERE consultation_id = $1 ORDER BY prescribed_date, id", consultation_id,
    )]
    by_id = {p["id"]: p for p in prescriptions}
    if by_id:
        for item in await fetch(_PRESCRIPTION_ITEMS_SQL, list(by_id)):
            entry = dict(item)
            entry["warnings"] = json.loads(entry["warnings"]) if entry["warnings"] else []
            by_id[item["prescription_id"]]["items"].append(entry)
    return prescriptions


async def get_consultation(actor: Actor, consultation_id: UUID) -> ConsultationRecord:
    """The consultation with its patient, allergies, prescriptions and triage (a clinical read, audited)."""
    head = await _consultation(consultation_id)
    basis = await patients_service.require_record_access(actor, head["patient_id"], part="consultation")
    async with transaction():
        consultation = await _consultation(consultation_id)
        patient = await patients_service.live_patient(consultation["patient_id"])
        allergies = (await patients_service.allergies_of([patient["id"]]))[patient["id"]]
        doctor = await doctor_by_id(consultation["doctor_id"])
        assert doctor is not None
        prescriptions = await _prescriptions_of(consultation_id)
        triage_rows = [dict(r) for r in await fetch(
            "SELECT id, temperature, heart_rate, respiratory_rate, blood_pressure_systolic, blood_pressure_diastolic, "
            "oxygen_saturation, on_oxygen, consciousness, weight_kg, height_cm, news2_score, news2_band, "
            "priority_before, priority_after, notes, recorded_at FROM opd_triage WHERE visit_id = $1 "
            "ORDER BY recorded_at", consultation["visit_id"],
        )]
        await audit.record(actor, action="READ", table="opd_consultations", record_id=consultation_id,
                           new={"patient_id": patient["id"], "access": basis})
    return ConsultationRecord(consultation=consultation, patient=patient, allergies=allergies, doctor=doctor,
                              prescriptions=prescriptions, triage=triage_rows)


async def _amendable(actor: Actor, consultation: Mapping[str, Any]) -> None:
    doctor = await doctor_by_id(consultation["doctor_id"])
    assert doctor is not None
    if actor.role is None or actor.user_id is None or not may_amend_note(actor.role, actor.user_id, doctor["user_id"]):
        raise PermissionDenied("A consultation is its doctor's record: add your own notes instead of changing it")


async def update_consultation(actor: Actor, consultation_id: UUID, changes: Mapping[str, Any], *,
                              expected_version: int) -> dict[str, Any]:
    """Change the fields sent (column names), if the actor wrote it (or is ADMIN) and the version is current."""
    values = _clean_fields(changes)
    for required in ("chief_complaint", "diagnosis"):
        if required in values and values[required] is None:
            values[required] = ""
    async with transaction():
        old = await _consultation(consultation_id, lock=True)
        await _amendable(actor, old)
        _check_version(old, expected_version, "consultation")
        changed = {n: v for n, v in values.items() if v != old[n]}
        if not changed:
            return old
        names = list(changed)
        assignments = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=2))
        row = await fetchrow(
            f"UPDATE opd_consultations SET {assignments}, version = version + 1, updated_at = now() WHERE id = $1 "
            f"RETURNING {CONSULTATION_COLUMNS}", consultation_id, *[changed[n] for n in names],
        )
        assert row is not None
        await audit.record(actor, action="UPDATE", table="opd_consultations", record_id=consultation_id,
                           old={**{n: old[n] for n in names}, "version": old["version"]},
                           new={**changed, "version": row["version"]})
    return dict(row)


async def add_note(actor: Actor, consultation_id: UUID, note: str) -> dict[str, Any]:
    """Append a timestamped note (the spec's POST /opd/consultations/:id/notes)."""
    text = note.strip()
    if not text:
        raise ValidationFailed(fields={"notes": "Write the note"})
    async with transaction():
        old = await _consultation(consultation_id, lock=True)
        await _amendable(actor, old)
        stamp = hospital_time(_now()).strftime("%d-%m-%Y %H:%M")
        combined = f"{old['notes']}\n[{stamp}] {text}" if old["notes"] else f"[{stamp}] {text}"
        row = await fetchrow(
            f"UPDATE opd_consultations SET notes = $2, version = version + 1, updated_at = now() WHERE id = $1 "
            f"RETURNING {CONSULTATION_COLUMNS}", consultation_id, combined,
        )
        assert row is not None
        await audit.record(actor, action="ADD_NOTE", table="opd_consultations", record_id=consultation_id,
                           old={"version": old["version"]}, new={"note": text, "version": row["version"]})
    return dict(row)


# --- Prescriptions -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PrescriptionLine:
    medicine_id: UUID
    dose: Decimal
    frequency: str
    duration_days: int
    dose_unit: str | None = None
    instructions: str | None = None
    override_reason: str | None = None


@dataclass
class PrescriptionResult:
    prescription: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)


def _medicine(row: Mapping[str, Any]) -> Medicine:
    return Medicine(id=row["id"], name=row["name"], generic_name=row["generic_name"], drug_class=row["drug_class"])


async def prescribe(actor: Actor, consultation_id: UUID, lines: Sequence[PrescriptionLine]) -> PrescriptionResult:
    """Prescribe from the formulary: every line checked (nothing written if one fails), allergy and duplicate
    warnings raised, each overridden only with a reason that is kept with the line."""
    check_line_count(lines)
    consultation = await _consultation(consultation_id)
    doctor = await _signed_in_doctor(actor, "Prescriptions")
    if consultation["doctor_id"] != doctor["id"]:
        raise PermissionDenied("Only the consultation's own doctor prescribes on it")
    checked = await check_lines(lines)
    async with transaction():
        prescription_id = await write_prescription(actor, checked, patient_id=consultation["patient_id"],
                                                   doctor_id=doctor["id"], consultation_id=consultation_id)
        stored = next(p for p in await _prescriptions_of(consultation_id) if p["id"] == prescription_id)
        prescription = {k: v for k, v in stored.items() if k != "items"}
    return PrescriptionResult(prescription=prescription, items=stored["items"])


def check_line_count(lines: Sequence[PrescriptionLine]) -> None:
    if not lines:
        raise ValidationFailed(fields={"medicines": "Prescribe at least one medicine"})
    if len(lines) > MAX_ITEMS:
        raise ValidationFailed(fields={"medicines": f"At most {MAX_ITEMS} medicines on one prescription"})


@dataclass(frozen=True)
class CheckedLines:
    """Prescription lines that passed the formulary checks: each line's medicine, frequency and dose unit."""

    lines: Sequence[PrescriptionLine]
    medicines: list[Medicine]
    frequencies: list[Frequency]
    units: list[str]


async def check_lines(lines: Sequence[PrescriptionLine]) -> CheckedLines:
    """Every line against the formulary (medicine, frequency, dose unit, amounts): all problems at once."""
    check_line_count(lines)
    found = {r["id"]: dict(r) for r in await fetch(
        "SELECT id, name, generic_name, drug_class, form, strength FROM medicines WHERE id = ANY($1::uuid[])",
        list({line.medicine_id for line in lines}),
    )}
    problems: dict[str, str] = {}
    frequencies: list[Frequency | None] = []
    units: list[str | None] = []
    for index, line in enumerate(lines):
        medicine = found.get(line.medicine_id)
        if medicine is None:
            problems[f"medicines[{index}].medicineId"] = "is not a medicine of the formulary"
        try:
            frequencies.append(validate_frequency(line.frequency, field=f"medicines[{index}].frequency"))
        except ValidationFailed as exc:
            problems.update(exc.fields)
            frequencies.append(None)
        unit = dose_unit_for(line.dose_unit, medicine["form"] if medicine else None)
        if unit is None and (line.dose_unit is not None or medicine is not None):
            problems[f"medicines[{index}].doseUnit"] = (
                "is not a dose unit the hospital uses" if line.dose_unit is not None
                else "Give the dose unit (tab, cap, ml, mg...)"
            )
        units.append(unit)
        problems.update(validate_amounts(index=index, dose=line.dose, duration_days=line.duration_days))
        dose_field = f"medicines[{index}].dose"
        kept = _storable(line.dose, digits=10, places=2)  # prescription_items.dose_quantity: numeric(10, 2)
        if dose_field not in problems and (kept is None or kept <= 0):
            problems[dose_field] = "must be from 0.01 to 99999999.99"
    if problems:
        raise ValidationFailed("Some medicines are not valid; nothing was prescribed", fields=problems)
    return CheckedLines(lines=lines, medicines=[_medicine(found[line.medicine_id]) for line in lines],
                        frequencies=[f for f in frequencies if f is not None],
                        units=[u for u in units if u is not None])


async def write_prescription(actor: Actor, checked: CheckedLines, *, patient_id: UUID, doctor_id: UUID,
                             consultation_id: UUID | None = None, admission_id: UUID | None = None,
                             now: datetime | None = None) -> UUID:
    """Write a checked prescription (in the caller's transaction): allergy and duplicate warnings raised against
    the patient's allergies and current medicines, each overridden only with a reason kept with the line.
    OPD consultations and IPD admissions both prescribe through this. Returns the prescription's id."""
    lines, medicines, frequencies, units = checked.lines, checked.medicines, checked.frequencies, checked.units
    now = now or _now()
    async with transaction():
        allergies = [Allergy(allergen=a["allergen"], allergen_type=a["allergen_type"], severity=a["severity"],
                             reaction=a["reaction"])
                     for a in (await patients_service.allergies_of([patient_id]))[patient_id]]
        current = [
            CurrentMedication(medicine=_medicine(r), prescription_item_id=r["item_id"])
            for r in await fetch(
                "SELECT m.id, m.name, m.generic_name, m.drug_class, i.id AS item_id FROM prescription_items i "
                "JOIN prescriptions pr ON pr.id = i.prescription_id JOIN medicines m ON m.id = i.medicine_id "
                "WHERE pr.patient_id = $1 AND i.status IN ('PRESCRIBED', 'DISPENSED') "
                "AND pr.prescribed_date + make_interval(days => i.duration_days) > $2",
                patient_id, now,
            )
        ]
        warnings = check_prescription(medicines, allergies=allergies, current=current)
        checks = [
            ItemCheck(index=i, medicine=m, warnings=w, override_reason=clean_override_reason(lines[i].override_reason))
            for i, (m, w) in enumerate(zip(medicines, warnings, strict=True))
        ]
        require_overrides(checks)
        prescription_id = uuid4()
        prescription = await fetchrow(
            "INSERT INTO prescriptions (id, consultation_id, ipd_admission_id, patient_id, doctor_id, prescribed_date, "
            "created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, now(), now()) RETURNING id, consultation_id, "
            "ipd_admission_id, patient_id, doctor_id, prescribed_date",
            prescription_id, consultation_id, admission_id, patient_id, doctor_id, now,
        )
        assert prescription is not None
        for index, (line, check) in enumerate(zip(lines, checks, strict=True)):
            item_id = uuid4()
            shown = [w.as_dict() for w in check.warnings]
            await execute(
                "INSERT INTO prescription_items (id, prescription_id, medicine_id, dose_quantity, dose_unit, "
                "frequency, duration_days, instructions, status, override_reason, warnings, created_at, updated_at) "
                "VALUES "
                "($1, $2, $3, $4, $5, $6, $7, $8, 'PRESCRIBED', $9, $10::jsonb, $11, $11)",
                item_id, prescription_id, line.medicine_id, line.dose, units[index], frequencies[index].value,
                line.duration_days, (line.instructions or "").strip() or None,
                check.override_reason if check.warnings else None, json.dumps(shown) if shown else None,
                # Lines keep the order they were written in (items are listed by created_at).
                now + timedelta(microseconds=index),
            )
            if check.warnings:
                await audit.record(actor, action="OVERRIDE_WARNING", table="prescription_items", record_id=item_id,
                                   new={"medicine_id": line.medicine_id, "warnings": shown,
                                        "reason": check.override_reason})
        await audit.record(actor, action="CREATE", table="prescriptions", record_id=prescription_id, new={
            **dict(prescription),
            "items": [{"medicine_id": line.medicine_id, "dose": line.dose, "dose_unit": units[i],
                       "frequency": frequencies[i], "duration_days": line.duration_days}
                      for i, line in enumerate(lines)],
        })
    return prescription_id


async def prescription_items_of(prescription_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    """The items of each prescription, in the order they were written (warnings decoded)."""
    found: dict[UUID, list[dict[str, Any]]] = {pid: [] for pid in prescription_ids}
    if prescription_ids:
        for item in await fetch(_PRESCRIPTION_ITEMS_SQL, list(prescription_ids)):
            entry = dict(item)
            entry["warnings"] = json.loads(entry["warnings"]) if entry["warnings"] else []
            found[item["prescription_id"]].append(entry)
    return found


async def prescription_for_print(actor: Actor, prescription_id: UUID) -> dict[str, Any]:
    """Everything the printed prescription shows: doctor (name, qualification, registration and council),
    patient, diagnosis, medicines, advice and follow-up. A read of patient data, audited."""
    head = await fetchrow("SELECT id, patient_id, consultation_id, doctor_id FROM prescriptions WHERE id = $1",
                          prescription_id)
    if head is None:
        raise NotFound("No such prescription")
    basis = "ROLE"
    if actor.role is not None and actor.role is not Role.PHARMACY_STAFF:
        basis = await patients_service.require_record_access(actor, head["patient_id"], part="prescription")
    async with transaction():
        patient = await patients_service.live_patient(head["patient_id"])
        doctor = await doctor_by_id(head["doctor_id"])
        assert doctor is not None
        consultation = await _consultation(head["consultation_id"]) if head["consultation_id"] else None
        prescription = await fetchrow("SELECT id, prescribed_date FROM prescriptions WHERE id = $1", prescription_id)
        assert prescription is not None
        items = []
        for item in await fetch(_PRESCRIPTION_ITEMS_SQL, [prescription_id]):
            entry = dict(item)
            entry["warnings"] = json.loads(entry["warnings"]) if entry["warnings"] else []
            try:
                entry["frequency_label"] = FREQUENCY_LABELS[Frequency(entry["frequency"])]
            except ValueError:
                entry["frequency_label"] = entry["frequency"]
            items.append(entry)
        allergies = (await patients_service.allergies_of([patient["id"]]))[patient["id"]]
        await audit.record(actor, action="READ", table="prescriptions", record_id=prescription_id,
                           new={"part": "print", "patient_id": patient["id"], "access": basis})
    return {"prescription": dict(prescription), "patient": patient, "doctor": doctor, "consultation": consultation,
            "items": items, "allergies": allergies, "today": _today()}


# --- Completing a consultation: follow-up and the draft bill -------------------------------------


async def next_bill_number(year: int) -> str:
    """The next bill number of the hospital year (BILL-2026-000123); call inside the bill's transaction."""
    return await _next_bill_number(year)


async def _next_bill_number(year: int) -> str:
    # One counter per hospital year, under a lock held to commit (as MRNs are numbered).
    await execute("SELECT pg_advisory_xact_lock(hashtext('bill-number'))")
    top = await fetchrow(
        "SELECT coalesce(max(split_part(bill_number, '-', 3)::bigint), 0) AS n FROM bills "
        "WHERE bill_number LIKE $1 AND split_part(bill_number, '-', 3) ~ '^[0-9]+$'",
        f"BILL-{year:04d}-%",
    )
    return f"BILL-{year:04d}-{int(top['n'] if top else 0) + 1:06d}"


async def _bookings_of(doctor_id: UUID, day: date, *, excluding: UUID | None = None) -> list[Booking]:
    start, end = day_bounds_utc(day)
    rows = await fetch(
        "SELECT appointment_date, duration_minutes FROM appointments WHERE doctor_id = $1 AND appointment_date >= $2 "
        "AND appointment_date < $3 AND status = ANY($4::text[]) AND ($5::uuid IS NULL OR id <> $5)",
        doctor_id, start, end, list(BOOKED_STATES), excluding,
    )
    return [Booking(r["appointment_date"], int(r["duration_minutes"])) for r in rows]


async def _lock_doctor_bookings(doctor_id: UUID) -> None:
    await execute("SELECT pg_advisory_xact_lock(hashtext($1))", f"appointments:{doctor_id}")


async def _book_follow_up(actor: Actor, doctor: Mapping[str, Any], patient_id: UUID, wanted: date, reason: str
                          ) -> dict[str, Any] | None:
    """The first free slot on `wanted` (or the next days the doctor sees patients), booked as SCHEDULED."""
    await _lock_doctor_bookings(doctor["id"])
    hours = _hours(doctor)
    duration = 15
    for offset in range(FOLLOW_UP_SEARCH_DAYS):
        day = wanted + timedelta(days=offset)
        slot = first_free_slot(day, duration, hours, await _bookings_of(doctor["id"], day), not_before=_now())
        if slot is None:
            continue
        appointment_id = uuid4()
        row = await fetchrow(
            "INSERT INTO appointments (id, patient_id, doctor_id, appointment_date, duration_minutes, reason, status, "
            "version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'SCHEDULED', 1, now(), now()) "
            "RETURNING *",
            appointment_id, patient_id, doctor["id"], slot, duration, reason[:200],
        )
        assert row is not None
        await audit.record(actor, action="CREATE", table="appointments", record_id=appointment_id,
                           new={**dict(row), "follow_up_of_date": wanted})
        return dict(row)
    return None


async def _draft_bill(actor: Actor, visit: Mapping[str, Any], doctor: Mapping[str, Any], consultation_id: UUID
                      ) -> dict[str, Any]:
    """The visit's DRAFT bill (made now if there is none) with the consultation charge as an item."""
    last = await fetchrow(
        "SELECT max(consultation_end_time) AS at FROM opd_consultations WHERE patient_id = $1 AND doctor_id = $2 "
        "AND id <> $3 AND consultation_end_time IS NOT NULL",
        visit["patient_id"], doctor["id"], consultation_id,
    )
    days = (_today() - hospital_day(last["at"])).days if last and last["at"] else None
    amount, item_name = consultation_charge(
        doctor["consultation_fee"], is_follow_up=visit["visit_type"] == VisitType.FOLLOW_UP.value or days is not None,
        days_since_last_charged=days,
    )
    bill = await fetchrow("SELECT * FROM bills WHERE visit_id = $1 AND status = 'DRAFT' ORDER BY created_at LIMIT 1 "
                          "FOR UPDATE", visit["id"])
    if bill is None:
        bill_id = uuid4()
        number = await _next_bill_number(_today().year)
        bill_type = "EMERGENCY" if visit["visit_type"] == VisitType.EMERGENCY.value else "OPD"
        bill = await fetchrow(
            "INSERT INTO bills (id, bill_number, patient_id, visit_id, bill_date, bill_type, subtotal, discount, tax, "
            "total_amount, amount_paid, balance, status, version, created_at, updated_at) "
            "VALUES ($1, $2, $3, $4, now(), $5, 0, 0, 0, 0, 0, 0, 'DRAFT', 1, now(), now()) RETURNING *",
            bill_id, number, visit["patient_id"], visit["id"], bill_type,
        )
        assert bill is not None
        await audit.record(actor, action="CREATE", table="bills", record_id=bill_id, new=dict(bill))
    item_id = uuid4()
    name = f"{item_name} - Dr {doctor['name']}"[:200]
    await execute(
        "INSERT INTO bill_items (id, bill_id, item_type, item_name, quantity, unit_rate, amount, created_at) "
        "VALUES ($1, $2, 'CONSULTATION', $3, 1, $4, $4, now())", item_id, bill["id"], name, amount,
    )
    updated = await fetchrow(
        "UPDATE bills SET subtotal = subtotal + $2, total_amount = total_amount + $2, balance = balance + $2, "
        "version = version + 1, updated_at = now() WHERE id = $1 RETURNING *", bill["id"], amount,
    )
    assert updated is not None
    await audit.record(actor, action="ADD_ITEM", table="bills", record_id=bill["id"],
                       old={"total_amount": bill["total_amount"], "version": bill["version"]},
                       new={"item_id": item_id, "item_type": "CONSULTATION", "item_name": name, "amount": amount,
                            "total_amount": updated["total_amount"], "version": updated["version"]})
    result = dict(updated)
    result["items"] = [dict(r) for r in await fetch(
        "SELECT id, item_type, item_name, quantity, unit_rate, amount FROM bill_items WHERE bill_id = $1 "
        "ORDER BY created_at, id", bill["id"])]
    return result


@dataclass
class Completion:
    consultation: dict[str, Any]
    bill: dict[str, Any]
    follow_up: dict[str, Any] | None


async def complete_consultation(
    actor: Actor, consultation_id: UUID, *, follow_up_required: bool, follow_up_date: date | None,
    follow_up_notes: str | None,
) -> Completion:
    """Close the consultation and the visit, book the follow-up, and leave a DRAFT bill with the consultation."""
    today = _today()
    if follow_up_required and follow_up_date is None:
        raise ValidationFailed(fields={"followUpDate": "Give the follow-up date"})
    if follow_up_date is not None and not today < follow_up_date <= today + timedelta(days=180):
        raise ValidationFailed(fields={"followUpDate": "must be after today and within 180 days"})
    head = await _consultation(consultation_id)
    doctor = await doctor_by_id(head["doctor_id"])
    assert doctor is not None
    if actor.role is not Role.ADMIN and doctor["user_id"] != actor.user_id:
        raise PermissionDenied("Only the consultation's own doctor completes it")
    async with transaction():
        token = await _token_of_visit(head["visit_id"])
        # Before any appointment row: rescheduling takes this lock first and the row second.
        await _lock_doctor_bookings(doctor["id"])
        consultation = await _consultation(consultation_id, lock=True)
        if consultation["consultation_end_time"] is not None:
            raise Conflict("This consultation is already completed")
        if not (consultation["diagnosis"] or "").strip():
            raise ValidationFailed(fields={"diagnosis": "Record a diagnosis before completing the consultation"})
        completed = queue_rules.complete(waiting_token(token))
        now = _now()
        minutes = max(1, math.ceil((now - consultation["consultation_start_time"]).total_seconds() / 60))
        wants_follow_up = follow_up_required or follow_up_date is not None
        row = await fetchrow(
            "UPDATE opd_consultations SET consultation_end_time = $2, duration_minutes = $3, follow_up_required = $4, "
            "follow_up_date = $5, follow_up_notes = $6, version = version + 1, updated_at = now() WHERE id = $1 "
            f"RETURNING {CONSULTATION_COLUMNS}",
            consultation_id, now, minutes, wants_follow_up, follow_up_date, (follow_up_notes or "").strip() or None,
        )
        assert row is not None
        await audit.record(actor, action="COMPLETE", table="opd_consultations", record_id=consultation_id,
                           old={"version": consultation["version"]},
                           new={"consultation_end_time": now, "duration_minutes": minutes,
                                "follow_up_required": wants_follow_up, "follow_up_date": follow_up_date,
                                "version": row["version"]})
        await _update_token(actor, token, "COMPLETE", status=completed.status.value, completed_at=now)
        visit_now = await fetchrow("SELECT status FROM patient_visits WHERE id = $1", head["visit_id"])
        if visit_now is None or visit_now["status"] != VisitStatus.ADMITTED.value:
            # A visit the patient was admitted from stays ADMITTED: that is how it ended.
            await _set_visit(actor, head["visit_id"], status=VisitStatus.COMPLETED.value)
        await _set_appointment_status(actor, token["appointment_id"], AppointmentStatus.COMPLETED)
        follow_up = None
        if wants_follow_up and follow_up_date is not None:
            follow_up = await _book_follow_up(
                actor, doctor, consultation["patient_id"], follow_up_date,
                f"Follow-up: {consultation['diagnosis']}" if consultation["diagnosis"] else "Follow-up",
            )
        visit = await fetchrow("SELECT id, patient_id, visit_type FROM patient_visits WHERE id = $1", head["visit_id"])
        assert visit is not None
        bill = await _draft_bill(actor, visit, doctor, consultation_id)
        await _publish(token["department_id"], token["token_date"], [(token["id"], QueueAction.COMPLETED)])
    return Completion(consultation=dict(row), bill=bill, follow_up=follow_up)


# --- Appointments --------------------------------------------------------------------------------

_APPOINTMENT_SQL = f"""
SELECT a.id, a.patient_id, a.doctor_id, a.appointment_date, a.duration_minutes, a.reason, a.status, a.version,
       a.created_at, a.updated_at, p.mrn, p.first_name, p.last_name, p.phone, p.date_of_birth, p.gender,
       {_name_sql('du')} AS doctor_name, d.department_id, dep.name AS department_name
FROM appointments a
JOIN patients p ON p.id = a.patient_id
JOIN doctors d ON d.id = a.doctor_id
JOIN users du ON du.id = d.user_id
LEFT JOIN departments dep ON dep.id = d.department_id
"""


async def _appointment(appointment_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    row = await fetchrow(f"{_APPOINTMENT_SQL} WHERE a.id = $1{' FOR UPDATE OF a' if lock else ''}", appointment_id)
    if row is None:
        raise NotFound("No such appointment")
    return dict(row)


async def _check_free(doctor_id: UUID, start: datetime, duration: int, *, excluding: UUID | None = None) -> None:
    day = hospital_day(start)
    booked = await _bookings_of(doctor_id, day, excluding=excluding)
    clash = clashes(Booking(start, duration), booked)
    if clash:
        times = ", ".join(hospital_time(b.start).strftime("%H:%M") for b in clash)
        raise Conflict(f"The doctor is already booked then ({times})", fields={"appointmentDate": "clashes"},
                       extra={"clashesWith": [b.start.isoformat() for b in clash]})


async def book_appointment(actor: Actor, *, patient_id: UUID, doctor_id: UUID, start: datetime, duration: int,
                           reason: str | None) -> dict[str, Any]:
    doctor = await doctor_by_id(doctor_id)
    if doctor is None or not doctor["is_active"]:
        raise NotFound("No such doctor", fields={"doctorId": "not found"})
    check_booking(start, duration, _hours(doctor), _now())
    async with transaction():
        await patients_service.live_patient(patient_id)
        await _lock_doctor_bookings(doctor_id)
        await _check_free(doctor_id, start, duration)
        appointment_id = uuid4()
        await execute(
            "INSERT INTO appointments (id, patient_id, doctor_id, appointment_date, duration_minutes, reason, status, "
            "version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'SCHEDULED', 1, now(), now())",
            appointment_id, patient_id, doctor_id, start, duration, (reason or "").strip() or None,
        )
        row = await _appointment(appointment_id)
        await audit.record(actor, action="CREATE", table="appointments", record_id=appointment_id,
                           new={k: row[k] for k in ("patient_id", "doctor_id", "appointment_date", "duration_minutes",
                                                    "reason", "status")})
    return row


async def reschedule_appointment(actor: Actor, appointment_id: UUID, *, expected_version: int,
                                 start: datetime | None, duration: int | None, doctor_id: UUID | None,
                                 reason: str | None) -> dict[str, Any]:
    async with transaction():
        head = await _appointment(appointment_id)
        target_doctor = doctor_id or head["doctor_id"]
        for lock_id in sorted({head["doctor_id"], target_doctor}, key=str):
            await _lock_doctor_bookings(lock_id)
        old = await _appointment(appointment_id, lock=True)
        _check_version(old, expected_version, "appointment")
        if old["status"] != AppointmentStatus.SCHEDULED.value:
            raise InvalidTransition(f"Only a SCHEDULED appointment can be changed; this one is {old['status']}",
                                    current_state=old["status"])
        doctor = await doctor_by_id(target_doctor)
        if doctor is None or not doctor["is_active"]:
            raise NotFound("No such doctor", fields={"doctorId": "not found"})
        new_start = start or old["appointment_date"]
        new_duration = duration or int(old["duration_minutes"])
        check_booking(new_start, new_duration, _hours(doctor), _now())
        await _check_free(target_doctor, new_start, new_duration, excluding=appointment_id)
        changes = {"appointment_date": new_start, "duration_minutes": new_duration, "doctor_id": target_doctor}
        if reason is not None:
            changes["reason"] = reason.strip() or None
        names = list(changes)
        assignments = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=2))
        await execute(f"UPDATE appointments SET {assignments}, version = version + 1, updated_at = now() WHERE id = $1",
                      appointment_id, *[changes[n] for n in names])
        row = await _appointment(appointment_id)
        await audit.record(actor, action="RESCHEDULE", table="appointments", record_id=appointment_id,
                           old={**{n: old[n] for n in names}, "version": old["version"]},
                           new={**changes, "version": row["version"]})
    return row


async def cancel_appointment(actor: Actor, appointment_id: UUID, reason: str, *, expected_version: int | None
                             ) -> dict[str, Any]:
    cleaned = " ".join(reason.split())
    if len(cleaned) < 3:
        raise ValidationFailed(fields={"reason": "Say why the appointment is cancelled"})
    async with transaction():
        old = await _appointment(appointment_id, lock=True)
        _check_version(old, expected_version, "appointment")
        if old["status"] != AppointmentStatus.SCHEDULED.value:
            raise InvalidTransition(f"Only a SCHEDULED appointment can be cancelled; this one is {old['status']}",
                                    current_state=old["status"])
        await execute("UPDATE appointments SET status = 'CANCELLED', version = version + 1, updated_at = now() "
                      "WHERE id = $1", appointment_id)
        row = await _appointment(appointment_id)
        await audit.record(actor, action="CANCEL", table="appointments", record_id=appointment_id,
                           old={"status": old["status"], "version": old["version"]},
                           new={"status": "CANCELLED", "reason": cleaned, "version": row["version"]})
    return row


async def list_appointments(*, doctor_id: UUID | None, patient_id: UUID | None, start: datetime, end: datetime,
                            status: str | None, limit: int) -> list[dict[str, Any]]:
    rows = await fetch(
        f"{_APPOINTMENT_SQL} WHERE a.appointment_date >= $1 AND a.appointment_date < $2 "
        "AND ($3::uuid IS NULL OR a.doctor_id = $3) AND ($4::uuid IS NULL OR a.patient_id = $4) "
        "AND ($5::text IS NULL OR a.status = $5) ORDER BY a.appointment_date, a.id LIMIT $6",
        start, end, doctor_id, patient_id, status, limit,
    )
    return [dict(r) for r in rows]


async def appointments_for(actor: Actor, *, doctor_id: UUID | None, patient_id: UUID | None, start: datetime,
                           end: datetime, status: str | None, limit: int) -> list[dict[str, Any]]:
    """GET /api/opd/appointments: the list, audited (it names patients)."""
    rows = await list_appointments(doctor_id=doctor_id, patient_id=patient_id, start=start, end=end, status=status,
                                   limit=limit)
    async with transaction():
        await audit.record(actor, action="READ", table="appointments", record_id=patient_id or doctor_id,
                           new={"part": "list", "doctor_id": doctor_id, "patient_id": patient_id, "start": start,
                                "end": end, "status": status, "count": len(rows)})
    return rows


async def doctor_week(actor: Actor, doctor_id: UUID, day: date) -> tuple[dict[str, Any], date, list[dict[str, Any]]]:
    """A doctor's appointments of the week (Monday to Sunday) `day` falls in (audited: it names patients)."""
    doctor = await doctor_by_id(doctor_id)
    if doctor is None:
        raise NotFound("No such doctor", fields={"doctorId": "not found"})
    monday, sunday = week_of(day)
    rows = await list_appointments(doctor_id=doctor_id, patient_id=None, start=day_bounds_utc(monday)[0],
                                   end=day_bounds_utc(sunday)[1], status=None, limit=2000)
    async with transaction():
        await audit.record(actor, action="READ", table="appointments", record_id=doctor_id,
                           new={"part": "week", "week_of": monday, "count": len(rows)})
    return doctor, monday, rows


# --- Reading the queue, schedules, dashboards ----------------------------------------------------


@asynccontextmanager
async def _repeatable_read() -> Any:
    async with transaction():
        await execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


async def queue_snapshot(department_id: UUID, with_names: bool, *, viewer: Actor | None = None,
                         day: date | None = None) -> tuple[Position, OpdBoard | DisplayBoard] | None:
    """The snapshot of `opd:{departmentId}` (with_names) or `display:{departmentId}` and the position it stands
    at, read in one REPEATABLE READ transaction; None when there is no such department.

    A board with names read by `viewer` leaves an audit row naming the patients on it.
    """
    topic = (opd_topic(department_id) if with_names else display_topic(department_id)).name
    today = day or _today()
    for _ in range(2):
        async with _repeatable_read():
            department = await fetchrow("SELECT id, name FROM departments WHERE id = $1", department_id)
            if department is None:
                return None
            counter = await fetchrow("SELECT seq, epoch FROM topic_counters WHERE topic = $1", topic)
            board: OpdBoard | DisplayBoard | None = None
            if counter is not None:
                state = await _queue_state(department_id, today)
                board = opd_board(state) if with_names else display_board(state, department["name"])
        if counter is not None and board is not None:
            if with_names and viewer is not None and isinstance(board, OpdBoard):
                await _audit_board(viewer, board)
            return Position(epoch=str(counter["epoch"]), seq=int(counter["seq"])), board
        await ensure_counter(topic)
    raise RuntimeError("the queue's topic counter could not be created")


async def _audit_board(viewer: Actor, board: OpdBoard) -> None:
    patients = [e.patient_id for name in ("waiting_patients", "in_consultation", "completed", "missed")
                for e in getattr(board, name)]
    if patients:
        async with transaction():
            await audit.record(viewer, action="READ", table="opd_queue", record_id=board.department_id,
                               new={"date": board.date, "patients": patients})


async def default_department(actor: Actor) -> UUID | None:
    """The department whose queue a person works by default: a doctor's, else the user's or their staff row's."""
    if actor.user_id is None:
        return None
    row = await fetchrow(
        "SELECT coalesce((SELECT department_id FROM doctors WHERE user_id = $1), "
        "(SELECT department_id FROM users WHERE id = $1), "
        "(SELECT department_id FROM hospital_staff WHERE user_id = $1)) AS department_id", actor.user_id,
    )
    return row["department_id"] if row else None


async def queue_board(actor: Actor, department_id: UUID | None, day: date | None) -> OpdBoard:
    """GET /api/opd/queue: the department's board with names, as `opd:{departmentId}` shows it."""
    department_id = department_id or await default_department(actor)
    if department_id is None:
        raise ValidationFailed(fields={"departmentId": "Say which department's queue"})
    await _department(department_id)
    # The rule of the live topic opd:{departmentId}, so the list and the live board always agree.
    if not may_watch_opd(await realtime.subscriber_facts(actor), department_id):
        raise PermissionDenied("This is another department's queue")
    async with _repeatable_read():
        state = await _queue_state(department_id, day or _today())
    board = opd_board(state)
    await _audit_board(actor, board)
    return board


async def doctor_schedule(actor: Actor, doctor_id: UUID, day: date) -> dict[str, Any]:
    """The spec's {appointments, consultations, availability} of one doctor and day, with queue counts."""
    doctor = await doctor_by_id(doctor_id)
    if doctor is None:
        raise NotFound("No such doctor", fields={"doctorId": "not found"})
    start, end = day_bounds_utc(day)
    appointments = await list_appointments(doctor_id=doctor_id, patient_id=None, start=start, end=end, status=None,
                                           limit=500)
    consultations = [dict(r) for r in await fetch(
        "SELECT c.id, c.visit_id, c.patient_id, p.mrn, p.first_name, p.last_name, c.consultation_start_time, "
        "c.consultation_end_time, c.duration_minutes, c.chief_complaint, c.diagnosis, c.follow_up_date, "
        "t.token_number FROM opd_consultations c JOIN patients p ON p.id = c.patient_id "
        "LEFT JOIN queue_tokens t ON t.visit_id = c.visit_id "
        "WHERE c.doctor_id = $1 AND c.consultation_start_time >= $2 AND c.consultation_start_time < $3 "
        "ORDER BY c.consultation_start_time, c.id", doctor_id, start, end,
    )]
    counts = {r["status"]: int(r["n"]) for r in await fetch(
        "SELECT status, count(*) AS n FROM queue_tokens WHERE doctor_id = $1 AND token_date = $2 GROUP BY status",
        doctor_id, day,
    )}
    pool = await fetchrow(
        "SELECT count(*) AS n FROM queue_tokens WHERE department_id = $1 AND token_date = $2 AND doctor_id IS NULL "
        "AND status = 'WAITING'", doctor["department_id"], day,
    ) if doctor["department_id"] else None
    async with transaction():
        await audit.record(actor, action="READ", table="opd_consultations", record_id=doctor_id,
                           new={"part": "schedule", "date": day, "appointments": len(appointments),
                                "consultations": len(consultations)})
    hours = _hours(doctor)
    window = hours.open_on(day)
    return {
        "doctor": doctor, "date": day, "appointments": appointments, "consultations": consultations,
        "availability": {
            "mon_fri_start": hours.mon_fri_start, "mon_fri_end": hours.mon_fri_end, "weekends": hours.weekends,
            "opens": window[0] if window else None, "closes": window[1] if window else None,
            "sees_patients": window is not None or not hours.known,
        },
        "queue": {**{s.value: counts.get(s.value, 0) for s in TokenStatus},
                  "unassignedWaiting": int(pool["n"]) if pool else 0},
    }


async def my_doctor(actor: Actor) -> dict[str, Any]:
    mine = await doctor_of_user(actor.user_id)
    if mine is None:
        raise NotFound("Your account has no doctor profile")
    return mine


async def receptionist_queue(actor: Actor, department_id: UUID | None) -> tuple[list[dict[str, Any]],
                                                                                list[dict[str, Any]]]:
    """Today's waiting tokens (one department, or all) and the appointments booked for today not yet checked in."""
    today = _today()
    start, end = day_bounds_utc(today)
    if department_id is not None:
        await _department(department_id)
    async with _repeatable_read():
        waiting = [dict(r) for r in await fetch(
            f"{_TOKEN_SELECT} WHERE t.token_date = $1 AND t.status IN ('WAITING', 'CALLED') "
            "AND ($2::uuid IS NULL OR t.department_id = $2) ORDER BY dep.name, t.token_number", today, department_id,
        )]
        ready = [dict(r) for r in await fetch(
            f"{_APPOINTMENT_SQL} WHERE a.status = 'SCHEDULED' AND a.appointment_date >= $1 AND a.appointment_date < $2 "
            "AND ($3::uuid IS NULL OR d.department_id = $3) ORDER BY a.appointment_date, a.id",
            start, end, department_id,
        )]
    async with transaction():
        await audit.record(actor, action="READ", table="opd_queue", record_id=department_id,
                           new={"part": "reception", "patients": [w["patient_id"] for w in waiting]
                                + [a["patient_id"] for a in ready]})
    return waiting, ready


# --- The OPD report ------------------------------------------------------------------------------


async def opd_summary(start_day: date, end_day: date) -> dict[str, Any]:
    """Consultations between two hospital days (inclusive): totals, by doctor and complaint, new vs follow-up,
    average consultation and wait (check-in to consultation start) in minutes."""
    start, end = day_bounds_utc(start_day)[0], day_bounds_utc(end_day)[1]
    base = "FROM opd_consultations c JOIN patient_visits v ON v.id = c.visit_id " \
           "WHERE c.consultation_start_time >= $1 AND c.consultation_start_time < $2"
    totals = await fetchrow(
        f"SELECT count(*) AS total, avg(c.duration_minutes) AS avg_minutes, "
        f"avg(extract(epoch FROM (c.consultation_start_time - v.visit_date)) / 60) "
        f"FILTER (WHERE v.visit_date <= c.consultation_start_time) AS avg_wait, "
        f"count(*) FILTER (WHERE v.visit_type = 'FOLLOW_UP' OR EXISTS (SELECT 1 FROM opd_consultations e "
        f"WHERE e.patient_id = c.patient_id AND e.consultation_start_time < c.consultation_start_time)) AS follow_ups "
        f"{base}", start, end,
    )
    by_doctor = await fetch(
        f"SELECT c.doctor_id, {_name_sql('u')} AS doctor_name, dep.name AS department_name, count(*) AS consultations, "
        "avg(c.duration_minutes) AS avg_minutes FROM opd_consultations c JOIN doctors d ON d.id = c.doctor_id "
        "JOIN users u ON u.id = d.user_id LEFT JOIN departments dep ON dep.id = d.department_id "
        "WHERE c.consultation_start_time >= $1 AND c.consultation_start_time < $2 "
        "GROUP BY c.doctor_id, u.first_name, u.last_name, dep.name ORDER BY count(*) DESC, doctor_name",
        start, end,
    )
    by_complaint = await fetch(
        f"SELECT lower(trim(c.chief_complaint)) AS complaint, count(*) AS consultations {base} "
        f"GROUP BY lower(trim(c.chief_complaint)) ORDER BY count(*) DESC, complaint LIMIT 50", start, end,
    )
    total = int(totals["total"]) if totals else 0
    follow_ups = int(totals["follow_ups"]) if totals else 0

    def _minutes(value: Any) -> float | None:
        return None if value is None else round(float(value), 1)

    return {
        "start_date": start_day, "end_date": end_day, "total_consultations": total,
        "new_patients": total - follow_ups, "follow_ups": follow_ups,
        "average_consultation_minutes": _minutes(totals["avg_minutes"]) if totals else None,
        "average_wait_minutes": _minutes(totals["avg_wait"]) if totals else None,
        "by_doctor": [{"doctor_id": r["doctor_id"], "doctor_name": r["doctor_name"],
                       "department_name": r["department_name"], "consultations": int(r["consultations"]),
                       "average_consultation_minutes": _minutes(r["avg_minutes"])} for r in by_doctor],
        "by_complaint": [{"complaint": r["complaint"], "consultations": int(r["consultations"])} for r in by_complaint],
    }

