"""Patient registration vocabulary: gender, blood group and recorded allergies.

Values are the strings stored in the database and sent on the wire.
"""

from enum import StrEnum


class Gender(StrEnum):
    MALE = "MALE"
    FEMALE = "FEMALE"
    OTHER = "OTHER"


class BloodGroup(StrEnum):
    A_POSITIVE = "A+"
    A_NEGATIVE = "A-"
    B_POSITIVE = "B+"
    B_NEGATIVE = "B-"
    O_POSITIVE = "O+"
    O_NEGATIVE = "O-"
    AB_POSITIVE = "AB+"
    AB_NEGATIVE = "AB-"


class AllergenType(StrEnum):
    DRUG = "DRUG"
    DRUG_CLASS = "DRUG_CLASS"
    FOOD = "FOOD"
    ENVIRONMENT = "ENVIRONMENT"


class AllergySeverity(StrEnum):
    MILD = "MILD"
    MODERATE = "MODERATE"
    SEVERE = "SEVERE"
    LIFE_THREATENING = "LIFE_THREATENING"
