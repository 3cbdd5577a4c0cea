"""Patients and their registration record: demographics, allergies, visits, appointments, merges.

A patient row is never deleted; duplicates are merged into a survivor and keep pointing at it.
"""

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from piccolo.columns import (
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LazyTableReference,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from db.tables.users import Doctor, User
from domain.opd import AppointmentStatus, VisitStatus, VisitType
from domain.patients import AllergenType, AllergySeverity, BloodGroup, Gender

if TYPE_CHECKING:
    from db.tables.billing import InsuranceCompany

_now = partial(datetime.now, UTC)


class Patient(Table, tablename="patients"):
    id = UUID(primary_key=True)
    mrn = Varchar(length=50, unique=True, default=None)
    first_name = Varchar(length=100, default=None)
    last_name = Varchar(length=100, null=True, default=None)
    # Always set; when only an age was given it is an estimate and this says so.
    # Age is computed from it in code (the spec's stored generated column cannot be).
    date_of_birth = Date(default=None)
    dob_is_estimated = Boolean(default=False)
    gender = Varchar(length=10, choices=Gender, default=None)
    # Nullable: quick registration and unidentified emergency patients have no phone.
    phone = Varchar(length=20, null=True, default=None, index=True)
    email = Varchar(length=100, null=True, default=None)
    address = Text(null=True, default=None)
    city = Varchar(length=100, null=True, default=None)
    state = Varchar(length=100, null=True, default=None)
    pincode = Varchar(length=10, null=True, default=None)
    occupation = Varchar(length=100, null=True, default=None)
    blood_group = Varchar(length=3, choices=BloodGroup, null=True, default=None)
    emergency_contact_name = Varchar(length=100, null=True, default=None)
    emergency_contact_phone = Varchar(length=20, null=True, default=None)
    # patients -> insurance_companies -> (bills -> patients): lazy to avoid an import cycle.
    primary_insurance_id: ForeignKey["InsuranceCompany"] = ForeignKey(
        references=LazyTableReference("InsuranceCompany", module_path="db.tables.billing"),
        null=True,
        on_delete=OnDelete.restrict,
    )
    primary_insurance_number = Varchar(length=100, null=True, default=None)
    allergies = Text(null=True, default=None)
    chronic_conditions = Text(null=True, default=None)
    previous_surgeries = Text(null=True, default=None)
    current_medications = Text(null=True, default=None)
    health_id = Varchar(length=50, null=True, default=None, index=True)
    is_unidentified = Boolean(default=False)
    merged_into: ForeignKey["Patient"] = ForeignKey(
        references="self", null=True, on_delete=OnDelete.restrict, index=True
    )
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)
    created_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)


class PatientAllergy(Table, tablename="patient_allergies"):
    """A coded allergy, checked when a medicine is prescribed (by name or drug class)."""

    id = UUID(primary_key=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    allergen = Varchar(length=200, default=None)
    allergen_type = Varchar(length=20, choices=AllergenType, default=None)
    reaction = Text(null=True, default=None)
    severity = Varchar(length=20, choices=AllergySeverity, default=None)
    recorded_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()


class PatientVisit(Table, tablename="patient_visits"):
    id = UUID(primary_key=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    visit_type = Varchar(length=20, choices=VisitType, default=VisitType.OPD)
    visit_date = Timestamptz(index=True)
    chief_complaint = Text(null=True, default=None)
    status = Varchar(length=20, choices=VisitStatus, default=VisitStatus.REGISTERED)
    assigned_doctor_id = ForeignKey(references=Doctor, null=True, on_delete=OnDelete.restrict, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class Appointment(Table, tablename="appointments"):
    id = UUID(primary_key=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    doctor_id = ForeignKey(references=Doctor, null=False, on_delete=OnDelete.restrict, index=True)
    appointment_date = Timestamptz(default=None, index=True)
    duration_minutes = Integer(default=30)
    reason = Varchar(length=200, null=True, default=None)
    status = Varchar(length=20, choices=AppointmentStatus, default=AppointmentStatus.SCHEDULED, index=True)
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class PatientMerge(Table, tablename="patient_merges"):
    """The record of merging a duplicate patient (merged) into the one that stays (survivor)."""

    id = UUID(primary_key=True)
    survivor_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    merged_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, unique=True)
    merged_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    reason = Text(default=None)
    created_at = Timestamptz()
