"""Inpatient vocabulary: rooms, bed states, admissions, notes, vital signs and doses.

Values are the strings stored in the database and sent on the wire.
"""

from enum import StrEnum


class RoomType(StrEnum):
    GENERAL = "GENERAL"
    SEMI_PRIVATE = "SEMI_PRIVATE"
    PRIVATE = "PRIVATE"
    ICU = "ICU"
    HDU = "HDU"


class BedState(StrEnum):
    AVAILABLE = "AVAILABLE"
    RESERVED = "RESERVED"
    OCCUPIED = "OCCUPIED"
    CLEANING = "CLEANING"
    MAINTENANCE = "MAINTENANCE"


class AdmissionType(StrEnum):
    ROUTINE = "ROUTINE"
    EMERGENCY = "EMERGENCY"
    URGENT = "URGENT"


class AdmissionStatus(StrEnum):
    ACTIVE = "ACTIVE"
    DISCHARGED = "DISCHARGED"
    TRANSFERRED = "TRANSFERRED"  # transferred out to another hospital
    DECEASED = "DECEASED"
    # Not in the spec: an admission entered by mistake and cancelled (kept, audited, counted nowhere).
    CANCELLED = "CANCELLED"


class DischargeType(StrEnum):
    """How the patient left; each maps to one of the spec's statuses (domain.inpatient.DISCHARGE_STATUS)."""

    NORMAL = "NORMAL"
    AGAINST_MEDICAL_ADVICE = "AGAINST_MEDICAL_ADVICE"
    TRANSFERRED_OUT = "TRANSFERRED_OUT"
    DEATH = "DEATH"


class NoteType(StrEnum):
    DOCTOR_NOTE = "DOCTOR_NOTE"
    NURSE_NOTE = "NURSE_NOTE"
    CARE_PLAN = "CARE_PLAN"


class Consciousness(StrEnum):
    """ACVPU, as NEWS2 scores it: Alert, new Confusion, Voice, Pain, Unresponsive."""

    A = "A"
    C = "C"
    V = "V"
    P = "P"
    U = "U"


class AdministrationStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    GIVEN = "GIVEN"
    HELD = "HELD"
    REFUSED = "REFUSED"
    MISSED = "MISSED"
