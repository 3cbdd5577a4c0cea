"""Backfill of beds.status_changed_at, added by the auto migration before this one. Written by hand and frozen.

Until now a bed's updated_at moved only with its status, so it is the best knowledge of when each bed entered
the status it is in.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-11-26T08:20:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "beds.status_changed_at backfilled from updated_at"


async def _execute(statement: str) -> None:
    engine = engine_finder()
    if engine is None:
        raise RuntimeError("no Piccolo engine configured")
    await engine.run_ddl(statement)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="db", description=DESCRIPTION)

    async def run() -> None:
        await _execute("UPDATE beds SET status_changed_at = coalesce(updated_at, created_at, status_changed_at)")

    async def run_backwards() -> None:
        """Nothing to undo: the backfilled column is dropped by the migration before this one."""

    manager.add_raw(run)
    manager.add_raw_backwards(run_backwards)
    return manager
