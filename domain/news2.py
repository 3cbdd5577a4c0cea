"""NEWS2, the National Early Warning Score of the Royal College of Physicians (2017 chart), and vitals checks.

A pure function scores one complete observation; an incomplete one has no NEWS2 at all, never a partial score.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from domain.errors import ValidationFailed
from domain.ipd import Consciousness

SpO2Scale = Literal[1, 2]


class RiskBand(StrEnum):
    """The clinical risk of chart 2: stored in `news2_band` and carried in the ward's events."""

    LOW = "LOW"  # aggregate 0-4: ward-based response
    LOW_MEDIUM = "LOW_MEDIUM"  # a single parameter scoring 3, aggregate <= 4: urgent ward-based response
    MEDIUM = "MEDIUM"  # aggregate 5-6: key threshold for urgent response
    HIGH = "HIGH"  # aggregate 7 or more: urgent or emergency response


class MonitoringFrequency(StrEnum):
    """How often the chart asks for the next set of observations (chart 4)."""

    TWELVE_HOURLY = "TWELVE_HOURLY"  # score 0
    FOUR_TO_SIX_HOURLY = "FOUR_TO_SIX_HOURLY"  # score 1-4
    HOURLY = "HOURLY"  # score 5-6, or a single parameter scoring 3
    CONTINUOUS = "CONTINUOUS"  # score 7 or more


# When the next observation is due after one scored at that frequency. The chart says "minimum 4-6 hourly":
# the ward takes the stricter end. "Continuous" means a monitor; the ward still charts a set at least every
# 30 minutes, and that is when a missing one shows as overdue (the hospital's choice, not the chart's).
NEXT_OBSERVATION_AFTER: Mapping[MonitoringFrequency, timedelta] = MappingProxyType(
    {
        MonitoringFrequency.TWELVE_HOURLY: timedelta(hours=12),
        MonitoringFrequency.FOUR_TO_SIX_HOURLY: timedelta(hours=4),
        MonitoringFrequency.HOURLY: timedelta(hours=1),
        MonitoringFrequency.CONTINUOUS: timedelta(minutes=30),
    }
)

# The clinical response of chart 4, word for word, by trigger.
RESPONSE_SCORE_ZERO = "Continue routine NEWS monitoring."
RESPONSE_LOW = (
    "Inform registered nurse, who must assess the patient. Registered nurse decides whether increased "
    "frequency of clinical monitoring or escalation of care is required."
)
RESPONSE_LOW_MEDIUM = (
    "Registered nurse to inform medical team caring for the patient, who will review and decide whether "
    "escalation of care is necessary."
)
RESPONSE_MEDIUM = (
    "Registered nurse to immediately inform the medical team caring for the patient. Registered nurse to "
    "request urgent assessment by a clinician or team with core competencies in the care of acutely ill "
    "patients. Provide clinical care in an environment with monitoring facilities."
)
RESPONSE_HIGH = (
    "Registered nurse to immediately inform the medical team caring for the patient - this should be at "
    "least at specialist registrar level. Emergency assessment by a team with critical care competencies, "
    "including practitioner(s) with advanced airway management skills. Consider transfer of care to a level "
    "2 or 3 clinical care facility, i.e. higher-dependency unit or ICU. Clinical care in an environment with "
    "monitoring facilities."
)


@dataclass(frozen=True, slots=True)
class Observation:
    """One complete set of vital signs as the nurse charted it; `diastolic` is recorded but not scored.

    `temperature` is in degrees Celsius; `spo2` in percent; rates per minute; pressures in mmHg.
    """

    respiratory_rate: int
    spo2: int
    on_oxygen: bool
    systolic: int
    heart_rate: int
    consciousness: Consciousness
    temperature: Decimal | float
    diastolic: int | None = None


