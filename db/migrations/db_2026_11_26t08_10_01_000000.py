"""Alert constraints and data the auto migration before this one cannot express. Written by hand and frozen.

One alert service for critical results and NEWS2 alerts: recipients may be the ATTENDING_DOCTOR, an alert
escalates by its ward or its department, and a resolved alert (no longer relevant) is no longer open, so the
open-alert indexes leave it out. Existing NEWS2 alerts are backfilled: ward-based, their band's wait (from
their detail) as both waits, and their first recipient the attending doctor (they were stored as
ORDERING_DOCTOR for want of the value). Value lists are spelled out (not read from domain/).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T08:10:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "alert constraints: ATTENDING_DOCTOR, escalation scope and waits, resolution; NEWS2 backfill"

CONSTRAINTS = [
    ("alert_recipients", "ck_alert_recipients_reason",
     "CHECK (reason IN ('ORDERING_DOCTOR', 'ATTENDING_DOCTOR', 'ON_DUTY', 'DEPARTMENT_HEAD', 'ADMIN'))"),
    ("alerts", "ck_alerts_escalation_scope", "CHECK (escalation_scope IN ('WARD', 'DEPARTMENT'))"),
    ("alerts", "ck_alerts_escalation_minutes",
     "CHECK ((first_escalation_minutes IS NULL OR first_escalation_minutes >= 1)"
     " AND (escalation_minutes IS NULL OR escalation_minutes >= 1))"),
    ("alerts", "ck_alerts_resolved",
     "CHECK ((resolved_at IS NULL) = (resolved_reason IS NULL) AND (resolved_at IS NULL OR escalate_at IS NULL))"),
    ("alerts", "ck_alerts_resolved_reason",
     "CHECK (resolved_reason IS NULL OR resolved_reason IN ('DISCHARGED', 'ADMISSION_CANCELLED', "
     "'NEWS2_BACK_TO_LOW'))"),
]

# Open means neither acknowledged nor resolved.
INDEXES = [
    ("ux_alerts_open_news2_admission",
     "CREATE UNIQUE INDEX ux_alerts_open_news2_admission ON alerts (admission_id)"
     " WHERE kind = 'NEWS2_DETERIORATION' AND acknowledged_at IS NULL AND resolved_at IS NULL",
     "CREATE UNIQUE INDEX ux_alerts_open_news2_admission ON alerts (admission_id)"
     " WHERE kind = 'NEWS2_DETERIORATION' AND acknowledged_at IS NULL"),
    ("ix_alerts_admission_open",
     "CREATE INDEX ix_alerts_admission_open ON alerts (admission_id)"
     " WHERE acknowledged_at IS NULL AND resolved_at IS NULL",
     "CREATE INDEX ix_alerts_admission_open ON alerts (admission_id) WHERE acknowledged_at IS NULL"),
]

BACKFILL = [
    "UPDATE alerts SET escalation_scope = 'WARD', "
    "first_escalation_minutes = nullif(detail->>'escalationMinutes', '')::int, "
    "escalation_minutes = nullif(detail->>'escalationMinutes', '')::int "
    "WHERE kind = 'NEWS2_DETERIORATION'",
    "UPDATE alert_recipients r SET reason = 'ATTENDING_DOCTOR' FROM alerts a "
    "WHERE a.id = r.alert_id AND a.kind = 'NEWS2_DETERIORATION' AND r.level = 0 AND r.reason = 'ORDERING_DOCTOR'",
]


def forwards_statements() -> list[str]:
    statements = ["ALTER TABLE alert_recipients DROP CONSTRAINT IF EXISTS ck_alert_recipients_reason"]
    statements.extend(f"ALTER TABLE {table} ADD CONSTRAINT {name} {body}" for table, name, body in CONSTRAINTS)
    for name, create, _ in INDEXES:
        statements.extend([f"DROP INDEX IF EXISTS {name}", create])
    statements.extend(BACKFILL)
    return statements


def backwards_statements() -> list[str]:
    statements = [
        "UPDATE alert_recipients SET reason = 'ORDERING_DOCTOR' WHERE reason = 'ATTENDING_DOCTOR'",
    ]
    for name, _, old in reversed(INDEXES):
        statements.extend([f"DROP INDEX IF EXISTS {name}", old])
    statements.extend(
        f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}" for table, name, _ in reversed(CONSTRAINTS)
    )
    statements.append(
        "ALTER TABLE alert_recipients ADD CONSTRAINT ck_alert_recipients_reason"
        " CHECK (reason IN ('ORDERING_DOCTOR', 'ON_DUTY', 'DEPARTMENT_HEAD', 'ADMIN'))"
    )
    return statements


async def _execute(statements: list[str]) -> None:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no Piccolo engine configured")
    for statement in statements:
        await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="db", description=DESCRIPTION)

    async def run() -> None:
        await _execute(forwards_statements())

    async def run_backwards() -> None:
        await _execute(backwards_statements())

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
