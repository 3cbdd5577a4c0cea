"""Prescribing checks: allergies by generic name and drug class (never by free text), duplicates, overrides."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from domain.errors import Conflict, ValidationFailed
from domain.prescribing import (
    Allergy,
    CurrentMedication,
    ItemCheck,
    Medicine,
    WarningKind,
    allergy_warnings,
    check_prescription,
    clean_override_reason,
    dose_unit_for,
    duplicate_warnings,
    ingredients,
    require_overrides,
    validate_amounts,
)


def med(name: str, generic: str | None, drug_class: str | None) -> Medicine:
    return Medicine(id=uuid.uuid4(), name=name, generic_name=generic, drug_class=drug_class)


AUGMENTIN = med("Augmentin 625 Duo", "Amoxicillin + Clavulanic acid", "Penicillins")
MOX = med("Mox 500", "Amoxicillin", "Penicillins")
ZIFI = med("Zifi 200", "Cefixime", "Cephalosporins")
AZITHRAL = med("Azithral 500", "Azithromycin", "Macrolides")
BRUFEN = med("Brufen 400", "Ibuprofen", "NSAIDs")
VOVERAN = med("Voveran 50", "Diclofenac", "NSAIDs")
DOLO = med("Dolo 650", "Paracetamol", "Anilides")
SEPTRAN = med("Septran DS", "Sulfamethoxazole + Trimethoprim", "Sulfonamides")


def kinds(warnings) -> list[WarningKind]:
    return [w.kind for w in warnings]


def test_a_combination_generic_is_split_into_its_ingredients():
    assert ingredients("Amoxicillin + Clavulanic acid") == {"amoxicillin", "clavulanic acid"}
    assert ingredients("Sulfamethoxazole/Trimethoprim") == {"sulfamethoxazole", "trimethoprim"}
    assert ingredients(None) == frozenset()


@pytest.mark.parametrize(
    ("allergy", "medicine", "expected"),
    [
        # By drug class: every penicillin, whatever its brand or combination.
        (Allergy("Penicillins", "DRUG_CLASS", "SEVERE"), AUGMENTIN, [WarningKind.ALLERGY]),
        (Allergy("penicillins", "DRUG_CLASS", "SEVERE"), MOX, [WarningKind.ALLERGY]),
        # Classes known to cross-react warn too, as such.
        (Allergy("Penicillins", "DRUG_CLASS", "SEVERE"), ZIFI, [WarningKind.CROSS_REACTIVITY]),
        (Allergy("Penicillins", "DRUG_CLASS", "SEVERE"), AZITHRAL, []),
        # By generic name: an ingredient of a combination matches.
        (Allergy("Amoxicillin", "DRUG", "MODERATE"), AUGMENTIN, [WarningKind.ALLERGY]),
        (Allergy("Trimethoprim", "DRUG", "MILD"), SEPTRAN, [WarningKind.ALLERGY]),
        (Allergy("Diclofenac", "DRUG", "MILD"), BRUFEN, []),
        (Allergy("NSAIDs", "DRUG_CLASS", "MODERATE"), BRUFEN, [WarningKind.ALLERGY]),
        # By brand, exactly.
        (Allergy("Dolo 650", "DRUG", "MILD"), DOLO, [WarningKind.ALLERGY]),
        # Never by substring: "Amox" is not amoxicillin, "Sulfa" is not the class Sulfonamides.
        (Allergy("Amox", "DRUG", "MILD"), MOX, []),
        (Allergy("Sulfa", "DRUG_CLASS", "SEVERE"), SEPTRAN, []),
        (Allergy("Penicillin", "DRUG_CLASS", "SEVERE"), AUGMENTIN, []),
        # Food and environment never match a medicine, even with the same word.
        (Allergy("Amoxicillin", "FOOD", "MILD"), MOX, []),
        (Allergy("Penicillins", "ENVIRONMENT", "MILD"), MOX, []),
    ],
)
def test_allergy_matching(allergy, medicine, expected):
    assert kinds(allergy_warnings(medicine, [allergy])) == expected


def test_an_allergy_warning_carries_the_severity_and_reaction():
    [warning] = allergy_warnings(AUGMENTIN, [Allergy("Penicillins", "DRUG_CLASS", "LIFE_THREATENING", "anaphylaxis")])
    assert warning.severity == "LIFE_THREATENING"
    assert "anaphylaxis" in warning.message and warning.matched == "Penicillins"
    assert warning.as_dict()["medicineId"] == str(AUGMENTIN.id)


def test_duplicates_by_ingredient_and_by_class():
    assert kinds(duplicate_warnings(AUGMENTIN, [MOX], where="is already taking")) == [WarningKind.DUPLICATE_MEDICATION]
    assert kinds(duplicate_warnings(BRUFEN, [VOVERAN], where="is already taking")) == [WarningKind.DUPLICATE_CLASS]
    assert kinds(duplicate_warnings(DOLO, [DOLO], where="is already taking")) == [WarningKind.DUPLICATE_MEDICATION]
    assert duplicate_warnings(DOLO, [AZITHRAL, BRUFEN], where="is already taking") == []


def test_check_prescription_looks_at_allergies_current_medicines_and_earlier_lines():
    warnings = check_prescription(
        [AUGMENTIN, BRUFEN, VOVERAN, DOLO],
        allergies=[Allergy("Penicillins", "DRUG_CLASS", "SEVERE")],
        current=[CurrentMedication(DOLO)],
    )
    assert [kinds(w) for w in warnings] == [
        [WarningKind.ALLERGY],
        [],
        [WarningKind.DUPLICATE_CLASS],  # Voveran after Brufen on the same prescription
        [WarningKind.DUPLICATE_MEDICATION],  # already taking Dolo
    ]


def test_lines_with_warnings_need_a_reason_and_the_conflict_lists_them():
    warnings = check_prescription([AUGMENTIN, AZITHRAL], allergies=[Allergy("Penicillins", "DRUG_CLASS", "SEVERE")],
                                  current=[])
    checks = [ItemCheck(i, m, w, None) for i, (m, w) in enumerate(zip([AUGMENTIN, AZITHRAL], warnings, strict=True))]
    with pytest.raises(Conflict) as refused:
        require_overrides(checks)
    assert refused.value.fields == {"medicines[0].overrideReason": "needed to override the warnings"}
    listed = refused.value.extra["warnings"]
    assert isinstance(listed, list) and listed[0]["kind"] == "ALLERGY" and listed[0]["line"] == 0


def test_a_token_reason_is_refused_and_a_real_one_accepted():
    warnings = check_prescription([AUGMENTIN], allergies=[Allergy("Penicillins", "DRUG_CLASS", "SEVERE")], current=[])
    with pytest.raises(ValidationFailed) as refused:
        require_overrides([ItemCheck(0, AUGMENTIN, warnings[0], clean_override_reason("  ok "))])
    assert "medicines[0].overrideReason" in refused.value.fields
    require_overrides([ItemCheck(0, AUGMENTIN, warnings[0], clean_override_reason("Tolerated it last year, observed"))])


def test_lines_without_warnings_need_no_reason():
    require_overrides([ItemCheck(0, DOLO, [], None)])


@pytest.mark.parametrize(
    ("dose", "days", "fields"),
    [
        (Decimal("1"), 5, set()),
        (Decimal("0"), 5, {"medicines[0].dose"}),
        (Decimal("-2"), 5, {"medicines[0].dose"}),
        (Decimal("NaN"), 5, {"medicines[0].dose"}),
        (Decimal("1"), 0, {"medicines[0].duration"}),
        (Decimal("1"), 181, {"medicines[0].duration"}),
    ],
)
def test_amounts(dose, days, fields):
    assert set(validate_amounts(index=0, dose=dose, duration_days=days)) == fields


def test_dose_units_come_from_a_fixed_list_or_the_form():
    assert dose_unit_for("TAB", None) == "tab"
    assert dose_unit_for("spoonful", "Syrup") is None
    assert dose_unit_for(None, "Tablet") == "tab"
    assert dose_unit_for(None, "Syrup") == "ml"
    assert dose_unit_for(None, "Powder for nebulisation") is None
