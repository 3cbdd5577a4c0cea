"""Clinical alerts and their closed loop: raised, delivered, seen, acknowledged with the action, escalated,
resolved. THE alert service: every kind of alert is raised, updated, escalated and resolved here.

`raise_alert` raises any alert (kind, severity, patient, admission, lab test if any, its first recipients
with the reason each has it, its own escalation waits and scope) inside the caller's transaction, to each
recipient on `user:{their users id}` (`alert.raised`) and to the patient's ward on `ward:{wardId}` when
admitted (`alert.posted`). `update_open_alert` changes an open one (a NEWS2 alert follows the patient's
later observations), `resolve_alerts` ends those no longer relevant (`alert.resolved`: off every board).
Callers: a critical lab result (db/lab.py, through the thin `raise_critical_result`) and NEWS2
(db/ipd_care.py). Every step is a row of `alert_events` (the timeline) and an event on the outbox.

Delivery is the recipient's client saying it has the alert on screen (a socket receipt, `record_receipt`),
never bytes queued: a recipient without one stays "not delivered" in the timeline.

Escalation: an alert not acknowledged by `alerts.escalate_at` is escalated by `escalate_due`, which any
server process may run (`run_escalations` runs it every few seconds in each). The due row is claimed
with `SELECT ... FOR UPDATE SKIP LOCKED` in the transaction that escalates it and moves `escalate_at` on,
so with several processes each step happens once, and because the timer is a column it survives restarts.
The ladder (domain.alerts.ESCALATION_LADDER): the doctors on the duty roster now, then the department head,
then ADMIN. "On duty" is by the alert's scope: a ward-based alert (NEWS2) reaches the doctors rostered now on
the ward the patient lies in (the department's on duty if nobody is), a department-based one (a critical
result: the ordering doctor's department) the department's. The first step comes after the alert's own
first wait, the later ones after its subsequent wait (columns; a NEWS2 alert's are its band's, a critical
result's ALERT_ESCALATION_MINUTES).

Who may act on an alert: its recipients (the first ones, and whoever an escalation reached), and ADMIN. A
ward-posted alert (the patient is admitted: NEWS2, a critical result) may also be read and acknowledged by
the nurses of that ward (assigned to it or on its duty roster now), recorded `as: WARD_NURSE`; receipts and
"seen" stay the recipients' own. Anyone else is answered as if the alert did not exist.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import msgspec

from db import audit, outbox, realtime
from db.connection import execute, fetch, fetchrow, transaction
from db.outbox import PendingEvent, Position
from domain.actors import SYSTEM, Actor
from domain.alert_events import (
    AlertAcknowledged,
    AlertAnalyte,
    AlertEscalated,
    AlertPosted,
    AlertRaised,
    AlertResolved,
    AlertVerified,
    OpenAlert,
    UserBoard,
)
from domain.alerts import (
    DEFAULT_ESCALATION_MINUTES,
    ESCALATION_LADDER,
    NOT_DELIVERED,
    AlertKind,
    AlertResolution,
    AlertSeverity,
    AlertStatus,
    EscalationScope,
    RecipientReason,
    delivery_of,
    escalation_due,
    next_escalation,
)
from domain.clock import day_bounds_utc
from domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from domain.lab_events import ResultToView
from domain.policy import Permission, allows
from domain.roles import Role
from domain.topics import Topic, user_topic, ward_topic

log = logging.getLogger("hospital.alerts")

MAX_ACTION_CHARS = 500
_escalation_minutes = DEFAULT_ESCALATION_MINUTES


def set_escalation_minutes(minutes: int) -> None:
    """Set by the app at start-up from ALERT_ESCALATION_MINUTES (db/ reads no settings)."""
    global _escalation_minutes
    if minutes < 1:
        raise ValueError("ALERT_ESCALATION_MINUTES must be at least 1")
    _escalation_minutes = minutes


def escalation_minutes() -> int:
    return _escalation_minutes


def _now() -> datetime:
    return datetime.now(UTC)


# --- where an alert goes ----------------------------------------------------------------------------

_WARD_OF_PATIENT_SQL = """
SELECT r.ward_id FROM ipd_admissions a
LEFT JOIN beds b ON b.id = a.bed_id
JOIN rooms r ON r.id = coalesce(b.room_id, a.room_id)
WHERE a.patient_id = $1 AND a.status = 'ACTIVE'
LIMIT 1
"""


async def ward_of_patient(patient_id: UUID) -> UUID | None:
    """The ward of the patient's active admission, if they are admitted."""
    row = await fetchrow(_WARD_OF_PATIENT_SQL, patient_id)
    return row["ward_id"] if row else None


# The ward an admission lies (or last lay) in, whatever its status: where its alerts are posted and resolved.
_WARD_OF_ADMISSION_SQL = """
SELECT r.ward_id FROM ipd_admissions a
LEFT JOIN beds b ON b.id = a.bed_id
JOIN rooms r ON r.id = coalesce(b.room_id, a.room_id)
WHERE a.id = $1
"""


async def ward_of_admission(admission_id: UUID | None) -> UUID | None:
    if admission_id is None:
        return None
    row = await fetchrow(_WARD_OF_ADMISSION_SQL, admission_id)
    return row["ward_id"] if row else None


