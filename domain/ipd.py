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
    TRANSFERRED = "TRANSFERRED"
    DECEASED = "DECEASED"


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
