"""Lab result interpretation: reading reported values, choosing the reference range, flagging, units, order states.

The server decides L/H/LL/HH from the catalogue here; an analyzer's or a client's own flag is only advisory.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from types import MappingProxyType
from uuid import UUID

from domain.errors import InvalidTransition, PermissionDenied, ValidationFailed
from domain.lab import LabOrderStatus, QualityControlStatus, ResultFlag
from domain.patients import Gender

# ---------------------------------------------------------------- reading a reported value


class Comparator(StrEnum):
    """The sign in front of a censored value: the analyzer only knows the value is beyond its limit."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


class Qualitative(StrEnum):
    """The words and grades a qualitative result may be reported in (value as printed on the report)."""

    POSITIVE = "POSITIVE"
    NEGATIVE = "NEGATIVE"
    REACTIVE = "REACTIVE"
    NON_REACTIVE = "NON-REACTIVE"
    DETECTED = "DETECTED"
    NOT_DETECTED = "NOT DETECTED"
    PRESENT = "PRESENT"
    ABSENT = "ABSENT"
    NIL = "NIL"  # how Indian urine reports write "none found" (sugar: Nil)
    TRACE = "TRACE"
    ONE_PLUS = "+"
    TWO_PLUS = "++"
    THREE_PLUS = "+++"
    FOUR_PLUS = "++++"


# Qualitative results that mean "nothing found"; every other one is flagged ABNORMAL.
NORMAL_QUALITATIVE: frozenset[Qualitative] = frozenset(
    {Qualitative.NEGATIVE, Qualitative.NON_REACTIVE, Qualitative.NOT_DETECTED, Qualitative.ABSENT, Qualitative.NIL}
)

# Spellings seen on analyzers and in hand entry, after upper-casing and turning - and _ between letters
# into spaces.
_QUALITATIVE_SPELLINGS: Mapping[str, Qualitative] = MappingProxyType(
    {
        "POSITIVE": Qualitative.POSITIVE,
        "POS": Qualitative.POSITIVE,
        "NEGATIVE": Qualitative.NEGATIVE,
        "NEG": Qualitative.NEGATIVE,
        "REACTIVE": Qualitative.REACTIVE,
        "NON REACTIVE": Qualitative.NON_REACTIVE,
        "NONREACTIVE": Qualitative.NON_REACTIVE,
        "DETECTED": Qualitative.DETECTED,
        "NOT DETECTED": Qualitative.NOT_DETECTED,
        "NOTDETECTED": Qualitative.NOT_DETECTED,
        "PRESENT": Qualitative.PRESENT,
        "ABSENT": Qualitative.ABSENT,
        "NIL": Qualitative.NIL,
        "TRACE": Qualitative.TRACE,
        "+": Qualitative.ONE_PLUS,
        "1+": Qualitative.ONE_PLUS,
        "++": Qualitative.TWO_PLUS,
        "2+": Qualitative.TWO_PLUS,
        "+++": Qualitative.THREE_PLUS,
        "3+": Qualitative.THREE_PLUS,
        "++++": Qualitative.FOUR_PLUS,
        "4+": Qualitative.FOUR_PLUS,
    }
)

_NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"
_NUMBER_PATTERN = re.compile(_NUMBER)
# Thousands separators in the Western (150,000) or the Indian (1,50,000) way, never a decimal comma.
_GROUPED_PATTERN = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,2}(?:,\d{2})*,\d{3})(?:\.\d+)?")
_CENSORED_PATTERN = re.compile(r"(<=|>=|=<|=>|≤|≥|<|>)\s*(\S+)")
_TITRE_PATTERN = re.compile(r"1\s*:\s*(\d+)")
_WORD_JOINER = re.compile(r"(?<=[A-Z])[-_](?=[A-Z])")  # NON-REACTIVE, not_detected
_COMPARATOR_SPELLINGS: Mapping[str, Comparator] = MappingProxyType(
    {
        "<": Comparator.LT,
        "<=": Comparator.LE,
        "=<": Comparator.LE,
        "≤": Comparator.LE,
        ">": Comparator.GT,
        ">=": Comparator.GE,
        "=>": Comparator.GE,
        "≥": Comparator.GE,
    }
)
MAX_TEXT_RESULT_CHARS = 200