# ON_DUTY: the doctors rostered now on the ward ($3) when there is one, else those of the department ($1).
_CANDIDATES_SQL = """
SELECT 'ON_DUTY' AS reason, u.id AS user_id FROM duty_roster dr
  JOIN users u ON u.id = dr.user_id AND u.is_active AND u.role = 'DOCTOR'
  JOIN doctors d ON d.user_id = u.id
  WHERE dr.starts_at <= $2 AND dr.ends_at > $2
    AND CASE WHEN $3::uuid IS NOT NULL THEN dr.ward_id = $3
             ELSE $1::uuid IS NOT NULL AND coalesce(dr.department_id, d.department_id) = $1 END
UNION ALL
SELECT 'DEPARTMENT_HEAD', u.id FROM departments dep
  JOIN doctors d ON d.id = dep.head_doctor_id
  JOIN users u ON u.id = d.user_id AND u.is_active
  WHERE dep.id = $1
UNION ALL
SELECT 'ADMIN', u.id FROM users u WHERE u.role = 'ADMIN' AND u.is_active
ORDER BY 1, 2
"""


async def escalation_candidates(department_id: UUID | None, at: datetime, *, ward_id: UUID | None = None
                                ) -> dict[RecipientReason, list[UUID]]:
    """Who each rung of the ladder reaches at `at`. With a ward, ON_DUTY is the doctors rostered on it now
    (the department's on duty if nobody is); without, the department's."""
    return (await _candidates(department_id, at, ward_id))[0]


async def _candidates(department_id: UUID | None, at: datetime, ward_id: UUID | None
                      ) -> tuple[dict[RecipientReason, list[UUID]], EscalationScope]:
    """The ladder's people, and whose roster ON_DUTY came from (WARD, or DEPARTMENT: also for a ward nobody
    is rostered on now)."""
    rows = await fetch(_CANDIDATES_SQL, department_id, at, ward_id)
    found: dict[RecipientReason, list[UUID]] = {reason: [] for reason in ESCALATION_LADDER}
    for row in rows:
        found[RecipientReason(row["reason"])].append(row["user_id"])
    if ward_id is None:
        return found, EscalationScope.DEPARTMENT
    if found[RecipientReason.ON_DUTY]:
        return found, EscalationScope.WARD
    department, _ = await _candidates(department_id, at, None)
    found[RecipientReason.ON_DUTY] = department[RecipientReason.ON_DUTY]
    return found, EscalationScope.DEPARTMENT


# --- raising ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CriticalResult:
    """What a critical-result alert is about: the order, its patient and the critical values."""

    lab_test_id: UUID
    patient_id: UUID
    accession_number: str
    test_name: str
    ordering_doctor_user_id: UUID
    department_id: UUID | None
    analytes: Sequence[AlertAnalyte]
    preliminary: bool
    corrected: bool = False


def _message(result: CriticalResult) -> str:
    values = ", ".join(f"{a.name} {a.value}{' ' + a.unit if a.unit else ''} ({a.flag})" for a in result.analytes)
    what = "Corrected critical result" if result.corrected else "Critical result"
    state = " (preliminary, not yet verified)" if result.preliminary else ""
    return f"{what}{state}: {values} - {result.test_name}, accession {result.accession_number}"


def _open_alert(row: Any, *, reason: RecipientReason) -> OpenAlert:
    detail = _json(row["detail"])
    return OpenAlert(
        alert_id=row["id"], kind=AlertKind(row["kind"]), severity=AlertSeverity(row["severity"]),
        patient_id=row["patient_id"], lab_test_id=row["lab_test_id"],
        accession_number=detail.get("accessionNumber"), message=row["message"],
        preliminary=bool(row["is_preliminary"]), escalation_level=int(row["escalation_level"]), reason=reason,
        raised_at=row["raised_at"], analytes=msgspec.convert(detail.get("analytes", []), list[AlertAnalyte]),
        admission_id=row["admission_id"],
    )


def _json(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, str):
        decoded: dict[str, Any] = msgspec.json.decode(value)
        return decoded
    return dict(value)


_ALERT_COLUMNS = (
    "a.id, a.kind, a.severity, a.status, a.patient_id, a.admission_id, a.lab_test_id, a.target_user_id, a.message, "
    "a.raised_at, a.acknowledged_at, a.acknowledged_by, a.action_taken, a.escalation_level, a.escalate_at, "
    "a.is_preliminary, a.detail::text AS detail, a.department_id, a.first_escalation_minutes, "
    "a.escalation_minutes, a.escalation_scope, a.resolved_at, a.resolved_reason"
)


async def _event(alert_id: UUID, event: str, actor_id: UUID | None, detail: dict[str, Any], at: datetime) -> None:
    await execute(
        # clock_timestamp(): several steps of one transaction (delivered, then seen) keep their order.
        "INSERT INTO alert_events (id, alert_id, event, actor_id, at, detail) "
        "VALUES ($1, $2, $3, $4, greatest($5, clock_timestamp()), $6::jsonb)",
        uuid4(), alert_id, event, actor_id, at, msgspec.json.encode(detail).decode(),
    )


@dataclass(frozen=True, slots=True)
class Recipient:
    """A first recipient of an alert and why they have it (ORDERING_DOCTOR, ATTENDING_DOCTOR)."""

    user_id: UUID
    reason: RecipientReason


