"""NEWS2 against the Royal College of Physicians' 2017 chart: every band edge of every parameter, both SpO2 scales.

Then the aggregate bands, the "single parameter scoring 3" rule, missing parameters and impossible vitals.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import ValidationFailed
from domain.ipd import Consciousness
from domain.news2 import (
    RESPONSE_HIGH,
    RESPONSE_LOW,
    RESPONSE_LOW_MEDIUM,
    RESPONSE_MEDIUM,
    RESPONSE_SCORE_ZERO,
    MonitoringFrequency,
    News2,
    Observation,
    PartialObservation,
    RiskBand,
    SpO2Scale,
    air_or_oxygen_score,
    band_for,
    chart_temperature,
    consciousness_score,
    pulse_score,
    respiration_rate_score,
    score,
    score_if_complete,
    spo2_scale_1_score,
    spo2_scale_2_score,
    systolic_score,
    temperature_score,
    validate_vitals,
)

# Every parameter scores 0 here; each test changes one thing.
CALM = Observation(
    respiratory_rate=16,
    spo2=97,
    on_oxygen=False,
    systolic=120,
    heart_rate=72,
    consciousness=Consciousness.A,
    temperature=Decimal("37.0"),
    diastolic=80,
)

# ---------------------------------------------------------------- the chart, edge by edge


@pytest.mark.parametrize(
    ("rate", "points"),
    [
        (3, 3),
        (8, 3),
        (9, 1),
        (11, 1),
        (12, 0),
        (20, 0),
        (21, 2),
        (24, 2),
        (25, 3),
        (60, 3),
    ],
)
def test_respiration_rate(rate: int, points: int) -> None:
    assert respiration_rate_score(rate) == points
    assert score(replace(CALM, respiratory_rate=rate)).sub_scores.respiration_rate == points


@pytest.mark.parametrize(
    ("spo2", "points"),
    [
        (50, 3),
        (91, 3),
        (92, 2),
        (93, 2),
        (94, 1),
        (95, 1),
        (96, 0),
        (100, 0),
    ],
)
@pytest.mark.parametrize("on_oxygen", [False, True])
def test_spo2_scale_1_is_the_same_on_air_and_oxygen(spo2: int, points: int, on_oxygen: bool) -> None:
    assert spo2_scale_1_score(spo2) == points
    result = score(replace(CALM, spo2=spo2, on_oxygen=on_oxygen), spo2_scale=1)
    assert result.sub_scores.oxygen_saturation == points
    assert result.sub_scores.air_or_oxygen == (2 if on_oxygen else 0)


@pytest.mark.parametrize(
    ("spo2", "on_oxygen", "points"),
    [
        (50, False, 3),
        (83, False, 3),
        (83, True, 3),
        (84, False, 2),
        (85, False, 2),
        (85, True, 2),
        (86, False, 1),
        (87, False, 1),
        (87, True, 1),
        (88, False, 0),
        (88, True, 0),
        (92, False, 0),
        (92, True, 0),
        # At 93 and above the chart splits: on air it stays 0, on oxygen it climbs.
        (93, False, 0),
        (97, False, 0),
        (100, False, 0),
        (93, True, 1),
        (94, True, 1),
        (95, True, 2),
        (96, True, 2),
        (97, True, 3),
        (100, True, 3),
    ],
)
def test_spo2_scale_2(spo2: int, on_oxygen: bool, points: int) -> None:
    assert spo2_scale_2_score(spo2, on_oxygen=on_oxygen) == points
    result = score(replace(CALM, spo2=spo2, on_oxygen=on_oxygen), spo2_scale=2)
    assert result.sub_scores.oxygen_saturation == points
    assert result.spo2_scale == 2


@pytest.mark.parametrize(("on_oxygen", "points"), [(False, 0), (True, 2)])
def test_air_or_oxygen(on_oxygen: bool, points: int) -> None:
    assert air_or_oxygen_score(on_oxygen) == points


@pytest.mark.parametrize(
    ("systolic", "points"),
    [
        (40, 3),
        (90, 3),
        (91, 2),
        (100, 2),
        (101, 1),
        (110, 1),
        (111, 0),
        (219, 0),
        (220, 3),
        (300, 3),
    ],
)
def test_systolic_blood_pressure(systolic: int, points: int) -> None:
    assert systolic_score(systolic) == points
    assert score(replace(CALM, systolic=systolic)).sub_scores.systolic_blood_pressure == points


@pytest.mark.parametrize(
    ("pulse", "points"),
    [
        (20, 3),
        (40, 3),
        (41, 1),
        (50, 1),
        (51, 0),
        (90, 0),
        (91, 1),
        (110, 1),
        (111, 2),
        (130, 2),
        (131, 3),
        (250, 3),
    ],
)
def test_pulse(pulse: int, points: int) -> None:
    assert pulse_score(pulse) == points
    assert score(replace(CALM, heart_rate=pulse)).sub_scores.pulse == points


@pytest.mark.parametrize(
    ("level", "points"),
    [
        (Consciousness.A, 0),
        (Consciousness.C, 3),
        (Consciousness.V, 3),
        (Consciousness.P, 3),
        (Consciousness.U, 3),
    ],
)
def test_consciousness_acvpu(level: Consciousness, points: int) -> None:
    assert consciousness_score(level) == points
    assert score(replace(CALM, consciousness=level)).sub_scores.consciousness == points


@pytest.mark.parametrize(
    ("celsius", "points"),
    [
        (Decimal("30.0"), 3),
        (Decimal("35.0"), 3),
        (Decimal("35.1"), 1),
        (Decimal("36.0"), 1),
        (Decimal("36.1"), 0),
        (Decimal("38.0"), 0),
        (Decimal("38.1"), 1),
        (Decimal("39.0"), 1),
        (Decimal("39.1"), 2),
        (Decimal("42.0"), 2),
        # Floats are read as written, not as their binary approximation.
        (35.0, 3),
        (35.1, 1),
        (36.1, 0),
        (38.1, 1),
        (39.1, 2),
        (37, 0),
        # More decimals than the chart: read to the tenth, half up.
        (Decimal("35.04"), 3),
        (Decimal("35.05"), 1),
        (Decimal("36.04"), 1),
        (Decimal("36.05"), 0),
        (Decimal("38.04"), 0),
        (Decimal("38.05"), 1),
        (Decimal("39.04"), 1),
        (Decimal("39.05"), 2),
        (38.05, 1),
    ],
)
def test_temperature(celsius: Decimal | float, points: int) -> None:
    assert temperature_score(celsius) == points
    assert score(replace(CALM, temperature=celsius)).sub_scores.temperature == points


@pytest.mark.parametrize(
    ("celsius", "tenths"),
    [(Decimal("36.05"), Decimal("36.1")), (36.04, Decimal("36.0")), (37, Decimal("37.0"))],
)
def test_chart_temperature_reads_tenths(celsius: Decimal | float, tenths: Decimal) -> None:
    assert chart_temperature(celsius) == tenths


def test_diastolic_pressure_is_not_scored() -> None:
    assert score(replace(CALM, diastolic=30)).total == 0
    assert score(replace(CALM, diastolic=None)).total == 0


# ---------------------------------------------------------------- totals, bands and responses


@pytest.mark.parametrize(
    ("total", "single_3", "band"),
    [
        (0, False, RiskBand.LOW),
        (1, False, RiskBand.LOW),
        (4, False, RiskBand.LOW),
        (3, True, RiskBand.LOW_MEDIUM),
        (4, True, RiskBand.LOW_MEDIUM),
        (5, False, RiskBand.MEDIUM),
        (5, True, RiskBand.MEDIUM),
        (6, False, RiskBand.MEDIUM),
        (6, True, RiskBand.MEDIUM),
        (7, False, RiskBand.HIGH),
        (7, True, RiskBand.HIGH),
        (20, True, RiskBand.HIGH),
    ],
)
def test_band_for(total: int, single_3: bool, band: RiskBand) -> None:
    assert band_for(total, single_parameter_3=single_3) is band


@pytest.mark.parametrize(
    ("changes", "scale", "total", "band", "response", "monitoring"),
    [
        pytest.param({}, 1, 0, RiskBand.LOW, RESPONSE_SCORE_ZERO, MonitoringFrequency.TWELVE_HOURLY, id="all-0"),
        pytest.param(
            {"heart_rate": 95}, 1, 1, RiskBand.LOW, RESPONSE_LOW, MonitoringFrequency.FOUR_TO_SIX_HOURLY, id="1"
        ),
        pytest.param(
            {"respiratory_rate": 22, "heart_rate": 100, "temperature": Decimal("38.5")},
            1,
            4,
            RiskBand.LOW,
            RESPONSE_LOW,
            MonitoringFrequency.FOUR_TO_SIX_HOURLY,
            id="4-without-a-3",
        ),
        pytest.param(
            {"consciousness": Consciousness.C},
            1,
            3,
            RiskBand.LOW_MEDIUM,
            RESPONSE_LOW_MEDIUM,
            MonitoringFrequency.HOURLY,
            id="new-confusion-alone",
        ),
        pytest.param(
            {"systolic": 88, "heart_rate": 95},
            1,
            4,
            RiskBand.LOW_MEDIUM,
            RESPONSE_LOW_MEDIUM,
            MonitoringFrequency.HOURLY,
            id="3-plus-1",
        ),
        pytest.param(
            {"spo2": 97, "on_oxygen": True},
            2,
            5,
            RiskBand.MEDIUM,
            RESPONSE_MEDIUM,
            MonitoringFrequency.HOURLY,
            id="scale-2-over-oxygenated",
        ),
        pytest.param(
            {"spo2": 97, "on_oxygen": True},
            1,
            2,
            RiskBand.LOW,
            RESPONSE_LOW,
            MonitoringFrequency.FOUR_TO_SIX_HOURLY,
            id="same-on-scale-1",
        ),
        pytest.param(
            {"spo2": 93, "on_oxygen": False},
            2,
            0,
            RiskBand.LOW,
            RESPONSE_SCORE_ZERO,
            MonitoringFrequency.TWELVE_HOURLY,
            id="scale-2-93-on-air",
        ),
        pytest.param(
            {"spo2": 93, "on_oxygen": False},
            1,
            2,
            RiskBand.LOW,
            RESPONSE_LOW,
            MonitoringFrequency.FOUR_TO_SIX_HOURLY,
            id="scale-1-93-on-air",
        ),
        pytest.param(
            {"respiratory_rate": 22, "heart_rate": 115, "temperature": Decimal("38.5")},
            1,
            5,
            RiskBand.MEDIUM,
            RESPONSE_MEDIUM,
            MonitoringFrequency.HOURLY,
            id="5",
        ),
        pytest.param(
            {"respiratory_rate": 22, "heart_rate": 115, "temperature": Decimal("39.5")},
            1,
            6,
            RiskBand.MEDIUM,
            RESPONSE_MEDIUM,
            MonitoringFrequency.HOURLY,
            id="6",
        ),
        pytest.param(
            {"respiratory_rate": 26, "heart_rate": 115, "temperature": Decimal("39.5")},
            1,
            7,
            RiskBand.HIGH,
            RESPONSE_HIGH,
            MonitoringFrequency.CONTINUOUS,
            id="7",
        ),
        pytest.param(
            {
                "respiratory_rate": 30,
                "spo2": 85,
                "on_oxygen": True,
                "systolic": 80,
                "heart_rate": 140,
                "consciousness": Consciousness.U,
                "temperature": Decimal("34.0"),
            },
            1,
            20,
            RiskBand.HIGH,
            RESPONSE_HIGH,
            MonitoringFrequency.CONTINUOUS,
            id="maximum-20",
        ),
        pytest.param(
            {
                "respiratory_rate": 30,
                "spo2": 97,
                "on_oxygen": True,
                "systolic": 80,
                "heart_rate": 140,
                "consciousness": Consciousness.U,
                "temperature": Decimal("34.0"),
            },
            2,
            20,
            RiskBand.HIGH,
            RESPONSE_HIGH,
            MonitoringFrequency.CONTINUOUS,
            id="maximum-20-scale-2",
        ),
    ],
)
def test_totals_bands_and_responses(
    changes: dict[str, object],
    scale: SpO2Scale,
    total: int,
    band: RiskBand,
    response: str,
    monitoring: MonitoringFrequency,
) -> None:
    result = score(replace(CALM, **changes), spo2_scale=scale)  # type: ignore[arg-type]
    assert result.total == total
    assert result.total == sum(result.sub_scores.as_tuple())
    assert result.band is band
    assert result.response == response
    assert result.monitoring is monitoring


def test_single_3_rule_needs_a_parameter_scoring_exactly_3() -> None:
    # Four parameters scoring 1 make 4 without a 3: LOW, not LOW_MEDIUM.
    four_ones = score(
        replace(CALM, respiratory_rate=10, spo2=95, heart_rate=95, temperature=Decimal("38.5")), spo2_scale=1
    )
    assert four_ones.total == 4
    assert not four_ones.has_single_parameter_3
    assert four_ones.band is RiskBand.LOW
    # Oxygen (2) plus a pulse of 111 (2) is 4, still without a 3.
    two_twos = score(replace(CALM, on_oxygen=True, heart_rate=111))
    assert (two_twos.total, two_twos.band) == (4, RiskBand.LOW)
    # A respiratory rate of 8 scores 3 on its own.
    red = score(replace(CALM, respiratory_rate=8))
    assert red.has_single_parameter_3
    assert (red.total, red.band) == (3, RiskBand.LOW_MEDIUM)


def test_sub_scores_travel_in_camel_case() -> None:
    result = score(replace(CALM, heart_rate=120, consciousness=Consciousness.V))
    assert result.sub_scores.as_dict() == {
        "respirationRate": 0,
        "oxygenSaturation": 0,
        "airOrOxygen": 0,
        "systolicBloodPressure": 0,
        "pulse": 2,
        "consciousness": 3,
        "temperature": 0,
    }


def test_unknown_scale_is_refused() -> None:
    with pytest.raises(ValueError):
        score(CALM, spo2_scale=3)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "after"),
    [
        ({}, timedelta(hours=12)),
        ({"heart_rate": 95}, timedelta(hours=4)),
        ({"consciousness": Consciousness.C}, timedelta(hours=1)),
        ({"respiratory_rate": 22, "heart_rate": 115, "temperature": Decimal("38.5")}, timedelta(hours=1)),
        ({"respiratory_rate": 26, "heart_rate": 115, "temperature": Decimal("39.5")}, timedelta(minutes=30)),
    ],
)
def test_next_observation_due(changes: dict[str, object], after: timedelta) -> None:
    observed_at = datetime(2026, 3, 15, 0, 30, tzinfo=UTC)
    result: News2 = score(replace(CALM, **changes))  # type: ignore[arg-type]
    assert result.next_observation_due(observed_at) == observed_at + after


# ---------------------------------------------------------------- never a partial score

COMPLETE = PartialObservation(
    respiratory_rate=16,
    spo2=97,
    on_oxygen=False,
    systolic=120,
    heart_rate=72,
    consciousness=Consciousness.A,
    temperature=Decimal("37.0"),
)


def test_complete_partial_observation_is_scored() -> None:
    result = score_if_complete(COMPLETE)
    assert result is not None
    assert result.total == 0
    assert COMPLETE.missing() == ()
    # Diastolic is not needed.
    assert score_if_complete(replace(COMPLETE, diastolic=None)) is not None


@pytest.mark.parametrize(
    ("field", "wire_name"),
    [
        ("respiratory_rate", "respiratoryRate"),
        ("spo2", "oxygenSaturation"),
        ("on_oxygen", "onOxygen"),
        ("systolic", "bloodPressureSystolic"),
        ("heart_rate", "heartRate"),
        ("consciousness", "consciousness"),
        ("temperature", "temperature"),
    ],
)
@pytest.mark.parametrize("scale", [1, 2])
def test_any_missing_scored_parameter_means_no_news2(field: str, wire_name: str, scale: SpO2Scale) -> None:
    partial = replace(COMPLETE, **{field: None})
    assert score_if_complete(partial, spo2_scale=scale) is None
    assert partial.complete() is None
    assert partial.missing() == (wire_name,)


def test_a_daily_note_without_oxygen_and_consciousness_has_no_news2() -> None:
    note = PartialObservation(
        respiratory_rate=18, spo2=98, systolic=130, heart_rate=80, temperature=Decimal("37.2"), diastolic=85
    )
    assert score_if_complete(note) is None
    assert note.missing() == ("onOxygen", "consciousness")


def test_alert_on_air_with_zero_values_is_complete() -> None:
    # False and 0-like values are present values, not missing ones.
    assert score_if_complete(replace(COMPLETE, on_oxygen=False)) is not None


# ---------------------------------------------------------------- impossible vitals


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"heart_rate": 900}, "heartRate", "between 20 and 300"),
        ({"heart_rate": 19}, "heartRate", "between 20 and 300"),
        ({"heart_rate": 301}, "heartRate", "between 20 and 300"),
        ({"heart_rate": 0}, "heartRate", "between 20 and 300"),
        ({"spo2": 120}, "oxygenSaturation", "between 50 and 100"),
        ({"spo2": 101}, "oxygenSaturation", "between 50 and 100"),
        ({"spo2": 49}, "oxygenSaturation", "between 50 and 100"),
        ({"temperature": Decimal("98.6")}, "temperature", "°F"),
        ({"temperature": 98.6}, "temperature", "37.0 °C"),
        ({"temperature": 102}, "temperature", "°F"),
        ({"temperature": Decimal("77")}, "temperature", "°F"),
        ({"temperature": Decimal("113")}, "temperature", "°F"),
        ({"temperature": Decimal("24.9")}, "temperature", "between 25 and 45"),
        ({"temperature": Decimal("45.1")}, "temperature", "between 25 and 45"),
        ({"temperature": Decimal("60")}, "temperature", "between 25 and 45"),
        ({"temperature": Decimal("120")}, "temperature", "between 25 and 45"),
        ({"temperature": float("nan")}, "temperature", "number"),
        ({"temperature": Decimal("Infinity")}, "temperature", "number"),
        ({"respiratory_rate": 2}, "respiratoryRate", "between 3 and 80"),
        ({"respiratory_rate": 81}, "respiratoryRate", "between 3 and 80"),
        ({"systolic": 39}, "bloodPressureSystolic", "between 40 and 300"),
        ({"systolic": 301}, "bloodPressureSystolic", "between 40 and 300"),
        ({"diastolic": 19}, "bloodPressureDiastolic", "between 20 and 200"),
        ({"diastolic": 201}, "bloodPressureDiastolic", "between 20 and 200"),
        ({"systolic": 120, "diastolic": 120}, "bloodPressureDiastolic", "lower than the systolic"),
        ({"systolic": 80, "diastolic": 120}, "bloodPressureDiastolic", "lower than the systolic"),
        ({"pain_score": -1}, "painScore", "between 0 and 10"),
        ({"pain_score": 11}, "painScore", "between 0 and 10"),
        ({"heart_rate": 72.5}, "heartRate", "whole number"),
        ({"spo2": True}, "oxygenSaturation", "whole number"),
    ],
)
def test_impossible_vitals_are_refused_by_field(kwargs: dict[str, object], field: str, words: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_vitals(**kwargs)  # type: ignore[arg-type]
    assert list(caught.value.fields) == [field]
    assert words in caught.value.fields[field]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"heart_rate": 20},
        {"heart_rate": 300},
        {"spo2": 50},
        {"spo2": 100},
        {"temperature": Decimal("25")},
        {"temperature": Decimal("45")},
        {"temperature": 37.0},
        {"temperature": 34},
        {"respiratory_rate": 3},
        {"respiratory_rate": 80},
        {"systolic": 40, "diastolic": 20},
        {"systolic": 300, "diastolic": 200},
        {"systolic": 120, "diastolic": 119},
        {"pain_score": 0},
        {"pain_score": 10},
        {
            "temperature": Decimal("36.8"),
            "heart_rate": 72,
            "respiratory_rate": 16,
            "systolic": 120,
            "diastolic": 80,
            "spo2": 98,
            "pain_score": 2,
        },
    ],
)
def test_possible_vitals_pass(kwargs: dict[str, object]) -> None:
    validate_vitals(**kwargs)  # type: ignore[arg-type]


def test_every_offending_field_is_named_at_once() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_vitals(heart_rate=900, spo2=120, temperature=Decimal("98.6"), pain_score=12)
    assert set(caught.value.fields) == {"heartRate", "oxygenSaturation", "temperature", "painScore"}


def test_diastolic_is_not_compared_with_an_impossible_systolic() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_vitals(systolic=900, diastolic=80)
    assert set(caught.value.fields) == {"bloodPressureSystolic"}
