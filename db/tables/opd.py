"""Outpatient consultations and the waiting-room token queue.

A token's number is unique per department per hospital day (Asia/Kolkata), see the migration.
"""

from datetime import UTC, datetime
from functools import partial

from piccolo.columns import (
    JSONB,
    UUID,
    Array,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from db.tables.patients import Appointment, Patient, PatientVisit
from db.tables.users import Department, Doctor, User
from domain.opd import QueuePriority, TokenStatus

_now = partial(datetime.now, UTC)


class OpdConsultation(Table, tablename="opd_consultations"):
    id = UUID(primary_key=True)
    visit_id = ForeignKey(references=PatientVisit, null=False, on_delete=OnDelete.restrict, index=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    doctor_id = ForeignKey(references=Doctor, null=False, on_delete=OnDelete.restrict, index=True)
    chief_complaint = Text(default=None)
    history = Text(null=True, default=None)
    examination_findings = Text(null=True, default=None)
    diagnosis = Text(default=None)
    # WHO ICD-10 codes of the diagnosis (domain/icd10.py checks them against the shipped list).
    diagnosis_codes = Array(base_column=Varchar(length=10), default=list)
    treatment_plan = Text(null=True, default=None)
    notes = Text(null=True, default=None)
    temperature = Numeric(digits=(4, 2), null=True, default=None)
    heart_rate = Integer(null=True, default=None)
    blood_pressure_systolic = Integer(null=True, default=None)
    blood_pressure_diastolic = Integer(null=True, default=None)
    respiratory_rate = Integer(null=True, default=None)
    weight_kg = Numeric(digits=(5, 2), null=True, default=None)
    height_cm = Integer(null=True, default=None)
    consultation_start_time = Timestamptz(index=True)
    consultation_end_time = Timestamptz(null=True, default=None)
    # Set by the service when the consultation completes (the spec's generated column
    # cannot be expressed as written; see docs/data-model.md).
    duration_minutes = Integer(null=True, default=None)
    follow_up_required = Boolean(default=False)
    follow_up_date = Date(null=True, default=None)
    follow_up_notes = Text(null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class QueueToken(Table, tablename="queue_tokens"):
    """A patient's place in a department's waiting-room queue for one visit."""

    id = UUID(primary_key=True)
    visit_id = ForeignKey(references=PatientVisit, null=False, unique=True, on_delete=OnDelete.restrict)
    # Indexed by the unique (department_id, token_date, token_number) of the migration.
    department_id = ForeignKey(references=Department, null=False, on_delete=OnDelete.restrict)
    doctor_id = ForeignKey(references=Doctor, null=True, on_delete=OnDelete.restrict, index=True)
    token_number = Integer(default=None)
    # The hospital day (Asia/Kolkata) the token belongs to; numbering restarts each day.
    token_date = Date(default=None)
    priority = Varchar(length=20, choices=QueuePriority, default=QueuePriority.ROUTINE)
    status = Varchar(length=20, choices=TokenStatus, default=TokenStatus.WAITING, index=True)
    call_count = Integer(default=0)
    room = Varchar(length=50, null=True, default=None)
    called_at = Timestamptz(null=True, default=None)
    completed_at = Timestamptz(null=True, default=None)
    # A booked patient keeps the appointment's place (domain/queue.py: queue_time).
    appointment_id = ForeignKey(references=Appointment, null=True, on_delete=OnDelete.restrict, index=True)
    # The fairness and skip counters of domain/queue.py's WaitingToken.
    passed_over_count = Integer(default=0)
    held_for_calls = Integer(default=0)
    # Why the priority is what it is: "age 67", "NEWS2 7 (HIGH)", a nurse's reason.
    priority_reason = Text(null=True, default=None)
    consultation_started_at = Timestamptz(null=True, default=None)
    cancelled_reason = Text(null=True, default=None)
    version = Integer(default=1)
    created_at = Timestamptz()
    updated_at = Timestamptz(auto_update=_now)


class OpdTriage(Table, tablename="opd_triage"):
    """A triage nurse's observations of an OPD patient, scored with NEWS2, and the priority it led to."""

    id = UUID(primary_key=True)
    visit_id = ForeignKey(references=PatientVisit, null=False, on_delete=OnDelete.restrict, index=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    token_id = ForeignKey(references=QueueToken, null=True, on_delete=OnDelete.restrict)
    temperature = Numeric(digits=(4, 1), null=True, default=None)
    heart_rate = Integer(null=True, default=None)
    respiratory_rate = Integer(null=True, default=None)
    blood_pressure_systolic = Integer(null=True, default=None)
    blood_pressure_diastolic = Integer(null=True, default=None)
    oxygen_saturation = Integer(null=True, default=None)
    on_oxygen = Boolean(null=True, default=None)
    consciousness = Varchar(length=1, null=True, default=None)
    weight_kg = Numeric(digits=(5, 2), null=True, default=None)
    height_cm = Integer(null=True, default=None)
    news2_score = Integer(null=True, default=None)
    news2_band = Varchar(length=20, null=True, default=None)
    news2_sub_scores = JSONB(null=True, default=None)
    priority_before = Varchar(length=20, choices=QueuePriority, default=None)
    priority_after = Varchar(length=20, choices=QueuePriority, default=None)
    notes = Text(null=True, default=None)
    recorded_by = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    recorded_at = Timestamptz()
