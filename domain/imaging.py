"""Imaging and radiology vocabulary: order states and urgency.

Values are the strings stored in the database and sent on the wire.
"""

from enum import StrEnum


class ImagingStatus(StrEnum):
    ORDERED = "ORDERED"
    SCHEDULED = "SCHEDULED"
    COMPLETED = "COMPLETED"
    REPORTED = "REPORTED"
    # Not in the spec: orders are withdrawn (patient discharged, duplicate order).
    CANCELLED = "CANCELLED"


class ImagingUrgency(StrEnum):
    ROUTINE = "ROUTINE"
    URGENT = "URGENT"
