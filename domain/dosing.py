"""Medication frequencies and the ward's dose schedule: which times a prescription's doses fall due, in Kolkata.

A prescription's frequency becomes scheduled doses (stored in UTC); a dose not recorded in time is overdue.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType

from domain.clock import HOSPITAL_TZ
from domain.errors import ValidationFailed


class Frequency(StrEnum):
    """How often a medicine is given, as Indian prescriptions write it."""

    OD = "OD"  # once daily
    BD = "BD"  # twice daily
    TDS = "TDS"  # three times daily
    QID = "QID"  # four times daily
    Q4H = "Q4H"
    Q6H = "Q6H"
    Q8H = "Q8H"
    Q12H = "Q12H"
    HS = "HS"  # at bedtime
    STAT = "STAT"  # once, at once
    SOS = "SOS"  # as needed (PRN): no schedule, given when the patient needs it
    WEEKLY = "WEEKLY"


# How the spec's `frequency` column and the printed prescription spell each code.
FREQUENCY_LABELS: Mapping[Frequency, str] = MappingProxyType(
    {
        Frequency.OD: "Once daily",
        Frequency.BD: "Twice daily",
        Frequency.TDS: "Thrice daily",
        Frequency.QID: "Four times daily",
        Frequency.Q4H: "Every 4 hours",
        Frequency.Q6H: "Every 6 hours",
        Frequency.Q8H: "Every 8 hours",
        Frequency.Q12H: "Every 12 hours",
        Frequency.HS: "At bedtime",
        Frequency.STAT: "Immediately (once)",
        Frequency.SOS: "As needed",
        Frequency.WEEKLY: "Once weekly",
    }
)


def _at(*hours: int) -> tuple[time, ...]:
    return tuple(time(hour) for hour in hours)


# The hospital's medication round times on the Kolkata wall clock. STAT is given at once; SOS has none.
ADMINISTRATION_TIMES: Mapping[Frequency, tuple[time, ...]] = MappingProxyType(
    {
        Frequency.OD: _at(9),
        Frequency.BD: _at(9, 21),
        Frequency.TDS: _at(8, 14, 20),
        Frequency.QID: _at(6, 12, 18, 22),
        Frequency.Q4H: _at(2, 6, 10, 14, 18, 22),
        Frequency.Q6H: _at(0, 6, 12, 18),
        Frequency.Q8H: _at(6, 14, 22),
        Frequency.Q12H: _at(8, 20),
        Frequency.HS: _at(22),
        Frequency.WEEKLY: _at(9),
        Frequency.STAT: (),
        Frequency.SOS: (),
    }
)

# A ward schedules at most this many days of a course at once (a longer course is renewed, not pre-charted).
MAX_SCHEDULE_DAYS = 90
# A dose not recorded this long after its time shows as overdue on the ward board.
OVERDUE_AFTER = timedelta(minutes=30)
# A dose shows as due from this long before its time.
DUE_AHEAD = timedelta(minutes=30)

# ---------------------------------------------------------------- reading a written frequency

# Spellings after normalising (lower case, dots dropped, single spaces). "QD" is deliberately absent:
# it is on the ISMP list of error-prone abbreviations (read as QID).
_SPELLINGS: Mapping[str, Frequency] = MappingProxyType(
    {
        **dict.fromkeys(["od", "once daily", "once a day", "daily", "1-0-0"], Frequency.OD),
        **dict.fromkeys(
            ["bd", "bid", "twice daily", "twice a day", "two times daily", "two times a day", "1-0-1"], Frequency.BD
        ),
        **dict.fromkeys(
            ["tds", "tid", "thrice daily", "thrice a day", "three times daily", "three times a day", "1-1-1"],
            Frequency.TDS,
        ),
        **dict.fromkeys(["qid", "qds", "four times daily", "four times a day", "1-1-1-1"], Frequency.QID),
        **dict.fromkeys(["hs", "qhs", "at bedtime", "bedtime", "at night", "0-0-1"], Frequency.HS),
        **dict.fromkeys(["stat", "immediately", "immediately (once)", "once immediately"], Frequency.STAT),
        **dict.fromkeys(
            ["sos", "prn", "as needed", "as required", "when required", "when needed", "if needed"], Frequency.SOS
        ),
        **dict.fromkeys(["weekly", "once weekly", "once a week", "every week"], Frequency.WEEKLY),
    }
)
_WORD_NUMBERS = {"four": "4", "six": "6", "eight": "8", "twelve": "12"}
_EVERY_N_HOURS = re.compile(
    r"q ?(\d+) ?h(?:rs?|ourly)?"  # q8h, q 8 h, q8hrs
    r"|every (\d+|four|six|eight|twelve) ?(?:hours?|hrs?|hourly)"  # every 8 hours, every eight hrs
    r"|(\d+)(?:st|nd|rd|th)? ?(?:hourly|hrly)"  # 8 hourly, 8th hrly
)
_HOURLY: Mapping[str, Frequency] = MappingProxyType(
    {"4": Frequency.Q4H, "6": Frequency.Q6H, "8": Frequency.Q8H, "12": Frequency.Q12H}
)


def _normalise(raw: str) -> str:
    text = unicodedata.normalize("NFKC", raw).casefold().replace(".", "")
    text = re.sub(r"\s*-\s*", "-", text)  # "1 - 0 - 1"
    return " ".join(text.split())


def validate_frequency(raw: str, *, field: str = "frequency") -> Frequency:
    """The frequency code for a written frequency, or ValidationFailed naming `field`.

    Takes the codes (OD, BD, TDS, QID, Q4H, Q6H, Q8H, Q12H, HS, STAT, SOS, PRN, WEEKLY) with or without
    dots ("t.d.s."), the spec's words ("Once daily", "Twice daily", "Thrice daily", "Four times daily",
    "At bedtime", "As needed"), "every 8 hours" / "8 hourly", and the Indian 1-0-1 pattern where it is
    unambiguous (1-0-0, 1-0-1, 1-1-1, 1-1-1-1, 0-0-1).
    """
    text = _normalise(raw)
    known = _SPELLINGS.get(text)
    if known is not None:
        return known
    try:
        return Frequency(text.upper().replace(" ", ""))
    except ValueError:
        pass
    hourly = _EVERY_N_HOURS.fullmatch(text)
    if hourly is not None:
        hours = next(group for group in hourly.groups() if group is not None)
        frequency = _HOURLY.get(_WORD_NUMBERS.get(hours, hours))
        if frequency is not None:
            return frequency
    codes = ", ".join(f.value for f in Frequency)
    raise ValidationFailed(fields={field: f"{raw.strip()!r} is not a frequency the hospital uses ({codes})"})


def is_as_needed(frequency: Frequency) -> bool:
    """SOS/PRN: given when needed, so never scheduled and never overdue."""
    return frequency is Frequency.SOS


# ---------------------------------------------------------------- the schedule


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime; pass an aware (UTC) datetime")


def _validate_duration(duration_days: int) -> None:
    if isinstance(duration_days, bool) or not isinstance(duration_days, int):
        raise ValidationFailed(fields={"duration": "must be a whole number of days"})
    if not 1 <= duration_days <= MAX_SCHEDULE_DAYS:
        raise ValidationFailed(fields={"duration": f"must be between 1 and {MAX_SCHEDULE_DAYS} days"})


def scheduled_doses(frequency: Frequency, start: datetime, duration_days: int) -> list[datetime]:
    """The times (UTC, aware, in order) at which a course's doses fall due.

    Every round time of the frequency (`ADMINISTRATION_TIMES`, Kolkata) from `start` (inclusive) until
    `duration_days` later (exclusive): OD for 5 days started at 10:00 gives 09:00 on the next five days.
    WEEKLY gives the first 09:00 round at or after `start`, then every seven days. STAT gives one dose
    at `start`; SOS none.
    """
    _require_aware(start, "start")
    if frequency is Frequency.SOS:
        return []
    if frequency is Frequency.STAT:
        return [start.astimezone(UTC)]
    _validate_duration(duration_days)
    end = start + timedelta(days=duration_days)
    times = ADMINISTRATION_TIMES[frequency]
    first_day = start.astimezone(HOSPITAL_TZ).date()
    last_day = end.astimezone(HOSPITAL_TZ).date()
    candidates = [
        datetime.combine(first_day + timedelta(days=offset), at, tzinfo=HOSPITAL_TZ)
        for offset in range((last_day - first_day).days + 1)
        for at in times
    ]
    in_window = [moment for moment in candidates if start <= moment < end]
    if frequency is Frequency.WEEKLY:
        in_window = in_window[::7]  # one 09:00 round a day (Kolkata keeps no daylight saving): every seventh
    return [moment.astimezone(UTC) for moment in in_window]


def doses_in_course(frequency: Frequency, duration_days: int) -> int | None:
    """How many doses a full course has (for dispensing): per-day rounds x days, weekly ones, STAT 1; SOS None."""
    if frequency is Frequency.SOS:
        return None
    if frequency is Frequency.STAT:
        return 1
    _validate_duration(duration_days)
    if frequency is Frequency.WEEKLY:
        return math.ceil(duration_days / 7)
    return len(ADMINISTRATION_TIMES[frequency]) * duration_days


def round_times_on(frequency: Frequency, day: date) -> list[datetime]:
    """The frequency's round times on one Kolkata day, as UTC instants (for the ward's medication round)."""
    return [
        datetime.combine(day, at, tzinfo=HOSPITAL_TZ).astimezone(UTC) for at in ADMINISTRATION_TIMES[frequency]
    ]


# ---------------------------------------------------------------- due and overdue


class DoseTiming(StrEnum):
    UPCOMING = "UPCOMING"  # more than DUE_AHEAD before its time
    DUE = "DUE"  # from DUE_AHEAD before its time until the grace has passed
    OVERDUE = "OVERDUE"  # not recorded within the grace after its time


def is_overdue(scheduled_at: datetime, now: datetime, grace: timedelta = OVERDUE_AFTER) -> bool:
    """True once `grace` (30 minutes) has passed since the dose's time without it being recorded."""
    _require_aware(scheduled_at, "scheduled_at")
    _require_aware(now, "now")
    return now >= scheduled_at + grace


def dose_timing(
    scheduled_at: datetime, now: datetime, *, ahead: timedelta = DUE_AHEAD, grace: timedelta = OVERDUE_AFTER
) -> DoseTiming:
    """Where an unrecorded dose stands at `now`: UPCOMING, DUE or OVERDUE (for the nurse's due-doses list)."""
    if is_overdue(scheduled_at, now, grace):
        return DoseTiming.OVERDUE
    if now >= scheduled_at - ahead:
        return DoseTiming.DUE
    return DoseTiming.UPCOMING
