"""The laboratory: orders, samples, results per analyte, verification and release, corrections, QC, reports.

Every write runs in one transaction with its audit row, its chain-of-custody row (`lab_order_events`) and its
outbox events. Decisions worth knowing:

- The ordering doctor is the signed-in doctor (their `doctors` row); nobody orders in another's name.
- The order's moves are `domain.lab_results.LAB_ORDER_TRANSITIONS`: ORDERED -> SAMPLE_COLLECTED ->
  PROCESSING -> COMPLETED (every analyte entered) -> VERIFIED (a second person) -> REPORTED (released).
  Results reach the doctor, the patient record (`lab_tests.result_value`, `is_abnormal`, `result_date`) and
  the `lab.result.released` event only at REPORTED. Before that a DOCTOR or NURSE sees the order's status,
  not its values; the one exception is a critical value, which raises an alert at entry (marked
  preliminary) through db/alerts.py.
- The server flags every value from the catalogue (domain.lab_results.interpret); what a client or an
  analyzer says (`isAbnormal`, OBX-8) is stored as `reported_flag` and never decides anything. A value
  that cannot be read, or a number in another unit, is a field error and nothing of the request is written.
- Replacing a value keeps the old one in `lab_result_revisions`: a RERUN before release, a CORRECTION after
  (HL7 OBX-11 C). A correction is released at once with its reason, shows the previous value as corrected,
  puts the result back in the ordering doctor's "results to view", and raises a new critical alert if the
  corrected value is critical.
- Verification is refused while the test's latest quality-control run of the last 24 hours FAILED.
- Accession numbers (domain/accession.py) are numbered per hospital day under an advisory lock.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import msgspec

from db import alerts, audit, outbox
from db.alerts import CriticalResult
from db.connection import execute, fetch, fetchrow, transaction
from db.outbox import PendingEvent, Position
from db.patients import live_patient, require_record_access
from domain.accession import AccessionKind, accession_number, day_prefix
from domain.actors import Actor
from domain.alert_events import AlertAnalyte
from domain.clock import day_bounds_utc, hospital_day, zoned
from domain.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from domain.lab import (
    DESCRIPTIVE_ANALYTE_CODES,
    Hl7Rejected,
    LabOrderStatus,
    QualityControlStatus,
    ResultFlag,
    Urgency,
)
from domain.lab_events import (
    CLOSED_STATUSES,
    OPEN_STATUSES,
    CorrectedAnalyte,
    LabOrderCreated,
    LabOrderUpdated,
    LabResultCorrected,
    LabResultReleased,
    LabResultReviewed,
    LabWorklistBoard,
    ResultToView,
    WorklistEntry,
)
from domain.lab_results import (
    Interpretation,
    NumericResult,
    ReferenceRange,
    check_lab_order_transition,
    ensure_second_person,
    interpret,
    judge_control,
)
from domain.patients import Gender
from domain.policy import needs_assignment
from domain.registration import age_on
from domain.roles import Role
from domain.topics import lab_section_slug, lab_topic, user_topic

L = LabOrderStatus
QC_LOOKBACK = timedelta(hours=24)
# A sample "collected" more than this far in the future is a clock or typing error.
CLOCK_SKEW = timedelta(minutes=5)


def _now() -> datetime:
    return datetime.now(UTC)


# --- the catalogue --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnalyteDef:
    """One analyte of a catalogue test with all its reference rows (by sex and age band)."""

    code: str
    name: str
    unit: str | None
    display_order: int
    ranges: list[ReferenceRange]
    row_ids: list[UUID]

    @property
    def descriptive(self) -> bool:
        return self.code in DESCRIPTIVE_ANALYTE_CODES


_CATALOG_COLUMNS = "id, code, name, category, section, sample_type, is_panel, turnaround_minutes, price, is_active"


def _decimal(value: Any) -> Decimal | None:
    """A stored limit without the column's padding zeros (13.0000 -> 13, 3.5000 -> 3.5), never in exponent form."""
    if value is None:
        return None
    number = Decimal(value)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


async def analytes_of(catalog_id: UUID) -> dict[str, AnalyteDef]:
    rows = await fetch(
        "SELECT id, code, name, unit, sex, age_min_years, age_max_years, ref_low, ref_high, critical_low, "
        "critical_high, display_order FROM lab_analytes WHERE catalog_id = $1 "
        "ORDER BY display_order, code, sex NULLS FIRST, age_min_years NULLS FIRST, id",
        catalog_id,
    )
    found: dict[str, AnalyteDef] = {}
    for r in rows:
        reference = ReferenceRange(
            low=_decimal(r["ref_low"]), high=_decimal(r["ref_high"]), critical_low=_decimal(r["critical_low"]),
            critical_high=_decimal(r["critical_high"]), sex=Gender(r["sex"]) if r["sex"] else None,
            age_min_years=r["age_min_years"], age_max_years=r["age_max_years"],
        )
        if r["code"] not in found:
            found[r["code"]] = AnalyteDef(r["code"], r["name"], r["unit"], r["display_order"], [], [])
        found[r["code"]].ranges.append(reference)
        found[r["code"]].row_ids.append(r["id"])
    return found


async def catalogue() -> list[dict[str, Any]]:
    """Active catalogue tests, each with its analytes and every reference row."""
    tests = [dict(r) for r in await fetch(
        f"SELECT {_CATALOG_COLUMNS} FROM lab_test_catalog WHERE is_active ORDER BY category, name, code"
    )]
    rows = await fetch(
        "SELECT catalog_id, code, name, unit, sex, age_min_years, age_max_years, ref_low, ref_high, critical_low, "
        "critical_high, display_order FROM lab_analytes "
        "ORDER BY catalog_id, display_order, code, sex NULLS FIRST, age_min_years NULLS FIRST, id"
    )
    by_test: dict[UUID, list[dict[str, Any]]] = {}
    for r in rows:
        by_test.setdefault(r["catalog_id"], []).append(dict(r))
    for test in tests:
        test["analytes"] = by_test.get(test["id"], [])
    return tests


async def _catalog_test(code: str | None, name: str | None) -> dict[str, Any]:
    if code:
        row = await fetchrow(f"SELECT {_CATALOG_COLUMNS} FROM lab_test_catalog WHERE upper(code) = upper($1)", code)
        problem = ("testCode", f"{code!r} is not a test of the catalogue (GET /api/lab/test-categories)")
    elif name:
        row = await fetchrow(
            f"SELECT {_CATALOG_COLUMNS} FROM lab_test_catalog WHERE lower(name) = lower($1) OR upper(code) = upper($1)",
            name.strip(),
        )
        problem = ("testName", f"{name!r} is not a test of the catalogue (GET /api/lab/test-categories)")
    else:
        raise ValidationFailed(fields={"testCode": "Name the test: testCode (or the catalogue's testName)"})
    if row is None or not row["is_active"]:
        raise ValidationFailed(fields={problem[0]: problem[1]})
    return dict(row)


# --- orders ---------------------------------------------------------------------------------------

ORDER_COLUMNS = (
    "t.id, t.accession_number, t.visit_id, t.consultation_id, t.ipd_admission_id, t.patient_id, t.catalog_id, "
    "t.test_name, t.test_code, t.test_category, t.section, t.urgency, t.ordered_by, t.order_date, t.sample_type, "
    "t.sample_collected_date, t.sample_collected_by, t.collection_notes, t.clinical_notes, "
    "t.processing_started_at, t.processing_by, t.results_entered_at, t.result_value, t.result_unit, "
    "t.reference_range, t.is_abnormal, t.result_date, t.reported_by, t.verified_by, t.verified_at, t.released_at, "
    "t.released_by, t.reviewed_at, t.status, t.cancelled_reason, t.version, t.created_at, t.updated_at, "
    "d.user_id AS ordered_by_user_id, d.department_id AS ordering_department_id, "
    "trim(du.first_name || ' ' || coalesce(du.last_name, '')) AS ordered_by_name"
)
_ORDER_FROM = "FROM lab_tests t LEFT JOIN doctors d ON d.id = t.ordered_by LEFT JOIN users du ON du.id = d.user_id"