@dataclass(frozen=True, slots=True)
class NewAlert:
    """Any alert to raise: what it is about, whom it goes to first, and how it escalates."""

    kind: AlertKind
    severity: AlertSeverity
    patient_id: UUID
    message: str
    recipients: Sequence[Recipient]
    admission_id: UUID | None = None
    lab_test_id: UUID | None = None
    # Whose head (and, for DEPARTMENT scope, whose doctors on duty) an escalation reaches.
    department_id: UUID | None = None
    scope: EscalationScope = EscalationScope.DEPARTMENT
    # Minutes before the first escalation step and between the later ones (None: ALERT_ESCALATION_MINUTES;
    # the subsequent wait defaults to the first).
    first_escalation_minutes: int | None = None
    escalation_minutes: int | None = None
    preliminary: bool = False
    detail: Mapping[str, Any] = field(default_factory=dict)
    # More of the RAISED timeline row and of the audit record (the band and score of a NEWS2 alert...).
    timeline: Mapping[str, Any] = field(default_factory=dict)
    audit: Mapping[str, Any] = field(default_factory=dict)


async def _recipient_reasons(alert_id: UUID) -> list[Any]:
    return await fetch(
        "SELECT user_id, reason FROM alert_recipients WHERE alert_id = $1 ORDER BY level, notified_at, user_id",
        alert_id,
    )


async def _reached_events(row: Any) -> list[PendingEvent]:
    """`alert.raised` to every recipient (each with their own reason: their client answers with a receipt),
    `alert.posted` on the ward of the alert's admission (with the first recipient's reason)."""
    recipients = await _recipient_reasons(row["id"])
    events = [PendingEvent(user_topic(r["user_id"]), AlertRaised(alert=_open_alert(row, reason=RecipientReason(
        r["reason"])))) for r in recipients]
    ward_id = await ward_of_admission(row["admission_id"])
    if ward_id is not None and recipients:
        first = RecipientReason(recipients[0]["reason"])
        events.append(PendingEvent(ward_topic(ward_id), AlertPosted(alert=_open_alert(row, reason=first))))
    return events


async def raise_alert(actor: Actor, new: NewAlert) -> tuple[UUID, list[PendingEvent]]:
    """Raise an alert to its first recipients; call inside the transaction that stored what it is about.
    Returns its id and the events for the caller's outbox append (in order with the caller's own)."""
    recipients = list({r.user_id: r for r in new.recipients}.values())
    if not recipients:
        raise ValueError("an alert goes to somebody")
    now = _now()
    alert_id = uuid4()
    first_wait = new.first_escalation_minutes or _escalation_minutes
    later_wait = new.escalation_minutes or first_wait
    escalate_at = escalation_due(now, first_wait)
    row = await fetchrow(
        "INSERT INTO alerts (id, kind, severity, status, patient_id, admission_id, lab_test_id, target_user_id, "
        "message, raised_at, escalation_level, escalate_at, updated_at, is_preliminary, detail, department_id, "
        "first_escalation_minutes, escalation_minutes, escalation_scope) "
        "VALUES ($1, $2, $3, 'RAISED', $4, $5, $6, $7, $8, $9, 0, $10, $9, $11, $12::jsonb, $13, $14, $15, $16) "
        f"RETURNING {_ALERT_COLUMNS.replace('a.', '')}",
        alert_id, new.kind.value, new.severity.value, new.patient_id, new.admission_id, new.lab_test_id,
        recipients[0].user_id, new.message, now, escalate_at, new.preliminary,
        msgspec.json.encode(dict(new.detail)).decode(), new.department_id, first_wait, later_wait, new.scope.value,
    )
    assert row is not None
    for r in recipients:
        await execute(
            "INSERT INTO alert_recipients (id, alert_id, user_id, level, reason, notified_at) "
            "VALUES ($1, $2, $3, 0, $4, $5)",
            uuid4(), alert_id, r.user_id, r.reason.value, now,
        )
    ward_id = await ward_of_admission(new.admission_id)
    await _event(alert_id, "RAISED", actor.user_id, {
        "to": [str(r.user_id) for r in recipients], "reason": recipients[0].reason.value,
        "recipients": [{"userId": str(r.user_id), "reason": r.reason.value} for r in recipients],
        **new.timeline, "wardId": str(ward_id) if ward_id else None, "escalateAt": escalate_at.isoformat(),
        "firstEscalationMinutes": first_wait, "escalationMinutes": later_wait, "escalationScope": new.scope.value,
    }, now)
    await audit.record(actor, action="CREATE", table="alerts", record_id=alert_id,
                       new={"kind": new.kind.value, **new.audit})
    return alert_id, await _reached_events(row)


async def update_open_alert(
    actor: Actor, alert_id: UUID, *, severity: AlertSeverity, message: str, detail: Mapping[str, Any],
    escalate_at: datetime | None, escalation_minutes: int | None = None, timeline: Mapping[str, Any],
    audit_old: Mapping[str, Any], audit_new: Mapping[str, Any],
) -> list[PendingEvent]:
    """Change an open alert (a NEWS2 alert following later observations: same id, new severity, text and timer;
    with `escalation_minutes`, both its waits). The caller holds it locked. Returns the events: `alert.raised`
    to its recipients again (their boards replace it) and `alert.posted` on the ward."""
    now = _now()
    row = await fetchrow(
        "UPDATE alerts SET severity = $2, message = $3, detail = $4::jsonb, escalate_at = $5, updated_at = $6, "
        "first_escalation_minutes = coalesce($7, first_escalation_minutes), "
        "escalation_minutes = coalesce($7, escalation_minutes) "
        "WHERE id = $1 AND acknowledged_at IS NULL AND resolved_at IS NULL "
        f"RETURNING {_ALERT_COLUMNS.replace('a.', '')}",
        alert_id, severity.value, message, msgspec.json.encode(dict(detail)).decode(), escalate_at, now,
        escalation_minutes,
    )
    if row is None:
        raise Conflict("This alert is no longer open")
    await _event(alert_id, "UPDATED", actor.user_id, {
        **timeline, "escalateAt": escalate_at.isoformat() if escalate_at else None,
        "escalationMinutes": row["escalation_minutes"],
    }, now)
    await audit.record(actor, action="UPDATE", table="alerts", record_id=alert_id, old=dict(audit_old),
                       new=dict(audit_new))
    return await _reached_events(row)