@dataclass(frozen=True, slots=True)
class NumericResult:
    value: Decimal

    @property
    def display(self) -> str:
        return str(self.value)


@dataclass(frozen=True, slots=True)
class CensoredResult:
    """`<0.5`, `>1000`: the true value lies beyond `limit` on the comparator's side."""

    comparator: Comparator
    limit: Decimal

    @property
    def display(self) -> str:
        return f"{self.comparator.value}{self.limit}"


@dataclass(frozen=True, slots=True)
class QualitativeResult:
    result: Qualitative

    @property
    def display(self) -> str:
        return self.result.value


@dataclass(frozen=True, slots=True)
class TitreResult:
    """`1:320`: positive up to a dilution of 1 in `dilution`."""

    dilution: int

    @property
    def display(self) -> str:
        return f"1:{self.dilution}"


@dataclass(frozen=True, slots=True)
class TextResult:
    """A descriptive finding ("Pale yellow", "Calcium oxalate crystals"), only for descriptive analytes."""

    text: str

    @property
    def display(self) -> str:
        return self.text


ReportedValue = NumericResult | CensoredResult | QualitativeResult | TitreResult | TextResult


def _parse_number(text: str) -> Decimal | None:
    if _GROUPED_PATTERN.fullmatch(text):
        text = text.replace(",", "")
    if not _NUMBER_PATTERN.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern only lets plain decimals through
        return None


def parse_result(raw: str, *, field: str = "value", descriptive: bool = False) -> ReportedValue:
    """Read a reported value: a number, a censored number (`<0.5`, `>=1000`, `≤`, `≥`), a qualitative word or
    grade (POSITIVE, NON-REACTIVE, NOT DETECTED, TRACE, ++), or a titre (`1:320`).

    A `descriptive` analyte (colour, appearance, crystals) also takes free text. Anything else is refused
    with ValidationFailed naming `field`. Numbers may carry thousands separators (`1,50,000`), never a
    decimal comma (`5,2` is refused: it could be 5.2 or 52).
    """
    text = unicodedata.normalize("NFKC", raw).strip()
    if not text:
        raise ValidationFailed(fields={field: "is empty"})
    number = _parse_number(text)
    if number is not None:
        return NumericResult(number)
    censored = _CENSORED_PATTERN.fullmatch(text)
    if censored is not None:
        limit = _parse_number(censored.group(2))
        if limit is None:
            raise ValidationFailed(fields={field: f"{text!r} has a comparator but no readable number after it"})
        return CensoredResult(_COMPARATOR_SPELLINGS[censored.group(1)], limit)
    titre = _TITRE_PATTERN.fullmatch(text)
    if titre is not None:
        dilution = int(titre.group(1))
        if dilution < 1:
            raise ValidationFailed(fields={field: f"{text!r} is not a possible titre"})
        return TitreResult(dilution)
    word = " ".join(_WORD_JOINER.sub(" ", text.upper()).split())
    qualitative = _QUALITATIVE_SPELLINGS.get(word)
    if qualitative is not None:
        return QualitativeResult(qualitative)
    if descriptive:
        if len(text) > MAX_TEXT_RESULT_CHARS:
            raise ValidationFailed(fields={field: f"is longer than {MAX_TEXT_RESULT_CHARS} characters"})
        if any(unicodedata.category(ch) == "Cc" for ch in text):
            raise ValidationFailed(fields={field: "contains control characters"})
        return TextResult(text)
    raise ValidationFailed(
        fields={
            field: f"{text!r} is not a readable result: expected a number, <x or >x, a titre like 1:320, "
            "or POSITIVE/NEGATIVE/REACTIVE/NON-REACTIVE/DETECTED/NOT DETECTED/TRACE/+ to ++++"
        }
    )


# ---------------------------------------------------------------- reference ranges


