"""Stored answers to creating POSTs, so a retried request (same Idempotency-Key) writes nothing new.

A key is claimed before the request runs; a concurrent retry sees the claim and is told to wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from db.connection import execute, fetchrow


@dataclass(frozen=True)
class Claimed:
    record_id: UUID


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: bytes


@dataclass(frozen=True)
class InProgress:
    pass


@dataclass(frozen=True)
class KeyReused:
    """The key was used before for a different request."""


async def claim(*, user_id: UUID, key: str, method: str, path: str, request_hash: str) -> (
    Claimed | StoredAnswer | InProgress | KeyReused
):
    row = await fetchrow(
        "INSERT INTO idempotency_records (id, key, user_id, method, path, request_hash, status_code, created_at) "
        "VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, 0, now()) ON CONFLICT (user_id, key) DO NOTHING RETURNING id",
        key, user_id, method, path, request_hash,
    )
    if row is not None:
        return Claimed(row["id"])
    existing = await fetchrow(
        "SELECT request_hash, status_code, response_body FROM idempotency_records WHERE user_id = $1 AND key = $2",
        user_id, key,
    )
    if existing is None:  # pruned between the two statements
        return await claim(user_id=user_id, key=key, method=method, path=path, request_hash=request_hash)
    if existing["request_hash"] != request_hash:
        return KeyReused()
    if existing["status_code"] == 0:
        return InProgress()
    return StoredAnswer(existing["status_code"], bytes(existing["response_body"] or b""))


async def store(record_id: UUID, status_code: int, body: bytes) -> None:
    await execute(
        "UPDATE idempotency_records SET status_code = $2, response_body = $3 WHERE id = $1",
        record_id, status_code, body,
    )


async def release(record_id: UUID) -> None:
    """The request failed on our side: forget the claim so the client's retry runs again."""
    await execute("DELETE FROM idempotency_records WHERE id = $1", record_id)


async def prune(older_than_hours: int) -> None:
    await execute(
        "DELETE FROM idempotency_records WHERE created_at < now() - make_interval(hours => $1)", older_than_hours
    )
