"""Patients: registration, search, the record and its history, updates, break-the-glass and merging.

Every read of a patient's record is audited ("READ") in the same transaction as the read itself.

Decisions worth knowing:

- Which patients a DOCTOR or NURSE may open is one SQL query (`_ACCESS_SQL`, used by `is_assigned` and
  `access_among`); the rule itself is written down in domain/policy.py. A refusal is audited
  ("ACCESS_DENIED") in a transaction of its own, so the attempt is on record although nothing was read.
- A merged (duplicate) record is never answered as if it were live: opening it is a 409 Conflict
  whose body carries `mergedInto` (the survivor's id) and `survivorMrn`; searching by its old MRN or
  health ID finds the survivor.
- MRNs are numbered per hospital year under `pg_advisory_xact_lock(hashtext('mrn'))`: the lock is taken
  as late as possible (after the duplicate checks) and held until commit, so two registrations can
  never compute the same number and a rolled-back one leaves no gap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from db import audit, outbox
from db.connection import execute, fetch, fetchrow, transaction
from domain.actors import Actor
from domain.clock import hospital_day
from domain.errors import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from domain.events import PatientRegistered
from domain.policy import (
    PatientView,
    break_glass_expires_at,
    needs_assignment,
    patient_editable_fields_for,
    patient_view_of,
    validate_break_glass_reason,
)
from domain.registration import (
    DuplicateCandidate,
    NewPatientIdentity,
    PatientSearch,
    SearchKind,
    clean_patient_fields,
    combined_note,
    estimated_date_of_birth,
    likely_duplicates,
    next_mrn,
    unidentified_name,
)
from domain.topics import PATIENTS

# camelCase field on the wire -> column of `patients`, for every stored field (age and
# structuredAllergies are derived or live in patient_allergies).
PATIENT_COLUMN_OF: Mapping[str, str] = {
    "id": "id",
    "mrn": "mrn",
    "firstName": "first_name",
    "lastName": "last_name",
    "dateOfBirth": "date_of_birth",
    "dobIsEstimated": "dob_is_estimated",
    "gender": "gender",
    "phone": "phone",
    "email": "email",
    "address": "address",
    "city": "city",
    "state": "state",
    "pincode": "pincode",
    "occupation": "occupation",
    "bloodGroup": "blood_group",
    "emergencyContactName": "emergency_contact_name",
    "emergencyContactPhone": "emergency_contact_phone",
    "primaryInsuranceId": "primary_insurance_id",
    "primaryInsuranceNumber": "primary_insurance_number",
    "allergies": "allergies",
    "chronicConditions": "chronic_conditions",
    "previousSurgeries": "previous_surgeries",
    "currentMedications": "current_medications",
    "healthId": "health_id",
    "isUnidentified": "is_unidentified",
    "mergedInto": "merged_into",
    "version": "version",
    "createdAt": "created_at",
    "updatedAt": "updated_at",
}

PATIENT_COLUMNS = ", ".join(PATIENT_COLUMN_OF.values()) + ", created_by"
_P_COLUMNS = ", ".join(f"p.{c}" for c in [*PATIENT_COLUMN_OF.values(), "created_by"])

# Taken over from the duplicate when the survivor has nothing there.
_MERGE_FILL_COLUMNS = (
    "last_name", "phone", "email", "address", "city", "state", "pincode", "occupation", "blood_group",
    "emergency_contact_name", "emergency_contact_phone", "primary_insurance_id", "primary_insurance_number",
    "health_id",
)
# Free-text clinical fields: both records' text is kept (an allergy must never be lost in a merge).
_MERGE_COMBINE_COLUMNS = ("allergies", "chronic_conditions", "previous_surgeries", "current_medications")
# References to patients that a merge leaves where they are: the merge records themselves, the merged
# record's pointer, and break-the-glass grants (they opened that record, and stay as reviewed history).
_MERGE_KEEP_REFERENCES = frozenset(
    {("patient_merges", "survivor_id"), ("patient_merges", "merged_id"), ("patients", "merged_into"),
     ("emergency_access", "patient_id")}
)

RECENT_HISTORY_ROWS = 20


def _now() -> datetime:
    return datetime.now(UTC)


def _today() -> date:
    return hospital_day(_now())


@dataclass(frozen=True)
class NewAllergy:
    allergen: str
    allergen_type: str
    severity: str
    reaction: str | None = None


@dataclass(frozen=True)
class NewPatient:
    """A registration as the desk sent it: camelCase `fields` (only those sent) plus the flags."""

    fields: dict[str, Any]
    age: int | None = None
    unidentified: bool = False
    confirm_not_duplicate: bool = False
    structured_allergies: list[NewAllergy] = field(default_factory=list)


@dataclass
class PatientRecord:
    """A patient row (column names) with its coded allergies, and how much the actor may see of it."""

    patient: dict[str, Any]
    allergies: list[dict[str, Any]]
    view: PatientView
    visits: list[dict[str, Any]] = field(default_factory=list)
    admissions: list[dict[str, Any]] = field(default_factory=list)
    lab_tests: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class SearchResult:
    patients: list[dict[str, Any]]
    total: int
    # Per patient id, the view the actor gets of that patient in the list.
    views: dict[UUID, PatientView]


# --- Who may open which patient -----------------------------------------------------------------

# One query answers, for a set of patient ids, whether each is assigned to the actor (domain/policy.py
# says what "assigned" means) and whether the actor holds an unexpired break-the-glass grant for it.
_ACCESS_SQL = """
SELECT p.id,
  CASE $2::text
    WHEN 'DOCTOR' THEN EXISTS (
      SELECT 1 FROM doctors d
      WHERE d.user_id = $1 AND (
           EXISTS (SELECT 1 FROM patient_visits v WHERE v.patient_id = p.id AND v.assigned_doctor_id = d.id)
        OR EXISTS (SELECT 1 FROM opd_consultations c WHERE c.patient_id = p.id AND c.doctor_id = d.id)
        OR EXISTS (SELECT 1 FROM appointments a WHERE a.patient_id = p.id AND a.doctor_id = d.id)
        OR EXISTS (SELECT 1 FROM ipd_admissions ad
                   WHERE ad.patient_id = p.id AND (ad.admitted_by = d.id OR ad.primary_doctor_id = d.id))))
    WHEN 'NURSE' THEN EXISTS (
      SELECT 1 FROM ipd_admissions ad
      LEFT JOIN beds b ON b.id = ad.bed_id
      JOIN rooms r ON r.id = coalesce(b.room_id, ad.room_id)
      WHERE ad.patient_id = p.id AND ad.status = 'ACTIVE' AND (
           EXISTS (SELECT 1 FROM ward_assignments wa WHERE wa.user_id = $1 AND wa.ward_id = r.ward_id)
        OR EXISTS (SELECT 1 FROM duty_roster dr
                   WHERE dr.user_id = $1 AND dr.ward_id = r.ward_id
                     AND dr.starts_at <= now() AND dr.ends_at > now())))
    ELSE false
  END AS assigned,
  EXISTS (SELECT 1 FROM emergency_access e
          WHERE e.user_id = $1 AND e.patient_id = p.id AND e.expires_at > now()) AS emergency