async def raise_critical_result(actor: Actor, result: CriticalResult) -> UUID:
    """Raise a critical-result alert to the ordering doctor (and the patient's ward); call inside the
    transaction that stored the result. Returns the alert's id. Escalates by the ordering doctor's
    department, after ALERT_ESCALATION_MINUTES at each step."""
    admission = await fetchrow(
        "SELECT id FROM ipd_admissions WHERE patient_id = $1 AND status = 'ACTIVE' LIMIT 1", result.patient_id
    )
    alert_id, events = await raise_alert(actor, NewAlert(
        kind=AlertKind.CRITICAL_RESULT, severity=AlertSeverity.CRITICAL, patient_id=result.patient_id,
        message=_message(result),
        recipients=[Recipient(result.ordering_doctor_user_id, RecipientReason.ORDERING_DOCTOR)],
        admission_id=admission["id"] if admission else None, lab_test_id=result.lab_test_id,
        department_id=result.department_id, scope=EscalationScope.DEPARTMENT,
        first_escalation_minutes=_escalation_minutes, escalation_minutes=_escalation_minutes,
        preliminary=result.preliminary,
        detail={"accessionNumber": result.accession_number, "testName": result.test_name,
                "corrected": result.corrected, "analytes": msgspec.to_builtins(list(result.analytes))},
        timeline={"preliminary": result.preliminary},
        audit={"labTestId": result.lab_test_id, "targetUserId": result.ordering_doctor_user_id,
               "preliminary": result.preliminary},
    ))
    await outbox.append(*events)
    return alert_id


# --- resolving: no longer relevant ------------------------------------------------------------------


async def resolve_alerts(
    actor: Actor, reason: AlertResolution, *, admission_id: UUID | None = None, alert_id: UUID | None = None,
    scope: EscalationScope | None = None, acknowledged: bool = False, why: str | None = None,
) -> list[PendingEvent]:
    """End the alerts that stopped being relevant (of an admission, or one alert; of one scope if named): open
    ones, or with `acknowledged` those acknowledged and not yet resolved. Each is RESOLVED, stops escalating,
    gets a RESOLVED timeline row, and `alert.resolved` goes to its recipients and its ward (off every board).
    Inside the caller's transaction; returns the events for its outbox append."""
    if admission_id is None and alert_id is None:
        raise ValueError("resolve the alerts of an admission, or one alert")
    now = _now()
    rows = await fetch(
        f"SELECT {_ALERT_COLUMNS} FROM alerts a WHERE a.resolved_at IS NULL "
        "AND ($1::uuid IS NULL OR a.admission_id = $1) AND ($2::uuid IS NULL OR a.id = $2) "
        "AND ($3::text IS NULL OR a.escalation_scope = $3) AND (a.acknowledged_at IS NOT NULL) = $4 "
        "ORDER BY a.raised_at, a.id FOR UPDATE",
        admission_id, alert_id, scope.value if scope else None, acknowledged,
    )
    events: list[PendingEvent] = []
    for row in rows:
        await execute(
            "UPDATE alerts SET status = 'RESOLVED', resolved_at = $2, resolved_reason = $3, escalate_at = NULL, "
            "updated_at = $2 WHERE id = $1",
            row["id"], now, reason.value,
        )
        await _event(row["id"], "RESOLVED", actor.user_id, {
            "reason": reason.value, "why": why, "acknowledged": row["acknowledged_at"] is not None,
            "escalationLevel": row["escalation_level"],
        }, now)
        await audit.record(actor, action="RESOLVE", table="alerts", record_id=row["id"],
                           old={"status": row["status"]}, new={"status": "RESOLVED", "reason": reason.value})
        payload = AlertResolved(alert_id=row["id"], reason=reason.value, resolved_at=now)
        topics: list[Topic] = [user_topic(r["user_id"]) for r in await _recipient_reasons(row["id"])]
        ward_id = await ward_of_admission(row["admission_id"]) or await ward_of_patient(row["patient_id"])
        if ward_id is not None:
            topics.append(ward_topic(ward_id))
        events.extend(PendingEvent(t, payload) for t in topics)
    return events


async def stop_escalations(admission_id: UUID, why: str) -> None:
    """The patient left (or never was here): their open alerts still escalating stop; they wait for an ack."""
    now = _now()
    rows = await fetch(
        "UPDATE alerts SET escalate_at = NULL, updated_at = $2 WHERE admission_id = $1 AND acknowledged_at IS NULL "
        "AND resolved_at IS NULL AND escalate_at IS NOT NULL RETURNING id",
        admission_id, now,
    )
    for row in rows:
        await _event(row["id"], "ESCALATION_STOPPED", None, {"why": why}, now)


# A recipient's delivery is their first receipt: the column, or a DELIVERED event recorded for them by
# another path (the socket gateway's own receipt handler writes only the event).
_DELIVERED_AT = (
    "coalesce(r.delivered_at, (SELECT min(e.at) FROM alert_events e WHERE e.alert_id = r.alert_id "
    "AND e.actor_id = r.user_id AND e.event = 'DELIVERED')) AS delivered_at"
)


