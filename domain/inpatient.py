"""The ward's rules, as pure functions: discharge types, room charges, windows, notes, doses and NEWS2 alerts.

db/ipd.py and db/ipd_care.py ask these; nothing here reads the database or the clock (times come in).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from domain.alerts import AlertSeverity
from domain.clock import HOSPITAL_TZ, hospital_day
from domain.errors import Conflict, InvalidTransition, PermissionDenied, ValidationFailed
from domain.ipd import AdministrationStatus, AdmissionStatus, DischargeType, NoteType
from domain.news2 import RiskBand
from domain.roles import Role

# --- admissions and discharge ------------------------------------------------------------------------

DISCHARGE_STATUS: Mapping[DischargeType, AdmissionStatus] = MappingProxyType(
    {
        DischargeType.NORMAL: AdmissionStatus.DISCHARGED,
        DischargeType.AGAINST_MEDICAL_ADVICE: AdmissionStatus.DISCHARGED,
        DischargeType.TRANSFERRED_OUT: AdmissionStatus.TRANSFERRED,
        DischargeType.DEATH: AdmissionStatus.DECEASED,
    }
)

# The statuses of a stay that has ended (a discharge of any type); CANCELLED is not one: it never happened.
ENDED_STATUSES: frozenset[AdmissionStatus] = frozenset(DISCHARGE_STATUS.values())

DEFAULT_DISCHARGE_REVERT_HOURS = 24
# A new admission's baseline set of observations is due this long after it (then NEWS2 says when).
BASELINE_VITALS_DUE_AFTER = timedelta(hours=1)
# Observations may be charted a little late, never in the future (a clock a few minutes fast is tolerated).
OBSERVATION_CLOCK_SKEW = timedelta(minutes=5)
LATE_CHARTING_LIMIT = timedelta(hours=24)


def discharge_status(discharge_type: DischargeType) -> AdmissionStatus:
    return DISCHARGE_STATUS[discharge_type]


def days_since_admission(admitted_at: datetime, now: datetime) -> int:
    """Hospital days since admission: 0 on the day of admission, 1 the next day (Kolkata calendar)."""
    return max(0, (hospital_day(now) - hospital_day(admitted_at)).days)


def length_of_stay_days(admitted_at: datetime, discharged_at: datetime) -> float:
    """The stay in days (fractional), for average length of stay."""
    return max(0.0, (discharged_at - admitted_at).total_seconds() / 86400)


def check_revert_window(discharged_at: datetime, now: datetime, hours: int) -> None:
    """A discharge may be reverted only within `hours` of it (the DISCHARGE_REVERT_HOURS setting)."""
    if now - discharged_at > timedelta(hours=hours):
        raise Conflict(
            f"A discharge can be reverted only within {hours} hours of it; admit the patient again instead",
            extra={"revertHours": hours, "dischargedAt": discharged_at.isoformat()},
        )


def check_discharge_time(discharged_at: datetime, now: datetime, admitted_at: datetime) -> None:
    """A discharge (or a time of death) is not in the future and not before the admission."""
    if discharged_at > now + OBSERVATION_CLOCK_SKEW:
        raise ValidationFailed(fields={"dischargedAt": "cannot be in the future"})
    if discharged_at < admitted_at:
        raise ValidationFailed(fields={"dischargedAt": "cannot be before the admission"})


# --- room charges: the midnight census ------------------------------------------------------------


def midnights_between(start: datetime, end: datetime) -> int:
    """How many hospital midnights (00:00 Kolkata) fall in (start, end]: the nights a bed was held."""
    if end <= start:
        return 0
    first = datetime.combine(hospital_day(start) + timedelta(days=1), time.min, tzinfo=HOSPITAL_TZ)
    if first > end:
        return 0
    return (hospital_day(end) - first.date()).days + 1


def room_charge_days(stays: Sequence[tuple[datetime, datetime]]) -> list[int]:
    """Days charged for each bed held, by the midnight census: a bed is charged for each midnight the patient
    spent in it, so a transfer never charges one day twice. A stay with no midnight at all (admitted and
    discharged the same day) is charged one day, to the bed held longest."""
    days = [midnights_between(start, end) for start, end in stays]
    if stays and sum(days) == 0:
        longest = max(range(len(stays)), key=lambda i: (stays[i][1] - stays[i][0], -i))
        days[longest] = 1
    return days


# --- observations, notes and doses ------------------------------------------------------------------


def check_observation_time(recorded_at: datetime, now: datetime, admitted_at: datetime, *,
                           field: str = "recordedAt") -> None:
    if recorded_at > now + OBSERVATION_CLOCK_SKEW:
        raise ValidationFailed(fields={field: "cannot be in the future"})
    if recorded_at < admitted_at - OBSERVATION_CLOCK_SKEW:
        raise ValidationFailed(fields={field: "cannot be before the admission"})
    if now - recorded_at > LATE_CHARTING_LIMIT:
        raise ValidationFailed(fields={field: "cannot be more than 24 hours ago; write a note instead"})


def may_mark_vitals_in_error(role: Role, actor_id: object, author_id: object) -> bool:
    """Vitals entered in error are struck through by whoever entered them, or by a doctor (or ADMIN)."""
    return actor_id == author_id or role in (Role.DOCTOR, Role.ADMIN)


_NOTE_AUTHORS: Mapping[NoteType, frozenset[Role]] = MappingProxyType(
    {
        NoteType.DOCTOR_NOTE: frozenset({Role.DOCTOR, Role.ADMIN}),
        NoteType.NURSE_NOTE: frozenset({Role.NURSE, Role.ADMIN}),
        NoteType.CARE_PLAN: frozenset({Role.DOCTOR, Role.NURSE, Role.ADMIN}),
    }
)


def check_note_author(role: Role, note_type: NoteType) -> None:
    if role not in _NOTE_AUTHORS[note_type]:
        who = " or ".join(sorted(r.value for r in _NOTE_AUTHORS[note_type] if r is not Role.ADMIN))
        raise PermissionDenied(f"A {note_type.value} is written by a {who}")


_BP = re.compile(r"^\s*(\d{2,3})\s*/\s*(\d{2,3})\s*$")


def split_blood_pressure(text: str, *, field: str = "bp") -> tuple[int, int]:
    """'120/80' -> (120, 80): the spec's daily-note `bp`."""
    found = _BP.match(text)
    if found is None:
        raise ValidationFailed(fields={field: "write the blood pressure as systolic/diastolic, like 120/80"})
    return int(found.group(1)), int(found.group(2))


