"""Patient registration rules: phone numbers, PIN codes, dates of birth, MRNs and unidentified patients.

Also how the front desk notices that a "new" patient is probably one the hospital already knows.

Decisions worth knowing:

- A patient's own phone must be an Indian *mobile* (+91, ten digits, first digit 6-9): it is where
  the hospital sends SMS (token called, report ready) and ABHA OTPs, and it is half of the duplicate
  check. An emergency contact only needs to be callable, so there `allow_landline=True` also
  accepts a landline with its STD code (`011-23456789`: ten digits without the trunk 0). Both are
  stored as `+91` and ten digits. Foreign numbers are refused.
- An age given instead of a date of birth becomes 1 July of the year that makes the patient that
  age today (the usual half-year convention, chosen so the age shown back is the age entered).
- Someone born on 29 February turns a year older on 1 March in common years.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rapidfuzz import fuzz

from domain.errors import ValidationFailed

MAX_AGE_YEARS = 130
# token_sort_ratio of two normalised full names at or above which they are "the same name".
DUPLICATE_NAME_SCORE = 80.0

_MRN_PATTERN = re.compile(r"MRN-(\d{4})-(\d{6,})")
_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PINCODE_PATTERN = re.compile(r"[1-9]\d{5}")
# Titles people add in front of a name at the desk; stripped only from the front, so a name that
# merely contains such a word ("Sri Lakshmi") keeps it when it is not leading.
_HONORIFICS = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "prof",
        "smt",
        "shrimati",
        "shri",
        "sri",
        "shree",
        "kumari",
        "km",
        "kum",
        "master",
        "sir",
        "late",
    }
)


class Gender(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"
    OTHER = "OTHER"


# How an unidentified patient is described; "Person" where the sex is not male or female or not known.
_UNIDENTIFIED_WORD = {Gender.MALE: "Male", Gender.FEMALE: "Female", Gender.OTHER: "Person"}


# ---------------------------------------------------------------- phone numbers and PIN codes


def normalise_phone(raw: str, field: str = "phone", *, allow_landline: bool = False) -> str:
    """An Indian phone number as `+91` and ten digits, or `ValidationFailed` naming `field`.

    Accepts `9876543210`, `+91 98765 43210`, `+919876543210`, `91-98765-43210`, `09876543210`,
    with spaces, hyphens, dots or brackets between digits.
    """
    kind = "mobile number, or a landline with its STD code" if allow_landline else "mobile number"
    expected = f"Enter a 10-digit Indian {kind}, e.g. +91 98765 43210"
    text = raw.strip()
    if not text:
        raise ValidationFailed(fields={field: "A phone number is required"})
    international = text.startswith("+")
    digits = _PHONE_SEPARATORS.sub("", text[1:] if international else text)
    if not digits.isascii() or not digits.isdigit():
        raise ValidationFailed(fields={field: expected})

    national: str | None = None
    if international:
        if not digits.startswith("91"):
            raise ValidationFailed(fields={field: "Only Indian numbers (+91) are accepted"})
        if len(digits) == 12:
            national = digits[2:]
    elif len(digits) == 10:
        national = digits
    elif len(digits) == 11 and digits.startswith("0"):
        national = digits[1:]
    elif len(digits) == 12 and digits.startswith("91"):
        national = digits[2:]
    if national is None:
        raise ValidationFailed(fields={field: expected})

    first = national[0]
    if first in "6789":
        return "+91" + national
    if allow_landline and first != "0":
        return "+91" + national
    if allow_landline:
        raise ValidationFailed(fields={field: expected})
    raise ValidationFailed(fields={field: "An Indian mobile number starts with 6, 7, 8 or 9"})


def validate_pincode(raw: str, field: str = "pincode") -> str:
    """A six-digit Indian PIN code whose first digit is 1-9 (`110 001` is read as `110001`)."""
    code = raw.replace(" ", "").strip()
    if not (code.isascii() and _PINCODE_PATTERN.fullmatch(code)):
        raise ValidationFailed(fields={field: "A PIN code is 6 digits and does not start with 0"})
    return code


# ---------------------------------------------------------------- dates of birth and age


def age_on(dob: date, today: date) -> int:
    """Completed years of age on `today`."""
    if dob > today:
        raise ValueError("date of birth is after the day the age is asked for")
    had_birthday = (today.month, today.day) >= (dob.month, dob.day)
    return today.year - dob.year - (0 if had_birthday else 1)


def validate_date_of_birth(dob: date, today: date, field: str = "dateOfBirth") -> date:
    """A date of birth that is not in the future and gives an age of at most `MAX_AGE_YEARS`."""
    if dob > today:
        raise ValidationFailed(fields={field: "Date of birth cannot be in the future"})
    if age_on(dob, today) > MAX_AGE_YEARS:
        raise ValidationFailed(fields={field: f"Date of birth cannot be more than {MAX_AGE_YEARS} years ago"})
    return dob


def estimated_date_of_birth(age_years: int, today: date, field: str = "age") -> date:
    """The date of birth recorded when only an age is known: 1 July, in the year that makes the
    patient `age_years` old on `today` (store it with `dobIsEstimated`)."""
    if not 0 <= age_years <= MAX_AGE_YEARS:
        raise ValidationFailed(fields={field: f"Age must be between 0 and {MAX_AGE_YEARS} years"})
    birth_year = today.year - age_years
    if (today.month, today.day) < (7, 1):
        birth_year -= 1
    return date(birth_year, 7, 1)


# ---------------------------------------------------------------- medical record numbers


def next_mrn(year: int, number: int) -> str:
    """The MRN of the `number`-th patient registered in `year`, e.g. `MRN-2026-000123`."""
    if not 1000 <= year <= 9999:
        raise ValueError(f"an MRN year has four digits, not {year}")
    if number < 1:
        raise ValueError(f"MRN numbers start at 1, not {number}")
    return f"MRN-{year:04d}-{number:06d}"


def parse_mrn(raw: str, field: str = "mrn") -> tuple[int, int]:
    """The (year, number) of an MRN as `next_mrn` writes it; case and surrounding spaces are ignored."""
    text = raw.strip().upper()
    match = _MRN_PATTERN.fullmatch(text)
    if match is not None:
        year, number = int(match.group(1)), int(match.group(2))
        # Only the canonical spelling is an MRN: "MRN-2026-0123456" is not "MRN-2026-123456".
        if year >= 1000 and number >= 1 and next_mrn(year, number) == text:
            return year, number
    raise ValidationFailed(fields={field: "An MRN looks like MRN-2026-000123"})


# ---------------------------------------------------------------- unidentified patients


def unidentified_name(gender: Gender | None, approx_age: int | None) -> tuple[str, str]:
    """(first name, last name) for a patient who cannot tell us who they are, e.g.
    `("Unknown", "Male, about 40")`. The MRN, not the name, tells two such patients apart."""
    who = "Person" if gender is None else _UNIDENTIFIED_WORD[Gender(gender)]
    if approx_age is None:
        return "Unknown", f"{who}, age unknown"
    if not 0 <= approx_age <= MAX_AGE_YEARS:
        raise ValidationFailed(fields={"age": f"Age must be between 0 and {MAX_AGE_YEARS} years"})
    if approx_age == 0:
        return "Unknown", f"{who}, under 1 year"
    return "Unknown", f"{who}, about {approx_age}"


# ---------------------------------------------------------------- names and duplicates


def normalise_name(raw: str) -> str:
    """A name as compared and searched: case-folded, accents and punctuation gone, leading
    honorifics dropped, single spaces. `"Smt. Sunita  D'Souza"` becomes `"sunita dsouza"`."""
    text = unicodedata.normalize("NFKD", raw)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = re.sub(r"['\u2019`]", "", text)
    text = re.sub(r"[^\w\s]|_", " ", text)
    tokens = text.split()
    while len(tokens) > 1 and tokens[0] in _HONORIFICS:
        tokens.pop(0)
    return " ".join(tokens)


@dataclass(frozen=True, slots=True)
class NewPatientIdentity:
    """Who the front desk is about to register."""

    first_name: str
    last_name: str | None
    date_of_birth: date
    phone: str


@dataclass(frozen=True, slots=True)
class DuplicateCandidate:
    """A patient already on record whose phone and date of birth match the one being registered."""

    patient_id: str
    first_name: str
    last_name: str | None
    date_of_birth: date
    phone: str


def _full_name(first_name: str, last_name: str | None) -> str:
    return normalise_name(f"{first_name} {last_name or ''}")


def _phone_key(raw: str) -> str:
    # Stored numbers are normalised already; an old or odd one is still compared by its digits.
    try:
        return normalise_phone(raw, allow_landline=True)
    except ValidationFailed:
        return re.sub(r"\D", "", raw)


def likely_duplicates(
    new: NewPatientIdentity, existing: Sequence[DuplicateCandidate]
) -> list[tuple[DuplicateCandidate, float]]:
    """Patients on record who are probably `new`: same phone, same date of birth and a similar name
    (score >= `DUPLICATE_NAME_SCORE`, 0-100), best match first."""
    phone = _phone_key(new.phone)
    name = _full_name(new.first_name, new.last_name)
    matches: list[tuple[DuplicateCandidate, float]] = []
    for candidate in existing:
        if candidate.date_of_birth != new.date_of_birth or _phone_key(candidate.phone) != phone:
            continue
        score = float(fuzz.token_sort_ratio(name, _full_name(candidate.first_name, candidate.last_name)))
        if score >= DUPLICATE_NAME_SCORE:
            matches.append((candidate, score))
    matches.sort(key=lambda match: (-match[1], match[0].patient_id))
    return matches


# ---------------------------------------------------------------- health IDs (ABHA) and searching

# An ABHA number is 14 digits, written 12-3456-7890-1234; an ABHA address is `name@abdm` (`@sbx` in
# the sandbox). Both are stored as written here, so an exact match finds them however they were typed.
_ABHA_NUMBER_SEPARATORS = re.compile(r"[\s\-]")
_ABHA_ADDRESS = re.compile(r"[a-z0-9][a-z0-9._]{2,31}@[a-z]{2,10}")
_MRN_LIKE = re.compile(r"mrn-\d{4}-\d+", re.IGNORECASE)
_PHONE_LIKE = re.compile(r"\+?[\d\s\-().]{10,20}")


def normalise_health_id(raw: str, field: str = "healthId") -> str:
    """An ABHA number as `12-3456-7890-1234` or an ABHA address in lower case; else `ValidationFailed`."""
    text = raw.strip()
    digits = _ABHA_NUMBER_SEPARATORS.sub("", text)
    if digits.isascii() and digits.isdigit():
        if len(digits) == 14:
            return f"{digits[:2]}-{digits[2:6]}-{digits[6:10]}-{digits[10:]}"
    elif _ABHA_ADDRESS.fullmatch(text.casefold()):
        return text.casefold()
    raise ValidationFailed(
        fields={field: "A health ID is a 14-digit ABHA number (12-3456-7890-1234) or an ABHA address (name@abdm)"}
    )


class SearchKind(StrEnum):
    ALL = "ALL"  # no search term: the most recent registrations
    MRN = "MRN"
    HEALTH_ID = "HEALTH_ID"
    PHONE = "PHONE"
    NAME = "NAME"


@dataclass(frozen=True, slots=True)
class PatientSearch:
    kind: SearchKind
    value: str


def name_search_text(raw: str) -> str:
    """A name as typed into the search box, in the form the name index holds: lower case, single
    spaces, a leading honorific dropped. Punctuation is kept, because stored names keep it."""
    tokens = raw.casefold().split()
    while len(tokens) > 1 and tokens[0].rstrip(".") in _HONORIFICS:
        tokens.pop(0)
    return " ".join(tokens)


def classify_search(raw: str | None) -> PatientSearch:
    """What a front-desk search term is: an MRN, a health ID, a phone number or (otherwise) a name.

    Checked in that order: an MRN has its own shape; a 14-digit number is an ABHA number, never a
    phone; ten digits (with +91, 0 or separators) are a phone number.
    """
    text = " ".join((raw or "").split())
    if not text:
        return PatientSearch(SearchKind.ALL, "")
    if _MRN_LIKE.fullmatch(text):
        return PatientSearch(SearchKind.MRN, text.upper())
    try:
        return PatientSearch(SearchKind.HEALTH_ID, normalise_health_id(text))
    except ValidationFailed:
        pass
    if _PHONE_LIKE.fullmatch(text):
        try:
            return PatientSearch(SearchKind.PHONE, normalise_phone(text, allow_landline=True))
        except ValidationFailed:
            pass
    return PatientSearch(SearchKind.NAME, name_search_text(text))


# ---------------------------------------------------------------- merging duplicates


def combined_note(survivor: str | None, duplicate: str | None) -> str | None:
    """A free-text clinical field (allergies, conditions...) after merging two records of one patient.

    Nothing may be lost: an allergy known only on the duplicate must show on the survivor. When both
    hold different text, the duplicate's is appended after a `; `.
    """
    kept = (survivor or "").strip()
    extra = (duplicate or "").strip()
    if not extra or extra.casefold() == kept.casefold():
        return survivor
    if not kept:
        return extra
    return f"{kept}; {extra}"


# ---------------------------------------------------------------- a patient's fields, checked together

# Fields a patient record cannot be without (an update may change them, never clear them).
REQUIRED_PATIENT_FIELDS = frozenset({"firstName", "dateOfBirth", "gender", "dobIsEstimated", "isUnidentified"})
# Free text that is stored trimmed, and as NULL when only spaces were sent.
_TRIMMED_TEXT_FIELDS = frozenset(
    {
        "lastName",
        "email",
        "address",
        "city",
        "state",
        "occupation",
        "emergencyContactName",
        "primaryInsuranceNumber",
        "allergies",
        "chronicConditions",
        "previousSurgeries",
        "currentMedications",
    }
)


def _clean_field(name: str, value: object, today: date) -> object:
    if value is None:
        if name in REQUIRED_PATIENT_FIELDS:
            raise ValidationFailed(fields={name: "This field cannot be empty"})
        return None
    if name == "firstName":
        text = " ".join(str(value).split())
        if not text:
            raise ValidationFailed(fields={name: "A first name is required"})
        return text
    if name in _TRIMMED_TEXT_FIELDS:
        return str(value).strip() or None
    if name == "phone":
        return normalise_phone(str(value), name)
    if name == "emergencyContactPhone":
        return normalise_phone(str(value), name, allow_landline=True)
    if name == "pincode":
        return validate_pincode(str(value), name)
    if name == "healthId":
        return normalise_health_id(str(value), name)
    if name == "dateOfBirth":
        if not isinstance(value, date):
            raise ValidationFailed(fields={name: "Expected a date like 1980-04-23"})
        return validate_date_of_birth(value, today, name)
    return value


def clean_patient_fields(values: Mapping[str, object], today: date) -> dict[str, object]:
    """The camelCase patient fields of a registration or an update, checked and normalised.

    Every offending field is reported at once (one `ValidationFailed` naming them all), so the
    desk can correct the whole form in one go. Fields this function has no rule for pass through.
    """
    cleaned: dict[str, object] = {}
    problems: dict[str, str] = {}
    for name, value in values.items():
        try:
            cleaned[name] = _clean_field(name, value, today)
        except ValidationFailed as exc:
            problems.update(exc.fields)
    if problems:
        raise ValidationFailed(fields=problems)
    return cleaned
