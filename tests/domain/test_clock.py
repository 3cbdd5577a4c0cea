"""The hospital day: Kolkata midnight is 18:30 UTC the evening before.

The boundary rows pin the second on either side of it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.clock import HOSPITAL_TZ, day_bounds_utc, hospital_day, hospital_time, zoned
from domain.errors import ValidationFailed

IST = timezone(timedelta(hours=5, minutes=30))


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2026, 3, 14, 18, 29, 59, tzinfo=UTC), date(2026, 3, 14)),
        (datetime(2026, 3, 14, 18, 30, 0, tzinfo=UTC), date(2026, 3, 15)),
        (datetime(2026, 3, 14, 0, 0, 0, tzinfo=UTC), date(2026, 3, 14)),
        (datetime(2026, 3, 15, 18, 29, 59, 999_999, tzinfo=UTC), date(2026, 3, 15)),
        (datetime(2025, 12, 31, 18, 30, tzinfo=UTC), date(2026, 1, 1)),  # new year arrives at 18:30Z
        (datetime(2025, 12, 31, 18, 29, 59, tzinfo=UTC), date(2025, 12, 31)),
        (datetime(2026, 3, 15, 0, 0, tzinfo=IST), date(2026, 3, 15)),  # already in Kolkata time
        (datetime(2026, 3, 14, 20, 0, tzinfo=timezone(timedelta(hours=-5))), date(2026, 3, 15)),
    ],
)
def test_hospital_day_follows_kolkata_midnight(instant: datetime, day: date) -> None:
    assert hospital_day(instant) == day


def test_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError):
        hospital_day(datetime(2026, 3, 14, 18, 30))  # naive on purpose


def test_hospital_time_shows_the_wall_clock_in_kolkata() -> None:
    shown = hospital_time(datetime(2026, 3, 14, 18, 30, tzinfo=UTC))
    assert (shown.year, shown.month, shown.day, shown.hour, shown.minute) == (2026, 3, 15, 0, 0)
    assert shown.utcoffset() == timedelta(hours=5, minutes=30)


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        (
            date(2026, 3, 15),
            datetime(2026, 3, 14, 18, 30, tzinfo=UTC),
            datetime(2026, 3, 15, 18, 30, tzinfo=UTC),
        ),
        (
            date(2026, 1, 1),
            datetime(2025, 12, 31, 18, 30, tzinfo=UTC),
            datetime(2026, 1, 1, 18, 30, tzinfo=UTC),
        ),
        (
            date(2028, 2, 29),
            datetime(2028, 2, 28, 18, 30, tzinfo=UTC),
            datetime(2028, 2, 29, 18, 30, tzinfo=UTC),
        ),
    ],
)
def test_day_bounds_run_from_kolkata_midnight_to_midnight_in_utc(
    day: date, start: datetime, end: datetime
) -> None:
    assert day_bounds_utc(day) == (start, end)


def test_day_bounds_are_utc_aware() -> None:
    start, end = day_bounds_utc(date(2026, 3, 15))
    assert start.utcoffset() == timedelta(0)
    assert end.utcoffset() == timedelta(0)
    assert end - start == timedelta(days=1)


@pytest.mark.parametrize("day", [date(2026, 3, 15), date(2026, 12, 31), date(2024, 2, 29)])
def test_day_bounds_agree_with_hospital_day(day: date) -> None:
    start, end = day_bounds_utc(day)
    assert hospital_day(start) == day
    assert hospital_day(end - timedelta(microseconds=1)) == day
    assert hospital_day(end) == day + timedelta(days=1)
    assert hospital_day(start - timedelta(microseconds=1)) == day - timedelta(days=1)


def test_hospital_zone_is_kolkata() -> None:
    assert str(HOSPITAL_TZ) == "Asia/Kolkata"


def test_a_client_time_without_a_zone_is_refused_naming_the_field():
    aware = datetime(2026, 11, 27, 10, 30, tzinfo=HOSPITAL_TZ)
    assert zoned(aware, "when") is aware
    with pytest.raises(ValidationFailed) as refused:
        zoned(datetime(2026, 11, 27, 10, 30), "sampleCollectedAt")
    assert set(refused.value.fields) == {"sampleCollectedAt"}
