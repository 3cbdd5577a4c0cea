"""/api/alerts and the doctor's pending actions: alerts (critical results, NEWS2), their timeline, receipts and acks.

An alert goes to its recipients (the ordering or attending doctor, then whoever an escalation reached) on their
`user:{userId}` topic. Their client confirms delivery with a receipt (the socket's `receipt` message, or
POST /api/alerts/{id}/receipt), they open it (seen) and acknowledge it with the action taken (the socket's
`ack` message, or POST /api/alerts/{id}/ack). Every step is in the alert's timeline. Only recipients (and
ADMIN) may see or act on an alert; anyone else gets 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, JSONBody, QueryParameter
from msgspec import Meta, Struct

from db import alerts as alerts_service
from domain.actors import Actor
from domain.alert_events import UserBoard
from domain.policy import Permission
from domain.topics import user_topic
from server.errors import document_errors
from server.security import requires


class AckIn(Struct, rename="camel", forbid_unknown_fields=True):
    """What you did about it ("Repeat K+ sent, calcium gluconate given, ECG ordered")."""

    action: Annotated[str, Meta(min_length=1, max_length=500)]


class AlertRecipientOut(Struct, rename="camel"):
    user_id: UUID
    name: str | None
    role: str
    level: int
    reason: str
    notified_at: datetime
    delivered_at: datetime | None
    seen_at: datetime | None
    delivery: str


class AlertStepOut(Struct, rename="camel"):
    event: str
    at: datetime
    actor_id: UUID | None
    actor_name: str | None
    actor_role: str | None
    detail: dict[str, Any]


class AlertOut(Struct, rename="camel"):
    id: UUID
    kind: str
    severity: str
    status: str
    patient_id: UUID
    lab_test_id: UUID | None
    message: str
    preliminary: bool
    raised_at: datetime
    escalation_level: int
    escalate_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: UUID | None
    action_taken: str | None
    delivery: str
    detail: dict[str, Any]
    recipients: list[AlertRecipientOut]
    timeline: list[AlertStepOut]
    admission_id: UUID | None = None
    # Its own escalation: WARD (doctors rostered on the patient's ward) or DEPARTMENT, and its waits in minutes.
    escalation_scope: str = "DEPARTMENT"
    first_escalation_minutes: int | None = None
    escalation_minutes: int | None = None
    # No longer relevant (DISCHARGED, ADMISSION_CANCELLED, NEWS2_BACK_TO_LOW): off every board.
    resolved_at: datetime | None = None
    resolved_reason: str | None = None


def alert_out(a: dict[str, Any]) -> AlertOut:
    return AlertOut(
        id=a["id"], kind=a["kind"], severity=a["severity"], status=a["status"], patient_id=a["patient_id"],
        lab_test_id=a["lab_test_id"], message=a["message"], preliminary=bool(a["is_preliminary"]),
        raised_at=a["raised_at"], escalation_level=a["escalation_level"], escalate_at=a["escalate_at"],
        acknowledged_at=a["acknowledged_at"], acknowledged_by=a["acknowledged_by"], action_taken=a["action_taken"],
        delivery=a["delivery"], detail=a["detail"],
        recipients=[AlertRecipientOut(**{f.name: r[f.name] for f in msgspec.structs.fields(AlertRecipientOut)})
                    for r in a["recipients"]],
        timeline=[AlertStepOut(**{f.name: s[f.name] for f in msgspec.structs.fields(AlertStepOut)})
                  for s in a["timeline"]],
        admission_id=a.get("admission_id"), escalation_scope=a.get("escalation_scope") or "DEPARTMENT",
        first_escalation_minutes=a.get("first_escalation_minutes"), escalation_minutes=a.get("escalation_minutes"),
        resolved_at=a.get("resolved_at"), resolved_reason=a.get("resolved_reason"),
    )


class AlertEnvelope(Struct, rename="camel"):
    alert: AlertOut


class AlertsOut(Struct, rename="camel"):
    alerts: list[AlertOut]


def _brief_out(row: dict[str, Any]) -> AlertOut:
    return alert_out({**row, "recipients": [], "timeline": [], "delivery": (
        "delivered" if row.get("my_delivered_at") else "not delivered")})


@get("/api/alerts", guards=[requires(Permission.ALERTS_ACK)], tags=["alerts"],
     summary="Your alerts, newest first (open ones unless open=false)")
async def list_alerts(
    request: Request[Actor, Any, Any],
    open_only: Annotated[bool, QueryParameter(name="open")] = True,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
) -> AlertsOut:
    rows = await alerts_service.list_alerts(request.user, open_only=open_only, limit=limit)
    return AlertsOut(alerts=[_brief_out(r) for r in rows])


class UserBoardOut(Struct):
    """Your user:{userId} topic's snapshot as the socket sends it: subscribe with since {epoch, seq} to go live."""

    topic: str
    epoch: str
    seq: int
    data: UserBoard