async def _recipients(alert_id: UUID) -> list[Any]:
    return await fetch(
        f"SELECT r.user_id, r.level, r.reason, r.notified_at, {_DELIVERED_AT}, r.seen_at FROM alert_recipients r "
        "WHERE r.alert_id = $1 ORDER BY r.level, r.notified_at, r.user_id",
        alert_id,
    )


async def _fan_out_topics(alert: Any, recipients: Sequence[Any]) -> list[Topic]:
    topics: list[Topic] = [user_topic(r["user_id"]) for r in recipients]
    ward_id = await ward_of_patient(alert["patient_id"])
    if ward_id is not None:
        topics.append(ward_topic(ward_id))
    return topics


async def results_verified(actor: Actor, lab_test_id: UUID) -> None:
    """The order's critical values were verified: its preliminary alerts become final (inside that transaction)."""
    now = _now()
    rows = await fetch(
        f"SELECT {_ALERT_COLUMNS} FROM alerts a WHERE a.lab_test_id = $1 AND a.is_preliminary FOR UPDATE",
        lab_test_id,
    )
    events: list[PendingEvent] = []
    for row in rows:
        await execute("UPDATE alerts SET is_preliminary = false, updated_at = $2 WHERE id = $1", row["id"], now)
        await _event(row["id"], "VERIFIED", actor.user_id, {}, now)
        for topic in await _fan_out_topics(row, await _recipients(row["id"])):
            events.append(PendingEvent(topic, AlertVerified(alert_id=row["id"], verified_at=now)))
    await outbox.append(*events)


# --- receipts, seen, acknowledgement ----------------------------------------------------------------


WARD_NURSE = "WARD_NURSE"  # how an acknowledgement by a nurse of the alert's ward is recorded (`as`)


async def _ward_nurse_of(actor: Actor, alert: Any) -> UUID | None:
    """The ward the alert is posted to (its patient's, when admitted) if `actor` is a nurse of it: assigned to
    the ward or on its duty roster now (the rule of the ward topic); else None."""
    if actor.role is not Role.NURSE or actor.user_id is None:
        return None
    ward_id = await ward_of_patient(alert["patient_id"])
    if ward_id is None or ward_id not in (await realtime.subscriber_facts(actor)).ward_ids_on_roster:
        return None
    return ward_id


async def _alert_for(actor: Actor, alert_id: UUID, *, lock: bool = False, ward_nurse: bool = False
                     ) -> tuple[Any, Any | None]:
    """The alert and the actor's recipient row; NotFound unless the actor is a recipient or ADMIN (or, with
    `ward_nurse`, a nurse of the ward the alert is posted to)."""
    if actor.user_id is None:
        raise PermissionDenied("Alerts go to people; a device neither receives nor acknowledges them")
    row = await fetchrow(
        f"SELECT {_ALERT_COLUMNS} FROM alerts a WHERE a.id = $1" + (" FOR UPDATE" if lock else ""), alert_id
    )
    recipient = None
    if row is not None:
        recipient = await fetchrow(
            "SELECT user_id, level, reason, notified_at, delivered_at, seen_at FROM alert_recipients "
            "WHERE alert_id = $1 AND user_id = $2",
            alert_id, actor.user_id,
        )
    if row is None or (recipient is None and actor.role is not Role.ADMIN
                       and not (ward_nurse and await _ward_nurse_of(actor, row) is not None)):
        # Somebody else's alert is answered like a missing one: ids are not for probing.
        raise NotFound(f"No alert {alert_id} for you")
    return row, recipient


async def record_receipt(actor: Actor, alert_id: UUID) -> None:
    """The alert is on the recipient's screen (their client's receipt): that is what "delivered" means.

    Only a recipient's first receipt is recorded; later ones (a reconnect replays the event) change nothing.
    """
    async with transaction():
        row, recipient = await _alert_for(actor, alert_id, lock=True)
        if recipient is None or recipient["delivered_at"] is not None:
            return
        now = _now()
        await execute("UPDATE alert_recipients SET delivered_at = $3 WHERE alert_id = $1 AND user_id = $2",
                      alert_id, actor.user_id, now)
        await _event(alert_id, "DELIVERED", actor.user_id, {"level": recipient["level"]}, now)
        if row["status"] == AlertStatus.RAISED:
            await execute("UPDATE alerts SET status = 'DELIVERED', updated_at = $2 WHERE id = $1", alert_id, now)
        await audit.record(actor, action="RECEIPT", table="alerts", record_id=alert_id)


async def mark_seen(actor: Actor, alert_id: UUID) -> None:
    """The recipient opened the alert (seeing it implies it was delivered)."""
    async with transaction():
        row, recipient = await _alert_for(actor, alert_id, lock=True)
        if recipient is None or recipient["seen_at"] is not None:
            return
        now = _now()
        if recipient["delivered_at"] is None:
            await _event(alert_id, "DELIVERED", actor.user_id, {"level": recipient["level"], "via": "seen"}, now)
        await execute(
            "UPDATE alert_recipients SET seen_at = $3, delivered_at = coalesce(delivered_at, $3) "
            "WHERE alert_id = $1 AND user_id = $2",
            alert_id, actor.user_id, now,
        )
        await _event(alert_id, "SEEN", actor.user_id, {"level": recipient["level"]}, now)
        if row["status"] in (AlertStatus.RAISED, AlertStatus.DELIVERED):
            await execute("UPDATE alerts SET status = 'SEEN', updated_at = $2 WHERE id = $1", alert_id, now)
        await audit.record(actor, action="SEEN", table="alerts", record_id=alert_id)


