"""Clinical alert vocabulary: what raised an alert, how urgent it is, where it stands.

Values are the strings stored in the database and sent on the wire.
"""

from enum import StrEnum


class AlertKind(StrEnum):
    CRITICAL_RESULT = "CRITICAL_RESULT"
    NEWS2_DETERIORATION = "NEWS2_DETERIORATION"
    MEDICATION_OVERDUE = "MEDICATION_OVERDUE"


class AlertSeverity(StrEnum):
    INFO = "INFO"
    WARNING = "WARNING"
    URGENT = "URGENT"
    CRITICAL = "CRITICAL"


class AlertStatus(StrEnum):
    RAISED = "RAISED"
    DELIVERED = "DELIVERED"
    SEEN = "SEEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    ESCALATED = "ESCALATED"
    RESOLVED = "RESOLVED"
