"""Registration rules, table by table: phones, PIN codes, dates of birth, MRNs and duplicates.

Each table row is one way a front-desk entry can look.
"""

from __future__ import annotations

from datetime import date

import pytest

from domain.errors import ValidationFailed
from domain.registration import (
    MAX_AGE_YEARS,
    DuplicateCandidate,
    Gender,
    NewPatientIdentity,
    age_on,
    estimated_date_of_birth,
    likely_duplicates,
    next_mrn,
    normalise_name,
    normalise_phone,
    parse_mrn,
    unidentified_name,
    validate_date_of_birth,
    validate_pincode,
)

TODAY = date(2026, 3, 15)

# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    "raw",
    [
        "9876543210",
        "+91 98765 43210",
        "+919876543210",
        "+91-98765-43210",
        "09876543210",
        "0 98765 43210",
        "91 98765 43210",
        "919876543210",
        "98765-43210",
        "  98765 43210  ",
        "+91 (98765) 43210",
    ],
)
def test_indian_mobile_formats_normalise_to_plus_91(raw: str) -> None:
    assert normalise_phone(raw) == "+919876543210"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("6000000001", "+916000000001"),
        ("7012345678", "+917012345678"),
        ("8123456789", "+918123456789"),
    ],
)
def test_mobiles_starting_6_to_9_are_accepted(raw: str, normalised: str) -> None:
    assert normalise_phone(raw) == normalised


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "12345",
        "987654321",  # nine digits
        "98765432101",  # eleven digits without the trunk 0
        "5876543210",  # mobiles start with 6-9
        "+91 58765 43210",
        "1123456789",  # a landline, not a mobile
        "011-23456789",
        "0987654321",  # ten digits starting with the trunk 0
        "+14155552671",  # foreign
        "+9198765432",  # too short after +91
        "98765 4321O",  # letter O for zero
        "98765/43210",
        "९८७६५४३२१०",  # Devanagari digits
        "+",
    ],
)
def test_invalid_mobile_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        normalise_phone(raw)
    assert set(refused.value.fields) == {"phone"}


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("011-23456789", "+911123456789"),
        ("(080) 2345 6789", "+918023456789"),
        ("+91 22 2345 6789", "+912223456789"),
        ("0484 2345678", "+914842345678"),
        ("+91 98765 43210", "+919876543210"),
    ],
)
def test_emergency_contact_may_be_a_landline_with_std_code(raw: str, normalised: str) -> None:
    assert normalise_phone(raw, "emergencyContactPhone", allow_landline=True) == normalised


@pytest.mark.parametrize("raw", ["0000000000", "23456789", "+44 20 7946 0958", "011-2345678"])
def test_invalid_landlines_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed):
        normalise_phone(raw, "emergencyContactPhone", allow_landline=True)


def test_phone_error_names_the_field_it_was_given() -> None:
    with pytest.raises(ValidationFailed) as refused:
        normalise_phone("123", "emergencyContactPhone")
    assert set(refused.value.fields) == {"emergencyContactPhone"}


def test_mobile_starting_with_5_is_explained() -> None:
    with pytest.raises(ValidationFailed) as refused:
        normalise_phone("5876543210")
    assert "6, 7, 8 or 9" in refused.value.fields["phone"]


# ---------------------------------------------------------------- PIN codes


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [("110001", "110001"), ("560 001", "560001"), (" 400050 ", "400050"), ("999999", "999999")],
)
def test_valid_pincodes_are_accepted(raw: str, normalised: str) -> None:
    assert validate_pincode(raw) == normalised


@pytest.mark.parametrize("raw", ["", "011001", "12345", "1100011", "11000a", "11-0001", "११०००१", "000000"])
def test_invalid_pincodes_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_pincode(raw)
    assert set(refused.value.fields) == {"pincode"}


def test_pincode_error_names_the_field_it_was_given() -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_pincode("12", field="addressPincode")
    assert set(refused.value.fields) == {"addressPincode"}


# ---------------------------------------------------------------- dates of birth and age


@pytest.mark.parametrize(
    ("dob", "today", "age"),
    [
        (date(1986, 3, 15), date(2026, 3, 15), 40),  # birthday today
        (date(1986, 3, 16), date(2026, 3, 15), 39),  # birthday tomorrow
        (date(1986, 12, 31), date(2026, 1, 1), 39),
        (date(2026, 3, 15), date(2026, 3, 15), 0),  # born today
        (date(2000, 2, 29), date(2001, 2, 28), 0),  # leap-day baby: a year older on 1 March
        (date(2000, 2, 29), date(2001, 3, 1), 1),
        (date(2000, 2, 29), date(2004, 2, 29), 4),
    ],
)
def test_age_counts_completed_years(dob: date, today: date, age: int) -> None:
    assert age_on(dob, today) == age