@dataclass(frozen=True, slots=True)
class ReferenceRange:
    """One catalogue row of an analyte: the normal interval, the critical limits, and whom it applies to.

    Normal is `low <= value <= high` (either end may be open). Critical limits are inclusive: a value
    equal to `critical_low` is LL, equal to `critical_high` is HH. `sex` None applies to everyone; the
    age band `age_min_years <= age <= age_max_years` may be open at either end.
    """

    low: Decimal | None = None
    high: Decimal | None = None
    critical_low: Decimal | None = None
    critical_high: Decimal | None = None
    sex: Gender | None = None
    age_min_years: int | None = None
    age_max_years: int | None = None

    def applies_to(self, sex: Gender | None, age_years: int) -> bool:
        return (
            (self.sex is None or self.sex == sex)
            and (self.age_min_years is None or age_years >= self.age_min_years)
            and (self.age_max_years is None or age_years <= self.age_max_years)
        )

    @property
    def display(self) -> str:
        """The range as printed on a report: `3.5-5.1`, `<200`, `>40`, or empty."""
        if self.low is not None and self.high is not None:
            return f"{self.low}-{self.high}"
        if self.high is not None:
            return f"<{self.high}"
        if self.low is not None:
            return f">{self.low}"
        return ""

    @property
    def has_limits(self) -> bool:
        return any(v is not None for v in (self.low, self.high, self.critical_low, self.critical_high))


def _specificity(reference: ReferenceRange) -> tuple[int, float]:
    criteria = sum(v is not None for v in (reference.sex, reference.age_min_years, reference.age_max_years))
    if reference.age_min_years is None or reference.age_max_years is None:
        span = float("inf")
    else:
        span = float(reference.age_max_years - reference.age_min_years)
    return (criteria, -span)


def _most_specific(ranges: Sequence[ReferenceRange]) -> ReferenceRange | None:
    best: ReferenceRange | None = None
    for candidate in ranges:  # the first of equally specific rows wins (catalogue display order)
        if best is None or _specificity(candidate) > _specificity(best):
            best = candidate
    return best


def _merge_for_unknown_sex(ranges: Sequence[ReferenceRange]) -> ReferenceRange:
    # Abnormal only if abnormal for everyone; critical if critical for anyone.
    lows = [r.low for r in ranges]
    highs = [r.high for r in ranges]
    critical_lows = [r.critical_low for r in ranges if r.critical_low is not None]
    critical_highs = [r.critical_high for r in ranges if r.critical_high is not None]
    return ReferenceRange(
        low=None if any(v is None for v in lows) else min(v for v in lows if v is not None),
        high=None if any(v is None for v in highs) else max(v for v in highs if v is not None),
        critical_low=max(critical_lows) if critical_lows else None,
        critical_high=min(critical_highs) if critical_highs else None,
    )


def choose_range(ranges: Sequence[ReferenceRange], sex: Gender | None, age_years: int) -> ReferenceRange | None:
    """The reference range of an analyte for a patient of `sex` and `age_years`, or None if none applies.

    Of the rows that apply, the most specific wins: the most criteria set (sex, lower age, upper age),
    then the narrowest age band, then the first listed. A patient whose sex is OTHER or not recorded,
    for an analyte with only male and female rows, gets them merged: flagged abnormal only when abnormal
    for both, critical when critical for either.
    """
    if age_years < 0:
        raise ValueError("age cannot be negative")
    chosen = _most_specific([r for r in ranges if r.applies_to(sex, age_years)])
    if chosen is not None or sex in (Gender.MALE, Gender.FEMALE):
        return chosen
    per_sex = [
        pick
        for each in (Gender.MALE, Gender.FEMALE)
        if (pick := _most_specific([r for r in ranges if r.sex == each and r.applies_to(each, age_years)]))
        is not None
    ]
    return _merge_for_unknown_sex(per_sex) if per_sex else None


# ---------------------------------------------------------------- flagging


def _flag_number(value: Decimal, reference: ReferenceRange) -> ResultFlag:
    if reference.critical_low is not None and value <= reference.critical_low:
        return ResultFlag.LL
    if reference.critical_high is not None and value >= reference.critical_high:
        return ResultFlag.HH
    if reference.low is not None and value < reference.low:
        return ResultFlag.L
    if reference.high is not None and value > reference.high:
        return ResultFlag.H
    return ResultFlag.N


