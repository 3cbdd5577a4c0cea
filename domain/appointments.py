"""Appointments and the OPD's charges: a doctor's hours, double booking, follow-up slots, the weekly view, fees.

Times of day are the hospital's (Asia/Kolkata); instants passed in and out are aware datetimes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from domain.clock import HOSPITAL_TZ, hospital_time
from domain.errors import ValidationFailed

MIN_DURATION_MINUTES = 5
MAX_DURATION_MINUTES = 240
DEFAULT_DURATION_MINUTES = 15
# How far ahead the desk may book.
MAX_DAYS_AHEAD = 180
# An appointment may be entered a little after its time (the patient is at the desk already).
PAST_GRACE = timedelta(minutes=30)

# The hospital's OPD consultation charge when a doctor has none of their own, in rupees.
DEFAULT_CONSULTATION_FEE = Decimal("500.00")
# A follow-up with the same doctor within this many days of a charged consultation is not charged again
# (the usual practice of Indian private OPDs).
FREE_FOLLOW_UP_DAYS = 7


@dataclass(frozen=True, slots=True)
class DoctorHours:
    """A doctor's OPD hours (the spec's doctors.available_* columns); unknown hours accept any time."""

    mon_fri_start: time | None
    mon_fri_end: time | None
    weekends: bool

    @property
    def known(self) -> bool:
        return self.mon_fri_start is not None and self.mon_fri_end is not None

    def open_on(self, day: date) -> tuple[time, time] | None:
        """The hours the doctor sees patients on `day`, or None when they do not (a weekend off)."""
        if not self.known:
            return None
        if day.weekday() >= 5 and not self.weekends:
            return None
        assert self.mon_fri_start is not None and self.mon_fri_end is not None
        return self.mon_fri_start, self.mon_fri_end


@dataclass(frozen=True, slots=True)
class Booking:
    start: datetime
    duration_minutes: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.duration_minutes)


def check_booking(
    start: datetime, duration_minutes: int, hours: DoctorHours, now: datetime, *, field: str = "appointmentDate"
) -> None:
    """Refuse a time in the past, too far ahead, or outside the doctor's hours (ValidationFailed naming `field`)."""
    problems: dict[str, str] = {}
    if not MIN_DURATION_MINUTES <= duration_minutes <= MAX_DURATION_MINUTES:
        problems["durationMinutes"] = f"must be {MIN_DURATION_MINUTES} to {MAX_DURATION_MINUTES} minutes"
    if start < now - PAST_GRACE:
        problems[field] = "is in the past"
    elif start > now + timedelta(days=MAX_DAYS_AHEAD):
        problems[field] = f"is more than {MAX_DAYS_AHEAD} days ahead"
    elif hours.known:
        local = hospital_time(start)
        window = hours.open_on(local.date())
        if window is None:
            problems[field] = "the doctor does not see OPD patients on that day"
        else:
            end = local + timedelta(minutes=duration_minutes)
            opens = datetime.combine(local.date(), window[0], tzinfo=HOSPITAL_TZ)
            closes = datetime.combine(local.date(), window[1], tzinfo=HOSPITAL_TZ)
            if local < opens or end > closes:
                problems[field] = (
                    f"is outside the doctor's hours ({window[0].strftime('%H:%M')}-{window[1].strftime('%H:%M')})"
                )
    if problems:
        raise ValidationFailed("The appointment cannot be booked at that time", fields=problems)


def clashes(candidate: Booking, booked: Sequence[Booking]) -> list[Booking]:
    """The bookings that overlap `candidate` (touching end to start is not an overlap)."""
    return [b for b in booked if b.start < candidate.end and candidate.start < b.end]


def first_free_slot(
    day: date, duration_minutes: int, hours: DoctorHours, booked: Sequence[Booking], *, not_before: datetime
) -> datetime | None:
    """The earliest start on `day` within the doctor's hours that clashes with nothing, or None.

    Unknown hours: 09:00 to 17:00. Slots are tried every `duration_minutes` from opening time.
    """
    window = hours.open_on(day) if hours.known else (time(9, 0), time(17, 0))
    if window is None:
        return None
    step = timedelta(minutes=duration_minutes)
    slot = datetime.combine(day, window[0], tzinfo=HOSPITAL_TZ)
    closes = datetime.combine(day, window[1], tzinfo=HOSPITAL_TZ)
    while slot + step <= closes:
        if slot >= not_before and not clashes(Booking(slot, duration_minutes), booked):
            return slot
        slot += step
    return None


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week `day` falls in (the weekly view)."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def consultation_charge(
    fee: Decimal | None, *, is_follow_up: bool, days_since_last_charged: int | None
) -> tuple[Decimal, str]:
    """The consultation charge and the bill item's name.

    A follow-up within FREE_FOLLOW_UP_DAYS of a charged consultation with the same doctor costs nothing.
    """
    amount = (fee if fee is not None else DEFAULT_CONSULTATION_FEE).quantize(Decimal("0.01"))
    if is_follow_up and days_since_last_charged is not None and days_since_last_charged <= FREE_FOLLOW_UP_DAYS:
        return Decimal("0.00"), f"Follow-up consultation (free within {FREE_FOLLOW_UP_DAYS} days)"
    return amount, "Follow-up consultation" if is_follow_up else "OPD consultation"
