"""IPD constraints the auto migration before this one cannot express. Written by hand and frozen.

Value lists are spelled out (not read from domain/), as in the first constraints migration. The admission
status gains CANCELLED (an admission entered by mistake), so its CHECK is dropped and re-added.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T07:29:21:000000"
VERSION = "1.38.0"
DESCRIPTION = "ipd constraints: CANCELLED admissions, discharge types, SpO2 scales, one open NEWS2 alert, timers"

_ENDED = "'DISCHARGED', 'TRANSFERRED', 'DECEASED'"

CONSTRAINTS = [
    ("ipd_admissions", "ck_ipd_admissions_status",
     "CHECK (status IN ('ACTIVE', 'DISCHARGED', 'TRANSFERRED', 'DECEASED', 'CANCELLED'))"),
    ("ipd_admissions", "ck_ipd_admissions_discharge_type",
     "CHECK (discharge_type IS NULL OR discharge_type IN "
     "('NORMAL', 'AGAINST_MEDICAL_ADVICE', 'TRANSFERRED_OUT', 'DEATH'))"),
    # An ended stay has its discharge time; a cancelled one says when and by whom, and nothing else does.
    ("ipd_admissions", "ck_ipd_admissions_ended_has_date",
     f"CHECK (status NOT IN ({_ENDED}) OR discharge_date IS NOT NULL)"),
    ("ipd_admissions", "ck_ipd_admissions_cancelled",
     "CHECK ((status = 'CANCELLED') = (cancelled_at IS NOT NULL))"),
    ("ipd_admissions", "ck_ipd_admissions_spo2_scale", "CHECK (spo2_scale IN (1, 2))"),
    ("vital_sign_observations", "ck_vital_sign_observations_spo2_scale", "CHECK (spo2_scale IN (1, 2))"),
    ("ipd_daily_notes", "ck_ipd_daily_notes_consciousness",
     "CHECK (consciousness IS NULL OR consciousness IN ('A', 'C', 'V', 'P', 'U'))"),
    ("ipd_daily_notes", "ck_ipd_daily_notes_news2_score",
     "CHECK (news2_score IS NULL OR news2_score BETWEEN 0 AND 20)"),
    # A dose recorded as given, held or refused says when.
    ("medication_administrations", "ck_medication_administrations_recorded_time",
     "CHECK (status IN ('SCHEDULED', 'MISSED') OR administered_at IS NOT NULL)"),
]

INDEXES = [
    # One open NEWS2 alert per admission: later observations update it, never a second one.
    ("ux_alerts_open_news2_admission",
     "CREATE UNIQUE INDEX ux_alerts_open_news2_admission ON alerts (admission_id)"
     " WHERE kind = 'NEWS2_DETERIORATION' AND acknowledged_at IS NULL"),
    # The ward boards' open alerts, by admission.
    ("ix_alerts_admission_open",
     "CREATE INDEX ix_alerts_admission_open ON alerts (admission_id) WHERE acknowledged_at IS NULL"),
    # The ward timers: observations due and doses not recorded, soonest first, not yet on the board.
    ("ix_ipd_admissions_vitals_due",
     "CREATE INDEX ix_ipd_admissions_vitals_due ON ipd_admissions (vitals_due_at)"
     " WHERE status = 'ACTIVE' AND vitals_due_at IS NOT NULL AND vitals_overdue_at IS NULL"),
    ("ix_medication_administrations_due",
     "CREATE INDEX ix_medication_administrations_due ON medication_administrations (scheduled_at)"
     " WHERE status = 'SCHEDULED' AND overdue_at IS NULL"),
    ("ix_medication_administrations_admission_scheduled",
     "CREATE INDEX ix_medication_administrations_admission_scheduled"
     " ON medication_administrations (admission_id, scheduled_at)"),
    ("ix_ipd_daily_notes_admission_date",
     "CREATE INDEX ix_ipd_daily_notes_admission_date ON ipd_daily_notes (admission_id, note_date)"),
    ("ix_ipd_admissions_discharge_date", "CREATE INDEX ix_ipd_admissions_discharge_date ON ipd_admissions"
     " (discharge_date) WHERE discharge_date IS NOT NULL"),
]


def forwards_statements() -> list[str]:
    statements = ["ALTER TABLE ipd_admissions DROP CONSTRAINT IF EXISTS ck_ipd_admissions_status"]
    statements.extend(f"ALTER TABLE {table} ADD CONSTRAINT {name} {body}" for table, name, body in CONSTRAINTS)
    statements.extend(create for _, create in INDEXES)
    return statements


def backwards_statements() -> list[str]:
    statements = [f"DROP INDEX IF EXISTS {name}" for name, _ in reversed(INDEXES)]
    statements.extend(
        f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}" for table, name, _ in reversed(CONSTRAINTS)
    )
    statements.append(
        "ALTER TABLE ipd_admissions ADD CONSTRAINT ck_ipd_admissions_status"
        " CHECK (status IN ('ACTIVE', 'DISCHARGED', 'TRANSFERRED', 'DECEASED'))"
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
