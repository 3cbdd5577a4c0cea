"""Inpatient care: wards, rooms and beds, admissions and bed history, notes, vital signs, doses.

Who occupies which bed is enforced by partial unique indexes in the constraints migration.
"""

from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING

from piccolo.columns import (
    JSONB,
    UUID,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LazyTableReference,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from db.tables.patients import Patient, PatientVisit
from db.tables.users import Department, Doctor, User
from domain.ipd import (
    AdministrationStatus,
    AdmissionStatus,
    AdmissionType,
    BedState,
    Consciousness,
    DischargeType,
    NoteType,
    RoomType,
)

if TYPE_CHECKING:
    from db.tables.pharmacy import PrescriptionItem

_now = partial(datetime.now, UTC)


class Ward(Table, tablename="wards"):
    id = UUID(primary_key=True)
    name = Varchar(length=100, default=None)
    code = Varchar(length=20, unique=True, default=None)
    department_id = ForeignKey(references=Department, null=False, on_delete=OnDelete.restrict, index=True)
    floor = Integer(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class Room(Table, tablename="rooms"):
    id = UUID(primary_key=True)
    ward_id = ForeignKey(references=Ward, null=False, on_delete=OnDelete.restrict, index=True)
    room_number = Varchar(length=50, unique=True, default=None)
    floor = Integer(null=True, default=None)
    bed_count = Integer(null=True, default=None)
    room_type = Varchar(length=20, choices=RoomType, default=RoomType.GENERAL)
    rate_per_day = Numeric(digits=(10, 2), null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class Bed(Table, tablename="beds"):
    id = UUID(primary_key=True)
    # Indexed by the unique (room_id, bed_number) of the migration.
    room_id = ForeignKey(references=Room, null=False, on_delete=OnDelete.restrict)
    bed_number = Varchar(length=50, default=None)
    status = Varchar(length=20, choices=BedState, default=BedState.AVAILABLE, index=True)
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)
    # When the bed entered its current status (set by db/ipd.py with every change of status).
    status_changed_at = Timestamptz()


class IpdAdmission(Table, tablename="ipd_admissions"):
    id = UUID(primary_key=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    admission_date = Timestamptz(index=True)
    discharge_date = Timestamptz(null=True, default=None)
    room_id = ForeignKey(references=Room, null=True, on_delete=OnDelete.restrict)
    # The current bed; its history is in bed_assignments.
    bed_id = ForeignKey(references=Bed, null=True, on_delete=OnDelete.restrict, index=True)
    admitted_by = ForeignKey(references=Doctor, null=False, on_delete=OnDelete.restrict)
    primary_doctor_id = ForeignKey(references=Doctor, null=True, on_delete=OnDelete.restrict, index=True)
    reason_for_admission = Text(default=None)
    diagnosis = Text(null=True, default=None)
    icd_codes = Text(null=True, default=None)
    admission_type = Varchar(length=20, choices=AdmissionType, default=AdmissionType.ROUTINE)
    status = Varchar(length=20, choices=AdmissionStatus, default=AdmissionStatus.ACTIVE, index=True)
    discharge_summary = Text(null=True, default=None)
    discharge_advice = Text(null=True, default=None)
    estimated_cost = Numeric(digits=(12, 2), null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)
    # The OPD or emergency visit the patient was admitted from (status ADMITTED), or the stay's IPD visit.
    visit_id = ForeignKey(references=PatientVisit, null=True, on_delete=OnDelete.restrict, index=True)
    # The linked visit's status before the admission, restored if the admission is cancelled.
    visit_status_before = Varchar(length=20, null=True, default=None)
    # Discharge: how the patient left (the status follows from it), what they leave with, who discharged.
    discharge_type = Varchar(length=30, choices=DischargeType, null=True, default=None)
    discharge_medications = JSONB(null=True, default=None)
    follow_up_date = Date(null=True, default=None)
    follow_up_notes = Text(null=True, default=None)
    discharged_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    # An admission entered by mistake (status CANCELLED): when, by whom, why.
    cancelled_at = Timestamptz(null=True, default=None)
    cancelled_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    cancel_reason = Text(null=True, default=None)
    # NEWS2 SpO2 scale: 2 only when a doctor has marked hypercapnic respiratory failure.
    spo2_scale = Integer(default=1)
    spo2_scale_set_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    spo2_scale_set_at = Timestamptz(null=True, default=None)
    # When the next set of observations is due, and when its lateness was put on the ward board.
    vitals_due_at = Timestamptz(null=True, default=None)
    vitals_overdue_at = Timestamptz(null=True, default=None)


class BedAssignment(Table, tablename="bed_assignments"):
    """One stay of an admission in one bed; ended_at is null while the patient is in it."""

    id = UUID(primary_key=True)
    admission_id = ForeignKey(references=IpdAdmission, null=False, on_delete=OnDelete.restrict, index=True)
    bed_id = ForeignKey(references=Bed, null=False, on_delete=OnDelete.restrict, index=True)
    started_at = Timestamptz()
    ended_at = Timestamptz(null=True, default=None)
    assigned_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)


class IpdDailyNote(Table, tablename="ipd_daily_notes"):
    id = UUID(primary_key=True)
    admission_id = ForeignKey(references=IpdAdmission, null=False, on_delete=OnDelete.restrict, index=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict)
    note_date = Date(default=None, index=True)
    note_type = Varchar(length=20, choices=NoteType, default=None)
    temperature = Numeric(digits=(4, 2), null=True, default=None)
    heart_rate = Integer(null=True, default=None)
    blood_pressure_systolic = Integer(null=True, default=None)
    blood_pressure_diastolic = Integer(null=True, default=None)
    respiratory_rate = Integer(null=True, default=None)
    oxygen_saturation = Integer(null=True, default=None)
    observations = Text(null=True, default=None)
    status = Text(null=True, default=None)
    plan = Text(null=True, default=None)
    entered_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)
    # With these two the note's vitals can be a complete set: then (only then) they have a NEWS2.
    on_oxygen = Boolean(null=True, default=None)
    consciousness = Varchar(length=1, choices=Consciousness, null=True, default=None)
    news2_score = Integer(null=True, default=None)
    news2_band = Varchar(length=20, null=True, default=None)


class VitalSignObservation(Table, tablename="vital_sign_observations"):
    """One set of observations, scored with NEWS2 when it is recorded."""

    id = UUID(primary_key=True)
    # Indexed by (admission_id, recorded_at) in the migration.
    admission_id = ForeignKey(references=IpdAdmission, null=False, on_delete=OnDelete.restrict)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    recorded_at = Timestamptz()
    temperature = Numeric(digits=(4, 1), null=True, default=None)
    heart_rate = Integer(null=True, default=None)
    respiratory_rate = Integer(null=True, default=None)
    blood_pressure_systolic = Integer(null=True, default=None)
    blood_pressure_diastolic = Integer(null=True, default=None)
    oxygen_saturation = Integer(null=True, default=None)
    # Null when not charted (a partial set): never read as "on air".
    on_oxygen = Boolean(null=True, default=None)
    consciousness = Varchar(length=1, choices=Consciousness, null=True, default=None)
    pain_score = Integer(null=True, default=None)
    news2_score = Integer(null=True, default=None)
    news2_band = Varchar(length=20, null=True, default=None)
    recorded_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    created_at = Timestamptz()
    # The SpO2 scale it was scored on, and when NEWS2 asked for the next set (complete sets only).
    spo2_scale = Integer(default=1)
    next_due_at = Timestamptz(null=True, default=None)
    # Entered in error: kept and shown struck through, excluded from the score, the trend and alerts.
    entered_in_error_at = Timestamptz(null=True, default=None)
    entered_in_error_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    entered_in_error_reason = Text(null=True, default=None)


class MedicationAdministration(Table, tablename="medication_administrations"):
    """A scheduled dose on the ward and what happened to it (the medication chart)."""

    id = UUID(primary_key=True)
    admission_id = ForeignKey(references=IpdAdmission, null=False, on_delete=OnDelete.restrict, index=True)
    # pharmacy -> ipd (prescriptions.ipd_admission_id): lazy to avoid an import cycle.
    prescription_item_id: ForeignKey["PrescriptionItem"] = ForeignKey(
        references=LazyTableReference("PrescriptionItem", module_path="db.tables.pharmacy"),
        null=True,
        on_delete=OnDelete.restrict,
        index=True,
    )
    scheduled_at = Timestamptz(default=None, index=True)
    administered_at = Timestamptz(null=True, default=None)
    administered_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    status = Varchar(length=20, choices=AdministrationStatus, default=AdministrationStatus.SCHEDULED)
    notes = Text(null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)
    # When the dose, not recorded 30 minutes after its time, was put on the ward board as overdue.
    overdue_at = Timestamptz(null=True, default=None)
    version = Integer(default=1)
