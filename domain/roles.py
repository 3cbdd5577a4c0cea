"""The eight staff roles of the hospital and the kinds of non-personal actors.

A role is what a user *is*; what a role may *do* is declared in `domain.policy`.
"""

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "ADMIN"
    DOCTOR = "DOCTOR"
    NURSE = "NURSE"
    LAB_STAFF = "LAB_STAFF"
    PHARMACY_STAFF = "PHARMACY_STAFF"
    BILLING_STAFF = "BILLING_STAFF"
    RECEPTIONIST = "RECEPTIONIST"
    RADIOLOGIST = "RADIOLOGIST"


class StaffType(StrEnum):
    NURSE = "NURSE"
    LAB_TECHNICIAN = "LAB_TECHNICIAN"
    RADIOGRAPHER = "RADIOGRAPHER"
    PHARMACY_TECH = "PHARMACY_TECH"
    RECEPTIONIST = "RECEPTIONIST"
    BILLING_CLERK = "BILLING_CLERK"


class Shift(StrEnum):
    MORNING = "MORNING"
    EVENING = "EVENING"
    NIGHT = "NIGHT"
