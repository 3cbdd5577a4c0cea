"""The `imaging` topic: the radiology worklist, the events that change it, and the report notice to the doctor.

`imaging` (RADIOLOGIST, ADMIN, DOCTOR; a device listing it) holds every order not yet reported or cancelled,
urgent first, then by scheduled time, then by order time. Entries carry ids, modality, body part, urgency,
status and times, never a patient's name or MRN (every subscriber receives the same bytes).
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import msgspec

from domain.events import EventPayload
from domain.imaging import ImagingStatus, ImagingUrgency

CLOSED_STATUSES: frozenset[ImagingStatus] = frozenset({ImagingStatus.REPORTED, ImagingStatus.CANCELLED})
OPEN_STATUSES: tuple[ImagingStatus, ...] = tuple(s for s in ImagingStatus if s not in CLOSED_STATUSES)
URGENCY_RANK: dict[ImagingUrgency, int] = {ImagingUrgency.URGENT: 0, ImagingUrgency.ROUTINE: 1}



class ImagingEntry(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    id: UUID
    accession_number: str
    patient_id: UUID
    imaging_type: str
    body_part: str | None
    urgency: ImagingUrgency
    status: ImagingStatus
    order_date: datetime
    scheduled_at: datetime | None
    procedure_date: datetime | None
    version: int


class ImagingWorklistBoard(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    orders: list[ImagingEntry] = msgspec.field(default_factory=list)


def worklist_key(entry: ImagingEntry) -> tuple[int, bool, float, float, str]:
    scheduled = entry.scheduled_at.timestamp() if entry.scheduled_at is not None else 0.0
    return (URGENCY_RANK[entry.urgency], entry.scheduled_at is None, scheduled, entry.order_date.timestamp(),
            str(entry.id))


class ImagingOrderCreated(EventPayload, frozen=True, kw_only=True):
    """imaging: a doctor ordered a study; it is on the radiology worklist at once."""

    EVENT: ClassVar[str] = "imaging.order.created"

    order: ImagingEntry


class ImagingOrderUpdated(EventPayload, frozen=True, kw_only=True, omit_defaults=True):
    """imaging: an order was scheduled, performed, reported or cancelled (the last two leave the worklist)."""

    EVENT: ClassVar[str] = "imaging.order.updated"

    order_id: UUID
    accession_number: str
    status: ImagingStatus
    previous_status: ImagingStatus
    version: int
    scheduled_at: datetime | None
    procedure_date: datetime | None
    updated_at: datetime
    reason: str | None = None


class ImagingReportReady(EventPayload, frozen=True, kw_only=True):
    """user:{orderingDoctorUserId}: the radiologist's report of the doctor's order is ready."""

    EVENT: ClassVar[str] = "imaging.report.ready"

    order_id: UUID
    accession_number: str
    patient_id: UUID
    imaging_type: str
    body_part: str | None
    reported_at: datetime


def apply_imaging_order_created(board: ImagingWorklistBoard, event: ImagingOrderCreated) -> ImagingWorklistBoard:
    orders = [o for o in board.orders if o.id != event.order.id]
    orders.append(event.order)
    return msgspec.structs.replace(board, orders=sorted(orders, key=worklist_key))


def apply_imaging_order_updated(board: ImagingWorklistBoard, event: ImagingOrderUpdated) -> ImagingWorklistBoard:
    if event.status in CLOSED_STATUSES:
        return msgspec.structs.replace(board, orders=[o for o in board.orders if o.id != event.order_id])
    orders = [
        msgspec.structs.replace(o, status=event.status, version=event.version, scheduled_at=event.scheduled_at,
                                procedure_date=event.procedure_date)
        if o.id == event.order_id else o
        for o in board.orders
    ]
    return msgspec.structs.replace(board, orders=sorted(orders, key=worklist_key))
