"""Lab, imaging and alert constraints the auto migration before this one cannot express. Written by hand and frozen.

Value lists are spelled out (not read from domain/), as in the first constraints migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T07:14:36:000000"
VERSION = "1.38.0"
DESCRIPTION = "lab, imaging and alert constraints: recipients, HL7 duplicates, revisions, QC, escalation index"

_FLAGS = "'N', 'L', 'H', 'LL', 'HH', 'ABNORMAL'"

CONSTRAINTS = [
    ("alert_recipients", "uq_alert_recipients_alert_user", "UNIQUE (alert_id, user_id)"),
    ("alert_recipients", "ck_alert_recipients_level_not_negative", "CHECK (level >= 0)"),
    ("alert_recipients", "ck_alert_recipients_reason",
     "CHECK (reason IN ('ORDERING_DOCTOR', 'ON_DUTY', 'DEPARTMENT_HEAD', 'ADMIN'))"),
    ("lab_result_revisions", "ck_lab_result_revisions_flag", f"CHECK (flag IS NULL OR flag IN ({_FLAGS}))"),
    ("lab_result_revisions", "ck_lab_result_revisions_kind", "CHECK (kind IN ('RERUN', 'CORRECTION'))"),
    ("lab_result_components", "ck_lab_result_components_reported_flag",
     f"CHECK (reported_flag IS NULL OR reported_flag IN ({_FLAGS}))"),
    ("lab_quality_control", "ck_lab_quality_control_reported_status",
     "CHECK (reported_status IS NULL OR reported_status IN ('PASS', 'WARNING', 'FAIL'))"),
    ("lab_quality_control", "ck_lab_quality_control_sd_positive", "CHECK (target_sd IS NULL OR target_sd > 0)"),
    ("hl7_messages", "ck_hl7_messages_ack_code", "CHECK (ack_code IN ('AA', 'AE', 'AR'))"),
    ("hl7_messages", "ck_hl7_messages_transport", "CHECK (transport IN ('MLLP', 'HTTP'))"),
    ("imaging_files", "ck_imaging_files_size_not_negative", "CHECK (size_bytes >= 0)"),
]

INDEXES = [
    # An accepted message is processed once: the same control id from the same sender is answered from the log.
    ("ux_hl7_messages_accepted",
     "CREATE UNIQUE INDEX ux_hl7_messages_accepted ON hl7_messages (sending_application, control_id)"
     " WHERE ack_code = 'AA' AND control_id IS NOT NULL"),
    # The escalation sweep: open alerts whose timer is set, soonest first.
    ("ix_alerts_escalation_due",
     "CREATE INDEX ix_alerts_escalation_due ON alerts (escalate_at)"
     " WHERE escalate_at IS NOT NULL AND acknowledged_at IS NULL"),
    ("ix_lab_tests_section_status", "CREATE INDEX ix_lab_tests_section_status ON lab_tests (section, status)"),
    ("ix_lab_tests_order_date", "CREATE INDEX ix_lab_tests_order_date ON lab_tests (order_date)"),
    ("ix_lab_tests_ordered_by", "CREATE INDEX ix_lab_tests_ordered_by ON lab_tests (ordered_by, order_date)"),
    ("ix_lab_quality_control_catalog_created",
     "CREATE INDEX ix_lab_quality_control_catalog_created ON lab_quality_control (catalog_id, created_at)"),
]


def forwards_statements() -> list[str]:
    statements = [f"ALTER TABLE {table} ADD CONSTRAINT {name} {body}" for table, name, body in CONSTRAINTS]
    statements.extend(create for _, create in INDEXES)
    return statements


def backwards_statements() -> list[str]:
    statements = [f"DROP INDEX IF EXISTS {name}" for name, _ in reversed(INDEXES)]
    statements.extend(
        f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}" for table, name, _ in reversed(CONSTRAINTS)
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
