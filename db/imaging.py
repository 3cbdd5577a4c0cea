"""Imaging and radiology: orders by doctors, scheduling, the procedure, the radiologist's report, stored files.

Every write runs in one transaction with its audit row and its events on the `imaging` topic (and the
ordering doctor's `user:` topic when the report is ready). Who did what comes from the session: the ordering
doctor, the technician who performed the study and the reporting radiologist are never taken from the body
(a body naming someone else is refused). The order's moves are domain.imaging.IMAGING_TRANSITIONS.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from db import audit, outbox
from db.connection import execute, fetch, fetchrow, transaction
from db.lab import _check_named_self, _check_version, _doctor_of, next_accession
from db.outbox import PendingEvent, Position
from db.patients import live_patient, require_record_access
from domain.accession import AccessionKind
from domain.actors import Actor
from domain.clock import zoned
from domain.errors import NotFound, PermissionDenied, ValidationFailed
from domain.imaging import ImagingStatus, ImagingUrgency, check_imaging_transition, parse_modality
from domain.imaging_events import (
    CLOSED_STATUSES,
    ImagingEntry,
    ImagingOrderCreated,
    ImagingOrderUpdated,
    ImagingReportReady,
    ImagingWorklistBoard,
)
from domain.policy import needs_assignment
from domain.roles import Role
from domain.topics import IMAGING, user_topic

CLOCK_SKEW = timedelta(minutes=5)


def _now() -> datetime:
    return datetime.now(UTC)


ORDER_COLUMNS = (
    "o.id, o.accession_number, o.patient_id, o.imaging_type, o.body_part, o.ordered_by, o.order_date, o.urgency, "
    "o.scheduled_at, o.scheduled_by, o.procedure_date, o.technician_id, o.procedure_notes, o.findings, o.impression, "
    "o.report_date, o.radiologist_id, o.images_path, o.status, o.version, o.created_at, o.updated_at, o.visit_id, "
    "o.consultation_id, o.ipd_admission_id, o.clinical_indication, o.cancelled_reason, "
    "d.user_id AS ordered_by_user_id, trim(du.first_name || ' ' || coalesce(du.last_name, '')) AS ordered_by_name, "
    "trim(ru.first_name || ' ' || coalesce(ru.last_name, '')) AS radiologist_name"
)
_FROM = (
    "FROM imaging_orders o LEFT JOIN doctors d ON d.id = o.ordered_by LEFT JOIN users du ON du.id = d.user_id "
    "LEFT JOIN doctors rd ON rd.id = o.radiologist_id LEFT JOIN users ru ON ru.id = rd.user_id"
)


@dataclass(frozen=True)
class NewImagingOrder:
    patient_id: UUID
    imaging_type: str
    body_part: str | None = None
    urgency: ImagingUrgency = ImagingUrgency.ROUTINE
    ordered_by: UUID | None = None
    consultation_id: UUID | None = None
    admission_id: UUID | None = None
    clinical_indication: str | None = None


def _entry(row: Mapping[str, Any]) -> ImagingEntry:
    return ImagingEntry(
        id=row["id"], accession_number=row["accession_number"], patient_id=row["patient_id"],
        imaging_type=row["imaging_type"], body_part=row["body_part"], urgency=ImagingUrgency(row["urgency"]),
        status=ImagingStatus(row["status"]), order_date=row["order_date"], scheduled_at=row["scheduled_at"],
        procedure_date=row["procedure_date"], version=row["version"],
    )


async def _order_row(order_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    if lock:
        await execute("SELECT 1 FROM imaging_orders WHERE id = $1 FOR UPDATE", order_id)
    row = await fetchrow(f"SELECT {ORDER_COLUMNS} {_FROM} WHERE o.id = $1", order_id)
    if row is None:
        raise NotFound("No such imaging order")
    return dict(row)


async def place_order(actor: Actor, new: NewImagingOrder) -> dict[str, Any]:
    """A doctor orders a study; it is on the radiology worklist at once."""
    doctor = await _doctor_of(actor)
    if actor.role is Role.RADIOLOGIST:
        raise PermissionDenied("A radiologist confirms and reports imaging; a treating doctor orders it")
    _check_named_self(new.ordered_by, actor, doctor["id"], "orderedBy")
    modality = parse_modality(new.imaging_type)
    await live_patient(new.patient_id)
    await require_record_access(actor, new.patient_id, part="imaging-order")
    async with transaction():
        visit_id = None
        if new.consultation_id is not None:
            row = await fetchrow("SELECT patient_id, visit_id FROM opd_consultations WHERE id = $1",
                                 new.consultation_id)
            if row is None or row["patient_id"] != new.patient_id:
                raise ValidationFailed(fields={"consultationId": "No such consultation of this patient"})
            visit_id = row["visit_id"]
        admission_id = new.admission_id
        if admission_id is not None:
            row = await fetchrow("SELECT patient_id, status FROM ipd_admissions WHERE id = $1", admission_id)
            if row is None or row["patient_id"] != new.patient_id or row["status"] != "ACTIVE":
                raise ValidationFailed(fields={"admissionId": "No active admission of this patient"})
        now = _now()
        accession = await next_accession(AccessionKind.IMAGING, now)
        order_id = uuid4()
        await execute(
            "INSERT INTO imaging_orders (id, accession_number, patient_id, imaging_type, body_part, ordered_by, "
            "order_date, urgency, status, version, created_at, updated_at, visit_id, consultation_id, "
            "ipd_admission_id, clinical_indication) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'ORDERED', 1, $7, $7, "
            "$9, $10, $11, $12)",
            order_id, accession, new.patient_id, modality.value, (new.body_part or "").strip() or None, doctor["id"],
            now, new.urgency.value, visit_id, new.consultation_id, admission_id,
            (new.clinical_indication or "").strip() or None,
        )
        order = await _order_row(order_id)
        await outbox.append(PendingEvent(IMAGING, ImagingOrderCreated(order=_entry(order))))
        await audit.record(actor, action="CREATE", table="imaging_orders", record_id=order_id,
                           new={"accession": accession, "patientId": new.patient_id, "imagingType": modality.value,
                                "bodyPart": new.body_part, "urgency": new.urgency.value})
    return order


async def _move(actor: Actor, order: dict[str, Any], target: ImagingStatus, now: datetime,
                sets: Mapping[str, Any], *, reason: str | None = None) -> dict[str, Any]:
    current = ImagingStatus(order["status"])
    check_imaging_transition(current, target)
    names = list(sets)
    assignments = "".join(f", {n} = ${i}" for i, n in enumerate(names, start=4))
    await execute(
        f"UPDATE imaging_orders SET status = $2, version = version + 1, updated_at = $3{assignments} WHERE id = $1",
        order["id"], target.value, now, *[sets[n] for n in names],
    )
    updated = await _order_row(order["id"])
    await outbox.append(PendingEvent(IMAGING, ImagingOrderUpdated(
        order_id=updated["id"], accession_number=updated["accession_number"], status=target, previous_status=current,
        version=updated["version"], scheduled_at=updated["scheduled_at"], procedure_date=updated["procedure_date"],
        updated_at=now, reason=reason,
    )))
    await audit.record(actor, action="UPDATE", table="imaging_orders", record_id=order["id"],
                       old={"status": current.value, "version": order["version"]},
                       new={"status": target.value, "version": updated["version"], "reason": reason, **sets})
    return updated


async def schedule(actor: Actor, order_id: UUID, scheduled_at: datetime, *,
                   expected_version: int | None = None) -> dict[str, Any]:
    zoned(scheduled_at, "scheduledDateTime")
    now = _now()
    if scheduled_at < now - CLOCK_SKEW:
        raise ValidationFailed(fields={"scheduledDateTime": "is in the past"})
    async with transaction():
        order = await _order_row(order_id, lock=True)
        _check_version(order, expected_version)
        return await _move(actor, order, ImagingStatus.SCHEDULED, now,
                           {"scheduled_at": scheduled_at, "scheduled_by": actor.user_id})


async def record_procedure(actor: Actor, order_id: UUID, *, technician_id: UUID | None, images_path: str | None,
                           notes: str | None, expected_version: int | None = None) -> dict[str, Any]:
    """The study was performed by the signed-in technician; images are referenced by `images_path` or uploaded."""
    _check_named_self(technician_id, actor, None, "technicianId")
    async with transaction():
        order = await _order_row(order_id, lock=True)
        _check_version(order, expected_version)
        now = _now()
        return await _move(actor, order, ImagingStatus.COMPLETED, now, {
            "procedure_date": now, "technician_id": actor.user_id,
            "images_path": (images_path or "").strip() or order["images_path"] or f"imaging/{order_id}/",
            "procedure_notes": (notes or "").strip() or None,
        })


async def report(actor: Actor, order_id: UUID, *, radiologist_id: UUID | None, findings: str,
                 impression: str | None, expected_version: int | None = None) -> dict[str, Any]:
    """The signed-in radiologist reports the study; the ordering doctor is told the report is ready."""
    doctor = await fetchrow("SELECT id FROM doctors WHERE user_id = $1", actor.user_id)
    if doctor is None:
        raise PermissionDenied("Reports are signed by a radiologist with a doctor registration")
    _check_named_self(radiologist_id, actor, doctor["id"], "radiologistId")
    if not findings.strip():
        raise ValidationFailed(fields={"findings": "The report needs its findings"})
    async with transaction():
        order = await _order_row(order_id, lock=True)
        _check_version(order, expected_version)
        now = _now()
        updated = await _move(actor, order, ImagingStatus.REPORTED, now, {
            "findings": findings.strip(), "impression": (impression or "").strip() or None, "report_date": now,
            "radiologist_id": doctor["id"],
        })
        if updated["ordered_by_user_id"] is not None:
            await outbox.append(PendingEvent(user_topic(updated["ordered_by_user_id"]), ImagingReportReady(
                order_id=updated["id"], accession_number=updated["accession_number"],
                patient_id=updated["patient_id"], imaging_type=updated["imaging_type"],
                body_part=updated["body_part"], reported_at=now,
            )))
        return updated


async def cancel(actor: Actor, order_id: UUID, reason: str) -> dict[str, Any]:
    cleaned = " ".join(reason.split())
    if not cleaned:
        raise ValidationFailed(fields={"reason": "Say why the order is cancelled"})
    async with transaction():
        order = await _order_row(order_id, lock=True)
        if actor.role is not Role.ADMIN and order["ordered_by_user_id"] != actor.user_id:
            raise PermissionDenied("Only the doctor who ordered a study (or ADMIN) may cancel it")
        return await _move(actor, order, ImagingStatus.CANCELLED, _now(), {"cancelled_reason": cleaned},
                           reason=cleaned)


# --- files ------------------------------------------------------------------------------------------


async def check_can_upload(order_id: UUID) -> dict[str, Any]:
    order = await _order_row(order_id)
    if order["status"] == ImagingStatus.CANCELLED:
        raise ValidationFailed(fields={"orderId": "The order is cancelled"})
    return order


async def add_file(actor: Actor, order_id: UUID, *, storage_key: str, filename: str, content_type: str,
                   size_bytes: int, sha256: str) -> dict[str, Any]:
    async with transaction():
        order = await _order_row(order_id, lock=True)
        if order["status"] == ImagingStatus.CANCELLED:
            raise ValidationFailed(fields={"orderId": "The order is cancelled"})
        row = await fetchrow(
            "INSERT INTO imaging_files (id, order_id, storage_key, filename, content_type, size_bytes, sha256, "
            "uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now()) RETURNING *",
            uuid4(), order_id, storage_key, filename, content_type, size_bytes, sha256, actor.user_id,
        )
        assert row is not None
        await audit.record(actor, action="CREATE", table="imaging_files", record_id=row["id"],
                           new={"orderId": order_id, "filename": filename, "contentType": content_type,
                                "sizeBytes": size_bytes, "sha256": sha256})
    return dict(row)


async def files_of(actor: Actor, order_id: UUID) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The order's stored files (for signed URLs); reading them is audited."""
    order = await _order_row(order_id)
    await require_record_access(actor, order["patient_id"], part="imaging-images")
    async with transaction():
        rows = await fetch("SELECT * FROM imaging_files WHERE order_id = $1 ORDER BY uploaded_at, id", order_id)
        await audit.record(actor, action="READ", table="imaging_files", record_id=order_id,
                           new={"patientId": order["patient_id"], "files": [r["id"] for r in rows]})
    return order, [dict(r) for r in rows]


