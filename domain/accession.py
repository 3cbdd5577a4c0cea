"""Accession numbers: the number on a sample's barcode label and on an imaging study.

`L261126-0042` is the 42nd lab order of the hospital day 26 Nov 2026; `R261126-0007` the 7th imaging order.
Numbered per hospital day (Asia/Kolkata), so the number tells the bench which day's rack a tube belongs to;
the day prefix plus four digits leaves room for 9,999 orders a day (a fifth digit is used past that).
Only characters of Code 128 set B, so the label's barcode scans back to exactly this text.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum


class AccessionKind(StrEnum):
    LAB = "L"
    IMAGING = "R"


ACCESSION_PATTERN = re.compile(r"^[LR]\d{6}-\d{4,5}$")


def day_prefix(kind: AccessionKind, day: date) -> str:
    """`L261126-`: what every accession number of that kind and hospital day starts with."""
    return f"{kind.value}{day:%y%m%d}-"


def accession_number(kind: AccessionKind, day: date, number: int) -> str:
    """The `number`th accession number (from 1) of `kind` on hospital day `day`."""
    if number < 1 or number > 99_999:
        raise ValueError("an accession number's day sequence runs from 1 to 99999")
    return f"{day_prefix(kind, day)}{number:04d}"


def sequence_of(accession: str) -> int:
    """The day sequence of an accession number (`L261126-0042` -> 42)."""
    if not ACCESSION_PATTERN.match(accession):
        raise ValueError(f"{accession!r} is not an accession number")
    return int(accession.rsplit("-", 1)[1])


def looks_like_accession(text: str) -> bool:
    return bool(ACCESSION_PATTERN.match(text.strip()))