@dataclass(frozen=True)
class NewLabOrder:
    patient_id: UUID
    test_code: str | None = None
    test_name: str | None = None
    urgency: Urgency = Urgency.ROUTINE
    ordered_by: UUID | None = None
    consultation_id: UUID | None = None
    admission_id: UUID | None = None
    visit_id: UUID | None = None
    clinical_notes: str | None = None


async def _doctor_of(actor: Actor) -> Any:
    row = await fetchrow("SELECT id, department_id FROM doctors WHERE user_id = $1", actor.user_id)
    if row is None:
        raise PermissionDenied("Lab and imaging orders are placed by a doctor: your account has no doctor record")
    return row


def _check_named_self(named: UUID | None, actor: Actor, doctor_id: UUID | None, field_name: str) -> None:
    """A body may name the acting person (by users id, or doctors id), never someone else."""
    if named is not None and named != actor.user_id and named != doctor_id:
        raise PermissionDenied(
            f"{field_name} must be you: the server records the signed-in user, never someone named in the body",
            fields={field_name: "is not you"},
        )


async def _order_context(new: NewLabOrder) -> tuple[UUID | None, UUID | None, UUID | None]:
    """(visit_id, consultation_id, admission_id) of the order, each checked to be the patient's."""
    visit_id, consultation_id, admission_id = new.visit_id, new.consultation_id, new.admission_id
    if consultation_id is not None:
        row = await fetchrow("SELECT patient_id, visit_id FROM opd_consultations WHERE id = $1", consultation_id)
        if row is None or row["patient_id"] != new.patient_id:
            raise ValidationFailed(fields={"consultationId": "No such consultation of this patient"})
        visit_id = visit_id or row["visit_id"]
    if admission_id is not None:
        row = await fetchrow("SELECT patient_id, status FROM ipd_admissions WHERE id = $1", admission_id)
        if row is None or row["patient_id"] != new.patient_id:
            raise ValidationFailed(fields={"admissionId": "No such admission of this patient"})
        if row["status"] != "ACTIVE":
            raise ValidationFailed(fields={"admissionId": "The admission is no longer active"})
    if visit_id is not None:
        row = await fetchrow("SELECT patient_id FROM patient_visits WHERE id = $1", visit_id)
        if row is None or row["patient_id"] != new.patient_id:
            raise ValidationFailed(fields={"visitId": "No such visit of this patient"})
    return visit_id, consultation_id, admission_id


async def next_accession(kind: AccessionKind, now: datetime) -> str:
    """The next accession number of the hospital day; call inside the transaction that stores it."""
    day = hospital_day(now)
    prefix = day_prefix(kind, day)
    await execute("SELECT pg_advisory_xact_lock(hashtext('accession:' || $1))", prefix)
    table = "lab_tests" if kind is AccessionKind.LAB else "imaging_orders"
    row = await fetchrow(
        f"SELECT coalesce(max(split_part(accession_number, '-', 2)::int), 0) AS n FROM {table} "
        "WHERE accession_number LIKE $1",
        prefix + "%",
    )
    return accession_number(kind, day, int(row["n"] if row else 0) + 1)


def _json_text(detail: Mapping[str, Any] | None) -> str:
    return msgspec.json.encode({k: v for k, v in (detail or {}).items()}, enc_hook=str).decode()


def _entry(row: Mapping[str, Any], ward_id: UUID | None) -> WorklistEntry:
    return WorklistEntry(
        id=row["id"], accession_number=row["accession_number"], patient_id=row["patient_id"],
        test_code=row["test_code"], test_name=row["test_name"], urgency=Urgency(row["urgency"]),
        status=LabOrderStatus(row["status"]), order_date=row["order_date"],
        sample_collected_date=row["sample_collected_date"], ward_id=ward_id, version=row["version"],
    )


async def _order_event(order_id: UUID, frm: str | None, to: str | None, event: str, actor: Actor, at: datetime,
                       reason: str | None = None, detail: Mapping[str, Any] | None = None) -> None:
    await execute(
        # clock_timestamp(), not the transaction's time: several steps of one transaction keep their order.
        "INSERT INTO lab_order_events (id, lab_test_id, from_status, to_status, event, actor_id, at, reason, detail) "
        "VALUES ($1, $2, $3, $4, $5, $6, greatest($7, clock_timestamp()), $8, $9::jsonb)",
        uuid4(), order_id, frm, to, event, actor.user_id, at, reason,
        _json_text(detail),
    )


async def place_order(actor: Actor, new: NewLabOrder) -> dict[str, Any]:
    """A doctor orders a catalogue test (one test or a panel) for a patient; it is on the worklist at once."""
    doctor = await _doctor_of(actor)
    _check_named_self(new.ordered_by, actor, doctor["id"], "orderedBy")
    await live_patient(new.patient_id)
    await require_record_access(actor, new.patient_id, part="lab-order")
    test = await _catalog_test(new.test_code, new.test_name)
    section = test["section"] or test["category"] or "general"
    async with transaction():
        visit_id, consultation_id, admission_id = await _order_context(new)
        if admission_id is None:
            active = await fetchrow(
                "SELECT id FROM ipd_admissions WHERE patient_id = $1 AND status = 'ACTIVE'", new.patient_id
            )
            admission_id = active["id"] if active and consultation_id is None and visit_id is None else None
        now = _now()
        accession = await next_accession(AccessionKind.LAB, now)
        order_id = uuid4()
        await execute(
            "INSERT INTO lab_tests (id, accession_number, visit_id, consultation_id, ipd_admission_id, patient_id, "
            "catalog_id, test_name, test_code, test_category, section, urgency, ordered_by, order_date, sample_type, "
            "clinical_notes, status, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
            "$10, $11, $12, $13, $14, $15, $16, 'ORDERED', 1, $14, $14)",
            order_id, accession, visit_id, consultation_id, admission_id, new.patient_id, test["id"], test["name"],
            test["code"], test["category"], section, new.urgency.value, doctor["id"], now, test["sample_type"],
            (new.clinical_notes or "").strip() or None,
        )
        order = await _order_row(order_id)
        await _order_event(order_id, None, L.ORDERED, "ORDERED", actor, now,
                           detail={"urgency": new.urgency.value, "testCode": test["code"]})
        ward_id = await alerts.ward_of_patient(new.patient_id)
        await outbox.append(PendingEvent(lab_topic(section), LabOrderCreated(order=_entry(order, ward_id))))
        await audit.record(actor, action="CREATE", table="lab_tests", record_id=order_id,
                           new={k: order[k] for k in ("accession_number", "patient_id", "test_code", "urgency",
                                                       "section", "visit_id", "ipd_admission_id")})
    return order


