"""The laboratory's live topics: what `lab:{section}` holds, the events that change it, and the results inbox.

`lab:{section}` (LAB_STAFF, ADMIN, DOCTOR; a wallboard device listing it) is the section's worklist: every
order not yet released or cancelled, most urgent first. Entries carry ids, test, urgency, status and times,
never a patient's name or MRN: every subscriber receives the same bytes. A technician opens the order
(GET /api/lab/orders/{id}) for the patient's identifying details, which is an audited read.

Applying `lab.order.created` and `lab.order.updated` in seq order to a snapshot gives the next snapshot
exactly (tests/api/test_lab_live.py checks each in the verify_action style).

The ordering doctor's `user:{userId}` topic gets `lab.result.released`, `lab.result.reviewed` and
`lab.result.corrected`; their effect on the doctor's inbox is in domain/alert_events.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import msgspec

from domain.events import EventPayload
from domain.lab import LabOrderStatus, Urgency

# Orders leave the worklist when they reach one of these.
CLOSED_STATUSES: frozenset[LabOrderStatus] = frozenset({LabOrderStatus.REPORTED, LabOrderStatus.CANCELLED})
OPEN_STATUSES: tuple[LabOrderStatus, ...] = tuple(s for s in LabOrderStatus if s not in CLOSED_STATUSES)

# Worklist order: STAT first, then URGENT, then ROUTINE; oldest first within each; the id breaks ties.
URGENCY_RANK: dict[Urgency, int] = {Urgency.STAT: 0, Urgency.URGENT: 1, Urgency.ROUTINE: 2}


class WorklistEntry(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """One order on a section's worklist. No patient name or MRN (see the module text)."""

    id: UUID
    accession_number: str
    patient_id: UUID
    test_code: str | None
    test_name: str
    urgency: Urgency
    status: LabOrderStatus
    order_date: datetime
    sample_collected_date: datetime | None
    # The ward the patient is on, when admitted: where the sample is collected.
    ward_id: UUID | None
    version: int


class LabWorklistBoard(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The `lab:{section}` topic: the section's open orders, most urgent and oldest first."""

    section: str
    orders: list[WorklistEntry] = msgspec.field(default_factory=list)


def worklist_key(entry: WorklistEntry) -> tuple[int, datetime, UUID]:
    return (URGENCY_RANK[entry.urgency], entry.order_date, entry.id)


class LabOrderCreated(EventPayload, frozen=True, kw_only=True):
    """lab:{section}: a doctor ordered a test of this section; it is on the worklist at once."""

    EVENT: ClassVar[str] = "lab.order.created"

    order: WorklistEntry


class LabOrderUpdated(EventPayload, frozen=True, kw_only=True, omit_defaults=True):
    """lab:{section}: an order moved (collected, processing, results complete, verified, released, cancelled,
    sample rejected, sent back for a rerun). Released and cancelled orders leave the worklist."""

    EVENT: ClassVar[str] = "lab.order.updated"

    order_id: UUID
    accession_number: str
    status: LabOrderStatus
    previous_status: LabOrderStatus
    version: int
    sample_collected_date: datetime | None
    updated_at: datetime
    reason: str | None = None


def apply_lab_order_created(board: LabWorklistBoard, event: LabOrderCreated) -> LabWorklistBoard:
    orders = [o for o in board.orders if o.id != event.order.id]
    orders.append(event.order)
    return msgspec.structs.replace(board, orders=sorted(orders, key=worklist_key))


def apply_lab_order_updated(board: LabWorklistBoard, event: LabOrderUpdated) -> LabWorklistBoard:
    if event.status in CLOSED_STATUSES:
        return msgspec.structs.replace(board, orders=[o for o in board.orders if o.id != event.order_id])
    orders = [
        msgspec.structs.replace(o, status=event.status, version=event.version,
                                sample_collected_date=event.sample_collected_date)
        if o.id == event.order_id else o
        for o in board.orders
    ]
    return msgspec.structs.replace(board, orders=orders)


# --- the ordering doctor's user:{userId} topic -----------------------------------------------------


class ResultToView(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """A released result the ordering doctor has not opened yet (a corrected one comes back here)."""

    order_id: UUID
    accession_number: str
    patient_id: UUID
    test_code: str | None
    test_name: str
    is_abnormal: bool
    has_critical: bool
    is_corrected: bool
    released_at: datetime


class LabResultReleased(EventPayload, frozen=True, kw_only=True):
    """user:{orderingDoctorUserId}: a second person verified the results and they are released."""

    EVENT: ClassVar[str] = "lab.result.released"

    result: ResultToView


class LabResultReviewed(EventPayload, frozen=True, kw_only=True):
    """user:{orderingDoctorUserId}: the doctor opened the released result (it leaves "results to view")."""

    EVENT: ClassVar[str] = "lab.result.reviewed"

    order_id: UUID
    reviewed_at: datetime


class CorrectedAnalyte(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    code: str
    name: str
    previous_value: str | None
    value: str
    unit: str | None
    flag: str | None


class LabResultCorrected(EventPayload, frozen=True, kw_only=True):
    """user:{orderingDoctorUserId}: a released result was corrected (HL7 OBX-11 C); the old value stays visible."""

    EVENT: ClassVar[str] = "lab.result.corrected"

    result: ResultToView
    reason: str
    analytes: list[CorrectedAnalyte]
