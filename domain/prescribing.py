"""Prescribing checks: the patient's coded allergies and current medicines against what is being prescribed.

Matching is by structured data only, never by searching free text:

- a DRUG allergy names a generic (or, failing that, a brand): it matches a medicine whose generic name,
  split into its ingredients ("Amoxicillin + Clavulanic acid" is two), contains it, or whose brand is it;
- a DRUG_CLASS allergy names a class: it matches a medicine of that `drug_class`, and warns (less
  strongly) about classes known to cross-react with it (penicillins and cephalosporins);
- comparison ignores case, spacing and punctuation, nothing more: "Penicillin" in a note about a cousin
  never matches anything, and "Sulfa" does not match "Sulfonamides" (record the class as the formulary names it).

A duplicate is the same ingredient, or another drug of the same class (two NSAIDs, two proton pump
inhibitors), as a medicine the patient is taking now or as another line of the same prescription.

Warnings do not block on their own: the prescriber sees them and may go ahead with a reason, which is
recorded with the prescription (`require_overrides`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from uuid import UUID

from domain.errors import Conflict, ValidationFailed

MIN_OVERRIDE_REASON_CHARS = 5
MAX_DURATION_DAYS = 180
MAX_ITEMS = 30

# The units a dose is written in on an Indian prescription (a fixed list: "1 tab", "5 ml", "650 mg").
DOSE_UNITS: frozenset[str] = frozenset({
    "tab", "cap", "ml", "mg", "mcg", "g", "IU", "unit", "drop", "puff", "sachet", "respule", "application",
    "vial", "ampoule", "mg/kg",
})

# The unit a dose is counted in when the prescriber gives none, by the medicine's form.
_UNIT_OF_FORM: Mapping[str, str] = {
    "tablet": "tab", "capsule": "cap", "syrup": "ml", "suspension": "ml", "infusion": "ml", "injection": "ml",
    "inhaler": "puff", "sachet": "sachet", "respule": "respule", "drops": "drop", "cream": "application",
    "ointment": "application", "gel": "application",
}


def dose_unit_for(unit: str | None, form: str | None) -> str | None:
    """The unit as the list spells it (case-insensitive), or the form's usual unit when none is given."""
    if unit is not None:
        wanted = unit.strip().lower()
        return next((u for u in DOSE_UNITS if u.lower() == wanted), None)
    return _UNIT_OF_FORM.get((form or "").strip().lower())


class WarningKind(StrEnum):
    ALLERGY = "ALLERGY"  # the patient is allergic to this ingredient or class
    CROSS_REACTIVITY = "CROSS_REACTIVITY"  # allergic to a class that cross-reacts with this one
    DUPLICATE_MEDICATION = "DUPLICATE_MEDICATION"  # the same ingredient is already being taken or prescribed
    DUPLICATE_CLASS = "DUPLICATE_CLASS"  # another drug of the same class is already being taken or prescribed


@dataclass(frozen=True, slots=True)
class Medicine:
    id: UUID
    name: str  # the brand: "Augmentin 625 Duo"
    generic_name: str | None  # "Amoxicillin + Clavulanic acid"
    drug_class: str | None  # "Penicillins"


@dataclass(frozen=True, slots=True)
class Allergy:
    allergen: str
    allergen_type: str  # domain.patients.AllergenType value: DRUG, DRUG_CLASS, FOOD, ENVIRONMENT
    severity: str
    reaction: str | None = None


@dataclass(frozen=True, slots=True)
class CurrentMedication:
    """A medicine the patient is taking now: an undispensed or unfinished item of an earlier prescription."""

    medicine: Medicine
    prescription_item_id: UUID | None = None


@dataclass(frozen=True, slots=True)
class PrescribingWarning:
    kind: WarningKind
    medicine_id: UUID
    message: str
    # What it matched: the allergen, or the medicine already taken.
    matched: str
    severity: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind.value, "medicineId": str(self.medicine_id), "message": self.message,
                "matched": self.matched, "severity": self.severity}


# Classes known to cross-react: an allergy to the key class warns about the listed ones.
CROSS_REACTING_CLASSES: Mapping[str, frozenset[str]] = {
    "penicillins": frozenset({"cephalosporins", "carbapenems"}),
    "cephalosporins": frozenset({"penicillins", "carbapenems"}),
}

_NON_WORD = re.compile(r"[^a-z0-9]+")
_INGREDIENT_SPLIT = re.compile(r"\s*(?:\+|/|,|\bwith\b|\band\b)\s*", re.IGNORECASE)


def normalise(text: str | None) -> str:
    """Lower case, punctuation and spacing collapsed: how names are compared."""
    return _NON_WORD.sub(" ", (text or "").lower()).strip()


def ingredients(generic_name: str | None) -> frozenset[str]:
    """The ingredients of a generic name: "Amoxicillin + Clavulanic acid" -> {"amoxicillin", "clavulanic acid"}."""
    if not generic_name:
        return frozenset()
    return frozenset(n for part in _INGREDIENT_SPLIT.split(generic_name) if (n := normalise(part)))