async def acknowledge(actor: Actor, alert_id: UUID, action: str) -> dict[str, Any]:
    """Acknowledge the alert with the action taken; it is closed for every recipient and stops escalating.

    The same person acknowledging again changes nothing; someone else is told who already did (409).
    """
    if actor.role is None or not allows(actor.role, Permission.ALERTS_ACK):
        raise PermissionDenied("Your role may not acknowledge alerts")
    cleaned = " ".join(action.split())
    if not cleaned or len(cleaned) > MAX_ACTION_CHARS:
        raise ValidationFailed(fields={"action": f"Say what you did about it (1 to {MAX_ACTION_CHARS} characters)"})
    async with transaction():
        row, recipient = await _alert_for(actor, alert_id, lock=True, ward_nurse=True)
        if row["acknowledged_at"] is not None:
            if row["acknowledged_by"] == actor.user_id:
                return await _alert_out(alert_id)
            raise Conflict(
                "This alert was already acknowledged",
                extra={"acknowledgedBy": str(row["acknowledged_by"]),
                       "acknowledgedAt": row["acknowledged_at"].isoformat(), "action": row["action_taken"]},
            )
        if row["resolved_at"] is not None:
            raise Conflict("This alert was resolved: it is no longer relevant",
                           extra={"resolvedAt": row["resolved_at"].isoformat(), "reason": row["resolved_reason"]})
        now = _now()
        if recipient is not None and recipient["seen_at"] is None:
            await execute(
                "UPDATE alert_recipients SET seen_at = $3, delivered_at = coalesce(delivered_at, $3) "
                "WHERE alert_id = $1 AND user_id = $2",
                alert_id, actor.user_id, now,
            )
        await execute(
            "UPDATE alerts SET status = 'ACKNOWLEDGED', acknowledged_at = $2, acknowledged_by = $3, "
            "action_taken = $4, escalate_at = NULL, updated_at = $2 WHERE id = $1",
            alert_id, now, actor.user_id, cleaned,
        )
        minutes = (now - row["raised_at"]).total_seconds() / 60
        acting_as = recipient["reason"] if recipient is not None else "ADMIN" if actor.role is Role.ADMIN \
            else WARD_NURSE
        detail: dict[str, Any] = {"action": cleaned, "minutesAfterRaised": round(minutes, 1), "as": acting_as}
        if acting_as == WARD_NURSE:
            detail["wardId"] = await _ward_nurse_of(actor, row)
        await _event(alert_id, "ACKNOWLEDGED", actor.user_id, detail, now)
        payload = AlertAcknowledged(alert_id=alert_id, acknowledged_by=actor.user_id, action=cleaned,  # type: ignore[arg-type]
                                    acknowledged_at=now)
        topics = await _fan_out_topics(row, await _recipients(alert_id))
        await outbox.append(*(PendingEvent(t, payload) for t in topics))
        await audit.record(actor, action="ACKNOWLEDGE", table="alerts", record_id=alert_id,
                           old={"status": row["status"]}, new={"status": "ACKNOWLEDGED", "action": cleaned,
                                                               "as": acting_as})
        return await _alert_out(alert_id)


# --- escalation -------------------------------------------------------------------------------------

_CLAIM_DUE_SQL = f"""
SELECT {_ALERT_COLUMNS} FROM alerts a
WHERE a.escalate_at IS NOT NULL AND a.escalate_at <= $1 AND a.acknowledged_at IS NULL AND a.resolved_at IS NULL
ORDER BY a.escalate_at, a.id
LIMIT 1
FOR UPDATE SKIP LOCKED
"""


