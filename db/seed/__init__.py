"""The demo hospital: a deterministic, idempotent seed for `make run` and the test suite.

`seed_demo_hospital` builds every row in memory (`db.seed.hospital`) and inserts each table with one
`INSERT ... SELECT FROM unnest(...) ON CONFLICT DO NOTHING`, in one transaction. See docs/demo-hospital.md.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from db.connection import execute, fetch, transaction
from db.credentials import hash_password
from db.seed.hospital import DEMO_LOGINS, Row, build_demo_hospital

__all__ = ["DEMO_LOGINS", "SeedSummary", "seed_demo_hospital"]

# pg_advisory_xact_lock key: two processes seeding at once take turns instead of racing on the same ids.
_SEED_LOCK = 20261126


@dataclass(frozen=True, slots=True)
class SeedSummary:
    # Rows of the demo hospital, by table.
    rows: Mapping[str, int]
    # How many of them this run inserted: all on a fresh database, none on a re-run (except duty
    # roster shifts for days that came into the roster's window since the last run).
    inserted: Mapping[str, int]
    seconds: float

    @property
    def inserted_total(self) -> int:
        return sum(self.inserted.values())

    def describe(self) -> str:
        counts = ", ".join(f"{table} {count}" for table, count in self.rows.items())
        return f"inserted {self.inserted_total} rows in {self.seconds:.2f} s ({counts})"


async def seed_demo_hospital(*, demo_password: str) -> SeedSummary:
    """Insert what is missing of the demo hospital; rows already there (same id) are left exactly as they are."""
    started = time.perf_counter()
    # Hashed once for every demo user: argon2 is deliberately slow, and these accounts share one
    # published password anyway (docs/demo-hospital.md).
    password_hash = await hash_password(demo_password)
    hospital = build_demo_hospital(password_hash=password_hash, now=datetime.now(UTC))
    inserted: dict[str, list[uuid.UUID]] = {}
    async with transaction():
        await execute("SELECT pg_advisory_xact_lock($1)", _SEED_LOCK)
        types = await _column_types([table for table, _ in hospital.tables])
        for table, rows in hospital.tables:
            inserted[table] = await _insert(table, rows, types[table])
            if table == "doctors":
                # Only departments this run created get their head: an existing department is left alone.
                heads = {d: h for d, h in hospital.department_heads.items() if d in set(inserted["departments"])}
                await _set_department_heads(heads)
    return SeedSummary(
        rows={table: len(rows) for table, rows in hospital.tables},
        inserted={table: len(ids) for table, ids in inserted.items()},
        seconds=time.perf_counter() - started,
    )


async def _column_types(tables: list[str]) -> dict[str, dict[str, str]]:
    records = await fetch(
        "SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, NULL) AS type "
        "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relname = ANY($1::text[]) AND a.attnum > 0 "
        "AND NOT a.attisdropped",
        tables,
    )
    types: dict[str, dict[str, str]] = {table: {} for table in tables}
    for record in records:
        types[record["table_name"]][record["column_name"]] = record["type"]
    return types


async def _insert(table: str, rows: list[Row], types: Mapping[str, str]) -> list[uuid.UUID]:
    """Insert `rows` that are not there yet; returns the ids of those inserted."""
    columns = list(rows[0])
    for row in rows:
        if list(row) != columns:
            raise ValueError(f"{table}: every row must have the columns {columns}, in that order")
    # ON CONFLICT DO NOTHING would also swallow two seed rows with one id: refuse that instead.
    if len({row["id"] for row in rows}) != len(rows):
        raise ValueError(f"{table}: the seed made two rows with the same id")
    arrays: list[list[Any]] = [[row[column] for row in rows] for column in columns]
    casts = ", ".join(f"${n}::{types[column]}[]" for n, column in enumerate(columns, start=1))
    names = ", ".join(columns)
    # No conflict target: a row whose id (or any other unique key) is already taken is skipped, never changed.
    records = await fetch(
        f"INSERT INTO {table} ({names}) SELECT * FROM unnest({casts}) AS v({names}) "
        f"ON CONFLICT DO NOTHING RETURNING id",
        *arrays,
    )
    return [record["id"] for record in records]


async def _set_department_heads(heads: Mapping[uuid.UUID, uuid.UUID]) -> None:
    if not heads:
        return
    await execute(
        "UPDATE departments d SET head_doctor_id = v.head_doctor_id "
        "FROM unnest($1::uuid[], $2::uuid[]) AS v(id, head_doctor_id) "
        "WHERE d.id = v.id AND d.head_doctor_id IS NULL",
        list(heads), list(heads.values()),
    )