async def _order_row(order_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    if lock:
        await execute("SELECT 1 FROM lab_tests WHERE id = $1 FOR UPDATE", order_id)
    row = await fetchrow(f"SELECT {ORDER_COLUMNS} {_ORDER_FROM} WHERE t.id = $1", order_id)
    if row is None:
        raise NotFound("No such lab order")
    return dict(row)


async def _move(actor: Actor, order: dict[str, Any], target: LabOrderStatus, now: datetime, *,
                reason: str | None = None, event: str | None = None, sets: Mapping[str, Any] | None = None,
                detail: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Move the (locked) order to `target`: the transition check, the row, its custody row and the worklist event."""
    current = LabOrderStatus(order["status"])
    check_lab_order_transition(current, target, reason=reason)
    columns = dict(sets or {})
    names = list(columns)
    assignments = "".join(f", {n} = ${i}" for i, n in enumerate(names, start=4))
    await execute(
        f"UPDATE lab_tests SET status = $2, version = version + 1, updated_at = $3{assignments} WHERE id = $1",
        order["id"], target.value, now, *[columns[n] for n in names],
    )
    updated = await _order_row(order["id"])
    await _order_event(order["id"], current, target, event or target.value, actor, now, reason, detail)
    await outbox.append(PendingEvent(lab_topic(updated["section"] or "general"), LabOrderUpdated(
        order_id=updated["id"], accession_number=updated["accession_number"], status=target,
        previous_status=current, version=updated["version"], sample_collected_date=updated["sample_collected_date"],
        updated_at=now, reason=reason,
    )))
    await audit.record(actor, action="UPDATE", table="lab_tests", record_id=order["id"],
                       old={"status": current.value, "version": order["version"]},
                       new={"status": target.value, "version": updated["version"], "reason": reason, **columns})
    return updated


def _check_version(order: Mapping[str, Any], expected: int | None) -> None:
    if expected is not None and expected != order["version"]:
        from domain.errors import StaleVersion

        raise StaleVersion("The lab order changed since you read it", current_version=order["version"])


async def cancel_order(
    actor: Actor, order_id: UUID, reason: str, *, expected_version: int | None = None
) -> dict[str, Any]:
    """Cancel an order (its doctor, or ADMIN) with the reason, until the sample is processing."""
    async with transaction():
        order = await _order_row(order_id, lock=True)
        _check_version(order, expected_version)
        if actor.role is not Role.ADMIN and order["ordered_by_user_id"] != actor.user_id:
            raise PermissionDenied("Only the doctor who ordered a test (or ADMIN) may cancel it")
        return await _move(actor, order, L.CANCELLED, _now(), reason=reason.strip(),
                           sets={"cancelled_reason": reason.strip()})


async def collect_sample(
    actor: Actor, order_id: UUID, *, collected_at: datetime | None, collected_by: UUID | None,
    sample_type: str | None, notes: str | None, expected_version: int | None = None,
) -> dict[str, Any]:
    """Log the sample: collected by the signed-in person, when (now unless given), and its type."""
    _check_named_self(collected_by, actor, None, "collectedBy")
    order = await _order_row(order_id)
    await require_record_access(actor, order["patient_id"], part="lab-sample")
    now = _now()
    when = collected_at or now
    zoned(when, "sampleCollectedAt")
    if when > now + CLOCK_SKEW:
        raise ValidationFailed(fields={"sampleCollectedAt": "is in the future"})
    if when < order["order_date"] - CLOCK_SKEW:
        raise ValidationFailed(fields={"sampleCollectedAt": "is before the test was ordered"})
    async with transaction():
        order = await _order_row(order_id, lock=True)
        _check_version(order, expected_version)
        sets = {"sample_collected_date": when, "sample_collected_by": actor.user_id,
                "collection_notes": (notes or "").strip() or None}
        if sample_type and sample_type.strip():
            sets["sample_type"] = sample_type.strip()
        return await _move(actor, order, L.SAMPLE_COLLECTED, now, sets=sets, event="SAMPLE_COLLECTED",
                           detail={"sampleType": sets.get("sample_type", order["sample_type"])})


async def reject_sample(actor: Actor, order_id: UUID, reason: str) -> dict[str, Any]:
    """The sample cannot be used (haemolysed, clotted, too little, unlabelled): back to ORDERED for a new one."""
    async with transaction():
        order = await _order_row(order_id, lock=True)
        return await _move(actor, order, L.ORDERED, _now(), reason=reason.strip(), event="SAMPLE_REJECTED",
                           sets={"sample_collected_date": None, "sample_collected_by": None,
                                 "processing_started_at": None, "processing_by": None})


async def start_processing(actor: Actor, order_id: UUID) -> dict[str, Any]:
    async with transaction():
        order = await _order_row(order_id, lock=True)
        now = _now()
        return await _move(actor, order, L.PROCESSING, now,
                           sets={"processing_started_at": now, "processing_by": actor.user_id})


# --- results --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultEntry:
    """One analyte's value as sent; `field` is how its value is named in errors (`results[2].value`)."""

    code: str | None
    value: str
    unit: str | None = None
    reported_flag: ResultFlag | None = None
    comment: str | None = None
    field: str = "value"
    unit_field: str = "unit"
    code_field: str = "code"


@dataclass
class _Judged:
    analyte: AnalyteDef
    entry: ResultEntry
    interpretation: Interpretation
    analyte_id: UUID


async def _patient_facts(patient_id: UUID) -> tuple[Gender | None, int]:
    row = await fetchrow("SELECT gender, date_of_birth FROM patients WHERE id = $1", patient_id)
    assert row is not None
    today = hospital_day(_now())
    dob = row["date_of_birth"]
    return (Gender(row["gender"]) if row["gender"] else None), (age_on(dob, today) if dob <= today else 0)


async def _judge(order: Mapping[str, Any], entries: Sequence[ResultEntry]) -> list[_Judged]:
    """Interpret every entry against the catalogue; all field errors at once, before anything is written."""
    if not entries:
        raise ValidationFailed(fields={"results": "Send at least one result"})
    analytes = await analytes_of(order["catalog_id"]) if order["catalog_id"] else {}
    sex, age = await _patient_facts(order["patient_id"])
    problems: dict[str, str] = {}
    judged: list[_Judged] = []
    seen: set[str] = set()
    for entry in entries:
        code = (entry.code or "").strip().upper()
        if not code:
            if len(analytes) != 1:
                problems[entry.code_field] = (
                    f"{order['test_name']} has {len(analytes)} analytes: name each result's code "
                    f"({', '.join(analytes)})"
                )
                continue
            code = next(iter(analytes))
        analyte = analytes.get(code)
        if analyte is None:
            problems[entry.code_field] = f"{code!r} is not an analyte of {order['test_name']} ({', '.join(analytes)})"
            continue
        if code in seen:
            problems[entry.code_field] = f"{code} is sent twice"
            continue
        seen.add(code)
        try:
            interpretation = interpret(
                entry.value, unit=entry.unit, analyte_unit=analyte.unit, ranges=analyte.ranges, sex=sex,
                age_years=age, descriptive=analyte.descriptive, field=entry.field, unit_field=entry.unit_field,
            )
        except ValidationFailed as exc:
            problems.update(exc.fields)
            continue
        chosen = next((rid for rid, r in zip(analyte.row_ids, analyte.ranges, strict=True)
                       if r is interpretation.reference), analyte.row_ids[0])
        judged.append(_Judged(analyte, entry, interpretation, chosen))
    if problems:
        raise ValidationFailed("Some results cannot be accepted; nothing was written", fields=problems)
    return judged


def _display(j: _Judged) -> str:
    return j.interpretation.value.display


COMPONENT_COLUMNS = (
    "c.id, c.lab_test_id, c.analyte_id, c.code, c.name, c.value_text, c.value_numeric, c.unit, c.reference_range, "
    "c.flag, c.is_corrected, c.corrected_from, c.entered_by, c.entered_at, c.source, c.reported_flag, c.comment, "
    "c.corrected_at, c.corrected_by, c.correction_reason, coalesce(a.display_order, 999) AS display_order, "
    "trim(u.first_name || ' ' || coalesce(u.last_name, '')) AS entered_by_name"
)


async def components_of(order_id: UUID) -> list[dict[str, Any]]:
    rows = await fetch(
        f"SELECT {COMPONENT_COLUMNS} FROM lab_result_components c "
        "LEFT JOIN lab_analytes a ON a.id = c.analyte_id LEFT JOIN users u ON u.id = c.entered_by "
        "WHERE c.lab_test_id = $1 ORDER BY display_order, c.code",
        order_id,
    )
    return [dict(r) for r in rows]


async def _write_component(actor: Actor, order_id: UUID, j: _Judged, now: datetime, source: str,
                           existing: Mapping[str, Any] | None, *, correction_reason: str | None) -> dict[str, Any]:
    value = j.interpretation.value
    numeric = value.value if isinstance(value, NumericResult) else None
    reference = j.interpretation.reference.display if j.interpretation.reference else None
    flag = j.interpretation.flag.value if j.interpretation.flag else None
    reported = j.entry.reported_flag.value if j.entry.reported_flag else None
    unit = j.analyte.unit
    if existing is None:
        row = await fetchrow(
            "INSERT INTO lab_result_components (id, lab_test_id, analyte_id, code, name, value_text, value_numeric, "
            "unit, reference_range, flag, is_corrected, entered_by, entered_at, source, reported_flag, comment) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, false, $11, $12, $13, $14, $15) RETURNING id",
            uuid4(), order_id, j.analyte_id, j.analyte.code, j.analyte.name, _display(j), numeric, unit, reference,
            flag, actor.user_id, now, source, reported, j.entry.comment,
        )
        assert row is not None
        await audit.record(actor, action="CREATE", table="lab_result_components", record_id=row["id"],
                           new={"labTestId": order_id, "code": j.analyte.code, "value": _display(j), "flag": flag,
                                "source": source})
        return {"id": row["id"], "previous": None}
    kind = "CORRECTION" if correction_reason is not None else "RERUN"
    await execute(
        "INSERT INTO lab_result_revisions (id, component_id, lab_test_id, code, value_text, unit, flag, source, "
        "entered_by, entered_at, replaced_by, replaced_at, kind, reason) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
        uuid4(), existing["id"], order_id, existing["code"], existing["value_text"], existing["unit"], existing["flag"],
        existing["source"], existing["entered_by"], existing["entered_at"], actor.user_id, now, kind,
        correction_reason,
    )
    previous = existing["value_text"] if not existing["unit"] else f"{existing['value_text']} {existing['unit']}"
    if correction_reason is not None:
        await execute(
            "UPDATE lab_result_components SET analyte_id = $2, value_text = $3, value_numeric = $4, unit = $5, "
            "reference_range = $6, flag = $7, is_corrected = true, corrected_from = $8, corrected_at = $9, "
            "corrected_by = $10, correction_reason = $11, source = $12, reported_flag = $13, "
            "comment = coalesce($14, comment) WHERE id = $1",
            existing["id"], j.analyte_id, _display(j), numeric, unit, reference, flag, previous, now, actor.user_id,
            correction_reason, source, reported, j.entry.comment,
        )
    else:
        await execute(
            "UPDATE lab_result_components SET analyte_id = $2, value_text = $3, value_numeric = $4, unit = $5, "
            "reference_range = $6, flag = $7, entered_by = $8, entered_at = $9, source = $10, reported_flag = $11, "
            "comment = $12 WHERE id = $1",
            existing["id"], j.analyte_id, _display(j), numeric, unit, reference, flag, actor.user_id, now, source,
            reported, j.entry.comment,
        )
    await audit.record(actor, action="UPDATE", table="lab_result_components", record_id=existing["id"],
                       old={"value": existing["value_text"], "flag": existing["flag"]},
                       new={"value": _display(j), "flag": flag, "kind": kind, "reason": correction_reason,
                            "source": source})
    return {"id": existing["id"], "previous": previous}


def _critical_analytes(judged: Sequence[_Judged]) -> list[AlertAnalyte]:
    return [
        AlertAnalyte(code=j.analyte.code, name=j.analyte.name, value=_display(j), unit=j.analyte.unit,
                     flag=j.interpretation.flag.value if j.interpretation.flag else "",
                     reference_range=j.interpretation.reference.display if j.interpretation.reference else None)
        for j in judged if j.interpretation.is_critical
    ]


async def _raise_if_critical(actor: Actor, order: Mapping[str, Any], judged: Sequence[_Judged], *,
                             preliminary: bool, corrected: bool) -> UUID | None:
    critical = _critical_analytes(judged)
    if not critical or order["ordered_by_user_id"] is None:
        return None
    return await alerts.raise_critical_result(actor, CriticalResult(
        lab_test_id=order["id"], patient_id=order["patient_id"], accession_number=order["accession_number"],
        test_name=order["test_name"], ordering_doctor_user_id=order["ordered_by_user_id"],
        department_id=order["ordering_department_id"], analytes=critical, preliminary=preliminary,
        corrected=corrected,
    ))


@dataclass
class EntryOutcome:
    order: dict[str, Any]
    components: list[dict[str, Any]]
    alert_ids: list[UUID] = field(default_factory=list)
    written: int = 0


async def enter_results(actor: Actor, order_id: UUID, entries: Sequence[ResultEntry], *,
                        source: str = "MANUAL") -> EntryOutcome:
    """Enter (or rerun) analyte values before release; a critical value raises a preliminary alert at once."""
    async with transaction():
        order = await _order_row(order_id, lock=True)
        status = LabOrderStatus(order["status"])
        if status in (L.VERIFIED, L.REPORTED):
            raise InvalidTransition(
                "These results were already verified; amend them with a correction (POST .../correct)",
                current_state=status.value,
            )
        if status not in (L.SAMPLE_COLLECTED, L.PROCESSING, L.COMPLETED):
            raise InvalidTransition(
                f"Results cannot be entered on an order that is {status.value}: the sample must be collected first",
                current_state=status.value,
            )
        judged = await _judge(order, entries)
        now = _now()
        if status is L.SAMPLE_COLLECTED:
            order = await _move(actor, order, L.PROCESSING, now,
                                sets={"processing_started_at": now, "processing_by": actor.user_id})
        existing = {c["code"]: c for c in await components_of(order_id)}
        changed: list[_Judged] = []
        for j in judged:
            before = existing.get(j.analyte.code)
            if before is not None and before["value_text"] == _display(j) and before["unit"] == j.analyte.unit:
                continue  # the same value again (a resent message): nothing to write
            await _write_component(actor, order_id, j, now, source, before, correction_reason=None)
            changed.append(j)
        await execute("UPDATE lab_tests SET results_entered_at = $2, reported_by = $3, updated_at = $2 WHERE id = $1",
                      order_id, now, actor.user_id)
        if changed:
            await _order_event(order_id, order["status"], order["status"], "RESULTS_ENTERED", actor, now,
                               detail={"codes": [j.analyte.code for j in changed], "source": source})
        entered = {c["code"] for c in await components_of(order_id)}
        required = set((await analytes_of(order["catalog_id"])).keys()) if order["catalog_id"] else entered
        if LabOrderStatus(order["status"]) is L.PROCESSING and required <= entered:
            order = await _move(actor, order, L.COMPLETED, now, event="RESULTS_COMPLETE")
        alert_id = await _raise_if_critical(actor, order, changed, preliminary=True, corrected=False)
        order = await _order_row(order_id)
        return EntryOutcome(order=order, components=await components_of(order_id),
                            alert_ids=[alert_id] if alert_id else [], written=len(changed))


async def _qc_failed(catalog_id: UUID | None, now: datetime) -> dict[str, Any] | None:
    if catalog_id is None:
        return None
    row = await fetchrow(
        "SELECT id, status, created_at, rules_violated FROM lab_quality_control WHERE catalog_id = $1 "
        "AND created_at > $2 ORDER BY created_at DESC, id LIMIT 1",
        catalog_id, now - QC_LOOKBACK,
    )
    return dict(row) if row is not None and row["status"] == QualityControlStatus.FAIL else None


async def _release(actor: Actor, order: dict[str, Any], now: datetime) -> dict[str, Any]:
    components = await components_of(order["id"])
    abnormal = any(c["flag"] not in (None, ResultFlag.N.value) for c in components)
    if len(components) == 1:
        only = components[0]
        value, unit, reference = only["value_text"], only["unit"], only["reference_range"]
    else:
        flagged = [f"{c['code']} {c['value_text']} ({c['flag']})" for c in components
                   if c["flag"] not in (None, ResultFlag.N.value)]
        value = f"{len(components)} analytes" + (f"; abnormal: {', '.join(flagged)}" if flagged else "; all normal")
        unit, reference = None, None
    released = await _move(actor, order, L.REPORTED, now, event="RELEASED", sets={
        "released_at": now, "released_by": actor.user_id, "result_date": now, "result_value": value,
        "result_unit": unit, "reference_range": reference, "is_abnormal": abnormal, "reviewed_at": None,
        "reviewed_by": None,
    })
    if released["ordered_by_user_id"] is not None:
        await outbox.append(PendingEvent(user_topic(released["ordered_by_user_id"]),
                                         LabResultReleased(result=_to_view(released, components))))
    return released


def _to_view(order: Mapping[str, Any], components: Sequence[Mapping[str, Any]]) -> ResultToView:
    return ResultToView(
        order_id=order["id"], accession_number=order["accession_number"], patient_id=order["patient_id"],
        test_code=order["test_code"], test_name=order["test_name"],
        is_abnormal=any(c["flag"] not in (None, ResultFlag.N.value) for c in components),
        has_critical=any(c["flag"] in (ResultFlag.LL.value, ResultFlag.HH.value) for c in components),
        is_corrected=any(c["is_corrected"] for c in components), released_at=order["released_at"],
    )


async def verify_results(actor: Actor, order_id: UUID, *, release: bool = True, comment: str | None = None,
                         expected_version: int | None = None) -> dict[str, Any]:
    """A second person verifies the entered results; unless held (`release` false) they are released at once."""
    async with transaction():
        order = await _order_row(order_id, lock=True)
        _check_version(order, expected_version)
        status = LabOrderStatus(order["status"])
        if status is not L.COMPLETED:
            raise InvalidTransition(
                f"Only complete results can be verified; this order is {status.value}", current_state=status.value
            )
        assert actor.user_id is not None
        for component in await components_of(order_id):
            ensure_second_person(component["entered_by"], actor.user_id)
        now = _now()
        failed = await _qc_failed(order["catalog_id"], now)
        if failed is not None:
            raise Conflict(
                "The latest quality-control run of this test failed: run a passing control before verifying results",
                extra={"qcId": str(failed["id"]), "rulesViolated": failed["rules_violated"]},
            )
        order = await _move(actor, order, L.VERIFIED, now, event="VERIFIED",
                            sets={"verified_by": actor.user_id, "verified_at": now},
                            detail={"comment": comment} if comment else None)
        await alerts.results_verified(actor, order_id)
        if release:
            order = await _release(actor, order, now)
        return order


async def release_results(actor: Actor, order_id: UUID) -> dict[str, Any]:
    """Release verified results that were held."""
    async with transaction():
        order = await _order_row(order_id, lock=True)
        return await _release(actor, order, _now())


async def send_back(actor: Actor, order_id: UUID, reason: str) -> dict[str, Any]:
    """The verifier sends complete results back for a rerun (COMPLETED -> PROCESSING), with the reason."""
    async with transaction():
        order = await _order_row(order_id, lock=True)
        return await _move(actor, order, L.PROCESSING, _now(), reason=reason.strip(), event="SENT_BACK")


async def correct_results(actor: Actor, order_id: UUID, entries: Sequence[ResultEntry], reason: str, *,
                          source: str = "MANUAL") -> EntryOutcome:
    """Amend released results (HL7 OBX-11 C): old values kept as corrected, the doctor notified, and a new
    critical alert when a corrected value is critical."""
    cleaned = " ".join((reason or "").split())
    if not cleaned:
        raise ValidationFailed(fields={"reason": "Say why the released result is corrected"})
    async with transaction():
        order = await _order_row(order_id, lock=True)
        status = LabOrderStatus(order["status"])
        if status is not L.REPORTED:
            raise InvalidTransition(
                f"Only released results are corrected; this order is {status.value} (enter the value again instead)",
                current_state=status.value,
            )
        judged = await _judge(order, entries)
        existing = {c["code"]: c for c in await components_of(order_id)}
        missing = [j.entry for j in judged if j.analyte.code not in existing]
        if missing:
            raise ValidationFailed(fields={e.code_field: "has no released value to correct" for e in missing})
        now = _now()
        corrected: list[CorrectedAnalyte] = []
        changed: list[_Judged] = []
        for j in judged:
            before = existing[j.analyte.code]
            if before["value_text"] == _display(j):
                continue
            written = await _write_component(actor, order_id, j, now, source, before, correction_reason=cleaned)
            changed.append(j)
            corrected.append(CorrectedAnalyte(
                code=j.analyte.code, name=j.analyte.name, previous_value=written["previous"], value=_display(j),
                unit=j.analyte.unit, flag=j.interpretation.flag.value if j.interpretation.flag else None,
            ))
        if not changed:
            return EntryOutcome(order=order, components=list(existing.values()))
        components = await components_of(order_id)
        abnormal = any(c["flag"] not in (None, ResultFlag.N.value) for c in components)
        summary = components[0]["value_text"] if len(components) == 1 else order["result_value"]
        await execute(
            "UPDATE lab_tests SET version = version + 1, updated_at = $2, is_abnormal = $3, result_value = $4, "
            "reviewed_at = NULL, reviewed_by = NULL WHERE id = $1",
            order_id, now, abnormal, summary,
        )
        await _order_event(order_id, L.REPORTED, L.REPORTED, "CORRECTED", actor, now, cleaned,
                           detail={"codes": [c.code for c in corrected], "source": source})
        order = await _order_row(order_id)
        if order["ordered_by_user_id"] is not None:
            await outbox.append(PendingEvent(user_topic(order["ordered_by_user_id"]), LabResultCorrected(
                result=_to_view(order, components), reason=cleaned, analytes=corrected,
            )))
        alert_id = await _raise_if_critical(actor, order, changed, preliminary=False, corrected=True)
        await audit.record(actor, action="CORRECT", table="lab_tests", record_id=order_id,
                           new={"reason": cleaned, "codes": [c.code for c in corrected]})
        return EntryOutcome(order=order, components=components, alert_ids=[alert_id] if alert_id else [],
                            written=len(changed))


# --- reading orders -------------------------------------------------------------------------------


def results_visible_to(actor: Actor, order: Mapping[str, Any]) -> bool:
    """Lab staff and ADMIN see results as entered; clinicians only once released (REPORTED)."""
    if actor.role in (Role.LAB_STAFF, Role.ADMIN):
        return True
    return bool(order["status"] == L.REPORTED)


async def order_events(order_id: UUID) -> list[dict[str, Any]]:
    rows = await fetch(
        "SELECT e.event, e.from_status, e.to_status, e.actor_id, e.at, e.reason, e.detail::text AS detail, "
        "trim(u.first_name || ' ' || coalesce(u.last_name, '')) AS actor_name FROM lab_order_events e "
        "LEFT JOIN users u ON u.id = e.actor_id WHERE e.lab_test_id = $1 ORDER BY e.at, e.id",
        order_id,
    )
    return [{**dict(r), "detail": msgspec.json.decode(r["detail"]) if r["detail"] else {}} for r in rows]


async def revisions_of(order_id: UUID) -> list[dict[str, Any]]:
    rows = await fetch(
        "SELECT code, value_text, unit, flag, source, entered_by, entered_at, replaced_by, replaced_at, kind, reason "
        "FROM lab_result_revisions WHERE lab_test_id = $1 ORDER BY replaced_at, code",
        order_id,
    )
    return [dict(r) for r in rows]


@dataclass
class OrderView:
    order: dict[str, Any]
    patient: dict[str, Any]
    components: list[dict[str, Any]] | None
    events: list[dict[str, Any]]
    revisions: list[dict[str, Any]] | None
    alerts: list[dict[str, Any]] = field(default_factory=list)


async def _mark_reviewed(actor: Actor, order: Mapping[str, Any], now: datetime) -> None:
    """The ordering doctor opened the released result: it leaves their "results to view"."""
    if order["status"] != L.REPORTED or order["reviewed_at"] is not None:
        return
    if order["ordered_by_user_id"] is None or order["ordered_by_user_id"] != actor.user_id:
        return
    await execute("UPDATE lab_tests SET reviewed_at = $2, reviewed_by = $3 WHERE id = $1 AND reviewed_at IS NULL",
                  order["id"], now, actor.user_id)
    await _order_event(order["id"], None, None, "REVIEWED", actor, now)
    await outbox.append(PendingEvent(user_topic(order["ordered_by_user_id"]),
                                     LabResultReviewed(order_id=order["id"], reviewed_at=now)))


async def get_order(actor: Actor, order_id: UUID, *, with_alerts: bool = False) -> OrderView:
    """One order with its patient, results (when the actor may see them), custody events and revisions."""
    order = await _order_row(order_id)
    await require_record_access(actor, order["patient_id"], part="lab-order")
    async with transaction():
        order = await _order_row(order_id)
        patient = await live_patient(order["patient_id"])
        visible = results_visible_to(actor, order)
        components = await components_of(order_id) if visible else None
        revisions = await revisions_of(order_id) if visible else None
        view = OrderView(order=order, patient=patient, components=components, events=await order_events(order_id),
                         revisions=revisions)
        if with_alerts:
            view.alerts = await alerts.alerts_of_lab_test(order_id)
        await _mark_reviewed(actor, order, _now())
        await audit.record(actor, action="READ", table="lab_tests", record_id=order_id,
                           new={"patientId": order["patient_id"], "results": visible})
    return view


# The lab section's topic key computed in SQL exactly as domain.topics.lab_section_slug does it.
_SLUG = "trim(both '-' from lower(regexp_replace(coalesce(t.section, 'general'), '[^a-zA-Z0-9]+', '-', 'g')))"

_LIST_SQL = f"""
SELECT {ORDER_COLUMNS}, p.mrn, p.first_name, p.last_name, p.gender, p.date_of_birth
{_ORDER_FROM} JOIN patients p ON p.id = t.patient_id
WHERE ($1::text IS NULL OR t.status = $1)
  AND ($2::uuid IS NULL OR t.patient_id = $2)
  AND ($3::text IS NULL OR {_SLUG} = $3)
  AND ($4::text IS NULL OR t.urgency = $4)
  AND ($5::uuid IS NULL OR d.user_id = $5)
  AND ($6::text[] IS NULL OR t.status = ANY($6::text[]))
  AND ($7::uuid[] IS NULL OR r_ward(t.patient_id) = ANY($7::uuid[]))
"""


async def list_orders(
    actor: Actor, *, status: LabOrderStatus | None, patient_id: UUID | None, section: str | None,
    urgency: Urgency | None, limit: int, offset: int, open_only: bool = False,
) -> list[dict[str, Any]]:
    """Orders matching the filters. A DOCTOR without a patient sees the orders they placed; a NURSE without one
    sees the orders of patients admitted to wards they are rostered on; with a patient, assignment is checked."""
    mine: UUID | None = None
    wards: list[UUID] | None = None
    if patient_id is not None:
        await live_patient(patient_id)
        await require_record_access(actor, patient_id, part="lab-orders")
    elif actor.role is Role.DOCTOR:
        mine = actor.user_id
    elif actor.role is not None and needs_assignment(actor.role):
        rows = await fetch(
            "SELECT ward_id FROM ward_assignments WHERE user_id = $1 UNION SELECT ward_id FROM duty_roster "
            "WHERE user_id = $1 AND ward_id IS NOT NULL AND starts_at <= now() AND ends_at > now()",
            actor.user_id,
        )
        wards = [r["ward_id"] for r in rows]
    slug = lab_section_slug(section) if section else None
    sql = _LIST_SQL.replace(
        "r_ward(t.patient_id)",
        "(SELECT r.ward_id FROM ipd_admissions a LEFT JOIN beds b ON b.id = a.bed_id "
        "JOIN rooms r ON r.id = coalesce(b.room_id, a.room_id) WHERE a.patient_id = t.patient_id "
        "AND a.status = 'ACTIVE' LIMIT 1)",
    )
    order_by = (" ORDER BY CASE t.urgency WHEN 'STAT' THEN 0 WHEN 'URGENT' THEN 1 ELSE 2 END, t.order_date, t.id"
                if open_only else " ORDER BY t.order_date DESC, t.id")
    async with transaction():
        rows = await fetch(
            sql + order_by + " LIMIT $8 OFFSET $9",
            status.value if status else None, patient_id, slug, urgency.value if urgency else None, mine,
            [s.value for s in OPEN_STATUSES] if open_only else None, wards, limit, offset,
        )
        out = [dict(r) for r in rows]
        await audit.record(actor, action="SEARCH", table="lab_tests",
                           new={"status": status, "patientId": patient_id, "section": section,
                                "resultIds": [r["id"] for r in out]})
    return out


# --- the lab:{section} topic's snapshot -----------------------------------------------------------

_BOARD_SQL = f"""
SELECT t.id, t.accession_number, t.patient_id, t.test_code, t.test_name, t.urgency, t.status, t.order_date,
       t.sample_collected_date, t.version,
       (SELECT r.ward_id FROM ipd_admissions a LEFT JOIN beds b ON b.id = a.bed_id
        JOIN rooms r ON r.id = coalesce(b.room_id, a.room_id)
        WHERE a.patient_id = t.patient_id AND a.status = 'ACTIVE' LIMIT 1) AS ward_id
FROM lab_tests t
WHERE t.status <> ALL($2::text[])
  AND {_SLUG} = $1
ORDER BY CASE t.urgency WHEN 'STAT' THEN 0 WHEN 'URGENT' THEN 1 ELSE 2 END, t.order_date, t.id
"""


async def worklist_board(section: str) -> tuple[Position, LabWorklistBoard]:
    """The `lab:{section}` topic's snapshot (no patient names) and the position it stands at."""
    slug = lab_section_slug(section)
    topic = lab_topic(slug).name
    for _ in range(2):
        async with transaction():
            await execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            counter = await fetchrow("SELECT seq, epoch FROM topic_counters WHERE topic = $1", topic)
            if counter is not None:
                rows = await fetch(_BOARD_SQL, slug, [s.value for s in CLOSED_STATUSES])
                board = LabWorklistBoard(section=slug, orders=[_entry(r, r["ward_id"]) for r in rows])
                return Position(epoch=str(counter["epoch"]), seq=int(counter["seq"])), board
        await outbox.ensure_counter(topic)
    raise RuntimeError(f"the counter of {topic} could not be created")


async def sections() -> list[str]:
    rows = await fetch("SELECT DISTINCT section FROM lab_test_catalog WHERE section IS NOT NULL ORDER BY section")
    return [r["section"] for r in rows]


# --- quality control ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewQc:
    test_code: str
    control_result: str
    status: QualityControlStatus | None = None
    analyte_code: str | None = None
    control_level: str | None = None
    lot_number: str | None = None
    value: Decimal | None = None
    target_mean: Decimal | None = None
    target_sd: Decimal | None = None
    notes: str | None = None


# lab_quality_control's numbers are numeric(12, 4): below 10^8, four decimal places.
_QC_LIMIT = Decimal(10) ** 8
_QC_PLACES = Decimal("0.0001")


def _qc_number(field: str, value: Decimal | None, problems: dict[str, str]) -> Decimal | None:
    """A control value as the column keeps it; NaN, infinities and out-of-range numbers are a field error."""
    if value is None:
        return None
    if not value.is_finite() or abs(value) >= _QC_LIMIT:
        problems[field] = f"must be a number between -{_QC_LIMIT} and {_QC_LIMIT}"
        return None
    return value.quantize(_QC_PLACES)


async def _qc_test(test_id: str) -> dict[str, Any]:
    """The QC's testId: the catalogue test's code, or its id."""
    try:
        catalog_id = UUID(test_id)
    except ValueError:
        catalog_id = None
    row = await fetchrow(f"SELECT {_CATALOG_COLUMNS} FROM lab_test_catalog WHERE id = $1", catalog_id) \
        if catalog_id is not None else None
    if row is None:
        row = await fetchrow(f"SELECT {_CATALOG_COLUMNS} FROM lab_test_catalog WHERE upper(code) = upper($1)", test_id)
    if row is None or not row["is_active"]:
        raise ValidationFailed(fields={
            "testId": f"{test_id!r} is not a test of the catalogue (its code or id: GET /api/lab/test-categories)"})
    return dict(row)


async def record_qc(actor: Actor, new: NewQc) -> dict[str, Any]:
    """A control run. With value, target mean and SD the server judges it (Westgard rules); else the status sent.

    `new.test_code` is the request's testId: the catalogue test's code or id.
    """
    problems: dict[str, str] = {}
    new = replace(new, value=_qc_number("value", new.value, problems),
                  target_mean=_qc_number("targetMean", new.target_mean, problems),
                  target_sd=_qc_number("targetSd", new.target_sd, problems))
    if problems:
        raise ValidationFailed(fields=problems)
    test = await _qc_test(new.test_code)
    numbers = (new.value, new.target_mean, new.target_sd)
    if any(n is not None for n in numbers) and not all(n is not None for n in numbers):
        raise ValidationFailed(fields={"targetSd": "Send value, targetMean and targetSd together (or none of them)"})
    async with transaction():
        await execute("SELECT pg_advisory_xact_lock(hashtext('qc:' || $1))", str(test["id"]))
        status = new.status
        rules: tuple[str, ...] = ()
        z = None
        if new.value is not None and new.target_mean is not None and new.target_sd is not None:
            previous = await fetchrow(
                "SELECT value_numeric, target_mean, target_sd FROM lab_quality_control WHERE catalog_id = $1 "
                "AND coalesce(analyte_code, '') = coalesce($2, '') AND coalesce(control_level, '') = coalesce($3, '') "
                "AND value_numeric IS NOT NULL AND target_sd > 0 ORDER BY created_at DESC, id LIMIT 1",
                test["id"], new.analyte_code, new.control_level,
            )
            previous_z = ((Decimal(previous["value_numeric"]) - Decimal(previous["target_mean"]))
                          / Decimal(previous["target_sd"])) if previous else None
            verdict = judge_control(new.value, new.target_mean, new.target_sd, previous_z)
            status, rules, z = verdict.status, verdict.rules_violated, verdict.z_score
        if status is None:
            raise ValidationFailed(fields={"status": "Send the status (PASS, WARNING, FAIL) or the value with its "
                                                     "target mean and SD"})
        reported = new.status.value if new.status is not None and new.status != status else None
        row = await fetchrow(
            "INSERT INTO lab_quality_control (id, catalog_id, control_result, status, entered_by, created_at, "
            "analyte_code, control_level, lot_number, value_numeric, target_mean, target_sd, rules_violated, "
            "reported_status, notes) VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8, $9, $10, $11, $12, $13, $14) "
            "RETURNING *",
            uuid4(), test["id"], new.control_result, status.value, actor.user_id, new.analyte_code, new.control_level,
            new.lot_number, new.value, new.target_mean, new.target_sd, ",".join(rules) or None, reported, new.notes,
        )
        assert row is not None
        out = dict(row)
        out["z_score"] = z
        out["test_code"] = test["code"]
        await audit.record(actor, action="CREATE", table="lab_quality_control", record_id=row["id"],
                           new={"testCode": test["code"], "status": status.value, "rules": list(rules)})
    return out


async def list_qc(test_code: str | None, *, limit: int) -> list[dict[str, Any]]:
    rows = await fetch(
        "SELECT q.*, c.code AS test_code FROM lab_quality_control q JOIN lab_test_catalog c ON c.id = q.catalog_id "
        "WHERE ($1::text IS NULL OR upper(c.code) = upper($1)) ORDER BY q.created_at DESC, q.id LIMIT $2",
        test_code, limit,
    )
    return [{**dict(r), "z_score": None} for r in rows]


# --- reports --------------------------------------------------------------------------------------

_VOLUME_SQL = """
SELECT coalesce(test_category, 'Uncategorised') AS category, count(*) AS total,
       count(*) FILTER (WHERE status = 'REPORTED') AS reported,
       count(*) FILTER (WHERE status = 'CANCELLED') AS cancelled,
       count(*) FILTER (WHERE EXISTS (SELECT 1 FROM lab_result_components c WHERE c.lab_test_id = t.id
                                      AND c.flag IN ('LL', 'HH'))) AS critical,
       avg(extract(epoch FROM released_at - order_date) / 60) FILTER (WHERE released_at IS NOT NULL) AS avg_tat,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM released_at - order_date) / 60)
         FILTER (WHERE released_at IS NOT NULL) AS median_tat,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM released_at - order_date) / 60)
         FILTER (WHERE released_at IS NOT NULL) AS p90_tat
FROM lab_tests t WHERE order_date >= $1 AND order_date < $2
GROUP BY 1 ORDER BY 1
"""

_TAT_BY_TEST_SQL = """
SELECT t.test_code, t.test_name, t.urgency, count(*) AS released, c.turnaround_minutes AS target_minutes,
       avg(extract(epoch FROM t.released_at - t.order_date) / 60) AS avg_order_to_release,
       avg(extract(epoch FROM t.sample_collected_date - t.order_date) / 60) AS avg_order_to_collection,
       avg(extract(epoch FROM t.released_at - t.sample_collected_date) / 60) AS avg_collection_to_release,
       count(*) FILTER (WHERE c.turnaround_minutes IS NOT NULL
                        AND t.released_at - t.sample_collected_date > make_interval(mins => c.turnaround_minutes))
         AS over_target
FROM lab_tests t LEFT JOIN lab_test_catalog c ON c.id = t.catalog_id
WHERE t.order_date >= $1 AND t.order_date < $2 AND t.released_at IS NOT NULL
GROUP BY t.test_code, t.test_name, t.urgency, c.turnaround_minutes ORDER BY t.test_code, t.urgency
"""


async def lab_volume(actor: Actor, start: date, end: date) -> dict[str, Any]:
    """Volume by category and turnaround (order to release), overall and per test and urgency."""
    since, until = day_bounds_utc(start)[0], day_bounds_utc(end)[1]
    async with transaction():
        by_category = [dict(r) for r in await fetch(_VOLUME_SQL, since, until)]
        by_test = [dict(r) for r in await fetch(_TAT_BY_TEST_SQL, since, until)]
        overall = await fetchrow(
            "SELECT count(*) AS total, avg(extract(epoch FROM released_at - order_date) / 60) "
            "FILTER (WHERE released_at IS NOT NULL) AS avg_tat, percentile_cont(0.5) WITHIN GROUP "
            "(ORDER BY extract(epoch FROM released_at - order_date) / 60) FILTER (WHERE released_at IS NOT NULL) "
            "AS median_tat FROM lab_tests WHERE order_date >= $1 AND order_date < $2",
            since, until,
        )
        await audit.record(actor, action="REPORT", table="lab_tests",
                           new={"report": "lab-volume", "start": start, "end": end})
    assert overall is not None
    return {"total": int(overall["total"]), "avg_tat": overall["avg_tat"], "median_tat": overall["median_tat"],
            "by_category": by_category, "by_test": by_test}


# --- the printed label ----------------------------------------------------------------------------


async def label(actor: Actor, order_id: UUID) -> dict[str, Any]:
    """What the sample's label shows: accession, patient (name, MRN, age, sex), test, sample type, collection."""
    order = await _order_row(order_id)
    await require_record_access(actor, order["patient_id"], part="lab-label")
    async with transaction():
        patient = await live_patient(order["patient_id"])
        await audit.record(actor, action="PRINT", table="lab_tests", record_id=order_id,
                           new={"what": "sample label", "patientId": order["patient_id"]})
    return {"order": order, "patient": patient}


# --- results from analyzers (HL7 v2) --------------------------------------------------------------


@dataclass(frozen=True)
class Hl7Outcome:
    code: str
    text: str | None
    ack: str
    written: int
    duplicate: bool = False


_FINAL_STATUSES = frozenset({"F", "P", "R", "S", "I"})


async def _log_hl7(*, raw: str, control_id: str | None, sending_application: str | None,
                   sending_facility: str | None, message_type: str | None, transport: str,
                   analyzer_id: UUID | None, received_by: Actor | None, code: str, text: str | None, ack: str,
                   written: int) -> UUID:
    message_id = uuid4()
    await execute(
        "INSERT INTO hl7_messages (id, control_id, sending_application, sending_facility, message_type, transport, "
        "analyzer_id, received_by, received_at, raw_message, ack_code, ack_text, ack_message, results_written) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10, $11, $12, $13)",
        message_id, control_id, sending_application, sending_facility, message_type, transport, analyzer_id,
        received_by.user_id if received_by else None, raw, code, text, ack, written,
    )
    return message_id


async def log_rejected_hl7(*, raw: str, control_id: str | None, sending_application: str | None,
                           sending_facility: str | None, message_type: str | None, transport: str,
                           received_by: Actor | None, code: str, text: str | None, ack: str) -> None:
    """Keep a rejected message and the answer sent (in a transaction of its own: the rejected one rolled back)."""
    async with transaction():
        analyzer = None
        if sending_application:
            analyzer = await fetchrow("SELECT id, user_id FROM lab_analyzers WHERE upper(code) = upper($1)",
                                      sending_application)
        message_id = await _log_hl7(
            raw=raw, control_id=control_id, sending_application=sending_application,
            sending_facility=sending_facility, message_type=message_type, transport=transport,
            analyzer_id=analyzer["id"] if analyzer else None, received_by=received_by, code=code, text=text, ack=ack,
            written=0,
        )
        actor = received_by or Actor(user_id=analyzer["user_id"] if analyzer else None, role=Role.LAB_STAFF)
        await audit.record(actor, action="HL7_REJECTED", table="hl7_messages", record_id=message_id,
                           new={"code": code, "reason": text, "transport": transport})


async def receive_oru(oru: Any, *, raw: str, transport: str, received_by: Actor | None, peer: str | None,
                      make_ack: Callable[[str, str | None], str]) -> Hl7Outcome:
    """Store the results of a parsed ORU^R01 (channels.hl7.OruMessage) as its analyzer, all or nothing.

    A message already accepted (same sender and control id) is answered with the stored ACK, nothing written.
    Problems raise Hl7Rejected (AR/AE) or a DomainError; the caller answers and logs them.
    """
    analyzer = await fetchrow(
        "SELECT id, code, user_id, is_active FROM lab_analyzers WHERE upper(code) = upper($1)",
        oru.sending_application,
    )
    if analyzer is None or not analyzer["is_active"]:
        raise Hl7Rejected("AR", f"Unknown sending application {oru.sending_application!r}: the analyzer is not "
                                "registered (lab_analyzers)")
    device = Actor(user_id=analyzer["user_id"], role=Role.LAB_STAFF, ip_address=peer)
    async with transaction():
        await execute("SELECT pg_advisory_xact_lock(hashtext('hl7:' || $1 || ':' || $2))",
                      analyzer["code"], oru.control_id)
        earlier = await fetchrow(
            "SELECT ack_message, results_written FROM hl7_messages WHERE upper(sending_application) = upper($1) "
            "AND control_id = $2 AND ack_code = 'AA' LIMIT 1",
            oru.sending_application, oru.control_id,
        )
        if earlier is not None:
            await audit.record(received_by or device, action="HL7_DUPLICATE", table="hl7_messages",
                               new={"controlId": oru.control_id, "sender": oru.sending_application})
            return Hl7Outcome(code="AA", text=None, ack=earlier["ack_message"], written=0, duplicate=True)
        written = 0
        for group in oru.orders:
            order = await fetchrow(
                "SELECT t.id, t.status, p.mrn FROM lab_tests t JOIN patients p ON p.id = t.patient_id "
                "WHERE t.accession_number = $1",
                group.accession,
            )
            if order is None:
                raise Hl7Rejected("AE", f"Unknown accession number {group.accession!r}: no such lab order")
            if oru.patient_mrn and oru.patient_mrn != order["mrn"]:
                raise Hl7Rejected("AE", f"PID-3 {oru.patient_mrn!r} is not the patient of accession {group.accession}")
            finals: list[ResultEntry] = []
            corrections: list[ResultEntry] = []
            for index, obx in enumerate(group.results, start=1):
                if obx.status not in _FINAL_STATUSES and obx.status != "C":
                    raise Hl7Rejected("AE", f"OBX {obx.set_id or index} has result status {obx.status!r}: only F, P "
                                            "and C are accepted")
                entry = ResultEntry(
                    code=obx.code, value=obx.value, unit=obx.unit, reported_flag=obx.abnormal_flag,
                    comment=obx.comment, field=f"OBX-5 of {obx.code}", unit_field=f"OBX-6 of {obx.code}",
                    code_field=f"OBX-3 {obx.code}",
                )
                (corrections if obx.status == "C" else finals).append(entry)
            status = LabOrderStatus(order["status"])
            if finals:
                if status is L.REPORTED:
                    raise Hl7Rejected("AE", f"Accession {group.accession} is already released: send changes as "
                                            "corrections (OBX-11 C)")
                written += (await enter_results(device, order["id"], finals, source=analyzer["code"])).written
            if corrections:
                current = LabOrderStatus((await _order_row(order["id"]))["status"])
                if current is L.REPORTED:
                    reason = f"Corrected by {analyzer['code']} (HL7 OBX-11 C, message {oru.control_id})"
                    outcome = await correct_results(device, order["id"], corrections, reason, source=analyzer["code"])
                else:
                    outcome = await enter_results(device, order["id"], corrections, source=analyzer["code"])
                written += outcome.written
        ack = make_ack("AA", None)
        message_id = await _log_hl7(
            raw=raw, control_id=oru.control_id, sending_application=oru.sending_application,
            sending_facility=oru.sending_facility, message_type=oru.message_type, transport=transport,
            analyzer_id=analyzer["id"], received_by=received_by, code="AA", text=None, ack=ack, written=written,
        )
        await audit.record(received_by or device, action="HL7_RECEIVED", table="hl7_messages", record_id=message_id,
                           new={"controlId": oru.control_id, "analyzer": analyzer["code"], "written": written,
                                "accessions": [g.accession for g in oru.orders], "transport": transport})
    return Hl7Outcome(code="AA", text=None, ack=ack, written=written)
