"""The PostgreSQL engine and its connection pool, shared by every service function.

Piccolo finds the engine in piccolo_conf.py; this module only starts and stops its pool.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine


def engine() -> PostgresEngine:
    found = engine_finder()
    if not isinstance(found, PostgresEngine):
        raise RuntimeError("piccolo_conf.DB must be a PostgresEngine")
    return found


async def start_pool(max_size: int = 20) -> None:
    await engine().start_connection_pool(min_size=2, max_size=max_size)


async def close_pool() -> None:
    await engine().close_connection_pool()


async def database_answers() -> bool:
    try:
        rows = await engine().run_ddl("SELECT 1 AS ok")
    except Exception:
        return False
    return bool(rows) and rows[0]["ok"] == 1


def transaction() -> Any:
    """The one way a service opens a transaction; nested calls join the outer one."""
    return engine().transaction()


async def fetch(sql: str, *args: Any) -> list[asyncpg.Record]:
    """Raw SQL with $n parameters, on the current transaction's connection when there is one."""
    eng = engine()
    current = eng.current_transaction.get()
    if current is not None:
        return list(await current.connection.fetch(sql, *args))
    if eng.pool is None:
        raise RuntimeError("the connection pool is not started")
    async with eng.pool.acquire() as conn:
        return list(await conn.fetch(sql, *args))


async def fetchrow(sql: str, *args: Any) -> asyncpg.Record | None:
    rows = await fetch(sql, *args)
    return rows[0] if rows else None


async def execute(sql: str, *args: Any) -> None:
    await fetch(sql, *args)