def _flag_censored(value: CensoredResult, reference: ReferenceRange) -> ResultFlag:
    # Flag only what is certain: the least severe flag any value on that side of the limit could have.
    if value.comparator in (Comparator.LT, Comparator.LE):
        if reference.critical_low is not None and value.limit <= reference.critical_low:
            return ResultFlag.LL
        below_low = reference.low is not None and (
            value.limit <= reference.low if value.comparator is Comparator.LT else value.limit < reference.low
        )
        return ResultFlag.L if below_low else ResultFlag.N
    if reference.critical_high is not None and value.limit >= reference.critical_high:
        return ResultFlag.HH
    above_high = reference.high is not None and (
        value.limit >= reference.high if value.comparator is Comparator.GT else value.limit > reference.high
    )
    return ResultFlag.H if above_high else ResultFlag.N


def flag(value: ReportedValue, reference: ReferenceRange | None) -> ResultFlag | None:
    """The server's flag for a result: N, L, H, LL, HH or ABNORMAL; None when there is nothing to judge by.

    - numbers against the range (normal inclusive) and the critical limits (inclusive), LL/HH first;
    - censored values by what is certain: `<0.5` with a normal low of 1 is L, with a critical low of 0.5
      LL; `>1000` with a critical high of 500 is HH; `<3` with a range of 0-34 is N;
    - titres by their dilution against the range (`high` 80 means up to 1:80 is normal);
    - qualitative results: NEGATIVE, NON-REACTIVE, NOT DETECTED, ABSENT, NIL are N, every other ABNORMAL;
    - free text, and numbers with no range or limits, are not flagged (None).
    """
    if isinstance(value, QualitativeResult):
        return ResultFlag.N if value.result in NORMAL_QUALITATIVE else ResultFlag.ABNORMAL
    if isinstance(value, TextResult) or reference is None or not reference.has_limits:
        return None
    if isinstance(value, NumericResult):
        return _flag_number(value.value, reference)
    if isinstance(value, TitreResult):
        return _flag_number(Decimal(value.dilution), reference)
    return _flag_censored(value, reference)


