"""Laboratory vocabulary: order states, urgency, result flags and quality control.

Values are the strings stored in the database and sent on the wire.
"""

from enum import StrEnum


class LabOrderStatus(StrEnum):
    ORDERED = "ORDERED"
    SAMPLE_COLLECTED = "SAMPLE_COLLECTED"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    REPORTED = "REPORTED"
    VERIFIED = "VERIFIED"
    CANCELLED = "CANCELLED"


class Urgency(StrEnum):
    ROUTINE = "ROUTINE"
    URGENT = "URGENT"
    STAT = "STAT"


class ResultFlag(StrEnum):
    N = "N"
    L = "L"
    H = "H"
    LL = "LL"
    HH = "HH"
    ABNORMAL = "ABNORMAL"


class QualityControlStatus(StrEnum):
    PASS = "PASS"  # noqa: S105 - a QC outcome, not a password
    WARNING = "WARNING"
    FAIL = "FAIL"
