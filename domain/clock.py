"""The hospital's calendar: which hospital day an instant falls on, and where a day begins and ends.

Instants are stored and sent in UTC; "today's OPD", MRN years and daily reports follow the Kolkata day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.errors import ValidationFailed

HOSPITAL_TZ = ZoneInfo("Asia/Kolkata")


def _require_aware(instant: datetime) -> None:
    # A naive datetime could be UTC or Kolkata time; guessing would move events across midnight.
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a naive datetime has no time zone; pass an aware (UTC) datetime")


def zoned(value: datetime, field: str) -> datetime:
    """A time sent by a client, refused (naming `field`) when it carries no zone: we never guess one."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(fields={field: "Give the time with its zone, e.g. 2026-11-27T10:30:00+05:30"})
    return value


def hospital_time(instant: datetime) -> datetime:
    """The same instant on the hospital's wall clock (for showing to people)."""
    _require_aware(instant)
    return instant.astimezone(HOSPITAL_TZ)


def hospital_day(instant: datetime) -> date:
    """The Kolkata calendar day on which `instant` falls."""
    return hospital_time(instant).date()


def day_bounds_utc(day: date) -> tuple[datetime, datetime]:
    """The hospital day `day` as a half-open UTC interval [start, end): Kolkata midnight to midnight."""
    start = datetime.combine(day, time.min, tzinfo=HOSPITAL_TZ)
    end = datetime.combine(day + timedelta(days=1), time.min, tzinfo=HOSPITAL_TZ)
    return start.astimezone(UTC), end.astimezone(UTC)