async def file_by_id(file_id: UUID) -> dict[str, Any]:
    row = await fetchrow("SELECT * FROM imaging_files WHERE id = $1", file_id)
    if row is None:
        raise NotFound("No such file")
    return dict(row)


# --- reading ----------------------------------------------------------------------------------------


async def get_order(actor: Actor, order_id: UUID) -> tuple[dict[str, Any], dict[str, Any]]:
    order = await _order_row(order_id)
    await require_record_access(actor, order["patient_id"], part="imaging-order")
    async with transaction():
        patient = await live_patient(order["patient_id"])
        await audit.record(actor, action="READ", table="imaging_orders", record_id=order_id,
                           new={"patientId": order["patient_id"]})
    return order, patient


_LIST_SQL = f"""
SELECT {ORDER_COLUMNS}, p.mrn, p.first_name, p.last_name, p.gender, p.date_of_birth
{_FROM} JOIN patients p ON p.id = o.patient_id
WHERE ($1::text IS NULL OR o.status = $1)
  AND ($2::text IS NULL OR o.imaging_type = $2)
  AND ($3::uuid IS NULL OR o.patient_id = $3)
  AND ($4::uuid IS NULL OR d.user_id = $4)
ORDER BY o.order_date DESC, o.id
LIMIT $5 OFFSET $6
"""