FROM unnest($3::uuid[]) AS p(id)
"""


@dataclass(frozen=True)
class Access:
    assigned: bool
    emergency: bool

    @property
    def granted(self) -> bool:
        return self.assigned or self.emergency

    @property
    def basis(self) -> str:
        return "ASSIGNED" if self.assigned else "BREAK_GLASS" if self.emergency else "NONE"


async def access_among(actor: Actor, patient_ids: Sequence[UUID]) -> dict[UUID, Access]:
    """For each patient, whether `actor` is assigned to them or holds a break-the-glass grant."""
    if not patient_ids or actor.user_id is None:
        return {pid: Access(False, False) for pid in patient_ids}
    rows = await fetch(_ACCESS_SQL, actor.user_id, actor.role.value if actor.role else None, list(patient_ids))
    return {r["id"]: Access(bool(r["assigned"]), bool(r["emergency"])) for r in rows}


async def is_assigned(actor: Actor, patient_id: UUID) -> bool:
    """Whether a DOCTOR or NURSE may open this patient's record now (assigned, or glass broken)."""
    access = await access_among(actor, [patient_id])
    return access[patient_id].granted


def _view_for(actor: Actor) -> PatientView:
    return patient_view_of(actor.role) if actor.role else PatientView.NONE


async def _require_record_access(actor: Actor, patient_id: UUID, *, part: str) -> str:
    """Refuse a DOCTOR or NURSE who is not assigned and has no grant (audited); the basis otherwise.

    Must run outside any transaction, so that the refusal's audit row is committed.
    """
    if actor.role is None or _view_for(actor) is PatientView.NONE:
        raise PermissionDenied("Your role may not open patient records")
    if not needs_assignment(actor.role):
        return "ROLE"
    access = (await access_among(actor, [patient_id]))[patient_id]
    if access.granted:
        return access.basis
    async with transaction():
        await audit.record(actor, action="ACCESS_DENIED", table="patients", record_id=patient_id,
                           new={"part": part, "reason": "not assigned"})
    raise PermissionDenied(
        "This patient is not assigned to you. In an emergency, break the glass: "
        f"POST /api/patients/{patient_id}/break-glass with the reason; the access is time-limited and reviewed."
    )


# Other areas (OPD consultations, prescriptions) open a patient's clinical record through this too.
require_record_access = _require_record_access


async def _merged_conflict(row: Mapping[str, Any]) -> Conflict:
    survivor = await fetchrow("SELECT id, mrn FROM patients WHERE id = $1", row["merged_into"])
    return Conflict(
        "This record was merged into another patient's record; use that one",
        extra={"mergedInto": str(row["merged_into"]), "survivorMrn": survivor["mrn"] if survivor else None},
    )