RECORDED_DOSE_STATES: frozenset[AdministrationStatus] = frozenset(
    {AdministrationStatus.GIVEN, AdministrationStatus.HELD, AdministrationStatus.REFUSED}
)


def check_dose_record(current: AdministrationStatus, target: AdministrationStatus, reason: str | None) -> str | None:
    """A scheduled dose is recorded once, as GIVEN, HELD or REFUSED; held and refused doses need the reason.

    Returns the reason, trimmed (None when none was given).
    """
    if target not in RECORDED_DOSE_STATES:
        raise ValidationFailed(fields={"status": "must be GIVEN, HELD or REFUSED"})
    if current is not AdministrationStatus.SCHEDULED:
        raise InvalidTransition(f"This dose was already recorded as {current.value}", current_state=current.value)
    cleaned = " ".join((reason or "").split()) or None
    if target is not AdministrationStatus.GIVEN and cleaned is None:
        raise ValidationFailed(fields={"reason": f"say why the dose was {target.value.lower()}"})
    return cleaned


def check_administration_time(at: datetime, now: datetime, scheduled_at: datetime) -> None:
    if at > now + OBSERVATION_CLOCK_SKEW:
        raise ValidationFailed(fields={"administeredAt": "cannot be in the future"})
    if now - at > LATE_CHARTING_LIMIT:
        raise ValidationFailed(fields={"administeredAt": "cannot be more than 24 hours ago"})
    if at < scheduled_at - timedelta(hours=2):
        raise ValidationFailed(fields={"administeredAt": "is more than two hours before the dose was due"})


# --- NEWS2 deterioration alerts -------------------------------------------------------------------

BAND_RANK: Mapping[RiskBand, int] = MappingProxyType(
    {RiskBand.LOW: 0, RiskBand.LOW_MEDIUM: 1, RiskBand.MEDIUM: 2, RiskBand.HIGH: 3}
)

ALERT_SEVERITY: Mapping[RiskBand, AlertSeverity] = MappingProxyType(
    {
        RiskBand.LOW: AlertSeverity.INFO,  # an open alert lowered back to the low band
        RiskBand.LOW_MEDIUM: AlertSeverity.WARNING,
        RiskBand.MEDIUM: AlertSeverity.URGENT,
        RiskBand.HIGH: AlertSeverity.CRITICAL,
    }
)