def test_age_of_someone_not_yet_born_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        age_on(date(2026, 3, 16), TODAY)


@pytest.mark.parametrize(
    "dob",
    [
        TODAY,
        date(1990, 6, 1),
        date(1896, 3, 15),  # exactly 130 today
        date(1895, 3, 16),  # 130, a day short of 131
    ],
)
def test_plausible_dates_of_birth_are_accepted(dob: date) -> None:
    assert validate_date_of_birth(dob, TODAY) == dob


@pytest.mark.parametrize(
    ("dob", "message"),
    [
        (date(2026, 3, 16), "future"),
        (date(2030, 1, 1), "future"),
        (date(1895, 3, 15), "130 years"),  # turns 131 today
        (date(1800, 1, 1), "130 years"),
    ],
)
def test_implausible_dates_of_birth_are_refused(dob: date, message: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        validate_date_of_birth(dob, TODAY)
    assert message in refused.value.fields["dateOfBirth"]


@pytest.mark.parametrize(
    ("age", "today", "dob"),
    [
        (40, date(2026, 3, 15), date(1985, 7, 1)),  # before 1 July: last year's 1 July
        (40, date(2026, 7, 1), date(1986, 7, 1)),
        (40, date(2026, 12, 31), date(1986, 7, 1)),
        (0, date(2026, 3, 15), date(2025, 7, 1)),
        (0, date(2026, 7, 1), date(2026, 7, 1)),
        (130, date(2026, 3, 15), date(1895, 7, 1)),
    ],
)
def test_estimated_date_of_birth_is_1_july(age: int, today: date, dob: date) -> None:
    assert estimated_date_of_birth(age, today) == dob


@pytest.mark.parametrize("today", [date(2026, 1, 1), date(2026, 6, 30), date(2026, 7, 1), date(2028, 2, 29)])
def test_estimated_date_of_birth_gives_back_the_age_entered(today: date) -> None:
    for age in range(MAX_AGE_YEARS + 1):
        dob = estimated_date_of_birth(age, today)
        assert age_on(dob, today) == age
        assert validate_date_of_birth(dob, today) == dob


@pytest.mark.parametrize("age", [-1, MAX_AGE_YEARS + 1, 200])
def test_estimated_date_of_birth_refuses_impossible_ages(age: int) -> None:
    with pytest.raises(ValidationFailed) as refused:
        estimated_date_of_birth(age, TODAY)
    assert set(refused.value.fields) == {"age"}


# ---------------------------------------------------------------- MRNs


@pytest.mark.parametrize(
    ("year", "number", "mrn"),
    [
        (2026, 123, "MRN-2026-000123"),
        (2026, 1, "MRN-2026-000001"),
        (2027, 999_999, "MRN-2027-999999"),
        (2026, 1_000_000, "MRN-2026-1000000"),  # a very busy year widens, never wraps
    ],
)
def test_mrn_round_trips(year: int, number: int, mrn: str) -> None:
    assert next_mrn(year, number) == mrn
    assert parse_mrn(mrn) == (year, number)


def test_mrn_is_parsed_whatever_the_case_and_spaces() -> None:
    assert parse_mrn("  mrn-2026-000123 ") == (2026, 123)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "2026-000123",
        "MRN-2026-123",
        "MRN-26-000123",
        "MRN-2026-000000",
        "MRN-2026-0123456",  # not how 123456 is written
        "MRN-0999-000001",
        "MRN 2026 000123",
        "MRN-2026-000123-1",
    ],
)
def test_malformed_mrns_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        parse_mrn(raw)
    assert set(refused.value.fields) == {"mrn"}


@pytest.mark.parametrize(("year", "number"), [(26, 1), (2026, 0), (2026, -5), (10000, 1)])
def test_next_mrn_refuses_impossible_parts(year: int, number: int) -> None:
    with pytest.raises(ValueError):
        next_mrn(year, number)


# ---------------------------------------------------------------- unidentified patients


@pytest.mark.parametrize(
    ("gender", "age", "name"),
    [
        (Gender.MALE, 40, ("Unknown", "Male, about 40")),
        (Gender.FEMALE, 25, ("Unknown", "Female, about 25")),
        (Gender.OTHER, 60, ("Unknown", "Person, about 60")),
        (None, 30, ("Unknown", "Person, about 30")),
        (Gender.MALE, None, ("Unknown", "Male, age unknown")),
        (Gender.FEMALE, 0, ("Unknown", "Female, under 1 year")),
    ],
)
def test_unidentified_patient_gets_a_descriptive_name(
    gender: Gender | None, age: int | None, name: tuple[str, str]
) -> None:
    assert unidentified_name(gender, age) == name