@get("/api/alerts/board", guards=[requires(Permission.ALERTS_ACK)], tags=["alerts"],
     summary="Your live inbox: open alerts and results to view, with your user topic's position")
async def alerts_board(request: Request[Actor, Any, Any]) -> UserBoardOut:
    user_id = request.user.user_id
    assert user_id is not None
    position, board = await alerts_service.user_board(user_id)
    return UserBoardOut(topic=user_topic(user_id).name, epoch=position.epoch, seq=position.seq, data=board)


@get("/api/alerts/{alert_id:uuid}", guards=[requires(Permission.ALERTS_ACK)], tags=["alerts"],
     summary="One alert with its recipients and whole timeline")
async def get_alert(request: Request[Actor, Any, Any], alert_id: FromPath[UUID]) -> AlertEnvelope:
    return AlertEnvelope(alert=alert_out(await alerts_service.get_alert(request.user, alert_id)))


@post("/api/alerts/{alert_id:uuid}/ack", guards=[requires(Permission.ALERTS_ACK)], tags=["alerts"],
      status_code=200, summary="Acknowledge an alert with the action taken (stops its escalation)")
async def acknowledge(request: Request[Actor, Any, Any], alert_id: FromPath[UUID],
                      data: JSONBody[AckIn]) -> AlertEnvelope:
    return AlertEnvelope(alert=alert_out(await alerts_service.acknowledge(request.user, alert_id, data.action)))


@post("/api/alerts/{alert_id:uuid}/receipt", guards=[requires(Permission.ALERTS_ACK)], tags=["alerts"],
      status_code=204, summary="Your client has the alert on screen (what 'delivered' means)")
async def receipt(request: Request[Actor, Any, Any], alert_id: FromPath[UUID]) -> Response[None]:
    await alerts_service.record_receipt(request.user, alert_id)
    return Response(None, status_code=204)


@post("/api/alerts/{alert_id:uuid}/seen", guards=[requires(Permission.ALERTS_ACK)], tags=["alerts"],
      status_code=204, summary="You opened the alert")
async def seen(request: Request[Actor, Any, Any], alert_id: FromPath[UUID]) -> Response[None]:
    await alerts_service.mark_seen(request.user, alert_id)
    return Response(None, status_code=204)


class ResultToViewOut(Struct, rename="camel"):
    order_id: UUID
    accession_number: str
    patient_id: UUID
    test_code: str | None
    test_name: str
    is_abnormal: bool
    has_critical: bool
    is_corrected: bool
    released_at: datetime


class PendingActionsOut(Struct, rename="camel"):
    """The spec's {prescriptionsToReview, labResultsToView, dischargesNeeded}: the lab and alert parts.

    prescriptionsToReview and dischargesNeeded belong to the pharmacy and IPD areas and are not built yet.
    """

    lab_results_to_view: list[ResultToViewOut]
    critical_alerts: list[AlertOut]


@get("/api/dashboard/doctor/pending-actions", guards=[requires(Permission.DASHBOARD_DOCTOR)], tags=["dashboard"],
     summary="Your released lab results not yet opened and your open critical alerts with their timelines")
async def pending_actions(request: Request[Actor, Any, Any]) -> PendingActionsOut:
    user_id = request.user.user_id
    assert user_id is not None
    _, board = await alerts_service.user_board(user_id)
    open_alerts = await alerts_service.pending_alerts_with_timelines(request.user)
    return PendingActionsOut(
        lab_results_to_view=[ResultToViewOut(**msgspec.structs.asdict(r)) for r in board.results_to_view],
        critical_alerts=[alert_out(a) for a in open_alerts],
    )


ROUTES: list[Any] = document_errors([list_alerts, alerts_board, get_alert, acknowledge, receipt, seen, pending_actions])
