"""OPD priorities: what a patient's priority is at check-in, and what triage observations raise it to.

Priority only ever rises here. A nurse may lower it by hand, with a reason, but a score never does: a
patient scored HIGH who then looks better is still seen first until someone decides otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.news2 import News2, RiskBand
from domain.opd import QueuePriority, VisitType
from domain.queue import priority_rank

# Indian senior citizens (the Maintenance and Welfare of Parents and Senior Citizens Act): 60 and over
# queue as ELDERLY_DISABLED.
SENIOR_CITIZEN_AGE = 60


@dataclass(frozen=True, slots=True)
class PriorityDecision:
    priority: QueuePriority
    reason: str | None


def more_urgent(a: QueuePriority, b: QueuePriority) -> QueuePriority:
    return a if priority_rank(a) <= priority_rank(b) else b


def check_in_priority(
    *, age: int, requested: QueuePriority | None, visit_type: VisitType, reason: str | None = None
) -> PriorityDecision:
    """The priority a patient queues with at check-in.

    An EMERGENCY visit is EMERGENCY; otherwise what the desk asked for (a disability, a nurse's word),
    raised to ELDERLY_DISABLED for a senior citizen. The reason says why, for the staff (never displayed).
    """
    if visit_type is VisitType.EMERGENCY:
        return PriorityDecision(QueuePriority.EMERGENCY, reason or "emergency arrival")
    chosen = requested or QueuePriority.ROUTINE
    why = reason if requested is not None and requested is not QueuePriority.ROUTINE else None
    if age >= SENIOR_CITIZEN_AGE and priority_rank(QueuePriority.ELDERLY_DISABLED) < priority_rank(chosen):
        return PriorityDecision(QueuePriority.ELDERLY_DISABLED, f"senior citizen (age {age})")
    return PriorityDecision(chosen, why)


def news2_priority(score: News2) -> QueuePriority:
    """What a NEWS2 asks for in the OPD: HIGH (7+) EMERGENCY; MEDIUM (5-6) or a single 3 URGENT; else ROUTINE."""
    if score.band is RiskBand.HIGH:
        return QueuePriority.EMERGENCY
    if score.band in (RiskBand.MEDIUM, RiskBand.LOW_MEDIUM):
        return QueuePriority.URGENT
    return QueuePriority.ROUTINE


def triage_priority(
    current: QueuePriority, *, score: News2 | None, requested: QueuePriority | None
) -> PriorityDecision:
    """The priority after triage: the most urgent of the current one, the score's and the nurse's request.

    Never lower than `current` (lowering is a separate, deliberate act with a reason).
    """
    result, reason = current, None
    if score is not None:
        by_score = news2_priority(score)
        if priority_rank(by_score) < priority_rank(result):
            result, reason = by_score, f"NEWS2 {score.total} ({score.band.value})"
    if requested is not None and priority_rank(requested) < priority_rank(result):
        result, reason = requested, "triage nurse"
    return PriorityDecision(result, reason)