def test_unidentified_patient_age_must_be_plausible() -> None:
    with pytest.raises(ValidationFailed):
        unidentified_name(Gender.MALE, 140)


# ---------------------------------------------------------------- names and duplicates


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Ramesh Kumar", "ramesh kumar"),
        ("  RAMESH   kumar ", "ramesh kumar"),
        ("Mr. Ramesh Kumar", "ramesh kumar"),
        ("Smt. Sunita  D'Souza", "sunita dsouza"),
        ("Dr. A.P.J. Abdul Kalam", "a p j abdul kalam"),
        ("Shri Mr Ravi", "ravi"),
        ("Sri Lakshmi Reddy", "lakshmi reddy"),
        ("Anita Sri", "anita sri"),  # only leading titles are dropped
        ("José Dias", "jose dias"),
        ("Mary-Ann Thomas", "mary ann thomas"),
        ("Mr", "mr"),  # a lone title is all the name there is
    ],
)
def test_names_normalise_for_search_and_comparison(raw: str, normalised: str) -> None:
    assert normalise_name(raw) == normalised


DOB = date(1980, 5, 20)
PHONE = "+919876543210"


def _on_record(
    patient_id: str, first: str, last: str | None, dob: date = DOB, phone: str = PHONE
) -> DuplicateCandidate:
    return DuplicateCandidate(
        patient_id=patient_id, first_name=first, last_name=last, date_of_birth=dob, phone=phone
    )


@pytest.mark.parametrize(
    ("first", "last", "description"),
    [
        ("Ramesh", "Kumar", "same name"),
        ("Mr. Ramesh", "Kumar", "honorific"),
        ("Kumar", "Ramesh", "first and last swapped"),
        ("Ramesh Kumar", None, "whole name in the first-name box"),
        ("RAMESH", "KUMAAR", "typo and capitals"),
        ("Ramseh", "Kumar", "transposed letters"),
        ("Shri Ramesh", "Kumar.", "title and stray dot"),
    ],
)
def test_variants_of_the_same_name_with_same_phone_and_dob_are_likely_duplicates(
    first: str, last: str | None, description: str
) -> None:
    new = NewPatientIdentity(first_name=first, last_name=last, date_of_birth=DOB, phone="098765 43210")
    matches = likely_duplicates(new, [_on_record("p1", "Ramesh", "Kumar")])
    assert [candidate.patient_id for candidate, _ in matches] == ["p1"], description
    assert matches[0][1] >= 80


@pytest.mark.parametrize(
    ("candidate", "description"),
    [
        (_on_record("p1", "Ramesh", "Kumar", dob=date(1980, 5, 21)), "different date of birth"),
        (_on_record("p1", "Ramesh", "Kumar", phone="+919876543211"), "different phone"),
        (_on_record("p1", "Priya", "Sharma"), "different name"),
        (_on_record("p1", "Anita", "Devi"), "different name, same family phone"),
    ],
)
def test_patients_differing_in_dob_phone_or_name_are_not_duplicates(
    candidate: DuplicateCandidate, description: str
) -> None:
    new = NewPatientIdentity(first_name="Ramesh", last_name="Kumar", date_of_birth=DOB, phone=PHONE)
    assert likely_duplicates(new, [candidate]) == [], description


def test_duplicates_are_sorted_best_match_first() -> None:
    new = NewPatientIdentity(first_name="Ramesh", last_name="Kumar", date_of_birth=DOB, phone=PHONE)
    on_record = [
        _on_record("typo", "Ramseh", "Kumar"),
        _on_record("other", "Priya", "Sharma"),
        _on_record("exact", "Mr. Ramesh", "Kumar"),
        _on_record("close", "Ramesh", "Kumaar"),
    ]
    matches = likely_duplicates(new, on_record)
    assert [candidate.patient_id for candidate, _ in matches] == ["exact", "close", "typo"]
    scores = [score for _, score in matches]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 100.0


def test_stored_phone_in_an_old_format_still_matches() -> None:
    new = NewPatientIdentity(
        first_name="Ramesh", last_name="Kumar", date_of_birth=DOB, phone="+91 98765 43210"
    )
    matches = likely_duplicates(new, [_on_record("p1", "Ramesh", "Kumar", phone="98765-43210")])
    assert len(matches) == 1


def test_no_patients_on_record_means_no_duplicates() -> None:
    new = NewPatientIdentity(first_name="Ramesh", last_name="Kumar", date_of_birth=DOB, phone=PHONE)
    assert likely_duplicates(new, []) == []