@dataclass(frozen=True, slots=True)
class PartialObservation:
    """Vital signs as they may arrive, any of them missing (a daily note, a triage desk, a monitor feed)."""

    respiratory_rate: int | None = None
    spo2: int | None = None
    on_oxygen: bool | None = None
    systolic: int | None = None
    heart_rate: int | None = None
    consciousness: Consciousness | None = None
    temperature: Decimal | float | None = None
    diastolic: int | None = None

    def complete(self) -> Observation | None:
        """The observation if every scored parameter is present, else None."""
        if (
            self.respiratory_rate is None
            or self.spo2 is None
            or self.on_oxygen is None
            or self.systolic is None
            or self.heart_rate is None
            or self.consciousness is None
            or self.temperature is None
        ):
            return None
        return Observation(
            respiratory_rate=self.respiratory_rate,
            spo2=self.spo2,
            on_oxygen=self.on_oxygen,
            systolic=self.systolic,
            heart_rate=self.heart_rate,
            consciousness=self.consciousness,
            temperature=self.temperature,
            diastolic=self.diastolic,
        )

    def missing(self) -> tuple[str, ...]:
        """The camelCase names of the scored parameters that are missing, in chart order."""
        present = {
            "respiratoryRate": self.respiratory_rate,
            "oxygenSaturation": self.spo2,
            "onOxygen": self.on_oxygen,
            "bloodPressureSystolic": self.systolic,
            "heartRate": self.heart_rate,
            "consciousness": self.consciousness,
            "temperature": self.temperature,
        }
        return tuple(name for name, value in present.items() if value is None)


@dataclass(frozen=True, slots=True)
class SubScores:
    """The score of each of the seven parameters, in the chart's order."""

    respiration_rate: int
    oxygen_saturation: int
    air_or_oxygen: int
    systolic_blood_pressure: int
    pulse: int
    consciousness: int
    temperature: int

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.respiration_rate,
            self.oxygen_saturation,
            self.air_or_oxygen,
            self.systolic_blood_pressure,
            self.pulse,
            self.consciousness,
            self.temperature,
        )

    def as_dict(self) -> dict[str, int]:
        """The sub-scores keyed by camelCase parameter name (for the wire)."""
        return {
            "respirationRate": self.respiration_rate,
            "oxygenSaturation": self.oxygen_saturation,
            "airOrOxygen": self.air_or_oxygen,
            "systolicBloodPressure": self.systolic_blood_pressure,
            "pulse": self.pulse,
            "consciousness": self.consciousness,
            "temperature": self.temperature,
        }


@dataclass(frozen=True, slots=True)
class News2:
    """The score of one observation: total, sub-scores, band, the chart's response and monitoring frequency."""

    total: int
    sub_scores: SubScores
    band: RiskBand
    response: str
    monitoring: MonitoringFrequency
    spo2_scale: SpO2Scale

    @property
    def has_single_parameter_3(self) -> bool:
        """True when any one parameter scores 3 (the chart's "red score")."""
        return 3 in self.sub_scores.as_tuple()

    def next_observation_due(self, observed_at: datetime) -> datetime:
        """When the next set of observations is due after one taken at `observed_at`."""
        return observed_at + NEXT_OBSERVATION_AFTER[self.monitoring]


# ---------------------------------------------------------------- the chart, parameter by parameter


def respiration_rate_score(breaths_per_minute: int) -> int:
    """<=8: 3; 9-11: 1; 12-20: 0; 21-24: 2; >=25: 3."""
    if breaths_per_minute <= 8:
        return 3
    if breaths_per_minute <= 11:
        return 1
    if breaths_per_minute <= 20:
        return 0
    if breaths_per_minute <= 24:
        return 2
    return 3


def spo2_scale_1_score(spo2: int) -> int:
    """<=91: 3; 92-93: 2; 94-95: 1; >=96: 0 (air or oxygen alike)."""
    if spo2 <= 91:
        return 3
    if spo2 <= 93:
        return 2
    if spo2 <= 95:
        return 1
    return 0


def spo2_scale_2_score(spo2: int, *, on_oxygen: bool) -> int:
    """For hypercapnic respiratory failure: <=83: 3; 84-85: 2; 86-87: 1; 88-92: 0; >=93 on air: 0;
    93-94 on oxygen: 1; 95-96 on oxygen: 2; >=97 on oxygen: 3."""
    if spo2 <= 83:
        return 3
    if spo2 <= 85:
        return 2
    if spo2 <= 87:
        return 1
    if spo2 <= 92 or not on_oxygen:
        return 0
    if spo2 <= 94:
        return 1
    if spo2 <= 96:
        return 2
    return 3