async def live_patient(patient_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    """The patient row (column names); NotFound, or Conflict naming the survivor when it was merged away."""
    return await _live_patient(patient_id, lock=lock)


async def _live_patient(patient_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    row = await fetchrow(
        f"SELECT {PATIENT_COLUMNS} FROM patients WHERE id = $1{' FOR UPDATE' if lock else ''}", patient_id
    )
    if row is None:
        raise NotFound("No such patient")
    if row["merged_into"] is not None:
        raise await _merged_conflict(row)
    return dict(row)


async def _open_for(actor: Actor, patient_id: UUID, *, part: str) -> str:
    """Check the patient exists, is not merged away, and that `actor` may open it; returns the basis."""
    await _live_patient(patient_id)
    return await _require_record_access(actor, patient_id, part=part)


async def allergies_of(patient_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    """The coded allergies (patient_allergies rows) of each patient, oldest first."""
    return await _allergies_of(patient_ids)


async def _allergies_of(patient_ids: Sequence[UUID]) -> dict[UUID, list[dict[str, Any]]]:
    rows = await fetch(
        "SELECT id, patient_id, allergen, allergen_type, reaction, severity, created_at FROM patient_allergies "
        "WHERE patient_id = ANY($1::uuid[]) ORDER BY created_at, id",
        list(patient_ids),
    )
    found: dict[UUID, list[dict[str, Any]]] = {pid: [] for pid in patient_ids}
    for r in rows:
        found[r["patient_id"]].append(dict(r))
    return found


# --- Search --------------------------------------------------------------------------------------

_NAME_EXPR = "lower(p.first_name || ' ' || coalesce(p.last_name, ''))"


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def search_patients(actor: Actor, search: PatientSearch, *, limit: int, offset: int) -> SearchResult:
    """Patients matching the search, best first, with the total; the search itself is audited.

    MRN and health ID are exact and lead from a merged record to its survivor; a phone is matched
    normalised; a name by trigram similarity or substring. Merged records are never listed.
    """
    if search.kind is SearchKind.MRN or search.kind is SearchKind.HEALTH_ID:
        column = "mrn" if search.kind is SearchKind.MRN else "health_id"
        base = (
            f"FROM patients m JOIN patients p ON p.id = coalesce(m.merged_into, m.id) "
            f"WHERE m.{column} = $1 AND p.merged_into IS NULL"
        )
        select = f"SELECT DISTINCT ON (p.created_at, p.id) {_P_COLUMNS} {base} ORDER BY p.created_at, p.id"
        count = f"SELECT count(DISTINCT p.id) AS n {base}"
        args: list[Any] = [search.value]
    elif search.kind is SearchKind.PHONE:
        base = "FROM patients p WHERE p.phone = $1 AND p.merged_into IS NULL"
        select = f"SELECT {_P_COLUMNS} {base} ORDER BY p.first_name, p.last_name, p.created_at, p.id"
        count = f"SELECT count(*) AS n {base}"
        args = [search.value]
    elif search.kind is SearchKind.NAME:
        base = (
            f"FROM patients p WHERE p.merged_into IS NULL "
            f"AND ({_NAME_EXPR} LIKE $2 OR $1 <% {_NAME_EXPR})"
        )
        select = (
            f"SELECT {_P_COLUMNS} {base} "
            f"ORDER BY ({_NAME_EXPR} LIKE $2) DESC, word_similarity($1, {_NAME_EXPR}) DESC, "
            f"p.first_name, p.last_name, p.id"
        )
        count = f"SELECT count(*) AS n {base}"
        args = [search.value, _like_pattern(search.value)]
    else:
        base = "FROM patients p WHERE p.merged_into IS NULL"
        select = f"SELECT {_P_COLUMNS} {base} ORDER BY p.created_at DESC, p.id"
        count = f"SELECT count(*) AS n {base}"
        args = []
    n = len(args)
    async with transaction():
        rows = [dict(r) for r in await fetch(f"{select} LIMIT ${n + 1} OFFSET ${n + 2}", *args, limit, offset)]
        total_row = await fetchrow(count, *args)
        total = int(total_row["n"]) if total_row else 0
        ids = [r["id"] for r in rows]
        view = _view_for(actor)
        views = {pid: view for pid in ids}
        if actor.role is not None and needs_assignment(actor.role):
            # Unassigned patients are listed so they can be found (and the glass broken), but only
            # with the fields that identify them.
            access = await access_among(actor, ids)
            views = {pid: view if access[pid].granted else PatientView.TEST_RELATED for pid in ids}
        await audit.record(
            actor, action="SEARCH", table="patients",
            new={"kind": search.kind.value, "term": search.value, "limit": limit, "offset": offset,
                 "total": total, "resultIds": ids},
        )
    return SearchResult(patients=rows, total=total, views=views)


async def attach_allergies(result: SearchResult) -> dict[UUID, list[dict[str, Any]]]:
    """Coded allergies for the listed patients whose view includes them."""
    full = [pid for pid, v in result.views.items() if v is PatientView.FULL]
    return await _allergies_of(full) if full else {}


# --- Registration --------------------------------------------------------------------------------

def _check_settable(actor: Actor, names: Sequence[str]) -> None:
    allowed = patient_editable_fields_for(actor.role) if actor.role else frozenset()
    refused = sorted(n for n in names if n not in allowed)
    if refused:
        raise PermissionDenied(
            f"Your role may not set {', '.join(refused)}",
            fields={n: "Your role may not set this field" for n in refused},
        )


def _candidate_out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": str(row["id"]), "mrn": row["mrn"], "firstName": row["first_name"], "lastName": row["last_name"],
        "dateOfBirth": row["date_of_birth"].isoformat(), "phone": row["phone"],
    }


def _registration_values(new: NewPatient, today: date) -> dict[str, Any]:
    """The camelCase fields of a registration after the registration rules (names, dob or age)."""
    sent = dict(new.fields)
    problems: dict[str, str] = {}
    if new.unidentified:
        for name in ("firstName", "lastName", "dateOfBirth"):
            if sent.get(name) is not None:
                problems[name] = "An unidentified patient is registered without a name or date of birth"
        if new.age is None:
            problems["age"] = "Give an approximate age for an unidentified patient"
        if problems:
            raise ValidationFailed(fields=problems)
        first, last = unidentified_name(sent.get("gender"), new.age)
        sent.update(firstName=first, lastName=last, isUnidentified=True)
    else:
        sent["isUnidentified"] = False
        if sent.get("firstName") is None:
            problems["firstName"] = "A first name is required (or register the patient as unidentified)"
        if sent.get("dateOfBirth") is None and new.age is None:
            problems["dateOfBirth"] = "Give the date of birth, or the age in years if it is not known"
        if sent.get("dateOfBirth") is not None and new.age is not None:
            problems["age"] = "Give either the date of birth or the age, not both"
        if problems:
            raise ValidationFailed(fields=problems)
    if sent.get("dateOfBirth") is None:
        assert new.age is not None
        sent["dateOfBirth"] = estimated_date_of_birth(new.age, today)
        sent["dobIsEstimated"] = True
    else:
        sent["dobIsEstimated"] = False
    cleaned: dict[str, Any] = clean_patient_fields(sent, today)
    return cleaned


async def _insert_allergies(actor: Actor, patient_id: UUID, allergies: Sequence[NewAllergy]) -> None:
    for allergy in allergies:
        allergen = " ".join(allergy.allergen.split())
        if not allergen:
            raise ValidationFailed(fields={"structuredAllergies": "Each allergy names its allergen"})
        row = await fetchrow(
            "INSERT INTO patient_allergies (id, patient_id, allergen, allergen_type, reaction, severity, "
            "recorded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, now()) "
            "RETURNING id, allergen, allergen_type, reaction, severity",
            uuid4(), patient_id, allergen, str(allergy.allergen_type), (allergy.reaction or "").strip() or None,
            str(allergy.severity), actor.user_id,
        )
        assert row is not None
        await audit.record(actor, action="CREATE", table="patient_allergies", record_id=row["id"],
                           new={**dict(row), "patient_id": patient_id})


def _db_value(value: Any) -> Any:
    # Enum members go to the database as their plain string values.
    return value.value if hasattr(value, "value") and isinstance(getattr(value, "value", None), str) else value


async def _check_insurance(values: Mapping[str, Any]) -> None:
    insurer = values.get("primaryInsuranceId")
    if insurer is not None and not await fetchrow("SELECT 1 FROM insurance_companies WHERE id = $1", insurer):
        raise ValidationFailed(fields={"primaryInsuranceId": "No such insurance company"})


async def _check_health_id_free(health_id: str | None, *, other_than: UUID | None = None) -> None:
    """An ABHA number or address belongs to one person: a second record with it is a duplicate."""
    if not health_id:
        return
    await execute("SELECT pg_advisory_xact_lock(hashtext('patient-health-id:' || $1))", health_id)
    rows = await fetch(
        "SELECT id, mrn, first_name, last_name, date_of_birth, phone FROM patients "
        "WHERE health_id = $1 AND merged_into IS NULL AND ($2::uuid IS NULL OR id <> $2)",
        health_id, other_than,
    )
    if rows:
        raise Conflict(
            "This health ID is already registered to another patient; open that record instead",
            fields={"healthId": f"already registered to {rows[0]['mrn']}"},
            extra={"candidates": [_candidate_out(r) for r in rows]},
        )


async def register_patient(actor: Actor, new: NewPatient) -> PatientRecord:
    """Register a patient: check the fields, refuse a likely duplicate unless confirmed, number the MRN."""
    _check_settable(actor, list(new.fields))
    if new.structured_allergies:
        _check_settable(actor, ["structuredAllergies"])
    today = _today()
    values = _registration_values(new, today)
    duplicates_overridden: list[str] = []
    async with transaction():
        await _check_insurance(values)
        await _check_health_id_free(values.get("healthId"))
        phone = values.get("phone")
        if phone and not new.unidentified:
            # Two desks registering the same person at once: the second waits, then sees the first.
            await execute("SELECT pg_advisory_xact_lock(hashtext('patient-phone:' || $1))", phone)
            rows = await fetch(
                "SELECT id, mrn, first_name, last_name, date_of_birth, phone FROM patients "
                "WHERE phone = $1 AND date_of_birth = $2 AND merged_into IS NULL",
                phone, values["dateOfBirth"],
            )
            by_id = {str(r["id"]): r for r in rows}
            matches = likely_duplicates(
                NewPatientIdentity(values["firstName"], values.get("lastName"), values["dateOfBirth"], phone),
                [DuplicateCandidate(str(r["id"]), r["first_name"], r["last_name"], r["date_of_birth"], r["phone"])
                 for r in rows],
            )
            if matches and not new.confirm_not_duplicate:
                raise Conflict(
                    "A patient with this name, phone and date of birth is already registered. Open that "
                    "record, or send confirmNotDuplicate: true if this really is a different person.",
                    extra={"candidates": [_candidate_out(by_id[c.patient_id]) for c, _ in matches]},
                )
            duplicates_overridden = [c.patient_id for c, _ in matches]

        # Taken last and held to commit: the MRN counter is the only thing all registrations share.
        await execute("SELECT pg_advisory_xact_lock(hashtext('mrn'))")
        year = today.year
        top = await fetchrow(
            "SELECT coalesce(max(split_part(mrn, '-', 3)::bigint), 0) AS n FROM patients "
            "WHERE mrn LIKE $1 AND split_part(mrn, '-', 3) ~ '^[0-9]+$'",
            f"MRN-{year:04d}-%",
        )
        mrn = next_mrn(year, int(top["n"] if top else 0) + 1)

        columns: dict[str, Any] = {PATIENT_COLUMN_OF[k]: _db_value(v) for k, v in values.items()}
        columns.update(id=uuid4(), mrn=mrn, version=1, created_by=actor.user_id)
        names = list(columns)
        placeholders = ", ".join(f"${i}" for i in range(1, len(names) + 1))
        row = await fetchrow(
            f"INSERT INTO patients ({', '.join(names)}, created_at, updated_at) "
            f"VALUES ({placeholders}, now(), now()) RETURNING {PATIENT_COLUMNS}",
            *[columns[n] for n in names],
        )
        assert row is not None
        patient = dict(row)
        created: dict[str, Any] = dict(patient)
        if duplicates_overridden:
            created["confirmed_not_duplicate_of"] = duplicates_overridden
        await audit.record(actor, action="CREATE", table="patients", record_id=patient["id"], new=created)
        await _insert_allergies(actor, patient["id"], new.structured_allergies)
        allergies = (await _allergies_of([patient["id"]]))[patient["id"]]
        # The reception desks' live list; the event carries no name (see domain/events.py).
        await outbox.append(outbox.PendingEvent(PATIENTS, PatientRegistered(
            patient_id=patient["id"], mrn=mrn, registered_at=patient["created_at"])))
    return PatientRecord(patient=patient, allergies=allergies, view=_view_for(actor))


# --- The record and its parts --------------------------------------------------------------------

_VISITS_SQL = """
SELECT v.id, v.visit_type, v.visit_date, v.status, v.chief_complaint, v.assigned_doctor_id,
       nullif(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '') AS doctor_name,
       dep.name AS department_name,
       (SELECT c.diagnosis FROM opd_consultations c WHERE c.visit_id = v.id
        ORDER BY c.consultation_start_time DESC LIMIT 1) AS diagnosis
FROM patient_visits v
LEFT JOIN doctors d ON d.id = v.assigned_doctor_id
LEFT JOIN users u ON u.id = d.user_id
LEFT JOIN departments dep ON dep.id = d.department_id
WHERE v.patient_id = $1
  AND ($2::text IS NULL OR v.visit_type = $2)
  AND ($3::timestamptz IS NULL OR v.visit_date >= $3)
  AND ($4::timestamptz IS NULL OR v.visit_date < $4)
ORDER BY v.visit_date DESC, v.id
LIMIT $5
"""

_ADMISSIONS_SQL = """
SELECT a.id, a.admission_date, a.discharge_date, a.status, a.admission_type, a.reason_for_admission,
       a.diagnosis, w.name AS ward_name, r.room_number, b.bed_number,
       nullif(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '') AS doctor_name
FROM ipd_admissions a
LEFT JOIN beds b ON b.id = a.bed_id
LEFT JOIN rooms r ON r.id = coalesce(b.room_id, a.room_id)
LEFT JOIN wards w ON w.id = r.ward_id
LEFT JOIN doctors d ON d.id = coalesce(a.primary_doctor_id, a.admitted_by)
LEFT JOIN users u ON u.id = d.user_id
WHERE a.patient_id = $1
ORDER BY a.admission_date DESC, a.id
LIMIT $2
"""

_LAB_TESTS_SQL = """
SELECT id, accession_number, test_name, test_code, urgency, status, order_date, result_date, is_abnormal
FROM lab_tests WHERE patient_id = $1 ORDER BY order_date DESC, id LIMIT $2
"""


async def get_patient_record(actor: Actor, patient_id: UUID) -> PatientRecord:
    """The patient with recent visits and admissions (and, for the FULL view, recent lab tests)."""
    basis = await _open_for(actor, patient_id, part="record")
    view = _view_for(actor)
    async with transaction():
        patient = await _live_patient(patient_id)
        allergies = (await _allergies_of([patient_id]))[patient_id]
        visits = [dict(r) for r in await fetch(_VISITS_SQL, patient_id, None, None, None, RECENT_HISTORY_ROWS)]
        admissions = [dict(r) for r in await fetch(_ADMISSIONS_SQL, patient_id, RECENT_HISTORY_ROWS)]
        lab_tests: list[dict[str, Any]] = []
        if view is PatientView.FULL:
            lab_tests = [dict(r) for r in await fetch(_LAB_TESTS_SQL, patient_id, RECENT_HISTORY_ROWS)]
        await audit.record(actor, action="READ", table="patients", record_id=patient_id,
                           new={"part": "record", "view": view.value, "access": basis})
    return PatientRecord(patient=patient, allergies=allergies, view=view, visits=visits,
                         admissions=admissions, lab_tests=lab_tests)


async def medical_history(actor: Actor, patient_id: UUID) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The clinical part of the record: free-text history and the coded allergies."""
    basis = await _open_for(actor, patient_id, part="medical-history")
    async with transaction():
        patient = await _live_patient(patient_id)
        allergies = (await _allergies_of([patient_id]))[patient_id]
        await audit.record(actor, action="READ", table="patients", record_id=patient_id,
                           new={"part": "medical-history", "access": basis})
    return patient, allergies


async def patient_visits(
    actor: Actor, patient_id: UUID, *, visit_type: str | None, start: datetime | None, end: datetime | None,
    limit: int,
) -> list[dict[str, Any]]:
    basis = await _open_for(actor, patient_id, part="visits")
    async with transaction():
        rows = [dict(r) for r in await fetch(_VISITS_SQL, patient_id, visit_type, start, end, limit)]
        await audit.record(actor, action="READ", table="patient_visits", record_id=patient_id,
                           new={"part": "visits", "count": len(rows), "access": basis})
    return rows


async def patient_bills(actor: Actor, patient_id: UUID) -> list[dict[str, Any]]:
    await _live_patient(patient_id)
    async with transaction():
        rows = await fetch(
            "SELECT id, bill_number, bill_date, bill_type, visit_id, ipd_admission_id, subtotal, discount, tax, "
            "total_amount, amount_paid, balance, insurance_amount, patient_amount, status, version "
            "FROM bills WHERE patient_id = $1 ORDER BY bill_date DESC, id",
            patient_id,
        )
        await audit.record(actor, action="READ", table="bills", record_id=patient_id,
                           new={"part": "bills", "count": len(rows)})
    return [dict(r) for r in rows]


async def patient_prescriptions(actor: Actor, patient_id: UUID) -> list[dict[str, Any]]:
    """Prescriptions newest first, each with its items (medicine named)."""
    basis = await _open_for(actor, patient_id, part="prescriptions")
    async with transaction():
        prescriptions = [
            {**dict(r), "items": []}
            for r in await fetch(
                "SELECT pr.id, pr.prescribed_date, pr.consultation_id, pr.ipd_admission_id, pr.doctor_id, "
                "nullif(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '') AS doctor_name "
                "FROM prescriptions pr LEFT JOIN doctors d ON d.id = pr.doctor_id "
                "LEFT JOIN users u ON u.id = d.user_id "
                "WHERE pr.patient_id = $1 ORDER BY pr.prescribed_date DESC, pr.id",
                patient_id,
            )
        ]
        by_id = {p["id"]: p for p in prescriptions}
        if by_id:
            items = await fetch(
                "SELECT i.id, i.prescription_id, i.medicine_id, m.name AS medicine_name, m.strength, m.form, "
                "i.dose_quantity, i.dose_unit, i.frequency, i.duration_days, i.instructions, i.status, "
                "i.dispensed_quantity, i.dispensed_date "
                "FROM prescription_items i JOIN medicines m ON m.id = i.medicine_id "
                "WHERE i.prescription_id = ANY($1::uuid[]) ORDER BY i.created_at, i.id",
                list(by_id),
            )
            for item in items:
                by_id[item["prescription_id"]]["items"].append(dict(item))
        await audit.record(actor, action="READ", table="prescriptions", record_id=patient_id,
                           new={"part": "prescriptions", "count": len(prescriptions), "access": basis})
    return prescriptions


# --- Updates -------------------------------------------------------------------------------------

async def _replace_allergies(actor: Actor, patient_id: UUID, allergies: Sequence[NewAllergy]) -> None:
    old = await fetch(
        "DELETE FROM patient_allergies WHERE patient_id = $1 "
        "RETURNING id, allergen, allergen_type, reaction, severity, recorded_by, created_at",
        patient_id,
    )
    for row in old:
        await audit.record(actor, action="DELETE", table="patient_allergies", record_id=row["id"],
                           old={**dict(row), "patient_id": patient_id})
    await _insert_allergies(actor, patient_id, allergies)


async def update_patient(
    actor: Actor,
    patient_id: UUID,
    changes: Mapping[str, Any],
    *,
    expected_version: int,
    structured_allergies: Sequence[NewAllergy] | None = None,
) -> PatientRecord:
    """Change the fields sent (camelCase), if the role may and the version is current.

    A new dateOfBirth sent without dobIsEstimated is a known date: dobIsEstimated becomes false.
    `structured_allergies`, when given, replaces the coded allergies (old rows are audited as deleted).
    """
    sent = list(changes) + (["structuredAllergies"] if structured_allergies is not None else [])
    _check_settable(actor, sent)
    values: dict[str, Any] = clean_patient_fields(changes, _today())
    if "dateOfBirth" in values and "dobIsEstimated" not in values:
        values["dobIsEstimated"] = False
    basis = await _open_for(actor, patient_id, part="update")
    async with transaction():
        old = await _live_patient(patient_id, lock=True)
        if old["version"] != expected_version:
            raise StaleVersion(
                f"This patient was changed by someone else (now version {old['version']}); reload and retry",
                current_version=old["version"],
            )
        await _check_insurance(values)
        if values.get("healthId") and values["healthId"] != old["health_id"]:
            await _check_health_id_free(values["healthId"], other_than=patient_id)
        changed = {
            PATIENT_COLUMN_OF[k]: _db_value(v) for k, v in values.items()
            if _db_value(v) != old[PATIENT_COLUMN_OF[k]]
        }
        if not changed and structured_allergies is None:
            allergies = (await _allergies_of([patient_id]))[patient_id]
            return PatientRecord(patient=old, allergies=allergies, view=_view_for(actor))
        names = list(changed)
        assignments = ", ".join(f"{n} = ${i}" for i, n in enumerate(names, start=2))
        row = await fetchrow(
            f"UPDATE patients SET {assignments}{', ' if names else ''}version = version + 1, updated_at = now() "
            f"WHERE id = $1 RETURNING {PATIENT_COLUMNS}",
            patient_id, *[changed[n] for n in names],
        )
        assert row is not None
        await audit.record(
            actor, action="UPDATE", table="patients", record_id=patient_id,
            old={**{n: old[n] for n in names}, "version": old["version"]},
            new={**changed, "version": row["version"], "access": basis},
        )
        if structured_allergies is not None:
            await _replace_allergies(actor, patient_id, structured_allergies)
        allergies = (await _allergies_of([patient_id]))[patient_id]
    return PatientRecord(patient=dict(row), allergies=allergies, view=_view_for(actor))


# --- Break the glass -----------------------------------------------------------------------------

_GRANT_COLUMNS = """
e.id, e.user_id, e.patient_id, e.reason, e.created_at, e.expires_at, e.reviewed_by, e.reviewed_at,
u.email AS user_email, u.role AS user_role,
nullif(trim(u.first_name || ' ' || coalesce(u.last_name, '')), '') AS user_name, p.mrn AS patient_mrn
"""


async def break_glass(actor: Actor, patient_id: UUID, reason: str) -> dict[str, Any]:
    """Grant the actor BREAK_GLASS_MINUTES of access to one patient, on the record for review."""
    cleaned = validate_break_glass_reason(reason)
    granted_at = _now()
    async with transaction():
        await _live_patient(patient_id)
        grant_id = uuid4()
        await execute(
            "INSERT INTO emergency_access (id, user_id, patient_id, reason, created_at, expires_at) "
            "VALUES ($1, $2, $3, $4, $5, $6)",
            grant_id, actor.user_id, patient_id, cleaned, granted_at, break_glass_expires_at(granted_at),
        )
        row = await fetchrow(
            f"SELECT {_GRANT_COLUMNS} FROM emergency_access e JOIN users u ON u.id = e.user_id "
            f"JOIN patients p ON p.id = e.patient_id WHERE e.id = $1",
            grant_id,
        )
        assert row is not None
        grant = dict(row)
        await audit.record(actor, action="BREAK_GLASS", table="patients", record_id=patient_id,
                           new={"grant_id": grant_id, "reason": cleaned, "expires_at": grant["expires_at"]})
    return grant


async def list_emergency_access(
    *, reviewed: bool | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Break-the-glass grants for review, unreviewed and newest first."""
    where = "WHERE ($1::boolean IS NULL OR (e.reviewed_at IS NOT NULL) = $1)"
    rows = await fetch(
        f"SELECT {_GRANT_COLUMNS} FROM emergency_access e JOIN users u ON u.id = e.user_id "
        f"JOIN patients p ON p.id = e.patient_id {where} "
        f"ORDER BY (e.reviewed_at IS NULL) DESC, e.created_at DESC, e.id LIMIT $2 OFFSET $3",
        reviewed, limit, offset,
    )
    total = await fetchrow(f"SELECT count(*) AS n FROM emergency_access e {where}", reviewed)
    return [dict(r) for r in rows], int(total["n"]) if total else 0


async def review_emergency_access(actor: Actor, grant_id: UUID) -> dict[str, Any]:
    async with transaction():
        row = await fetchrow("SELECT id, reviewed_at FROM emergency_access WHERE id = $1 FOR UPDATE", grant_id)
        if row is None:
            raise NotFound("No such break-the-glass grant")
        if row["reviewed_at"] is not None:
            raise Conflict("This grant has already been reviewed")
        await execute(
            "UPDATE emergency_access SET reviewed_by = $2, reviewed_at = now() WHERE id = $1", grant_id, actor.user_id
        )
        updated = await fetchrow(
            f"SELECT {_GRANT_COLUMNS} FROM emergency_access e JOIN users u ON u.id = e.user_id "
            f"JOIN patients p ON p.id = e.patient_id WHERE e.id = $1",
            grant_id,
        )
        assert updated is not None
        await audit.record(actor, action="REVIEW", table="emergency_access", record_id=grant_id,
                           old={"reviewed_at": None},
                           new={"reviewed_by": actor.user_id, "reviewed_at": updated["reviewed_at"]})
    return dict(updated)


# --- Merging duplicates --------------------------------------------------------------------------

def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


async def _patient_references() -> list[tuple[str, str, str, bool]]:
    """Every (schema, table, column, has_version) whose foreign key points at patients.id, found at
    run time so a table added later is merged too."""
    rows = await fetch(
        """
        SELECT n.nspname AS schema, t.relname AS tbl, a.attname AS col,
               EXISTS (SELECT 1 FROM pg_attribute v WHERE v.attrelid = t.oid AND v.attname = 'version'
                       AND NOT v.attisdropped) AS has_version
        FROM pg_constraint c
        JOIN pg_class t ON t.oid = c.conrelid
        JOIN pg_namespace n ON n.oid = t.relnamespace
        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
        WHERE c.contype = 'f' AND c.confrelid = 'patients'::regclass AND cardinality(c.conkey) = 1
        ORDER BY t.relname, a.attname
        """
    )
    return [(r["schema"], r["tbl"], r["col"], bool(r["has_version"])) for r in rows]


@dataclass
class MergeOutcome:
    merge_id: UUID
    survivor: PatientRecord
    merged_id: UUID
    moved: dict[str, int]


async def merge_patients(actor: Actor, survivor_id: UUID, duplicate_id: UUID, reason: str) -> MergeOutcome:
    """Fold the duplicate record into the survivor, in one transaction.

    Every row referencing the duplicate moves to the survivor; empty survivor fields are filled from
    the duplicate and clinical free text of both is kept; the duplicate stays, marked merged_into.
    """
    cleaned = " ".join(reason.split())
    if len(cleaned) < 5:
        raise ValidationFailed(fields={"reason": "Say why these records are the same patient"})
    if survivor_id == duplicate_id:
        raise ValidationFailed(fields={"duplicateId": "A patient cannot be merged into itself"})
    async with transaction():
        # Lock both in id order, so two merges of the same pair cannot deadlock.
        locked: dict[UUID, dict[str, Any]] = {}
        for pid in sorted((survivor_id, duplicate_id)):
            row = await fetchrow(f"SELECT {PATIENT_COLUMNS} FROM patients WHERE id = $1 FOR UPDATE", pid)
            if row is None:
                raise NotFound("No such patient", fields={"duplicateId" if pid == duplicate_id else "id": "not found"})
            locked[pid] = dict(row)
        survivor, duplicate = locked[survivor_id], locked[duplicate_id]
        for which, row in (("survivor", survivor), ("duplicate", duplicate)):
            if row["merged_into"] is not None:
                raise Conflict(f"The {which} record was already merged into another patient",
                               extra={"mergedInto": str(row["merged_into"])})
        active = await fetchrow(
            "SELECT count(DISTINCT patient_id) AS n FROM ipd_admissions "
            "WHERE patient_id = ANY($1::uuid[]) AND status = 'ACTIVE'",
            [survivor_id, duplicate_id],
        )
        if active and active["n"] > 1:
            raise Conflict("Both records have an active admission; discharge or correct one before merging")

        moved: dict[str, int] = {}
        for schema, table, column, has_version in await _patient_references():
            if (table, column) in _MERGE_KEEP_REFERENCES:
                continue
            bump = ", version = version + 1" if has_version else ""
            rows = await fetch(
                f"UPDATE {_quote(schema)}.{_quote(table)} SET {_quote(column)} = $1{bump} "
                f"WHERE {_quote(column)} = $2 RETURNING 1",
                survivor_id, duplicate_id,
            )
            if rows:
                moved[f"{table}.{column}"] = len(rows)
        # Records merged into the duplicate earlier now point straight at the survivor.
        earlier = await fetch(
            "UPDATE patients SET merged_into = $1, version = version + 1, updated_at = now() "
            "WHERE merged_into = $2 RETURNING id",
            survivor_id, duplicate_id,
        )
        if earlier:
            moved["patients.merged_into"] = len(earlier)

        filled: dict[str, Any] = {}
        for column in _MERGE_FILL_COLUMNS:
            if survivor[column] is None and duplicate[column] is not None:
                filled[column] = duplicate[column]
        for column in _MERGE_COMBINE_COLUMNS:
            combined = combined_note(survivor[column], duplicate[column])
            if combined != survivor[column]:
                filled[column] = combined
        names = list(filled)
        assignments = "".join(f"{n} = ${i}, " for i, n in enumerate(names, start=2))
        row = await fetchrow(
            f"UPDATE patients SET {assignments}version = version + 1, updated_at = now() "
            f"WHERE id = $1 RETURNING {PATIENT_COLUMNS}",
            survivor_id, *[filled[n] for n in names],
        )
        assert row is not None
        await execute(
            "UPDATE patients SET merged_into = $1, version = version + 1, updated_at = now() WHERE id = $2",
            survivor_id, duplicate_id,
        )
        merge_id = uuid4()
        await execute(
            "INSERT INTO patient_merges (id, survivor_id, merged_id, merged_by, reason, created_at) "
            "VALUES ($1, $2, $3, $4, $5, now())",
            merge_id, survivor_id, duplicate_id, actor.user_id, cleaned,
        )
        await audit.record(
            actor, action="MERGE", table="patients", record_id=survivor_id,
            old={**{n: survivor[n] for n in names}, "version": survivor["version"]},
            new={**filled, "version": row["version"], "merged_id": duplicate_id, "merge_id": merge_id,
                 "moved": moved, "reason": cleaned},
        )
        await audit.record(
            actor, action="MERGED_INTO", table="patients", record_id=duplicate_id,
            old={"merged_into": None, "version": duplicate["version"]},
            new={"merged_into": survivor_id, "merge_id": merge_id, "reason": cleaned},
        )
        allergies = (await _allergies_of([survivor_id]))[survivor_id]
    return MergeOutcome(
        merge_id=merge_id,
        survivor=PatientRecord(patient=dict(row), allergies=allergies, view=_view_for(actor)),
        merged_id=duplicate_id,
        moved=moved,
    )