async def _escalate_one(now: datetime) -> bool:
    """Claim one due alert and take its next escalation step; False when none is due (or all are claimed)."""
    async with transaction():
        row = await fetchrow(_CLAIM_DUE_SQL, now)
        if row is None:
            return False
        alert_id = row["id"]
        recipients = await _recipients(alert_id)
        delivery = "delivered" if any(r["delivered_at"] is not None for r in recipients) else NOT_DELIVERED
        ward_id = (await ward_of_admission(row["admission_id"])
                   if row["escalation_scope"] == EscalationScope.WARD else None)
        candidates, on_duty_of = await _candidates(row["department_id"], now, ward_id)
        step = next_escalation(int(row["escalation_level"]), candidates, [r["user_id"] for r in recipients])
        if step is None:
            await execute("UPDATE alerts SET escalate_at = NULL, updated_at = $2 WHERE id = $1", alert_id, now)
            await _event(alert_id, "ESCALATION_EXHAUSTED", None, {
                "level": row["escalation_level"], "delivery": delivery,
                "why": "nobody further up the escalation ladder to tell",
            }, now)
            await audit.record(SYSTEM, action="ESCALATE", table="alerts", record_id=alert_id,
                               new={"exhausted": True})
            return True
        top = step.level >= len(ESCALATION_LADDER)
        next_at = None if top else escalation_due(now, row["escalation_minutes"] or _escalation_minutes)
        await execute(
            "UPDATE alerts SET status = 'ESCALATED', escalation_level = $2, escalate_at = $3, updated_at = $4 "
            "WHERE id = $1",
            alert_id, step.level, next_at, now,
        )
        for user_id in step.user_ids:
            await execute(
                "INSERT INTO alert_recipients (id, alert_id, user_id, level, reason, notified_at) "
                "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (alert_id, user_id) DO NOTHING",
                uuid4(), alert_id, user_id, step.level, step.reason.value, now,
            )
        await _event(alert_id, "ESCALATED", None, {
            "level": step.level, "reason": step.reason.value, "to": [str(u) for u in step.user_ids],
            "skipped": [s.value for s in step.skipped], "delivery": delivery,
            "onDutyOf": on_duty_of.value, "wardId": str(ward_id) if ward_id else None,
            "recipientsBefore": [{"userId": str(r["user_id"]), "delivery": delivery_of(r["delivered_at"])}
                                 for r in recipients],
            "nextEscalationAt": next_at.isoformat() if next_at else None,
        }, now)
        updated = await fetchrow(f"SELECT {_ALERT_COLUMNS} FROM alerts a WHERE a.id = $1", alert_id)
        assert updated is not None
        raised = AlertRaised(alert=_open_alert(updated, reason=step.reason))
        escalated = AlertEscalated(alert_id=alert_id, escalation_level=step.level, reason=step.reason,
                                   to_user_ids=list(step.user_ids), escalated_at=now, delivery=delivery)
        events = [PendingEvent(user_topic(u), raised) for u in step.user_ids]
        events.extend(PendingEvent(t, escalated) for t in await _fan_out_topics(updated, recipients))
        await outbox.append(*events)
        await audit.record(SYSTEM, action="ESCALATE", table="alerts", record_id=alert_id,
                           old={"level": row["escalation_level"]},
                           new={"level": step.level, "reason": step.reason.value, "to": list(step.user_ids)})
        log.info("alert escalated", extra={"alert_id": str(alert_id), "level": step.level})
        return True


async def escalate_due(now: datetime | None = None, *, limit: int = 100) -> int:
    """Escalate every alert whose timer has run out by `now`; returns how many steps were taken.

    Safe to run in every server process at once: each due alert is claimed with SKIP LOCKED and its
    timer moved in the same transaction, so a step is taken once.
    """
    done = 0
    while done < limit and await _escalate_one(now or _now()):
        done += 1
    return done


async def run_escalations(interval: float) -> None:
    """The periodic job every server process runs (started by the app): escalate what is due."""
    while True:
        try:
            await escalate_due()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("the escalation sweep failed; it runs again in %s s", interval)
        await asyncio.sleep(interval)


# --- reading ----------------------------------------------------------------------------------------


async def timeline(alert_id: UUID) -> list[dict[str, Any]]:
    """The alert's whole history, oldest first, with who did each step."""
    rows = await fetch(
        "SELECT e.event, e.actor_id, e.at, e.detail::text AS detail, "
        "trim(u.first_name || ' ' || coalesce(u.last_name, '')) AS actor_name, u.role AS actor_role "
        "FROM alert_events e LEFT JOIN users u ON u.id = e.actor_id WHERE e.alert_id = $1 ORDER BY e.at, e.id",
        alert_id,
    )
    return [{**dict(r), "detail": _json(r["detail"])} for r in rows]


async def _recipients_out(alert_id: UUID) -> list[dict[str, Any]]:
    rows = await fetch(
        f"SELECT r.user_id, r.level, r.reason, r.notified_at, {_DELIVERED_AT}, r.seen_at, "
        "trim(u.first_name || ' ' || coalesce(u.last_name, '')) AS name, u.role "
        "FROM alert_recipients r JOIN users u ON u.id = r.user_id WHERE r.alert_id = $1 "
        "ORDER BY r.level, r.notified_at, r.user_id",
        alert_id,
    )
    return [{**dict(r), "delivery": delivery_of(r["delivered_at"])} for r in rows]


async def _alert_out(alert_id: UUID) -> dict[str, Any]:
    row = await fetchrow(f"SELECT {_ALERT_COLUMNS} FROM alerts a WHERE a.id = $1", alert_id)
    if row is None:
        raise NotFound(f"No alert {alert_id}")
    out = {**dict(row), "detail": _json(row["detail"])}
    out["recipients"] = await _recipients_out(alert_id)
    out["timeline"] = await timeline(alert_id)
    out["delivery"] = (
        "delivered" if any(r["delivered_at"] is not None for r in out["recipients"]) else NOT_DELIVERED
    )
    return out


async def alerts_of_lab_test(lab_test_id: UUID) -> list[dict[str, Any]]:
    """Every alert an order raised, each with its recipients and timeline (for the report)."""
    rows = await fetch("SELECT id FROM alerts WHERE lab_test_id = $1 ORDER BY raised_at, id", lab_test_id)
    return [await _alert_out(r["id"]) for r in rows]


async def get_alert(actor: Actor, alert_id: UUID) -> dict[str, Any]:
    """One alert with its recipients and timeline (a read of patient data: audited)."""
    async with transaction():
        await _alert_for(actor, alert_id, ward_nurse=True)
        out = await _alert_out(alert_id)
        await audit.record(actor, action="READ", table="alerts", record_id=alert_id,
                           new={"patientId": out["patient_id"]})
    return out


