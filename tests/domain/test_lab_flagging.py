"""Flagging against the demo hospital's own catalogue, table-driven: tests, sexes, age bands, critical edges.

The catalogue (db/seed/catalogue.py) is turned into the reference rows the server judges with, and each
case says what a laboratory would print next to the value.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from db.seed.catalogue import LAB_CATALOGUE
from domain.errors import ValidationFailed
from domain.lab import DESCRIPTIVE_ANALYTE_CODES
from domain.lab_results import ReferenceRange, interpret
from domain.patients import Gender


def _d(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _analyte(test_code: str, code: str) -> tuple[str | None, list[ReferenceRange]]:
    test = next(t for t in LAB_CATALOGUE if t.code == test_code)
    rows = [a for a in test.analytes if a.code == code]
    assert rows, f"{test_code} has no {code}"
    return rows[0].unit, [
        ReferenceRange(low=_d(a.ref_low), high=_d(a.ref_high), critical_low=_d(a.critical_low),
                       critical_high=_d(a.critical_high), sex=Gender(a.sex) if a.sex else None,
                       age_min_years=a.age_min, age_max_years=a.age_max)
        for a in rows
    ]


M, F, X = Gender.MALE, Gender.FEMALE, Gender.OTHER

CASES = [
    # test, analyte, value, unit, sex, age, flag
    ("ELEC", "K", "6.5", "mmol/L", M, 60, "HH"),  # the critical limit itself is critical
    ("ELEC", "K", "6.49", "mmol/L", M, 60, "H"),
    ("ELEC", "K", "6.8", "mmol/L", F, 45, "HH"),
    ("ELEC", "K", "5.1", "mmol/L", F, 45, "N"),  # the range is inclusive
    ("ELEC", "K", "2.5", "mmol/L", M, 30, "LL"),
    ("ELEC", "K", "2.51", "mmol/L", M, 30, "L"),
    ("ELEC", "NA", "120", "mmol/L", F, 80, "LL"),
    ("ELEC", "NA", "160", "mmEq/L", F, 80, None),  # a unit that is not the analyte's: refused (below)
    ("RFT", "CREAT", "1.2", "mg/dL", M, 40, "N"),
    ("RFT", "CREAT", "1.2", "mg/dL", F, 40, "H"),  # women have the lower range
    ("RFT", "CREAT", "0.9", "mg/dL", M, 8, "H"),  # a child's band: 0.3-0.7
    ("RFT", "CREAT", "0.5", "mg/dL", F, 8, "N"),
    ("RFT", "CREAT", "0.5", "mg/dL", M, 0, "H"),  # an infant's band: 0.2-0.4
    ("CBC", "HB", "12.5", "g/dL", M, 30, "L"),
    ("CBC", "HB", "12.5", "g/dL", F, 30, "N"),
    ("CBC", "HB", "10.5", "g/dL", F, 3, "L"),  # 1-5 years: 11.0-14.0
    ("CBC", "HB", "11.2", "g/dL", M, 3, "N"),
    ("CBC", "HB", "11.2", "g/dL", M, 9, "L"),  # 6-12 years: 11.5-15.5
    ("CBC", "HB", "13.2", "g/dL", X, 30, "N"),  # sex not male or female: abnormal only if abnormal for both
    ("CBC", "HB", "11.9", "g/dL", X, 30, "L"),
    ("CBC", "HB", "7.0", "g/dL", F, 3, "LL"),  # critical limits hold in every band
    ("CBC", "WBC", "16", "10^3/µL", M, 2, "H"),
    ("CBC", "WBC", "16", "10^9/L", M, 0, "N"),  # 10^9/L is 10^3/µL
    ("CBC", "WBC", "30", "x10E3/uL", F, 50, "HH"),
    ("CBC", "PLT", "20", "10^3/µL", M, 50, "LL"),
    ("CBC", "PLT", ">1000", "10^3/µL", M, 50, "HH"),
    ("CBC", "ANC", "0.4", "10^3/µL", F, 50, "LL"),
    ("LFT", "ALP", "300", "U/L", M, 10, "N"),  # growing bones: 100-390
    ("LFT", "ALP", "300", "IU/L", M, 40, "H"),
    ("LIPID", "HDL", "45", "mg/dL", M, 50, "N"),
    ("LIPID", "HDL", "45", "mg/dL", F, 50, "L"),
    ("TROP", "HSTNI", "20", "ng/L", M, 60, "N"),
    ("TROP", "HSTNI", "20", "pg/mL", F, 60, "H"),
    ("TROP", "HSTNI", "64", "ng/L", F, 60, "HH"),
    ("CRP", "CRP", "<0.5", "mg/L", F, 30, "N"),
    ("COAG", "INR", "5.0", None, M, 70, "HH"),
    ("FBS", "GLU", "39", "mg/dL", M, 70, "LL"),
    ("FBS", "GLU", "100", "mg/dL", M, 70, "H"),
    ("DENGUE", "NS1", "Positive", None, F, 20, "ABNORMAL"),
    ("MPAG", "MPAG", "NEGATIVE", None, F, 20, "N"),
    ("URINE", "PROT", "++", None, M, 40, "ABNORMAL"),
    ("URINE", "UGLU", "Nil", None, M, 40, "N"),
    ("URINE", "COLOUR", "Straw", None, M, 40, None),
]


@pytest.mark.parametrize(("test", "code", "value", "unit", "sex", "age", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[4].value}-{c[5]}y" for c in CASES])
def test_the_server_flags_from_the_catalogue(test, code, value, unit, sex, age, expected):
    analyte_unit, ranges = _analyte(test, code)
    if unit == "mmEq/L":
        with pytest.raises(ValidationFailed) as refused:
            interpret(value, unit=unit, analyte_unit=analyte_unit, ranges=ranges, sex=sex, age_years=age)
        assert set(refused.value.fields) == {"unit"}
        return
    result = interpret(value, unit=unit, analyte_unit=analyte_unit, ranges=ranges, sex=sex, age_years=age,
                       descriptive=code in DESCRIPTIVE_ANALYTE_CODES)
    assert (result.flag.value if result.flag else None) == expected


def test_every_catalogue_row_is_consistent():
    for test in LAB_CATALOGUE:
        for a in test.analytes:
            low, high, crit_low, crit_high = _d(a.ref_low), _d(a.ref_high), _d(a.critical_low), _d(a.critical_high)
            if low is not None and high is not None:
                assert low <= high, (test.code, a.code)
            if crit_low is not None and low is not None:
                assert crit_low < low, (test.code, a.code)
            if crit_high is not None and high is not None:
                assert crit_high > high, (test.code, a.code)
            if a.age_min is not None and a.age_max is not None:
                assert a.age_min <= a.age_max
