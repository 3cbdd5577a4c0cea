"""ICD-10 diagnosis codes: the WHO list shipped with the project, looked up and searched in memory.

`domain/data/icd10.csv` holds the WHO ICD-10 2019 categories and subcategories (12,216 codes, about 650 kB;
`scripts/build_icd10.py` says where it comes from). India codes diagnoses with WHO ICD-10, not the US
ICD-10-CM. The file is read once, on first use.

Search takes a code ("J20", "j209") or words ("acute bronchitis", "htn"): every word must begin a word of
the title; common OPD diagnoses come first, then titles that begin with the words, then shorter titles.
American spellings and common abbreviations are understood (anemia -> anaemia, uti, htn, t2dm).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from domain.errors import ValidationFailed

DATA_FILE = Path(__file__).resolve().parent / "data" / "icd10.csv"
MAX_CODES_PER_DIAGNOSIS = 10
MAX_RESULTS = 50


@dataclass(frozen=True, slots=True)
class Icd10Code:
    code: str  # with its dot, as written on a prescription: "J20.9"
    title: str
    leaf: bool  # True when the code has no subdivisions (the most specific choice)


# What a busy Indian OPD codes most days: listed first when they match a search.
COMMON_CODES: tuple[str, ...] = (
    "R50.9", "J06.9", "J02.9", "J03.9", "J20.9", "J18.9", "J45.9", "J44.9", "A09.9", "A09.0", "A08.4",
    "A01.0", "A97.0", "A97.1", "A97.9", "B54", "B50.9", "B51.9", "A15.0", "U07.1", "N39.0", "K29.7", "K30",
    "K21.9", "K59.0", "R10.4", "R11", "R51", "R42", "R05", "E11.9", "E11.6", "E10.9", "E03.9", "E78.5",
    "E66.9", "E55.9", "D50.9", "D64.9", "I10", "I11.9", "I20.9", "I21.9", "I25.9", "I48", "I50.9", "N18.9",
    "M54.5", "M54.2", "M17.9", "M79.1", "M81.9", "M25.5", "L30.9", "L02.9", "B35.4", "B86", "H10.9",
    "G43.9", "F32.9", "F41.1", "N92.0", "N76.0", "E28.2", "O21.0", "Z34.9", "P59.9", "J21.9", "B01.9",
    "K40.9", "K80.2", "K35.8", "S52.5", "S93.4", "T14.0", "Z00.0", "Z09", "Z71.9",
)
_COMMON_RANK = {code: rank for rank, code in enumerate(COMMON_CODES)}

# American spelling -> the British spelling of WHO's titles (applied to the start of a word).
_SPELLINGS: tuple[tuple[str, str], ...] = (
    ("anemi", "anaemi"), ("hemorrh", "haemorrh"), ("hemato", "haemato"), ("hemo", "haemo"),
    ("ischemi", "ischaemi"), ("esophag", "oesophag"), ("edema", "oedema"), ("diarrhea", "diarrhoea"),
    ("leukemi", "leukaemi"), ("pediatr", "paediatr"), ("orthoped", "orthopaed"), ("gynecolog", "gynaecolog"),
    ("estrogen", "oestrogen"), ("fetus", "foetus"), ("tumor", "tumour"), ("glycemi", "glycaemi"),
    ("lipidemi", "lipidaemi"), ("cholesterolemi", "cholesterolaemi"), ("septicemi", "septicaemi"),
    ("uremi", "uraemi"), ("hypokalemi", "hypokalaemi"), ("hyperkalemi", "hyperkalaemi"),
    ("hyponatremi", "hyponatraemi"), ("celiac", "coeliac"), ("color", "colour"),
)

# Abbreviations doctors type -> the words of the title they mean.
_ABBREVIATIONS: dict[str, str] = {
    "uti": "urinary tract infection",
    "urti": "upper respiratory infection",
    "lrti": "lower respiratory infection",
    "htn": "hypertension",
    "dm": "diabetes mellitus",
    "t2dm": "type 2 diabetes mellitus",
    "t1dm": "type 1 diabetes mellitus",
    "copd": "chronic obstructive pulmonary",
    "gerd": "gastro-oesophageal reflux",
    "gord": "gastro-oesophageal reflux",
    "ckd": "chronic kidney disease",
    "aki": "acute kidney failure",
    "ihd": "ischaemic heart disease",
    "cad": "ischaemic heart disease",
    "mi": "myocardial infarction",
    "chf": "heart failure",
    "af": "atrial fibrillation",
    "tb": "tuberculosis",
    "ptb": "tuberculosis of lung",
    "pcos": "polycystic ovarian",
    "pcod": "polycystic ovarian",
    "oa": "arthrosis",
    "ra": "rheumatoid arthritis",
    "ida": "iron deficiency anaemia",
    "age": "gastroenteritis",
    "lbp": "low back pain",
    "bph": "hyperplasia of prostate",
    "dvt": "phlebitis and thrombophlebitis",
    "cva": "stroke",
    "tia": "transient cerebral ischaemic",
    "covid": "covid-19",
}

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_CODE = re.compile(r"^([A-Za-z])(\d{1,2})(?:\.?(\d{0,2}))?$")


def _british(word: str) -> str:
    for american, british in _SPELLINGS:
        if word.startswith(american):
            return british + word[len(american):]
    return word


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass(frozen=True, slots=True)
class _Entry:
    code: Icd10Code
    words: tuple[str, ...]
    title_lower: str


@cache
def _catalogue() -> tuple[tuple[_Entry, ...], dict[str, Icd10Code]]:
    entries: list[_Entry] = []
    by_code: dict[str, Icd10Code] = {}
    with DATA_FILE.open(newline="", encoding="utf-8") as source:
        for row in csv.DictReader(source):
            item = Icd10Code(code=row["code"], title=row["title"], leaf=row["leaf"] == "1")
            by_code[item.code] = item
            title_words = tuple(dict.fromkeys(part for w in _words(item.title) for part in (w, *w.split("-"))))
            entries.append(_Entry(code=item, words=title_words, title_lower=item.title.lower()))
    return tuple(entries), by_code


def all_codes() -> Sequence[Icd10Code]:
    return [entry.code for entry in _catalogue()[0]]


def normalise_code(text: str) -> str | None:
    """The code as the list writes it ("j209" -> "J20.9", "i10" -> "I10"), or None if it cannot be one."""
    match = _CODE.match(text.strip())
    if match is None:
        return None
    letter, digits, tail = match.group(1).upper(), match.group(2), match.group(3) or ""
    if len(digits) == 1:
        if tail:
            return None
        return f"{letter}{digits}"  # a prefix ("J2"): only good for searching
    return f"{letter}{digits}" + (f".{tail}" if tail else "")


def lookup(code: str) -> Icd10Code | None:
    """The listed code `code` stands for (any case, dot optional), or None."""
    normal = normalise_code(code)
    return None if normal is None else _catalogue()[1].get(normal)


def is_valid(code: str) -> bool:
    return lookup(code) is not None


def validate_codes(codes: Iterable[str], *, field: str = "diagnosisCodes") -> list[Icd10Code]:
    """The listed codes, in the order given, duplicates dropped; ValidationFailed naming every unknown one."""
    found: dict[str, Icd10Code] = {}
    unknown: list[str] = []
    for raw in codes:
        item = lookup(raw)
        if item is None:
            unknown.append(raw)
        else:
            found.setdefault(item.code, item)
    if unknown:
        shown = ", ".join(repr(u) for u in unknown[:5])
        raise ValidationFailed(fields={field: f"Not ICD-10 codes of the WHO list: {shown}"})
    if len(found) > MAX_CODES_PER_DIAGNOSIS:
        raise ValidationFailed(fields={field: f"At most {MAX_CODES_PER_DIAGNOSIS} codes per diagnosis"})
    return list(found.values())


def _query_words(query: str) -> list[str]:
    words: list[str] = []
    for word in _words(query):
        expanded = _ABBREVIATIONS.get(word)
        words.extend(_words(expanded) if expanded else [_british(word)])
    return words


def search(query: str, *, limit: int = 20) -> list[Icd10Code]:
    """Codes matching `query` (a code or its start, or words), best first; at most `limit`."""
    limit = max(1, min(limit, MAX_RESULTS))
    text = query.strip()
    if not text:
        return []
    entries, _ = _catalogue()
    code = normalise_code(text)
    if code is not None:
        prefix = code.replace(".", "")
        hits = [e.code for e in entries if e.code.code.replace(".", "").startswith(prefix)]
        return hits[:limit]
    words = _query_words(text)
    if not words:
        return []
    phrase = " ".join(words)
    matched: list[tuple[tuple[int, int, int, int], Icd10Code]] = []
    for index, entry in enumerate(entries):
        if all(any(w.startswith(q) for w in entry.words) for q in words):
            rank = (
                _COMMON_RANK.get(entry.code.code, len(COMMON_CODES)),
                0 if entry.title_lower.startswith(phrase) else 1,
                len(entry.code.title),
                index,
            )
            matched.append((rank, entry.code))
    matched.sort(key=lambda pair: pair[0])
    return [code_ for _, code_ in matched[:limit]]