async def list_alerts(actor: Actor, *, open_only: bool, limit: int) -> list[dict[str, Any]]:
    """The actor's alerts (as a recipient), newest first; open ones only unless asked."""
    if actor.user_id is None:
        raise PermissionDenied("Alerts go to people")
    async with transaction():
        rows = await fetch(
            f"SELECT {_ALERT_COLUMNS}, r.reason AS my_reason, r.delivered_at AS my_delivered_at, "
            "r.seen_at AS my_seen_at FROM alerts a JOIN alert_recipients r ON r.alert_id = a.id AND r.user_id = $1 "
            "WHERE ($2::bool IS false OR (a.acknowledged_at IS NULL AND a.resolved_at IS NULL)) "
            "ORDER BY a.raised_at DESC, a.id LIMIT $3",
            actor.user_id, open_only, limit,
        )
        out = [{**dict(r), "detail": _json(r["detail"])} for r in rows]
        if out:
            await audit.record(actor, action="READ", table="alerts",
                               new={"alertIds": [r["id"] for r in out], "openOnly": open_only})
    return out


async def pending_alerts_with_timelines(actor: Actor, *, limit: int = 50) -> list[dict[str, Any]]:
    """The actor's open alerts, each with recipients and timeline (the doctor's pending actions)."""
    rows = await list_alerts(actor, open_only=True, limit=limit)
    return [await _alert_out(r["id"]) for r in rows]


# --- the user:{userId} topic's snapshot -------------------------------------------------------------

_BOARD_ALERTS_SQL = f"""
SELECT {_ALERT_COLUMNS}, r.reason AS my_reason FROM alerts a
JOIN alert_recipients r ON r.alert_id = a.id AND r.user_id = $1
WHERE a.acknowledged_at IS NULL AND a.resolved_at IS NULL
ORDER BY a.raised_at, a.id
"""

_BOARD_RESULTS_SQL = """
SELECT t.id AS order_id, t.accession_number, t.patient_id, t.test_code, t.test_name, t.released_at,
       coalesce(bool_or(c.flag IS NOT NULL AND c.flag <> 'N'), false) AS is_abnormal,
       coalesce(bool_or(c.flag IN ('LL', 'HH')), false) AS has_critical,
       coalesce(bool_or(c.is_corrected), false) AS is_corrected
FROM lab_tests t
JOIN doctors d ON d.id = t.ordered_by AND d.user_id = $1
LEFT JOIN lab_result_components c ON c.lab_test_id = t.id
WHERE t.status = 'REPORTED' AND t.reviewed_at IS NULL
GROUP BY t.id
ORDER BY t.released_at DESC, t.id
"""


def result_to_view(row: Any) -> ResultToView:
    return ResultToView(
        order_id=row["order_id"], accession_number=row["accession_number"], patient_id=row["patient_id"],
        test_code=row["test_code"], test_name=row["test_name"], is_abnormal=bool(row["is_abnormal"]),
        has_critical=bool(row["has_critical"]), is_corrected=bool(row["is_corrected"]),
        released_at=row["released_at"],
    )


async def user_board(user_id: UUID) -> tuple[Position, UserBoard]:
    """The `user:{userId}` topic's snapshot: open alerts and results to view, with the topic's position."""
    topic = user_topic(user_id).name
    for _ in range(2):
        async with transaction():
            await execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            counter = await fetchrow("SELECT seq, epoch FROM topic_counters WHERE topic = $1", topic)
            if counter is not None:
                alerts = [_open_alert(r, reason=RecipientReason(r["my_reason"]))
                          for r in await fetch(_BOARD_ALERTS_SQL, user_id)]
                results = [result_to_view(r) for r in await fetch(_BOARD_RESULTS_SQL, user_id)]
                return (Position(epoch=str(counter["epoch"]), seq=int(counter["seq"])),
                        UserBoard(alerts=alerts, results_to_view=results))
        await outbox.ensure_counter(topic)
    raise RuntimeError(f"the counter of {topic} could not be created")


# --- reports ----------------------------------------------------------------------------------------

_CRITICAL_TAT_SQL = """
SELECT to_char(date_trunc('month', a.raised_at AT TIME ZONE 'Asia/Kolkata'), 'YYYY-MM') AS month,
       count(*) AS alerts,
       count(a.acknowledged_at) AS acknowledged,
       count(*) FILTER (WHERE a.escalation_level > 0) AS escalated,
       count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM alert_events e
                                          WHERE e.alert_id = a.id AND e.event = 'DELIVERED')) AS not_delivered,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.acknowledged_at - a.raised_at) / 60)
         FILTER (WHERE a.acknowledged_at IS NOT NULL) AS median_minutes,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM a.acknowledged_at - a.raised_at) / 60)
         FILTER (WHERE a.acknowledged_at IS NOT NULL) AS p90_minutes,
       max(extract(epoch FROM a.acknowledged_at - a.raised_at) / 60) AS max_minutes,
       count(*) FILTER (WHERE a.acknowledged_at <= a.raised_at + interval '30 minutes') AS within_30_minutes
FROM alerts a
WHERE a.kind = 'CRITICAL_RESULT' AND a.raised_at >= $1 AND a.raised_at < $2
GROUP BY 1 ORDER BY 1
"""


async def critical_result_turnaround(actor: Actor, start: date, end: date) -> list[dict[str, Any]]:
    """Critical-result turnaround (raised to acknowledged) per month, the measure the Joint Commission asks for."""
    async with transaction():
        rows = await fetch(_CRITICAL_TAT_SQL, day_bounds_utc(start)[0], day_bounds_utc(end)[1])
        await audit.record(actor, action="REPORT", table="alerts",
                           new={"report": "critical-result-turnaround", "start": start, "end": end})
    return [dict(r) for r in rows]


def critical_report_window(months: int, today: date) -> tuple[date, date]:
    first = date(today.year, today.month, 1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, today
