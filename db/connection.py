"""The PostgreSQL engine and its connection pool, shared by every service function, and `transaction()`.

Piccolo finds the engine in piccolo_conf.py; this module starts and stops its pool, and wraps Piccolo's
transaction so that work registered with `after_commit` (publishing outbox events) runs only on commit.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

import asyncpg
from piccolo.engine import engine_finder
from piccolo.engine.postgres import PostgresEngine

log = logging.getLogger("hospital.db")


def engine() -> PostgresEngine:
    found = engine_finder()
    if not isinstance(found, PostgresEngine):
        raise RuntimeError("piccolo_conf.DB must be a PostgresEngine")
    return found


# The pool belongs to the process; several app instances in one process (tests run a second one
# against another Redis) share it, and the last one to stop closes it.
_pool_users = 0


async def start_pool(max_size: int = 20) -> None:
    global _pool_users
    _pool_users += 1
    if engine().pool is None:
        await engine().start_connection_pool(min_size=2, max_size=max_size)


async def close_pool() -> None:
    global _pool_users
    _pool_users = max(0, _pool_users - 1)
    if _pool_users == 0 and engine().pool is not None:
        await engine().close_connection_pool()


async def database_answers() -> bool:
    try:
        rows = await engine().run_ddl("SELECT 1 AS ok")
    except Exception:
        return False
    return bool(rows) and rows[0]["ok"] == 1


# Callbacks to run once the outermost transaction has committed (the outbox's "publish now").
_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar("after_commit", default=None)


@asynccontextmanager
async def transaction() -> AsyncIterator[Any]:
    """The one way a service opens a transaction; nested calls join the outer one.

    When the outermost transaction commits, the callbacks registered with `after_commit` run; a
    transaction that rolls back (an exception leaves the block) runs none of them.
    """
    eng = engine()
    if eng.current_transaction.get() is not None:
        async with eng.transaction() as joined:
            yield joined
        return
    hooks: list[Callable[[], None]] = []
    token = _after_commit.set(hooks)
    try:
        async with eng.transaction() as outer:
            yield outer
    finally:
        _after_commit.reset(token)
    if getattr(outer, "_rolled_back", False):  # rolled back by hand inside the block
        return
    for hook in hooks:
        try:
            hook()
        except Exception:  # the change is committed; a failed hook must not turn it into an error
            log.exception("an after-commit hook failed")


def after_commit(hook: Callable[[], None]) -> None:
    """Run `hook` (quick, non-blocking) after the current transaction commits; refuse outside one."""
    hooks = _after_commit.get()
    if hooks is None or engine().current_transaction.get() is None:
        raise RuntimeError("after_commit needs an open transaction (async with transaction(): ...)")
    hooks.append(hook)


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
