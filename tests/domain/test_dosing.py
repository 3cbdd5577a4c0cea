"""Frequencies as doctors write them, the ward's round times in Kolkata, schedules and overdue doses.

Times are written on the Kolkata wall clock; the schedule is compared in UTC.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from domain.dosing import (
    ADMINISTRATION_TIMES,
    FREQUENCY_LABELS,
    MAX_SCHEDULE_DAYS,
    DoseTiming,
    Frequency,
    dose_timing,
    doses_in_course,
    is_as_needed,
    is_overdue,
    round_times_on,
    scheduled_doses,
    validate_frequency,
)
from domain.errors import ValidationFailed

IST = timezone(timedelta(hours=5, minutes=30))
F = Frequency


def ist(day: int, hhmm: str, month: int = 3) -> datetime:
    hours, minutes = hhmm.split(":")
    return datetime(2026, month, day, int(hours), int(minutes), tzinfo=IST)


# ---------------------------------------------------------------- reading frequencies


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("OD", F.OD),
        ("od", F.OD),
        ("O.D.", F.OD),
        ("Once daily", F.OD),
        ("once a day", F.OD),
        ("Daily", F.OD),
        ("1-0-0", F.OD),
        ("BD", F.BD),
        ("B.D.", F.BD),
        ("BID", F.BD),
        ("Twice daily", F.BD),
        ("twice a day", F.BD),
        ("Two times daily", F.BD),
        ("1-0-1", F.BD),
        ("1 - 0 - 1", F.BD),
        ("TDS", F.TDS),
        ("t.d.s", F.TDS),
        ("TID", F.TDS),
        ("Thrice daily", F.TDS),
        ("Three times a day", F.TDS),
        ("1-1-1", F.TDS),
        ("QID", F.QID),
        ("q.i.d.", F.QID),
        ("QDS", F.QID),
        ("Four times daily", F.QID),
        ("1-1-1-1", F.QID),
        ("Q4H", F.Q4H),
        ("q 4 h", F.Q4H),
        ("4 hourly", F.Q4H),
        ("4th hourly", F.Q4H),
        ("Every 4 hours", F.Q4H),
        ("every four hours", F.Q4H),
        ("Q6H", F.Q6H),
        ("6 hrly", F.Q6H),
        ("6th hrly", F.Q6H),
        ("Every six hours", F.Q6H),
        ("Q8H", F.Q8H),
        ("8 hourly", F.Q8H),
        ("every 8 hrs", F.Q8H),
        ("Q12H", F.Q12H),
        ("q12h", F.Q12H),
        ("Q12 hrs", F.Q12H),
        ("every 12 hours", F.Q12H),
        ("12 hourly", F.Q12H),
        ("HS", F.HS),
        ("h.s.", F.HS),
        ("At bedtime", F.HS),
        ("bedtime", F.HS),
        ("QHS", F.HS),
        ("0-0-1", F.HS),
        ("STAT", F.STAT),
        ("Stat", F.STAT),
        ("Immediately", F.STAT),
        ("SOS", F.SOS),
        ("S.O.S.", F.SOS),
        ("PRN", F.SOS),
        ("p.r.n.", F.SOS),
        ("As needed", F.SOS),
        ("As required", F.SOS),
        ("When required", F.SOS),
        ("Weekly", F.WEEKLY),
        ("Once weekly", F.WEEKLY),
        ("once a week", F.WEEKLY),
        ("  Twice   daily  ", F.BD),
    ],
)
def test_written_frequencies(raw: str, code: Frequency) -> None:
    assert validate_frequency(raw) is code


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "QD",  # error-prone (read as QID): refused
        "q.d.",
        "twice",
        "every 5 hours",
        "q3h",
        "q24h",
        "0-1-0",  # afternoon only: no round fits
        "1-0-1-0",
        "thrice weekly",
        "BD x 5 days",
        "monthly",
        "1/2 tab",
    ],
)
def test_unknown_frequencies_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_frequency(raw, field="medicines[1].frequency")
    assert list(caught.value.fields) == ["medicines[1].frequency"]
    assert "OD, BD, TDS" in caught.value.fields["medicines[1].frequency"]


@pytest.mark.parametrize("code", list(Frequency))
def test_every_code_and_label_reads_back(code: Frequency) -> None:
    assert validate_frequency(code.value) is code
    assert validate_frequency(FREQUENCY_LABELS[code]) is code


@pytest.mark.parametrize(("code", "as_needed"), [(F.SOS, True), (F.OD, False), (F.STAT, False)])
def test_is_as_needed(code: Frequency, as_needed: bool) -> None:
    assert is_as_needed(code) is as_needed


# ---------------------------------------------------------------- the round times


@pytest.mark.parametrize(
    ("code", "hours"),
    [
        (F.OD, [9]),
        (F.BD, [9, 21]),
        (F.TDS, [8, 14, 20]),
        (F.QID, [6, 12, 18, 22]),
        (F.Q4H, [2, 6, 10, 14, 18, 22]),
        (F.Q6H, [0, 6, 12, 18]),
        (F.Q8H, [6, 14, 22]),
        (F.Q12H, [8, 20]),
        (F.HS, [22]),
        (F.WEEKLY, [9]),
        (F.STAT, []),
        (F.SOS, []),
    ],
)
def test_round_times(code: Frequency, hours: list[int]) -> None:
    assert ADMINISTRATION_TIMES[code] == tuple(time(h) for h in hours)


@pytest.mark.parametrize(("code", "every"), [(F.Q4H, 4), (F.Q6H, 6), (F.Q8H, 8), (F.Q12H, 12)])
def test_every_n_hours_is_evenly_spaced_round_the_clock(code: Frequency, every: int) -> None:
    hours = [t.hour for t in ADMINISTRATION_TIMES[code]]
    assert len(hours) == 24 // every
    gaps = {(b - a) % 24 for a, b in zip(hours, [*hours[1:], hours[0]], strict=True)}
    assert gaps == {every}


def test_every_frequency_has_times_and_a_label() -> None:
    assert set(ADMINISTRATION_TIMES) == set(Frequency)
    assert set(FREQUENCY_LABELS) == set(Frequency)


def test_round_times_on_a_kolkata_day_in_utc() -> None:
    assert round_times_on(F.BD, date(2026, 3, 15)) == [
        datetime(2026, 3, 15, 3, 30, tzinfo=UTC),
        datetime(2026, 3, 15, 15, 30, tzinfo=UTC),
    ]
    assert round_times_on(F.Q6H, date(2026, 3, 15))[0] == datetime(2026, 3, 14, 18, 30, tzinfo=UTC)
    assert round_times_on(F.SOS, date(2026, 3, 15)) == []


# ---------------------------------------------------------------- schedules


@pytest.mark.parametrize(
    ("code", "start", "days", "expected"),
    [
        pytest.param(
            F.OD, ist(15, "10:00"), 5, [ist(d, "09:00") for d in range(16, 21)], id="od-started-after-the-round"
        ),
        pytest.param(
            F.OD, ist(15, "08:00"), 5, [ist(d, "09:00") for d in range(15, 20)], id="od-started-before-the-round"
        ),
        pytest.param(
            F.OD, ist(15, "09:00"), 5, [ist(d, "09:00") for d in range(15, 20)], id="od-start-is-inclusive"
        ),
        pytest.param(F.BD, ist(15, "15:00"), 1, [ist(15, "21:00"), ist(16, "09:00")], id="bd-one-day"),
        pytest.param(
            F.TDS,
            ist(15, "07:00"),
            2,
            [ist(d, hhmm) for d in (15, 16) for hhmm in ("08:00", "14:00", "20:00")],
            id="tds-two-days",
        ),
        pytest.param(
            F.QID,
            ist(15, "00:00"),
            1,
            [ist(15, "06:00"), ist(15, "12:00"), ist(15, "18:00"), ist(15, "22:00")],
            id="qid",
        ),
        pytest.param(
            F.Q4H,
            ist(15, "11:00"),
            1,
            [ist(15 + (h < 12), f"{h:02d}:00") for h in (14, 18, 22, 2, 6, 10)],
            id="q4h-across-midnight",
        ),
        pytest.param(
            F.Q6H,
            ist(15, "00:00"),
            1,
            [ist(15, "00:00"), ist(15, "06:00"), ist(15, "12:00"), ist(15, "18:00")],
            id="q6h-from-midnight",
        ),
        pytest.param(
            F.Q6H,
            datetime(2026, 3, 14, 20, 0, tzinfo=UTC),  # 01:30 on the 15th in Kolkata
            1,
            [ist(15, "06:00"), ist(15, "12:00"), ist(15, "18:00"), ist(16, "00:00")],
            id="q6h-start-given-in-utc",
        ),
        pytest.param(F.Q8H, ist(15, "13:00"), 1, [ist(15, "14:00"), ist(15, "22:00"), ist(16, "06:00")], id="q8h"),
        pytest.param(
            F.Q12H, ist(15, "09:00"), 2, [ist(15, "20:00"), ist(16, "08:00"), ist(16, "20:00"), ist(17, "08:00")],
            id="q12h",
        ),
        pytest.param(F.HS, ist(14, "23:59"), 1, [ist(15, "22:00")], id="hs-started-just-before-midnight"),
        pytest.param(F.HS, ist(15, "21:00"), 3, [ist(15, "22:00"), ist(16, "22:00"), ist(17, "22:00")], id="hs"),
        pytest.param(
            F.WEEKLY,
            ist(15, "10:00"),
            28,
            [ist(16, "09:00"), ist(23, "09:00"), ist(30, "09:00"), ist(6, "09:00", month=4)],
            id="weekly-four-weeks",
        ),
        pytest.param(F.WEEKLY, ist(15, "08:00"), 1, [ist(15, "09:00")], id="weekly-same-morning"),
        pytest.param(F.WEEKLY, ist(15, "09:30"), 7, [ist(16, "09:00")], id="weekly-one-week"),
        pytest.param(F.WEEKLY, ist(15, "09:30"), 8, [ist(16, "09:00"), ist(23, "09:00")], id="weekly-eight-days"),
        pytest.param(F.STAT, ist(15, "10:17"), 1, [ist(15, "10:17")], id="stat-at-once"),
        pytest.param(F.STAT, ist(15, "10:17"), 0, [ist(15, "10:17")], id="stat-ignores-duration"),
        pytest.param(F.SOS, ist(15, "10:17"), 5, [], id="sos-has-no-schedule"),
        pytest.param(F.SOS, ist(15, "10:17"), 0, [], id="sos-ignores-duration"),
    ],
)
def test_scheduled_doses(code: Frequency, start: datetime, days: int, expected: list[datetime]) -> None:
    doses = scheduled_doses(code, start, days)
    assert doses == expected
    assert all(d.tzinfo is UTC for d in doses)
    assert doses == sorted(doses)


@pytest.mark.parametrize("code", [f for f in Frequency if f not in (F.STAT, F.SOS)])
@pytest.mark.parametrize("seed", range(8))
def test_a_course_has_the_same_number_of_doses_whenever_it_starts(code: Frequency, seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=rng.randint(0, 60 * 24 * 365))
    days = rng.randint(1, MAX_SCHEDULE_DAYS)
    assert len(scheduled_doses(code, start, days)) == doses_in_course(code, days)


@pytest.mark.parametrize("days", [0, -1, MAX_SCHEDULE_DAYS + 1, True, 2.5])
def test_impossible_durations_are_refused(days: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        scheduled_doses(F.OD, ist(15, "10:00"), days)
    assert list(caught.value.fields) == ["duration"]
    with pytest.raises(ValidationFailed):
        doses_in_course(F.BD, days)


def test_the_longest_course_is_allowed() -> None:
    assert len(scheduled_doses(F.BD, ist(15, "10:00"), MAX_SCHEDULE_DAYS)) == 2 * MAX_SCHEDULE_DAYS


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError):
        scheduled_doses(F.OD, datetime(2026, 3, 15, 10, 0), 5)  # naive on purpose


@pytest.mark.parametrize(
    ("code", "days", "doses"),
    [
        (F.OD, 5, 5),
        (F.BD, 5, 10),
        (F.TDS, 7, 21),
        (F.QID, 3, 12),
        (F.Q4H, 2, 12),
        (F.Q6H, 1, 4),
        (F.Q8H, 10, 30),
        (F.Q12H, 5, 10),
        (F.HS, 30, 30),
        (F.WEEKLY, 1, 1),
        (F.WEEKLY, 7, 1),
        (F.WEEKLY, 8, 2),
        (F.WEEKLY, 28, 4),
        (F.STAT, 1, 1),
        (F.SOS, 5, None),
    ],
)
def test_doses_in_course(code: Frequency, days: int, doses: int | None) -> None:
    assert doses_in_course(code, days) == doses


# ---------------------------------------------------------------- due and overdue

DUE = ist(15, "09:00")


@pytest.mark.parametrize(
    ("now", "overdue"),
    [
        (DUE - timedelta(hours=1), False),
        (DUE, False),
        (DUE + timedelta(minutes=29, seconds=59), False),
        (DUE + timedelta(minutes=30), True),
        (DUE + timedelta(hours=5), True),
        (datetime(2026, 3, 15, 4, 0, tzinfo=UTC), True),  # 09:30 in Kolkata, given in UTC
        (datetime(2026, 3, 15, 3, 59, tzinfo=UTC), False),
    ],
)
def test_is_overdue_after_thirty_minutes(now: datetime, overdue: bool) -> None:
    assert is_overdue(DUE, now) is overdue


def test_is_overdue_with_another_grace() -> None:
    assert not is_overdue(DUE, DUE + timedelta(minutes=50), grace=timedelta(hours=1))
    assert is_overdue(DUE, DUE + timedelta(hours=1), grace=timedelta(hours=1))


@pytest.mark.parametrize(
    ("scheduled_at", "now"),
    [(datetime(2026, 3, 15, 9, 0), DUE), (DUE, datetime(2026, 3, 15, 9, 0))],  # naive on purpose
)
def test_overdue_needs_aware_times(scheduled_at: datetime, now: datetime) -> None:
    with pytest.raises(ValueError):
        is_overdue(scheduled_at, now)


@pytest.mark.parametrize(
    ("now", "timing"),
    [
        (DUE - timedelta(hours=2), DoseTiming.UPCOMING),
        (DUE - timedelta(minutes=31), DoseTiming.UPCOMING),
        (DUE - timedelta(minutes=30), DoseTiming.DUE),
        (DUE, DoseTiming.DUE),
        (DUE + timedelta(minutes=29), DoseTiming.DUE),
        (DUE + timedelta(minutes=30), DoseTiming.OVERDUE),
    ],
)
def test_dose_timing(now: datetime, timing: DoseTiming) -> None:
    assert dose_timing(DUE, now) is timing
