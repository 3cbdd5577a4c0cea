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

    ORDERING_DOCTOR = "ORDERING_DOCTOR"  # a critical result: the doctor who ordered the test
    ATTENDING_DOCTOR = "ATTENDING_DOCTOR"  # a NEWS2 alert: the admission's attending doctor
    ON_DUTY = "ON_DUTY"  # the doctors on the duty roster now: of the alert's ward, or of its department
    DEPARTMENT_HEAD = "DEPARTMENT_HEAD"
    ADMIN = "ADMIN"


class EscalationScope(StrEnum):
    """Whose doctors on duty the first escalation step reaches (then the department head, then ADMIN)."""

    WARD = "WARD"  # the doctors rostered now on the ward the patient lies in (NEWS2); the department's if none
    DEPARTMENT = "DEPARTMENT"  # the doctors of the alert's department on duty now (a critical result)


class AlertResolution(StrEnum):
    """Why an alert stopped being relevant (`alert.resolved`): it leaves every board, and never escalates."""

    DISCHARGED = "DISCHARGED"  # the patient left the ward: their ward alerts end with the stay
    ADMISSION_CANCELLED = "ADMISSION_CANCELLED"  # the admission was entered by mistake
    NEWS2_BACK_TO_LOW = "NEWS2_BACK_TO_LOW"  # acknowledged, and the patient's NEWS2 is back in the low band


# Escalation levels 1, 2, 3 in turn, each after the alert's own wait without an acknowledgement (its first
# wait before level 1, its subsequent wait between the later ones: alerts.first_escalation_minutes and
# alerts.escalation_minutes).
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