# How long an alert of each band may go unacknowledged before it escalates (NEWS2_ESCALATION_MINUTES_*).
DEFAULT_NEWS2_ESCALATION_MINUTES: Mapping[RiskBand, int] = MappingProxyType(
    {RiskBand.LOW_MEDIUM: 30, RiskBand.MEDIUM: 15, RiskBand.HIGH: 5}
)


class AlertChange(StrEnum):
    NONE = "NONE"
    RAISED = "RAISED"  # a new alert
    BAND_UP = "BAND_UP"  # the open alert is raised to a higher band
    BAND_DOWN = "BAND_DOWN"  # lowered, still needing a response
    BACK_TO_LOW = "BACK_TO_LOW"  # lowered to the low band: it stops escalating but stays until acknowledged
    SCORE = "SCORE"  # same band, another score


@dataclass(frozen=True, slots=True)
class OpenNews2Alert:
    band: RiskBand
    score: int
    escalate_at: datetime | None


@dataclass(frozen=True, slots=True)
class AlertDecision:
    change: AlertChange
    band: RiskBand
    severity: AlertSeverity
    escalate_at: datetime | None


def escalation_wait(band: RiskBand, minutes: Mapping[RiskBand, int]) -> timedelta:
    return timedelta(minutes=minutes[band])


def news2_alert_decision(
    *,
    band: RiskBand,
    score: int,
    now: datetime,
    open_alert: OpenNews2Alert | None,
    acknowledged_band: RiskBand | None,
    low_since_acknowledged: bool,
    minutes: Mapping[RiskBand, int] = DEFAULT_NEWS2_ESCALATION_MINUTES,
) -> AlertDecision:
    """What the patient's latest scored observation does to their NEWS2 alert: one open alert per patient,
    raised or lowered by later observations, never a new alert per reading.

    - No open alert: a low-medium, medium or high band raises one, unless an alert of this band or higher was
      already acknowledged and the patient has not been in the low band since (it was acted on).
    - An open alert follows the band: up (its escalation comes sooner if the new band's wait is shorter),
      down (its timer is kept), back to low (it stops escalating; it still needs acknowledging), or the same
      band with another score (updated, timer kept).
    """
    severity = ALERT_SEVERITY[band]
    if open_alert is None:
        if band is RiskBand.LOW:
            return AlertDecision(AlertChange.NONE, band, severity, None)
        if (acknowledged_band is not None and not low_since_acknowledged
                and BAND_RANK[band] <= BAND_RANK[acknowledged_band]):
            return AlertDecision(AlertChange.NONE, band, severity, None)
        return AlertDecision(AlertChange.RAISED, band, severity, now + escalation_wait(band, minutes))
    if band == open_alert.band and score == open_alert.score:
        return AlertDecision(AlertChange.NONE, band, severity, open_alert.escalate_at)
    if band is RiskBand.LOW:
        if open_alert.band is RiskBand.LOW:
            return AlertDecision(AlertChange.SCORE, band, severity, None)
        return AlertDecision(AlertChange.BACK_TO_LOW, band, severity, None)
    if BAND_RANK[band] > BAND_RANK[open_alert.band]:
        sooner = now + escalation_wait(band, minutes)
        due = sooner if open_alert.escalate_at is None else min(open_alert.escalate_at, sooner)
        return AlertDecision(AlertChange.BAND_UP, band, severity, due)
    if BAND_RANK[band] < BAND_RANK[open_alert.band]:
        return AlertDecision(AlertChange.BAND_DOWN, band, severity, open_alert.escalate_at)
    return AlertDecision(AlertChange.SCORE, band, severity, open_alert.escalate_at)


def news2_alert_message(score: int, band: RiskBand, *, ward_code: str | None, bed_number: str | None) -> str:
    """The alert's text: score, band and place (never the patient's name: ward screens show it too)."""
    label = {RiskBand.LOW: "low", RiskBand.LOW_MEDIUM: "low-medium (a single parameter scoring 3)",
             RiskBand.MEDIUM: "medium", RiskBand.HIGH: "high"}[band]
    where = f" - ward {ward_code}, bed {bed_number}" if ward_code and bed_number else ""
    if band is RiskBand.LOW:
        return f"NEWS2 back to {score} ({label} risk){where}: acknowledge the earlier deterioration"
    return f"NEWS2 {score}, {label} clinical risk{where}"