# ---------------------------------------------------------------- units

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPT_RUN = re.compile("[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
# "u" standing for micro before litre, gram, mole or international unit ("uL", "ug/dL", "umol/L", "uIU/mL").
_ASCII_MICRO = re.compile(r"(?<![a-z])u(?=l\b|l/|g|mol|iu|m\^?3)")
_POWER_OF_TEN = re.compile(r"(?:^|(?<=/))(?:x|\*)?10(?:\^|\*|e)(\d+)")

# Spellings that are the same unit, after normalising (see `normalise_unit`); the first of each is the
# canonical one. Only true identities: mmol/L and mEq/L are equal for sodium but not for calcium, so
# they are not here; neither are mg/dL and mmol/L (a conversion, which the laboratory never does).
_EQUIVALENT_UNITS: tuple[tuple[str, ...], ...] = (
    ("10^3/µl", "10^9/l", "k/µl", "thou/µl", "10^3/mm^3", "10^3/cumm", "thou/cumm"),
    ("10^6/µl", "10^12/l", "m/µl", "mill/µl", "10^6/mm^3", "10^6/cumm", "mill/cumm"),
    ("/µl", "/mm^3", "/cumm", "cells/µl", "cells/cumm"),
    ("µiu/ml", "miu/l"),
    ("ng/ml", "µg/l"),
    ("ng/l", "pg/ml"),
    ("mg/l", "µg/ml"),
    ("u/l", "iu/l"),
    ("g/dl", "gm/dl", "gm%", "g%"),
    ("mg/dl", "mg%"),
    ("mm/hr", "mm/h", "mm/1sthr"),
    ("s", "sec", "secs", "seconds"),
    ("fl", "µm^3"),
    ("%", "percent"),
)
_CANONICAL_UNIT: Mapping[str, str] = MappingProxyType(
    {spelling: group[0] for group in _EQUIVALENT_UNITS for spelling in group}
)
# How a result with no unit may be labelled (INR, specific gravity, pH).
_UNITLESS = frozenset({"", "1", "{ratio}", "ratio", "{index}", "index"})


def normalise_unit(unit: str | None) -> str:
    """A unit spelling reduced for comparison: case folded, no spaces, one micro sign, powers of ten as `10^n`.

    Case is folded because no laboratory unit differs from another only by case (mU/L and MU/L would,
    but mega-units are never reported). Equivalent spellings map to one canonical spelling.
    """
    if unit is None:
        return ""
    text = "".join(unicodedata.normalize("NFC", unit).split()).casefold()
    text = text.replace("\u03bc", "\u00b5")  # casefold turns the micro sign into Greek mu: one micro sign
    text = _SUPERSCRIPT_RUN.sub(lambda m: "^" + m.group().translate(_SUPERSCRIPTS), text)  # 10⁹ -> 10^9
    text = text.replace("\u00d7", "x").replace("**", "^")  # multiplication sign
    text = _POWER_OF_TEN.sub(lambda m: f"10^{m.group(1)}", text)
    text = _ASCII_MICRO.sub("µ", text)
    text = re.sub(r"(?<=[mµ]m)3\b", "^3", text)  # mm3, µm3 -> mm^3, µm^3
    return _CANONICAL_UNIT.get(text, text)


def same_unit(sent: str | None, expected: str | None) -> bool:
    """True if `sent` is the analyte's unit `expected` under a safe equivalent spelling (see `normalise_unit`).

    A result sent without a unit is taken to be in the catalogue's unit.
    """
    left, right = normalise_unit(sent), normalise_unit(expected)
    if left == "":
        return True
    if right == "":
        return left in _UNITLESS
    return left == right


def check_unit(value: ReportedValue, sent_unit: str | None, analyte_unit: str | None, *, field: str = "unit") -> None:
    """Refuse a numeric or censored result sent in a unit other than the analyte's (ValidationFailed on `field`).

    Qualitative, titre and text results carry no unit to check. The laboratory never converts: a glucose
    sent in mmol/L for an analyte in mg/dL is refused, not divided.
    """
    if not isinstance(value, NumericResult | CensoredResult):
        return
    if not same_unit(sent_unit, analyte_unit):
        expected = analyte_unit or "no unit"
        raise ValidationFailed(fields={field: f"{sent_unit!r} is not the unit of this analyte ({expected})"})


# ---------------------------------------------------------------- one result, start to finish


@dataclass(frozen=True, slots=True)
class Interpretation:
    """A reported value with the range it was judged against and the server's flag."""

    value: ReportedValue
    reference: ReferenceRange | None
    flag: ResultFlag | None

    @property
    def is_abnormal(self) -> bool:
        return self.flag is not None and self.flag is not ResultFlag.N

    @property
    def is_critical(self) -> bool:
        """LL or HH: the result raises a critical-result alert to the ordering doctor."""
        return self.flag in (ResultFlag.LL, ResultFlag.HH)


def interpret(
    raw: str,
    *,
    unit: str | None,
    analyte_unit: str | None,
    ranges: Sequence[ReferenceRange],
    sex: Gender | None,
    age_years: int,
    descriptive: bool = False,
    field: str = "value",
    unit_field: str = "unit",
) -> Interpretation:
    """Read `raw`, check its unit, choose the patient's range and flag it; ValidationFailed on a bad value or unit."""
    value = parse_result(raw, field=field, descriptive=descriptive)
    check_unit(value, unit, analyte_unit, field=unit_field)
    reference = choose_range(ranges, sex, age_years)
    return Interpretation(value=value, reference=reference, flag=flag(value, reference))


# ---------------------------------------------------------------- the order's state machine

L = LabOrderStatus

# ORDERED -> SAMPLE_COLLECTED -> PROCESSING -> COMPLETED (results entered) -> VERIFIED -> REPORTED, plus:
# cancelled until processing starts; a rejected sample (haemolysed, clotted, too little) sends the order
# back to ORDERED for a new sample; a verifier may send entered results back to PROCESSING for a rerun.
LAB_ORDER_TRANSITIONS: Mapping[LabOrderStatus, frozenset[LabOrderStatus]] = MappingProxyType(
    {
        L.ORDERED: frozenset({L.SAMPLE_COLLECTED, L.CANCELLED}),
        L.SAMPLE_COLLECTED: frozenset({L.PROCESSING, L.CANCELLED, L.ORDERED}),
        L.PROCESSING: frozenset({L.COMPLETED, L.ORDERED}),
        L.COMPLETED: frozenset({L.VERIFIED, L.PROCESSING}),
        L.VERIFIED: frozenset({L.REPORTED}),
        L.REPORTED: frozenset(),
        L.CANCELLED: frozenset(),
    }
)

# Moves that must say why: cancelling, rejecting a sample, sending results back for a rerun.
REASON_REQUIRED: frozenset[tuple[LabOrderStatus, LabOrderStatus]] = frozenset(
    {
        (L.ORDERED, L.CANCELLED),
        (L.SAMPLE_COLLECTED, L.CANCELLED),
        (L.SAMPLE_COLLECTED, L.ORDERED),
        (L.PROCESSING, L.ORDERED),
        (L.COMPLETED, L.PROCESSING),
    }
)


def check_lab_order_transition(
    current: LabOrderStatus, target: LabOrderStatus, *, reason: str | None = None
) -> LabOrderStatus:
    """`target` if a lab order may move there from `current`; InvalidTransition otherwise.

    A move in `REASON_REQUIRED` without a reason is refused with ValidationFailed on `reason`.
    """
    if target not in LAB_ORDER_TRANSITIONS[current]:
        if target is L.CANCELLED and current in (L.PROCESSING, L.COMPLETED, L.VERIFIED, L.REPORTED):
            detail = f"The order is {current.value}: it can no longer be cancelled once the sample is processing"
        else:
            allowed = ", ".join(sorted(s.value for s in LAB_ORDER_TRANSITIONS[current])) or "nothing (it is closed)"
            detail = f"A lab order that is {current.value} cannot become {target.value} (it may become {allowed})"
        raise InvalidTransition(detail, current_state=current.value)
    if (current, target) in REASON_REQUIRED and not (reason and reason.strip()):
        raise ValidationFailed(fields={"reason": "is required for this change"})
    return target


def ensure_second_person(entered_by: UUID, verified_by: UUID) -> None:
    """Results are verified by someone other than the person who entered them (PermissionDenied otherwise)."""
    if entered_by == verified_by:
        raise PermissionDenied("Results must be verified by a second person, not by the one who entered them")


# ---------------------------------------------------------------- quality control (Westgard rules)


@dataclass(frozen=True, slots=True)
class QcVerdict:
    """A control run judged against its lot's target: the z-score, the rules broken and the status."""

    z_score: Decimal
    rules_violated: tuple[str, ...]
    status: QualityControlStatus


def judge_control(
    value: Decimal, target_mean: Decimal, target_sd: Decimal, previous_z: Decimal | None = None
) -> QcVerdict:
    """Westgard rules on one control value (and the previous run of the same control, for 2-2s and R-4s).

    1-3s (beyond 3 SD) rejects the run; 2-2s (two runs in a row beyond 2 SD on the same side) and R-4s
    (two runs 4 SD apart) reject it too; 1-2s alone is a warning. Anything else passes.
    """
    if target_sd <= 0:
        raise ValidationFailed(fields={"targetSd": "must be greater than 0"})
    z = ((value - target_mean) / target_sd).quantize(Decimal("0.01"))
    rules: list[str] = []
    if abs(z) > 3:
        rules.append("1-3s")
    if previous_z is not None:
        if abs(z) > 2 and abs(previous_z) > 2 and (z > 0) == (previous_z > 0):
            rules.append("2-2s")
        if abs(z - previous_z) > 4:
            rules.append("R-4s")
    if rules:
        return QcVerdict(z, tuple(rules), QualityControlStatus.FAIL)
    if abs(z) > 2:
        return QcVerdict(z, ("1-2s",), QualityControlStatus.WARNING)
    return QcVerdict(z, (), QualityControlStatus.PASS)
