"""What the live layer persists: the outbox and per-topic counters, alerts, idempotency records.

Events carry (topic, seq, epoch) so a client that saw a gap can ask for what it missed.
"""

from datetime import UTC, datetime
from functools import partial

from piccolo.columns import (
    JSONB,
    UUID,
    BigInt,
    BigSerial,
    Boolean,
    Bytea,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from db.tables.ipd import IpdAdmission
from db.tables.lab import LabTest
from db.tables.patients import Patient
from db.tables.users import Department, DeviceToken, User
from domain.alerts import AlertKind, AlertSeverity, AlertStatus

_now = partial(datetime.now, UTC)


class OutboxEvent(Table, tablename="outbox_events"):
    """An event written in the same transaction as the change it describes."""

    id = BigSerial(primary_key=True)
    # Indexed by the unique (topic, seq) of the migration, which serves replay by topic.
    topic = Varchar(length=200, default=None)
    seq = BigInt(default=None)
    epoch = Varchar(length=64, default=None)
    event_type = Varchar(length=100, default=None)
    payload = JSONB(default="{}")
    created_at = Timestamptz(index=True)
    # Null until the relay has published it to Redis (partial index in the migration).
    published_at = Timestamptz(null=True, default=None)


class TopicCounter(Table, tablename="topic_counters"):
    """The last sequence number given out on a topic, locked (FOR UPDATE) to take the next."""

    topic = Varchar(length=200, primary_key=True, default=None)
    seq = BigInt(default=0)
    epoch = Varchar(length=64, default=None)


class Alert(Table, tablename="alerts"):
    id = UUID(primary_key=True)
    kind = Varchar(length=30, choices=AlertKind, default=None)
    severity = Varchar(length=20, choices=AlertSeverity, default=None)
    status = Varchar(length=20, choices=AlertStatus, default=AlertStatus.RAISED, index=True)
    patient_id = ForeignKey(references=Patient, null=False, on_delete=OnDelete.restrict, index=True)
    admission_id = ForeignKey(references=IpdAdmission, null=True, on_delete=OnDelete.restrict, index=True)
    lab_test_id = ForeignKey(references=LabTest, null=True, on_delete=OnDelete.restrict, index=True)
    target_user_id = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    message = Text(default=None)
    raised_at = Timestamptz()
    acknowledged_at = Timestamptz(null=True, default=None)
    acknowledged_by = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    action_taken = Text(null=True, default=None)
    escalation_level = Integer(default=0)
    # When the escalation timer fires if nobody acknowledges; claimed with SKIP LOCKED.
    escalate_at = Timestamptz(null=True, default=None, index=True)
    updated_at = Timestamptz(auto_update=_now)
    # A critical result raised at entry, before a second person verified it.
    is_preliminary = Boolean(default=False)
    # What the alert is about (for a critical result: the analytes, values, units and flags).
    detail = JSONB(default="{}")
    # Whose doctors on duty, and whose head, an escalation goes to.
    department_id = ForeignKey(references=Department, null=True, on_delete=OnDelete.restrict)
    # The alert's own waits: before its first escalation step, and between the later ones (NULL: the
    # ALERT_ESCALATION_MINUTES setting). A NEWS2 alert's are its band's.
    first_escalation_minutes = Integer(null=True, default=None)
    escalation_minutes = Integer(null=True, default=None)
    # WARD: the first step reaches the doctors rostered now on the patient's ward (NEWS2); DEPARTMENT: those of
    # the department (domain.alerts.EscalationScope).
    escalation_scope = Varchar(length=20, default="DEPARTMENT")
    # No longer relevant (domain.alerts.AlertResolution): off every board, never escalates.
    resolved_at = Timestamptz(null=True, default=None)
    resolved_reason = Varchar(length=30, null=True, default=None)


class AlertEvent(Table, tablename="alert_events"):
    """The history of one alert: raised, delivered, seen, escalated, acknowledged..."""

    id = UUID(primary_key=True)
    alert_id = ForeignKey(references=Alert, null=False, on_delete=OnDelete.restrict, index=True)
    event = Varchar(length=30, default=None)
    actor_id = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict)
    at = Timestamptz()
    detail = JSONB(default="{}")


class AlertRecipient(Table, tablename="alert_recipients"):
    """Someone an alert was sent to: the ordering doctor, then whoever an escalation reached."""

    id = UUID(primary_key=True)
    # Indexed by the unique (alert_id, user_id) of the migration.
    alert_id = ForeignKey(references=Alert, null=False, on_delete=OnDelete.restrict)
    user_id = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict, index=True)
    # 0 the first recipient; 1, 2, 3 the escalation step that reached them.
    level = Integer(default=0)
    # ORDERING_DOCTOR, ATTENDING_DOCTOR, ON_DUTY, DEPARTMENT_HEAD, ADMIN.
    reason = Varchar(length=30, default=None)
    notified_at = Timestamptz()
    delivered_at = Timestamptz(null=True, default=None)
    seen_at = Timestamptz(null=True, default=None)


class IdempotencyRecord(Table, tablename="idempotency_records"):
    """The stored answer to a creating POST, replayed when the same Idempotency-Key comes again."""

    id = UUID(primary_key=True)
    key = Varchar(length=200, default=None)
    # Indexed by the unique (user_id, key) of the migration.
    user_id = ForeignKey(references=User, null=False, on_delete=OnDelete.restrict)
    method = Varchar(length=10, default=None)
    path = Varchar(length=500, default=None)
    request_hash = Varchar(length=64, default=None)
    status_code = Integer(default=None)
    response_body = Bytea(null=True, default=None)
    created_at = Timestamptz(index=True)


class WebSocketTicket(Table, tablename="ws_tickets"):
    """A single-use pass, valid for seconds, to open /ws from a browser (which cannot send Authorization).

    Made by POST /api/ws-ticket for the caller's session or device; only its SHA-256 digest is stored.
    """

    id = UUID(primary_key=True)
    token_hash = Varchar(length=128, unique=True, default=None)
    user_id = ForeignKey(references=User, null=True, on_delete=OnDelete.restrict, index=True)
    session_id = UUID(null=True, default=None)
    device_id = ForeignKey(references=DeviceToken, null=True, on_delete=OnDelete.restrict)
    # The access token the ticket was made with: the socket must be renewed before it expires.
    token_role = Varchar(length=30, null=True, default=None)
    token_issued_at = Timestamptz(null=True, default=None)
    token_expires_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    expires_at = Timestamptz(default=None, index=True)
