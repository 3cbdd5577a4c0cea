"""Outpatient vocabulary: visits, appointments and the waiting-room token queue.

Values are the strings stored in the database and sent on the wire.
"""

from enum import StrEnum


class VisitType(StrEnum):
    OPD = "OPD"
    IPD = "IPD"
    EMERGENCY = "EMERGENCY"
    FOLLOW_UP = "FOLLOW_UP"


class VisitStatus(StrEnum):
    REGISTERED = "REGISTERED"
    WAITING = "WAITING"
    IN_CONSULTATION = "IN_CONSULTATION"
    COMPLETED = "COMPLETED"
    ADMITTED = "ADMITTED"
    # Not in the spec: a visit registered in error or left without being seen.
    CANCELLED = "CANCELLED"


class AppointmentStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    CHECK_IN = "CHECK_IN"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"
    CANCELLED = "CANCELLED"


class TokenStatus(StrEnum):
    WAITING = "WAITING"
    CALLED = "CALLED"
    IN_CONSULTATION = "IN_CONSULTATION"
    COMPLETED = "COMPLETED"
    NO_SHOW = "NO_SHOW"
    CANCELLED = "CANCELLED"


class QueuePriority(StrEnum):
    EMERGENCY = "EMERGENCY"
    URGENT = "URGENT"
    ELDERLY_DISABLED = "ELDERLY_DISABLED"
    ROUTINE = "ROUTINE"
