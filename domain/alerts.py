"""Clinical alert vocabulary: what raised an alert, how urgent it is, where it stands.

Values are the strings stored in the database and sent on the wire. The escalation ladder of an alert nobody
acknowledges is declared here too; db/alerts.py finds the people of each rung and keeps the timers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from uuid import UUID


class AlertKind(StrEnum):
    CRITICAL_RESULT = "CRITICAL_RESULT"
    NEWS2_DETERIORATION = "NEWS2_DETERIORATION"
    MEDICATION_OVERDUE = "MEDICATION_OVERDUE"


class AlertSeverity(StrEnum):
    INFO = "INFO"
    WARNING = "WARNING"
    URGENT = "URGENT"
    CRITICAL = "CRITICAL"


class AlertStatus(StrEnum):
    RAISED = "RAISED"
    DELIVERED = "DELIVERED"
    SEEN = "SEEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    ESCALATED = "ESCALATED"
    RESOLVED = "RESOLVED"


class RecipientReason(StrEnum):
    """Why someone received an alert: its first recipient, or the escalation step that reached them."""

    ORDERING_DOCTOR = "ORDERING_DOCTOR"
    ON_DUTY = "ON_DUTY"  # the doctors of the department on the duty roster now
    DEPARTMENT_HEAD = "DEPARTMENT_HEAD"
    ADMIN = "ADMIN"


# Escalation levels 1, 2, 3 in turn, each after the same wait without an acknowledgement.
ESCALATION_LADDER: tuple[RecipientReason, ...] = (
    RecipientReason.ON_DUTY,
    RecipientReason.DEPARTMENT_HEAD,
    RecipientReason.ADMIN,
)

DEFAULT_ESCALATION_MINUTES = 10
NOT_DELIVERED = "not delivered"


@dataclass(frozen=True, slots=True)
class EscalationStep:
    """The next escalation: its level, whom it reaches and why, and the rungs skipped for want of anyone new."""

    level: int
    reason: RecipientReason
    user_ids: tuple[UUID, ...]
    skipped: tuple[RecipientReason, ...] = ()


def next_escalation(
    level: int, candidates: Mapping[RecipientReason, Sequence[UUID]], already_told: Iterable[UUID]
) -> EscalationStep | None:
    """The escalation after `level`: the first rung above it with someone not yet told, or None past the top.

    A rung with nobody new (nobody of the department on duty, the head is the ordering doctor) is skipped
    and named in `skipped`, so the timeline says why the alert went straight to the next one.
    """
    told = set(already_told)
    skipped: list[RecipientReason] = []
    for index in range(max(level, 0), len(ESCALATION_LADDER)):
        reason = ESCALATION_LADDER[index]
        new = tuple(dict.fromkeys(u for u in candidates.get(reason, ()) if u not in told))
        if new:
            return EscalationStep(level=index + 1, reason=reason, user_ids=new, skipped=tuple(skipped))
        skipped.append(reason)
    return None


def escalation_due(raised_or_escalated_at: datetime, minutes: int) -> datetime:
    """When an alert not acknowledged since `raised_or_escalated_at` escalates."""
    if minutes < 1:
        raise ValueError("escalation waits at least a minute")
    return raised_or_escalated_at + timedelta(minutes=minutes)


def delivery_of(delivered_at: datetime | None) -> str:
    """What the timeline says of a recipient's copy: delivered (their client's receipt) or not."""
    return "delivered" if delivered_at is not None else NOT_DELIVERED
