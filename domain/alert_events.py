"""Alerts on the live topics: what a person's `user:{userId}` topic holds and the events that change it.

`user:{userId}` (that user only, never a device) is the person's inbox: their open alerts (raised to them,
or reaching them by escalation) and, for a doctor, released lab results not yet opened. It is personal, so
it may carry the values of a critical result: only the person it is addressed to receives it.

`ward:{wardId}` gets `alert.posted`, `alert.escalated`, `alert.verified`, `alert.acknowledged` and
`alert.resolved` for an admitted patient's alerts, so the ward's nurses see them (domain/boards.py applies
them to the bed's admission). `alert.resolved` says an alert stopped being relevant (the patient was
discharged, the admission cancelled, a NEWS2 alert acknowledged and the patient back to low risk): it
leaves every board, acknowledged or not.

Event names: a client sends a receipt for `alert.raised` (channels/client.py does, for `alert.*raised`),
which is what "delivered" means. `alert.posted` on a ward topic deliberately does not end in "raised":
a ward's screens are informed, not the alert's recipients.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar
from uuid import UUID

import msgspec

from domain.alerts import AlertKind, AlertSeverity, RecipientReason
from domain.events import EventPayload
from domain.lab_events import LabResultCorrected, LabResultReleased, LabResultReviewed, ResultToView


class AlertAnalyte(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """One critical value of a critical-result alert."""

    code: str
    name: str
    value: str
    unit: str | None
    flag: str
    reference_range: str | None = None


class OpenAlert(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """An alert not yet acknowledged, as its recipient sees it."""

    alert_id: UUID
    kind: AlertKind
    severity: AlertSeverity
    patient_id: UUID
    lab_test_id: UUID | None
    accession_number: str | None
    message: str
    preliminary: bool
    escalation_level: int
    # Why this person has it: the ordering (critical result) or attending (NEWS2) doctor, or the escalation
    # step that reached them. On a ward topic (`alert.posted`): the first recipient's.
    reason: RecipientReason
    raised_at: datetime
    analytes: list[AlertAnalyte] = msgspec.field(default_factory=list)
    # The admission the patient was in when it was raised: where a ward board shows it (IPD issue).
    admission_id: UUID | None = None


class UserBoard(msgspec.Struct, rename="camel", kw_only=True, frozen=True):
    """The `user:{userId}` topic: open alerts (oldest first) and results to view (newest release first)."""

    alerts: list[OpenAlert] = msgspec.field(default_factory=list)
    results_to_view: list[ResultToView] = msgspec.field(default_factory=list)


class AlertRaised(EventPayload, frozen=True, kw_only=True):
    """user:{userId}: an alert reaches this person (raised to them, or escalated to them). Answer with a receipt."""

    EVENT: ClassVar[str] = "alert.raised"

    alert: OpenAlert


class AlertPosted(EventPayload, frozen=True, kw_only=True):
    """ward:{wardId}: an alert about a patient on this ward was raised (to the ordering doctor)."""

    EVENT: ClassVar[str] = "alert.posted"

    alert: OpenAlert


class AlertEscalated(EventPayload, frozen=True, kw_only=True):
    """user:{userId} of those already told, and ward:{wardId}: nobody acknowledged in time; it went further."""

    EVENT: ClassVar[str] = "alert.escalated"

    alert_id: UUID
    escalation_level: int
    reason: RecipientReason
    to_user_ids: list[UUID]
    escalated_at: datetime
    # "delivered" if any recipient's client sent a receipt, else "not delivered".
    delivery: str


class AlertVerified(EventPayload, frozen=True, kw_only=True):
    """user:{userId} of every recipient, and ward:{wardId}: the critical result was verified (no longer preliminary)."""

    EVENT: ClassVar[str] = "alert.verified"

    alert_id: UUID
    verified_at: datetime


class AlertAcknowledged(EventPayload, frozen=True, kw_only=True):
    """user:{userId} of every recipient, and ward:{wardId}: someone acted on the alert; it is closed for all."""

    EVENT: ClassVar[str] = "alert.acknowledged"

    alert_id: UUID
    acknowledged_by: UUID
    action: str
    acknowledged_at: datetime


class AlertResolved(EventPayload, frozen=True, kw_only=True):
    """user:{userId} of every recipient, and ward:{wardId}: the alert stopped being relevant; off every board."""

    EVENT: ClassVar[str] = "alert.resolved"

    alert_id: UUID
    # domain.alerts.AlertResolution: DISCHARGED, ADMISSION_CANCELLED, NEWS2_BACK_TO_LOW.
    reason: str
    resolved_at: datetime


def _alert_key(alert: OpenAlert) -> tuple[datetime, UUID]:
    return (alert.raised_at, alert.alert_id)


def _result_key(result: ResultToView) -> tuple[float, str]:
    return (-result.released_at.timestamp(), str(result.order_id))


def apply_alert_raised(board: UserBoard, event: AlertRaised) -> UserBoard:
    alerts = [a for a in board.alerts if a.alert_id != event.alert.alert_id]
    alerts.append(event.alert)
    return msgspec.structs.replace(board, alerts=sorted(alerts, key=_alert_key))


def apply_alert_escalated(board: UserBoard, event: AlertEscalated) -> UserBoard:
    return msgspec.structs.replace(board, alerts=[
        msgspec.structs.replace(a, escalation_level=event.escalation_level) if a.alert_id == event.alert_id else a
        for a in board.alerts
    ])


def apply_alert_verified(board: UserBoard, event: AlertVerified) -> UserBoard:
    return msgspec.structs.replace(board, alerts=[
        msgspec.structs.replace(a, preliminary=False) if a.alert_id == event.alert_id else a for a in board.alerts
    ])


def apply_alert_acknowledged(board: UserBoard, event: AlertAcknowledged) -> UserBoard:
    return msgspec.structs.replace(board, alerts=[a for a in board.alerts if a.alert_id != event.alert_id])


def apply_alert_resolved(board: UserBoard, event: AlertResolved) -> UserBoard:
    return msgspec.structs.replace(board, alerts=[a for a in board.alerts if a.alert_id != event.alert_id])


def _with_result(board: UserBoard, result: ResultToView) -> UserBoard:
    results = [r for r in board.results_to_view if r.order_id != result.order_id]
    results.append(result)
    return msgspec.structs.replace(board, results_to_view=sorted(results, key=_result_key))


def apply_lab_result_released(board: UserBoard, event: LabResultReleased) -> UserBoard:
    return _with_result(board, event.result)


def apply_lab_result_corrected(board: UserBoard, event: LabResultCorrected) -> UserBoard:
    return _with_result(board, event.result)


def apply_lab_result_reviewed(board: UserBoard, event: LabResultReviewed) -> UserBoard:
    return msgspec.structs.replace(
        board, results_to_view=[r for r in board.results_to_view if r.order_id != event.order_id]
    )
