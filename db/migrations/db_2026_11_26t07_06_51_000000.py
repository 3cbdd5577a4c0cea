"""OPD constraints the auto migration before this one cannot express. Written by hand and frozen.

Value lists are spelled out (not read from domain/), as in the first constraints migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T07:06:51:000000"
VERSION = "1.38.0"
DESCRIPTION = "opd constraints: triage choices, queue counters, fees; queue and schedule indexes"

_PRIORITIES = "'EMERGENCY', 'URGENT', 'ELDERLY_DISABLED', 'ROUTINE'"

CONSTRAINTS = [
    ("opd_triage", "ck_opd_triage_priority_before", f"CHECK (priority_before IN ({_PRIORITIES}))"),
    ("opd_triage", "ck_opd_triage_priority_after", f"CHECK (priority_after IN ({_PRIORITIES}))"),
    ("opd_triage", "ck_opd_triage_consciousness",
     "CHECK (consciousness IS NULL OR consciousness IN ('A', 'C', 'V', 'P', 'U'))"),
    ("opd_triage", "ck_opd_triage_news2",
     "CHECK ((news2_score IS NULL OR news2_score BETWEEN 0 AND 20)"
     " AND (news2_band IS NULL OR news2_band IN ('LOW', 'LOW_MEDIUM', 'MEDIUM', 'HIGH'))"
     " AND (oxygen_saturation IS NULL OR oxygen_saturation BETWEEN 0 AND 100))"),
    ("queue_tokens", "ck_queue_tokens_fairness_counters", "CHECK (passed_over_count >= 0 AND held_for_calls >= 0)"),
    ("doctors", "ck_doctors_consultation_fee_not_negative",
     "CHECK (consultation_fee IS NULL OR consultation_fee >= 0)"),
]

INDEXES = [
    # A department's queue of one day, by state: every call-next, queue read and display snapshot.
    ("ix_queue_tokens_department_day_status",
     "CREATE INDEX ix_queue_tokens_department_day_status ON queue_tokens (department_id, token_date, status)"),
    # A doctor's appointments by time: the weekly view, double-booking checks, follow-up slots.
    ("ix_appointments_doctor_date",
     "CREATE INDEX ix_appointments_doctor_date ON appointments (doctor_id, appointment_date)"),
    ("ix_opd_consultations_doctor_start",
     "CREATE INDEX ix_opd_consultations_doctor_start ON opd_consultations (doctor_id, consultation_start_time)"),
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
