"""Lab results, table by table: reading values, choosing ranges by sex and age, flags at every edge, units.

The catalogue rows come from the demo hospital's catalogue, so its ranges and critical limits are checked too.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from db.seed.catalogue import LAB_CATALOGUE, AnalyteSpec
from domain.errors import InvalidTransition, PermissionDenied, ValidationFailed
from domain.lab import LabOrderStatus, ResultFlag
from domain.lab_results import (
    LAB_ORDER_TRANSITIONS,
    NORMAL_QUALITATIVE,
    REASON_REQUIRED,
    CensoredResult,
    Comparator,
    NumericResult,
    Qualitative,
    QualitativeResult,
    ReferenceRange,
    ReportedValue,
    TextResult,
    TitreResult,
    check_lab_order_transition,
    check_unit,
    choose_range,
    ensure_second_person,
    flag,
    interpret,
    normalise_unit,
    parse_result,
    same_unit,
)
from domain.patients import Gender

M, F, OTHER = Gender.MALE, Gender.FEMALE, Gender.OTHER
N, L, H, LL, HH, A = ResultFlag.N, ResultFlag.L, ResultFlag.H, ResultFlag.LL, ResultFlag.HH, ResultFlag.ABNORMAL


def dec(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def reference(spec: AnalyteSpec) -> ReferenceRange:
    return ReferenceRange(
        low=dec(spec.ref_low),
        high=dec(spec.ref_high),
        critical_low=dec(spec.critical_low),
        critical_high=dec(spec.critical_high),
        sex=Gender(spec.sex) if spec.sex else None,
        age_min_years=spec.age_min,
        age_max_years=spec.age_max,
    )


CATALOGUE: dict[tuple[str, str], list[ReferenceRange]] = {}
UNITS: dict[tuple[str, str], str | None] = {}
for _test in LAB_CATALOGUE:
    for _spec in _test.analytes:
        CATALOGUE.setdefault((_test.code, _spec.code), []).append(reference(_spec))
        UNITS[(_test.code, _spec.code)] = _spec.unit


def catalogue_flag(test: str, analyte: str, raw: str, sex: Gender | None = M, age: int = 40) -> ResultFlag | None:
    return interpret(
        raw,
        unit=None,
        analyte_unit=UNITS[(test, analyte)],
        ranges=CATALOGUE[(test, analyte)],
        sex=sex,
        age_years=age,
    ).flag


# ---------------------------------------------------------------- reading values


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("4.2", NumericResult(Decimal("4.2"))),
        ("  6.8 ", NumericResult(Decimal("6.8"))),
        ("0", NumericResult(Decimal("0"))),
        ("-2.5", NumericResult(Decimal("-2.5"))),
        ("+3", NumericResult(Decimal("3"))),
        (".5", NumericResult(Decimal("0.5"))),
        ("150,000", NumericResult(Decimal("150000"))),
        ("1,50,000", NumericResult(Decimal("150000"))),
        ("12,34,567.5", NumericResult(Decimal("1234567.5"))),
        ("1,000", NumericResult(Decimal("1000"))),
        ("<0.5", CensoredResult(Comparator.LT, Decimal("0.5"))),
        ("< 0.5", CensoredResult(Comparator.LT, Decimal("0.5"))),
        (">1000", CensoredResult(Comparator.GT, Decimal("1000"))),
        (">1,000", CensoredResult(Comparator.GT, Decimal("1000"))),
        ("<=3", CensoredResult(Comparator.LE, Decimal("3"))),
        ("=<3", CensoredResult(Comparator.LE, Decimal("3"))),
        ("≤3", CensoredResult(Comparator.LE, Decimal("3"))),
        (">=40", CensoredResult(Comparator.GE, Decimal("40"))),
        ("=>40", CensoredResult(Comparator.GE, Decimal("40"))),
        ("≥ 40", CensoredResult(Comparator.GE, Decimal("40"))),
        ("POSITIVE", QualitativeResult(Qualitative.POSITIVE)),
        ("positive", QualitativeResult(Qualitative.POSITIVE)),
        ("Pos", QualitativeResult(Qualitative.POSITIVE)),
        ("NEGATIVE", QualitativeResult(Qualitative.NEGATIVE)),
        ("neg", QualitativeResult(Qualitative.NEGATIVE)),
        ("REACTIVE", QualitativeResult(Qualitative.REACTIVE)),
        ("NON-REACTIVE", QualitativeResult(Qualitative.NON_REACTIVE)),
        ("Non Reactive", QualitativeResult(Qualitative.NON_REACTIVE)),
        ("non_reactive", QualitativeResult(Qualitative.NON_REACTIVE)),
        ("NONREACTIVE", QualitativeResult(Qualitative.NON_REACTIVE)),
        ("DETECTED", QualitativeResult(Qualitative.DETECTED)),
        ("NOT DETECTED", QualitativeResult(Qualitative.NOT_DETECTED)),
        ("Not-Detected", QualitativeResult(Qualitative.NOT_DETECTED)),
        ("not  detected", QualitativeResult(Qualitative.NOT_DETECTED)),
        ("TRACE", QualitativeResult(Qualitative.TRACE)),
        ("Trace", QualitativeResult(Qualitative.TRACE)),
        ("Nil", QualitativeResult(Qualitative.NIL)),
        ("Absent", QualitativeResult(Qualitative.ABSENT)),
        ("Present", QualitativeResult(Qualitative.PRESENT)),
        ("+", QualitativeResult(Qualitative.ONE_PLUS)),
        ("1+", QualitativeResult(Qualitative.ONE_PLUS)),
        ("++", QualitativeResult(Qualitative.TWO_PLUS)),
        ("2+", QualitativeResult(Qualitative.TWO_PLUS)),
        ("+++", QualitativeResult(Qualitative.THREE_PLUS)),
        ("3+", QualitativeResult(Qualitative.THREE_PLUS)),
        ("++++", QualitativeResult(Qualitative.FOUR_PLUS)),
        ("1:320", TitreResult(320)),
        ("1 : 80", TitreResult(80)),
        ("1:1", TitreResult(1)),
    ],
)
def test_readable_values(raw: str, value: ReportedValue) -> None:
    assert parse_result(raw) == value


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (NumericResult(Decimal("4.20")), "4.20"),
        (CensoredResult(Comparator.LT, Decimal("0.5")), "<0.5"),
        (CensoredResult(Comparator.GE, Decimal("40")), ">=40"),
        (QualitativeResult(Qualitative.NON_REACTIVE), "NON-REACTIVE"),
        (QualitativeResult(Qualitative.TWO_PLUS), "++"),
        (TitreResult(320), "1:320"),
        (TextResult("Pale yellow"), "Pale yellow"),
    ],
)
def test_display(value: ReportedValue, shown: str) -> None:
    assert value.display == shown


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "abc",
        "5,2",  # a decimal comma: 5.2 or 52?
        "1,5000",
        "4.2.1",
        "4.2 mmol/L",  # the unit belongs in the unit field
        "1e3",
        "NaN",
        "Infinity",
        "<",
        "<abc",
        "> ",
        "1:0",
        "2:320",
        "1:",
        "-",
        "+-",
        "POSITIVE!",
        "Pale yellow",  # text is only for descriptive analytes
        "12..5",
    ],
)
def test_unreadable_values_are_field_errors(raw: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        parse_result(raw, field="results[3].value")
    assert list(caught.value.fields) == ["results[3].value"]


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("Pale yellow", TextResult("Pale yellow")),
        ("  Slightly turbid ", TextResult("Slightly turbid")),
        ("Calcium oxalate crystals", TextResult("Calcium oxalate crystals")),
        ("Nil", QualitativeResult(Qualitative.NIL)),  # still read as the word it is
        ("1.020", NumericResult(Decimal("1.020"))),
    ],
)
def test_descriptive_analytes_take_text(raw: str, value: ReportedValue) -> None:
    assert parse_result(raw, descriptive=True) == value


@pytest.mark.parametrize("raw", ["", "x" * 201, "Pale\x00yellow"])
def test_descriptive_text_still_has_limits(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        parse_result(raw, descriptive=True)


# ---------------------------------------------------------------- flags for plain numbers

POTASSIUM = ReferenceRange(
    low=Decimal("3.5"), high=Decimal("5.1"), critical_low=Decimal("2.5"), critical_high=Decimal("6.5")
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.0", LL),
        ("2.4", LL),
        ("2.5", LL),  # critical limits are inclusive
        ("2.51", L),
        ("3.4", L),
        ("3.49", L),
        ("3.5", N),  # the normal interval is inclusive
        ("4.2", N),
        ("5.1", N),
        ("5.11", H),
        ("6.4", H),
        ("6.49", H),
        ("6.5", HH),
        ("6.8", HH),
        ("9.9", HH),
    ],
)
def test_potassium(raw: str, expected: ResultFlag) -> None:
    assert flag(parse_result(raw), POTASSIUM) is expected


@pytest.mark.parametrize(
    ("reference", "raw", "expected"),
    [
        (ReferenceRange(high=Decimal("200")), "200", N),
        (ReferenceRange(high=Decimal("200")), "201", H),
        (ReferenceRange(high=Decimal("200")), "-5", N),
        (ReferenceRange(low=Decimal("40")), "39", L),
        (ReferenceRange(low=Decimal("40")), "400", N),
        (ReferenceRange(critical_high=Decimal("5.0")), "4.9", N),
        (ReferenceRange(critical_high=Decimal("5.0")), "5.0", HH),
        (ReferenceRange(critical_low=Decimal("20")), "20", LL),
        (ReferenceRange(), "4.2", None),  # nothing to judge by
    ],
)
def test_one_sided_and_missing_limits(reference: ReferenceRange, raw: str, expected: ResultFlag | None) -> None:
    assert flag(parse_result(raw), reference) is expected


def test_no_range_at_all_is_not_flagged() -> None:
    assert flag(parse_result("4.2"), None) is None
    assert flag(parse_result("<0.5"), None) is None
    assert flag(parse_result("1:320"), None) is None


# ---------------------------------------------------------------- flags for censored values


@pytest.mark.parametrize(
    ("reference", "raw", "expected"),
    [
        # Below the limit: L or LL only if every value below it would be.
        (ReferenceRange(low=Decimal("1"), high=Decimal("5")), "<0.5", L),
        (ReferenceRange(low=Decimal("1"), high=Decimal("5")), "<1", L),
        (ReferenceRange(low=Decimal("1"), high=Decimal("5")), "<=1", N),  # could be exactly 1: normal
        (ReferenceRange(low=Decimal("1"), high=Decimal("5")), "<=0.9", L),
        (ReferenceRange(low=Decimal("1"), high=Decimal("5")), "<2", N),  # could be 1.5
        (ReferenceRange(low=Decimal("1"), high=Decimal("5"), critical_low=Decimal("0.5")), "<0.5", LL),
        (ReferenceRange(low=Decimal("1"), high=Decimal("5"), critical_low=Decimal("0.5")), "<=0.5", LL),
        (ReferenceRange(low=Decimal("1"), high=Decimal("5"), critical_low=Decimal("0.5")), "<0.6", L),
        (ReferenceRange(low=Decimal("0"), high=Decimal("34")), "<3", N),  # troponin below detection
        (ReferenceRange(high=Decimal("5")), "<0.5", N),
        (ReferenceRange(low=Decimal("1"), high=Decimal("5")), "<1000", N),  # uninformative, nothing certain
        # Above the limit: H or HH only if every value above it would be.
        (ReferenceRange(low=Decimal("0"), high=Decimal("40"), critical_high=Decimal("500")), ">1000", HH),
        (ReferenceRange(low=Decimal("0"), high=Decimal("40"), critical_high=Decimal("500")), ">500", HH),
        (ReferenceRange(low=Decimal("0"), high=Decimal("40"), critical_high=Decimal("500")), ">=500", HH),
        (ReferenceRange(low=Decimal("0"), high=Decimal("40"), critical_high=Decimal("500")), ">499", H),
        (ReferenceRange(low=Decimal("0"), high=Decimal("40")), ">40", H),
        (ReferenceRange(low=Decimal("0"), high=Decimal("40")), ">=40", N),  # could be exactly 40
        (ReferenceRange(low=Decimal("0"), high=Decimal("40")), ">=41", H),
        (ReferenceRange(low=Decimal("0"), high=Decimal("40")), ">30", N),
        (ReferenceRange(low=Decimal("40")), ">10", N),
    ],
)
def test_censored_values_are_flagged_by_what_is_certain(
    reference: ReferenceRange, raw: str, expected: ResultFlag
) -> None:
    assert flag(parse_result(raw), reference) is expected


# ---------------------------------------------------------------- qualitative results and titres


@pytest.mark.parametrize("word", list(Qualitative))
def test_qualitative_flags(word: Qualitative) -> None:
    expected = N if word in NORMAL_QUALITATIVE else A
    assert flag(QualitativeResult(word), None) is expected
    assert flag(QualitativeResult(word), POTASSIUM) is expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("NEGATIVE", N),
        ("NON-REACTIVE", N),
        ("NOT DETECTED", N),
        ("Nil", N),
        ("Absent", N),
        ("POSITIVE", A),
        ("REACTIVE", A),
        ("DETECTED", A),
        ("TRACE", A),
        ("+", A),
        ("+++", A),
        ("Present", A),
    ],
)
def test_qualitative_words(raw: str, expected: ResultFlag) -> None:
    assert flag(parse_result(raw), None) is expected


WIDAL_O = ReferenceRange(high=Decimal("80"))


@pytest.mark.parametrize(
    ("raw", "expected"), [("1:20", N), ("1:80", N), ("1:160", H), ("1:320", H)]
)
def test_titres_against_the_highest_normal_dilution(raw: str, expected: ResultFlag) -> None:
    assert flag(parse_result(raw), WIDAL_O) is expected


def test_text_is_not_flagged() -> None:
    assert flag(TextResult("Pale yellow"), POTASSIUM) is None


# ---------------------------------------------------------------- choosing the range

ADULT = ReferenceRange(low=Decimal("10"), high=Decimal("20"))
ADULT_MALE = ReferenceRange(low=Decimal("13"), high=Decimal("17"), sex=M)
ADULT_FEMALE = ReferenceRange(low=Decimal("12"), high=Decimal("15"), sex=F)
CHILD = ReferenceRange(low=Decimal("11"), high=Decimal("14"), age_min_years=1, age_max_years=12)
INFANT = ReferenceRange(low=Decimal("9"), high=Decimal("14"), age_min_years=0, age_max_years=0)
ELDERLY_MALE = ReferenceRange(low=Decimal("12"), high=Decimal("16"), sex=M, age_min_years=65)
BANDED_MALE = ReferenceRange(low=Decimal("13.5"), high=Decimal("17.5"), sex=M, age_min_years=18, age_max_years=64)


@pytest.mark.parametrize(
    ("ranges", "sex", "age", "expected"),
    [
        ([ADULT], M, 40, ADULT),
        ([ADULT], None, 40, ADULT),
        ([ADULT, ADULT_MALE, ADULT_FEMALE], M, 40, ADULT_MALE),
        ([ADULT, ADULT_MALE, ADULT_FEMALE], F, 40, ADULT_FEMALE),
        ([ADULT, ADULT_MALE, ADULT_FEMALE], OTHER, 40, ADULT),
        ([ADULT, ADULT_MALE, ADULT_FEMALE], None, 40, ADULT),
        ([ADULT_MALE, ADULT_FEMALE, CHILD], M, 10, CHILD),  # an age band beats sex alone
        ([ADULT_MALE, ADULT_FEMALE, CHILD], F, 12, CHILD),  # the band includes its upper edge
        ([ADULT_MALE, ADULT_FEMALE, CHILD], F, 13, ADULT_FEMALE),
        ([ADULT_MALE, ADULT_FEMALE, CHILD, INFANT], M, 0, INFANT),
        ([ADULT_MALE, ADULT_FEMALE, CHILD, INFANT], M, 1, CHILD),
        ([ADULT_MALE, ELDERLY_MALE, BANDED_MALE], M, 64, BANDED_MALE),
        ([ADULT_MALE, ELDERLY_MALE, BANDED_MALE], M, 65, ELDERLY_MALE),
        ([ADULT_MALE, ELDERLY_MALE, BANDED_MALE], M, 17, ADULT_MALE),
        ([ADULT_FEMALE], M, 40, None),
        ([CHILD], M, 40, None),
        ([], F, 40, None),
    ],
)
def test_choose_range_most_specific_wins(
    ranges: list[ReferenceRange], sex: Gender | None, age: int, expected: ReferenceRange | None
) -> None:
    assert choose_range(ranges, sex, age) == expected


def test_first_of_equally_specific_rows_wins() -> None:
    first = ReferenceRange(low=Decimal("1"), sex=M)
    second = ReferenceRange(low=Decimal("2"), sex=M)
    assert choose_range([first, second], M, 30) is first


@pytest.mark.parametrize("sex", [OTHER, None])
def test_unknown_sex_merges_male_and_female_rows(sex: Gender | None) -> None:
    male = ReferenceRange(
        low=Decimal("13"), high=Decimal("17"), critical_low=Decimal("7"), critical_high=Decimal("20"), sex=M
    )
    female = ReferenceRange(
        low=Decimal("12"), high=Decimal("15"), critical_low=Decimal("6.5"), critical_high=Decimal("21"), sex=F
    )
    merged = choose_range([male, female], sex, 30)
    assert merged == ReferenceRange(
        low=Decimal("12"), high=Decimal("17"), critical_low=Decimal("7"), critical_high=Decimal("20")
    )


def test_unknown_sex_merge_keeps_open_ends_open() -> None:
    male = ReferenceRange(low=Decimal("40"), sex=M)
    female = ReferenceRange(low=Decimal("50"), high=Decimal("90"), sex=F)
    assert choose_range([male, female], OTHER, 30) == ReferenceRange(low=Decimal("40"), high=None)


def test_negative_age_is_refused() -> None:
    with pytest.raises(ValueError):
        choose_range([ADULT], M, -1)


@pytest.mark.parametrize(
    ("reference", "shown"),
    [
        (POTASSIUM, "3.5-5.1"),
        (ReferenceRange(high=Decimal("200")), "<200"),
        (ReferenceRange(low=Decimal("40")), ">40"),
        (ReferenceRange(critical_high=Decimal("5")), ""),
    ],
)
def test_range_display(reference: ReferenceRange, shown: str) -> None:
    assert reference.display == shown


# ---------------------------------------------------------------- the hospital's catalogue


@pytest.mark.parametrize(
    ("test", "analyte", "raw", "sex", "age", "expected"),
    [
        ("ELEC", "K", "6.8", M, 60, HH),  # the potassium of the issue
        ("ELEC", "K", "6.5", F, 60, HH),
        ("ELEC", "K", "6.4", F, 60, H),
        ("ELEC", "K", "2.5", M, 60, LL),
        ("ELEC", "K", "<2.0", M, 60, LL),
        ("ELEC", "NA", "160", M, 60, HH),
        ("ELEC", "NA", "120", M, 60, LL),
        ("ELEC", "NA", "134", M, 60, L),
        ("CBC", "HB", "12.5", M, 30, L),
        ("CBC", "HB", "12.5", F, 30, N),
        ("CBC", "HB", "12.5", OTHER, 30, N),  # merged: normal for a woman, so not flagged low
        ("CBC", "HB", "15.5", F, 30, H),
        ("CBC", "HB", "15.5", OTHER, 30, N),
        ("CBC", "HB", "7.0", OTHER, 30, LL),
        ("CBC", "HB", "7.0", F, 30, LL),
        ("CBC", "HB", "7.1", F, 30, L),
        ("CBC", "HB", "20.0", M, 30, HH),
        ("CBC", "PLT", "20", F, 30, LL),
        ("CBC", "PLT", "1000", F, 30, HH),
        ("CBC", "PLT", "149", F, 30, L),
        ("CBC", "WBC", ">30", M, 30, HH),
        ("CBC", "NEUT", "85", M, 30, H),
        ("CBC", "BASO", "0", M, 30, N),
        ("TROP", "HSTNI", "<3", F, 55, N),
        ("TROP", "HSTNI", "20", F, 55, H),
        ("TROP", "HSTNI", "20", M, 55, N),
        ("TROP", "HSTNI", "64", M, 55, HH),
        ("TROP", "HSTNI", ">50000", M, 55, HH),
        ("COAG", "INR", "5.0", M, 70, HH),
        ("COAG", "INR", "4.9", M, 70, H),
        ("LIPID", "HDL", "45", M, 50, N),
        ("LIPID", "HDL", "45", F, 50, L),
        ("LIPID", "CHOL", "240", F, 50, H),
        ("FBS", "GLU", "40", M, 50, LL),
        ("FBS", "GLU", "450", M, 50, HH),
        ("FBS", "GLU", ">600", M, 50, HH),
        ("RBS", "GLU", "140", M, 50, N),
        ("RBS", "GLU", "141", M, 50, H),
        ("URINE", "PROT", "Trace", F, 25, A),
        ("URINE", "UGLU", "Nil", F, 25, N),
        ("URINE", "PH", "6.0", F, 25, N),
        ("DENGUE", "NS1", "POSITIVE", M, 20, A),
        ("DENGUE", "NS1", "NEGATIVE", M, 20, N),
        ("MPAG", "MPAG", "NOT DETECTED", M, 20, N),
    ],
)
def test_catalogue_flags(test: str, analyte: str, raw: str, sex: Gender, age: int, expected: ResultFlag) -> None:
    assert catalogue_flag(test, analyte, raw, sex, age) is expected


def _edge_rows() -> list[tuple[str, str, Gender, int, str, ResultFlag]]:
    rows: list[tuple[str, str, Gender, int, str, ResultFlag]] = []
    step = Decimal("0.01")
    for (test, analyte), ranges in CATALOGUE.items():
        for each in ranges:
            sex = each.sex or M
            # An adult for the unbanded rows; the youngest age of a band for a child's row.
            age = each.age_min_years if each.age_min_years is not None else 40
            if each.low is not None:
                rows.append((test, analyte, sex, age, str(each.low), N))
                below = each.low - step
                if each.critical_low is None or below > each.critical_low:
                    rows.append((test, analyte, sex, age, str(below), L))
            if each.high is not None:
                rows.append((test, analyte, sex, age, str(each.high), N))
                above = each.high + step
                if each.critical_high is None or above < each.critical_high:
                    rows.append((test, analyte, sex, age, str(above), H))
            if each.critical_low is not None:
                rows.append((test, analyte, sex, age, str(each.critical_low), LL))
                rows.append((test, analyte, sex, age, str(each.critical_low + step), L))
            if each.critical_high is not None:
                rows.append((test, analyte, sex, age, str(each.critical_high), HH))
                rows.append((test, analyte, sex, age, str(each.critical_high - step), H))
    return rows


@pytest.mark.parametrize(("test", "analyte", "sex", "age", "raw", "expected"), _edge_rows())
def test_every_catalogue_edge(test: str, analyte: str, sex: Gender, age: int, raw: str, expected: ResultFlag) -> None:
    assert catalogue_flag(test, analyte, raw, sex, age) is expected


def test_the_edge_table_covers_the_catalogue() -> None:
    rows = _edge_rows()
    assert len(rows) > 150
    assert {(t, a) for t, a, *_ in rows} >= {("ELEC", "K"), ("CBC", "HB"), ("TROP", "HSTNI"), ("COAG", "INR")}


# ---------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("mmol/L", "mmol/L"),
        ("mmol/l", "mmol/L"),
        ("MMOL/L", "mmol/L"),
        (" mmol / L ", "mmol/L"),
        ("10^9/L", "10^3/µL"),
        ("x10^9/L", "10^3/µL"),
        ("\u00d710⁹/L", "10^3/µL"),  # multiplication sign, superscript nine
        ("10*9/L", "10^3/µL"),
        ("10E9/L", "10^3/µL"),
        ("10^3/uL", "10^3/µL"),
        ("10^3/μL", "10^3/µL"),  # Greek mu
        ("K/uL", "10^3/µL"),
        ("thou/cumm", "10^3/µL"),
        ("10^3/mm3", "10^3/µL"),
        ("10^12/L", "10^6/µL"),
        ("mill/cumm", "10^6/µL"),
        ("uIU/mL", "µIU/mL"),
        ("mIU/L", "µIU/mL"),
        ("pg/mL", "ng/L"),
        ("ug/L", "ng/mL"),
        ("ug/dL", "µg/dL"),
        ("IU/L", "U/L"),
        ("g%", "g/dL"),
        ("gm/dL", "g/dL"),
        ("mg%", "mg/dL"),
        ("mm/h", "mm/hr"),
        ("mm/1st hr", "mm/hr"),
        ("sec", "s"),
        ("um3", "fL"),
        ("fl", "fL"),
        ("percent", "%"),
        ("/cu mm", "/µL"),
        (None, "mmol/L"),  # no unit sent: the catalogue's unit
        ("", "mg/dL"),
        ("", None),
        ("ratio", None),
        ("{ratio}", None),
        ("1", None),
    ],
)
def test_equivalent_unit_spellings(sent: str | None, expected: str | None) -> None:
    assert same_unit(sent, expected)


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ("mmol/L", "mg/dL"),  # glucose in the wrong unit: refused, never converted
        ("mEq/L", "mmol/L"),  # equal for sodium, not for calcium
        ("g/L", "g/dL"),
        ("mg/L", "mg/dL"),
        ("10^6/µL", "10^3/µL"),
        ("10^9/L", "10^6/µL"),
        ("ng/mL", "ng/L"),
        ("µg/dL", "µg/L"),
        ("U/L", "mU/L"),
        ("µIU/L", "µIU/mL"),
        ("%", "fL"),
        ("s", "min"),
        ("mg/dL", None),
        ("umol/L", "mmol/L"),
    ],
)
def test_different_units(sent: str, expected: str | None) -> None:
    assert not same_unit(sent, expected)


@pytest.mark.parametrize(("spelling", "canonical"), [("X10^9/l", "10^3/µl"), ("MG%", "mg/dl"), ("µL", "µl")])
def test_normalise_unit(spelling: str, canonical: str) -> None:
    assert normalise_unit(spelling) == canonical


def test_a_numeric_result_in_the_wrong_unit_is_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_unit(parse_result("5.5"), "mmol/L", "mg/dL", field="results[0].unit")
    assert "results[0].unit" in caught.value.fields
    with pytest.raises(ValidationFailed):
        check_unit(parse_result(">600"), "mmol/L", "mg/dL")


@pytest.mark.parametrize("raw", ["POSITIVE", "1:320", "++"])
def test_non_numeric_results_carry_no_unit_to_check(raw: str) -> None:
    check_unit(parse_result(raw), "mmol/L", "mg/dL")
    check_unit(TextResult("Clear"), "whatever", None)


def test_interpret_reports_value_and_unit_errors_on_their_fields() -> None:
    ranges = CATALOGUE[("FBS", "GLU")]
    with pytest.raises(ValidationFailed) as caught:
        interpret("5.5", unit="mmol/L", analyte_unit="mg/dL", ranges=ranges, sex=M, age_years=50)
    assert list(caught.value.fields) == ["unit"]
    with pytest.raises(ValidationFailed) as caught:
        interpret("high", unit="mg/dL", analyte_unit="mg/dL", ranges=ranges, sex=M, age_years=50, field="glucose")
    assert list(caught.value.fields) == ["glucose"]


def test_interpretation_is_critical_and_abnormal() -> None:
    ranges = CATALOGUE[("ELEC", "K")]
    critical = interpret("6.8", unit="mmol/l", analyte_unit="mmol/L", ranges=ranges, sex=F, age_years=70)
    assert (critical.flag, critical.is_critical, critical.is_abnormal) == (HH, True, True)
    assert critical.reference is not None and critical.reference.display == "3.5-5.1"
    normal = interpret("4.0", unit=None, analyte_unit="mmol/L", ranges=ranges, sex=F, age_years=70)
    assert (normal.flag, normal.is_critical, normal.is_abnormal) == (N, False, False)
    colour = interpret("Pale yellow", unit=None, analyte_unit=None, ranges=[], sex=F, age_years=70, descriptive=True)
    assert (colour.flag, colour.is_critical, colour.is_abnormal) == (None, False, False)


# ---------------------------------------------------------------- the order's state machine

S = LabOrderStatus
ALLOWED = {
    (S.ORDERED, S.SAMPLE_COLLECTED),
    (S.ORDERED, S.CANCELLED),
    (S.SAMPLE_COLLECTED, S.PROCESSING),
    (S.SAMPLE_COLLECTED, S.CANCELLED),
    (S.SAMPLE_COLLECTED, S.ORDERED),
    (S.PROCESSING, S.COMPLETED),
    (S.PROCESSING, S.ORDERED),
    (S.COMPLETED, S.VERIFIED),
    (S.COMPLETED, S.PROCESSING),
    (S.VERIFIED, S.REPORTED),
}


def test_the_table_is_exactly_the_allowed_moves() -> None:
    assert set(LAB_ORDER_TRANSITIONS) == set(LabOrderStatus)
    assert {(a, b) for a, targets in LAB_ORDER_TRANSITIONS.items() for b in targets} == ALLOWED
    assert REASON_REQUIRED <= ALLOWED


@pytest.mark.parametrize("current", list(LabOrderStatus))
@pytest.mark.parametrize("target", list(LabOrderStatus))
def test_check_lab_order_transition(current: LabOrderStatus, target: LabOrderStatus) -> None:
    if (current, target) in ALLOWED:
        assert check_lab_order_transition(current, target, reason="haemolysed sample") is target
    else:
        with pytest.raises(InvalidTransition) as caught:
            check_lab_order_transition(current, target, reason="haemolysed sample")
        assert caught.value.current_state == current.value


def test_the_happy_path() -> None:
    status = S.ORDERED
    for target in (S.SAMPLE_COLLECTED, S.PROCESSING, S.COMPLETED, S.VERIFIED, S.REPORTED):
        status = check_lab_order_transition(status, target)
    assert status is S.REPORTED


@pytest.mark.parametrize(("current", "target"), sorted(REASON_REQUIRED))
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_cancelling_rejecting_and_rerunning_need_a_reason(
    current: LabOrderStatus, target: LabOrderStatus, reason: str | None
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_lab_order_transition(current, target, reason=reason)
    assert list(caught.value.fields) == ["reason"]


@pytest.mark.parametrize("current", [S.PROCESSING, S.COMPLETED, S.VERIFIED, S.REPORTED])
def test_no_cancelling_once_processing(current: LabOrderStatus) -> None:
    with pytest.raises(InvalidTransition) as caught:
        check_lab_order_transition(current, S.CANCELLED, reason="doctor changed the plan")
    assert "no longer be cancelled" in caught.value.detail


def test_verification_needs_a_second_person() -> None:
    technician, pathologist = uuid4(), uuid4()
    ensure_second_person(technician, pathologist)
    with pytest.raises(PermissionDenied):
        ensure_second_person(technician, technician)