async def list_orders(actor: Actor, *, status: ImagingStatus | None, imaging_type: str | None,
                      patient_id: UUID | None, limit: int, offset: int) -> list[dict[str, Any]]:
    """Orders matching the filters. A DOCTOR or NURSE without a patient sees the orders a DOCTOR placed
    (a nurse gets those of the patient asked for); with a patient, assignment is checked."""
    mine: UUID | None = None
    if patient_id is not None:
        await live_patient(patient_id)
        await require_record_access(actor, patient_id, part="imaging-orders")
    elif actor.role is not None and needs_assignment(actor.role):
        if actor.role is not Role.DOCTOR:
            raise ValidationFailed(fields={"patientId": "Name the patient whose imaging orders you want"})
        mine = actor.user_id
    modality = parse_modality(imaging_type).value if imaging_type else None
    async with transaction():
        rows = [dict(r) for r in await fetch(_LIST_SQL, status.value if status else None, modality, patient_id,
                                             mine, limit, offset)]
        await audit.record(actor, action="SEARCH", table="imaging_orders",
                           new={"status": status, "imagingType": modality, "patientId": patient_id,
                                "resultIds": [r["id"] for r in rows]})
    return rows


_BOARD_SQL = """
SELECT o.id, o.accession_number, o.patient_id, o.imaging_type, o.body_part, o.urgency, o.status, o.order_date,
       o.scheduled_at, o.procedure_date, o.version
FROM imaging_orders o
WHERE o.status <> ALL($1::text[]) AND o.accession_number IS NOT NULL
ORDER BY CASE o.urgency WHEN 'URGENT' THEN 0 ELSE 1 END, (o.scheduled_at IS NULL), o.scheduled_at, o.order_date,
         o.id::text
"""


async def worklist_board() -> tuple[Position, ImagingWorklistBoard]:
    """The `imaging` topic's snapshot (no patient names) and the position it stands at."""
    for _ in range(2):
        async with transaction():
            await execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            counter = await fetchrow("SELECT seq, epoch FROM topic_counters WHERE topic = $1", IMAGING.name)
            if counter is not None:
                rows = await fetch(_BOARD_SQL, [s.value for s in CLOSED_STATUSES])
                return (Position(epoch=str(counter["epoch"]), seq=int(counter["seq"])),
                        ImagingWorklistBoard(orders=[_entry(r) for r in rows]))
        await outbox.ensure_counter(IMAGING.name)
    raise RuntimeError("the imaging counter could not be created")