def air_or_oxygen_score(on_oxygen: bool) -> int:
    """Oxygen: 2; air: 0."""
    return 2 if on_oxygen else 0


def systolic_score(systolic: int) -> int:
    """<=90: 3; 91-100: 2; 101-110: 1; 111-219: 0; >=220: 3."""
    if systolic <= 90:
        return 3
    if systolic <= 100:
        return 2
    if systolic <= 110:
        return 1
    if systolic <= 219:
        return 0
    return 3


def pulse_score(beats_per_minute: int) -> int:
    """<=40: 3; 41-50: 1; 51-90: 0; 91-110: 1; 111-130: 2; >=131: 3."""
    if beats_per_minute <= 40:
        return 3
    if beats_per_minute <= 50:
        return 1
    if beats_per_minute <= 90:
        return 0
    if beats_per_minute <= 110:
        return 1
    if beats_per_minute <= 130:
        return 2
    return 3


def consciousness_score(level: Consciousness) -> int:
    """Alert: 0; new Confusion, Voice, Pain or Unresponsive: 3."""
    return 0 if level is Consciousness.A else 3


def chart_temperature(celsius: Decimal | float) -> Decimal:
    """The temperature as the chart reads it: in tenths of a degree, rounded half up (36.05 reads 36.1)."""
    value = celsius if isinstance(celsius, Decimal) else Decimal(str(celsius))
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def temperature_score(celsius: Decimal | float) -> int:
    """<=35.0: 3; 35.1-36.0: 1; 36.1-38.0: 0; 38.1-39.0: 1; >=39.1: 2."""
    tenths = chart_temperature(celsius)
    if tenths <= Decimal("35.0"):
        return 3
    if tenths <= Decimal("36.0"):
        return 1
    if tenths <= Decimal("38.0"):
        return 0
    if tenths <= Decimal("39.0"):
        return 1
    return 2


# ---------------------------------------------------------------- the aggregate


def band_for(total: int, *, single_parameter_3: bool) -> RiskBand:
    """Chart 2: 7+ HIGH; 5-6 MEDIUM; a single parameter scoring 3 with a total of 4 or less LOW_MEDIUM; else LOW."""
    if total >= 7:
        return RiskBand.HIGH
    if total >= 5:
        return RiskBand.MEDIUM
    if single_parameter_3:
        return RiskBand.LOW_MEDIUM
    return RiskBand.LOW


def _response_and_monitoring(total: int, band: RiskBand) -> tuple[str, MonitoringFrequency]:
    if band is RiskBand.HIGH:
        return RESPONSE_HIGH, MonitoringFrequency.CONTINUOUS
    if band is RiskBand.MEDIUM:
        return RESPONSE_MEDIUM, MonitoringFrequency.HOURLY
    if band is RiskBand.LOW_MEDIUM:
        return RESPONSE_LOW_MEDIUM, MonitoringFrequency.HOURLY
    if total == 0:
        return RESPONSE_SCORE_ZERO, MonitoringFrequency.TWELVE_HOURLY
    return RESPONSE_LOW, MonitoringFrequency.FOUR_TO_SIX_HOURLY


def score(observation: Observation, *, spo2_scale: SpO2Scale = 1) -> News2:
    """The NEWS2 of one complete observation.

    `spo2_scale=2` only for a patient a doctor has marked as having hypercapnic respiratory failure; every
    other patient is scored on scale 1. Values are scored as given: check them with `validate_vitals` first.
    """
    if spo2_scale == 1:
        spo2 = spo2_scale_1_score(observation.spo2)
    elif spo2_scale == 2:
        spo2 = spo2_scale_2_score(observation.spo2, on_oxygen=observation.on_oxygen)
    else:  # a caller ignoring the type (a value read from the database)
        raise ValueError(f"SpO2 scale must be 1 or 2, not {spo2_scale!r}")
    subs = SubScores(
        respiration_rate=respiration_rate_score(observation.respiratory_rate),
        oxygen_saturation=spo2,
        air_or_oxygen=air_or_oxygen_score(observation.on_oxygen),
        systolic_blood_pressure=systolic_score(observation.systolic),
        pulse=pulse_score(observation.heart_rate),
        consciousness=consciousness_score(observation.consciousness),
        temperature=temperature_score(observation.temperature),
    )
    total = sum(subs.as_tuple())
    band = band_for(total, single_parameter_3=3 in subs.as_tuple())
    response, monitoring = _response_and_monitoring(total, band)
    return News2(
        total=total, sub_scores=subs, band=band, response=response, monitoring=monitoring, spo2_scale=spo2_scale
    )