def allergy_warnings(medicine: Medicine, allergies: Iterable[Allergy]) -> list[PrescribingWarning]:
    """Warnings for `medicine` from the patient's coded allergies (FOOD and ENVIRONMENT never match a drug)."""
    found: list[PrescribingWarning] = []
    parts = ingredients(medicine.generic_name)
    drug_class = normalise(medicine.drug_class)
    brand = normalise(medicine.name)
    for allergy in allergies:
        allergen = normalise(allergy.allergen)
        if not allergen:
            continue
        reaction = f" ({allergy.reaction})" if allergy.reaction else ""
        if allergy.allergen_type == "DRUG":
            if allergen in parts or allergen == normalise(medicine.generic_name) or allergen == brand:
                found.append(PrescribingWarning(
                    WarningKind.ALLERGY, medicine.id,
                    f"Allergic to {allergy.allergen}{reaction}, which {medicine.name} contains",
                    allergy.allergen, allergy.severity,
                ))
        elif allergy.allergen_type == "DRUG_CLASS" and drug_class:
            if allergen == drug_class:
                found.append(PrescribingWarning(
                    WarningKind.ALLERGY, medicine.id,
                    f"Allergic to {allergy.allergen}{reaction}: {medicine.name} is one of them",
                    allergy.allergen, allergy.severity,
                ))
            elif drug_class in CROSS_REACTING_CLASSES.get(allergen, frozenset()):
                found.append(PrescribingWarning(
                    WarningKind.CROSS_REACTIVITY, medicine.id,
                    f"Allergic to {allergy.allergen}{reaction}; {medicine.drug_class} may cross-react",
                    allergy.allergen, allergy.severity,
                ))
    return found


def duplicate_warnings(medicine: Medicine, taking: Iterable[Medicine], *, where: str) -> list[PrescribingWarning]:
    """Warnings for `medicine` against medicines the patient takes (or that another line prescribes).

    `where` says which, for the message: "is already taking", "is also prescribed".
    """
    found: list[PrescribingWarning] = []
    parts = ingredients(medicine.generic_name)
    drug_class = normalise(medicine.drug_class)
    for other in taking:
        if other.id == medicine.id or (parts and parts & ingredients(other.generic_name)):
            shared = ", ".join(sorted(parts & ingredients(other.generic_name))) or normalise(medicine.generic_name)
            found.append(PrescribingWarning(
                WarningKind.DUPLICATE_MEDICATION, medicine.id,
                f"The patient {where} {other.name} ({shared or other.generic_name})", other.name,
            ))
        elif drug_class and drug_class == normalise(other.drug_class):
            found.append(PrescribingWarning(
                WarningKind.DUPLICATE_CLASS, medicine.id,
                f"The patient {where} {other.name}, also of {medicine.drug_class}", other.name,
            ))
    return found


@dataclass(frozen=True, slots=True)
class ItemCheck:
    """One line of a prescription with its warnings and the reason the prescriber gave to go ahead."""

    index: int
    medicine: Medicine
    warnings: list[PrescribingWarning] = field(default_factory=list)
    override_reason: str | None = None


def check_prescription(
    medicines: Sequence[Medicine], *, allergies: Sequence[Allergy], current: Sequence[CurrentMedication]
) -> list[list[PrescribingWarning]]:
    """The warnings of each line, in order: allergies, then current medicines, then earlier lines."""
    taking = [c.medicine for c in current]
    result: list[list[PrescribingWarning]] = []
    for index, medicine in enumerate(medicines):
        warnings = allergy_warnings(medicine, allergies)
        warnings += duplicate_warnings(medicine, taking, where="is already taking")
        warnings += duplicate_warnings(medicine, medicines[:index], where="is also prescribed")
        result.append(warnings)
    return result


def clean_override_reason(reason: str | None) -> str | None:
    cleaned = " ".join((reason or "").split())
    return cleaned or None


def require_overrides(items: Sequence[ItemCheck], *, field_prefix: str = "medicines") -> None:
    """Refuse (409, nothing written) while a line with warnings has no reason to go ahead.

    The answer lists every warning and names each line that needs `overrideReason`; a reason shorter
    than MIN_OVERRIDE_REASON_CHARS is refused as no reason (422).
    """
    short = {
        f"{field_prefix}[{i.index}].overrideReason": f"Give a reason of at least {MIN_OVERRIDE_REASON_CHARS} characters"
        for i in items
        if i.warnings and i.override_reason is not None and len(i.override_reason) < MIN_OVERRIDE_REASON_CHARS
    }
    if short:
        raise ValidationFailed(fields=short)
    pending = [i for i in items if i.warnings and i.override_reason is None]
    if pending:
        raise Conflict(
            "The prescription has warnings: change it, or send overrideReason on each line to go ahead",
            fields={f"{field_prefix}[{i.index}].overrideReason": "needed to override the warnings" for i in pending},
            extra={"warnings": [
                {"line": i.index, **w.as_dict()} for i in pending for w in i.warnings
            ]},
        )


def validate_amounts(
    *, index: int, dose: Decimal | float | int | str, duration_days: int, field_prefix: str = "medicines"
) -> dict[str, str]:
    """Problems with one line's dose and duration (positive dose; 1 to MAX_DURATION_DAYS days)."""
    problems: dict[str, str] = {}
    try:
        amount = dose if isinstance(dose, Decimal) else Decimal(str(dose))
        positive = amount.is_finite() and amount > 0
    except (InvalidOperation, ValueError):
        positive = False
    if not positive:
        problems[f"{field_prefix}[{index}].dose"] = "must be a positive amount"
    if not 1 <= duration_days <= MAX_DURATION_DAYS:
        problems[f"{field_prefix}[{index}].duration"] = f"must be 1 to {MAX_DURATION_DAYS} days"
    return problems