def score_if_complete(partial: PartialObservation, *, spo2_scale: SpO2Scale = 1) -> News2 | None:
    """The NEWS2 of `partial` if every scored parameter is present; None otherwise (never a partial score)."""
    observation = partial.complete()
    return None if observation is None else score(observation, spo2_scale=spo2_scale)


# ---------------------------------------------------------------- plausibility


# Values outside these limits cannot come from a living patient (or a working device); they are typing
# errors, wrong units or a probe off the finger. Inclusive at both ends.
PLAUSIBLE_LIMITS: Mapping[str, tuple[Decimal, Decimal, str]] = MappingProxyType(
    {
        "temperature": (Decimal(25), Decimal(45), "°C"),
        "heartRate": (Decimal(20), Decimal(300), "beats per minute"),
        "respiratoryRate": (Decimal(3), Decimal(80), "breaths per minute"),
        "bloodPressureSystolic": (Decimal(40), Decimal(300), "mmHg"),
        "bloodPressureDiastolic": (Decimal(20), Decimal(200), "mmHg"),
        "oxygenSaturation": (Decimal(50), Decimal(100), "%"),
        "painScore": (Decimal(0), Decimal(10), "on the 0-10 scale"),
    }
)


def _as_decimal(value: Decimal | float | int) -> Decimal | None:
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - str() of a finite number always parses
        return None


def _fahrenheit_to_celsius(fahrenheit: Decimal) -> Decimal:
    return ((fahrenheit - 32) * 5 / 9).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _range_problem(field: str, value: Decimal | float | int) -> str | None:
    low, high, unit = PLAUSIBLE_LIMITS[field]
    number = _as_decimal(value)
    if number is None:
        return "must be a number"
    if low <= number <= high:
        return None
    # Only a number that could be °F is converted (a huge one cannot even be rounded to tenths).
    if field == "temperature" and abs(number) < 1000 and low <= _fahrenheit_to_celsius(number) <= high:
        return (
            f"{number} looks like a temperature in °F: enter it in °C "
            f"({number} °F is {_fahrenheit_to_celsius(number)} °C)"
        )
    return f"must be between {low} and {high} {unit}"


def validate_vitals(
    *,
    temperature: Decimal | float | None = None,
    heart_rate: int | None = None,
    respiratory_rate: int | None = None,
    systolic: int | None = None,
    diastolic: int | None = None,
    spo2: int | None = None,
    pain_score: int | None = None,
) -> None:
    """Refuse physiologically impossible values with ValidationFailed naming every offending camelCase field.

    Missing values are not an error here (an observation may be partial); limits are in `PLAUSIBLE_LIMITS`.
    A Celsius field holding what reads as Fahrenheit (98.6) is refused with a message saying so. The
    diastolic pressure must also be below the systolic.
    """
    given: dict[str, Decimal | float | int | None] = {
        "temperature": temperature,
        "heartRate": heart_rate,
        "respiratoryRate": respiratory_rate,
        "bloodPressureSystolic": systolic,
        "bloodPressureDiastolic": diastolic,
        "oxygenSaturation": spo2,
        "painScore": pain_score,
    }
    problems: dict[str, str] = {}
    for field, value in given.items():
        if value is None:
            continue
        if field != "temperature" and (isinstance(value, bool) or not isinstance(value, int)):
            problems[field] = "must be a whole number"
            continue
        problem = _range_problem(field, value)
        if problem is not None:
            problems[field] = problem
    if (
        systolic is not None
        and diastolic is not None
        and "bloodPressureSystolic" not in problems
        and "bloodPressureDiastolic" not in problems
        and diastolic >= systolic
    ):
        problems["bloodPressureDiastolic"] = "must be lower than the systolic pressure"
    if problems:
        raise ValidationFailed("Some vital signs are not possible", fields=problems)
