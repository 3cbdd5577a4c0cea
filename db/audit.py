"""The audit trail: every write and every read of patient data leaves a row, in the same transaction.

Rows are never updated. A background sealer appends chained SHA-256 digests over finished transactions'
rows to audit_seals; `verify_audit_chain` recomputes them and names the first row changed or removed.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import msgspec

from db.connection import execute, fetch, fetchrow, transaction
from domain.actors import Actor

log = logging.getLogger("hospital.audit")

# Never copied into audit rows.
_SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})


def _plain(value: Any) -> Any:
    if isinstance(value, UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if k not in _SECRET_COLUMNS}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    if hasattr(value, "value") and isinstance(getattr(value, "value", None), str):
        return value.value
    return value


def _json(values: dict[str, Any] | None) -> str | None:
    if values is None:
        return None
    return msgspec.json.encode(_plain(values)).decode()


async def record(
    actor: Actor,
    *,
    action: str,
    table: str,
    record_id: Any = None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
) -> None:
    """Append one audit row; call it inside the service's transaction so it commits with the change."""
    await execute(
        "INSERT INTO audit_log (id, user_id, action, table_name, record_id, old_values, new_values, "
        "ip_address, user_agent, created_at, txid) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5::jsonb, "
        "$6::jsonb, $7, $8, now(), pg_current_xact_id()::text::bigint)",
        actor.user_id,
        action,
        table,
        None if record_id is None else str(record_id),
        _json(old),
        _json(new),
        actor.ip_address,
        (actor.user_agent or "")[:500] or None,
    )


# --- Sealing -------------------------------------------------------------------------------------
# A seal covers every audit row written by transactions with txid in [previous horizon, horizon), where
# horizon is the oldest transaction still running when the seal is made: every such row is final (its
# transaction has ended), so no row can later appear inside a sealed range. Requests never wait on this.

_ROW_COLUMNS = (
    "seq, id, user_id, action, table_name, record_id, old_values::text AS old_values, "
    "new_values::text AS new_values, ip_address, user_agent, created_at, txid"
)


def row_digest(row: asyncpg.Record | dict[str, Any]) -> str:
    canonical = [
        row["seq"], str(row["id"]), str(row["user_id"]) if row["user_id"] else None, row["action"],
        row["table_name"], row["record_id"], row["old_values"], row["new_values"], row["ip_address"],
        row["user_agent"], row["created_at"].isoformat(), row["txid"],
    ]
    return hashlib.sha256(msgspec.json.encode(canonical)).hexdigest()


def chain_digest(previous_digest: str, row_digests: list[tuple[int, str]]) -> str:
    h = hashlib.sha256(previous_digest.encode())
    for seq, digest in row_digests:
        h.update(f"{seq}:{digest}".encode())
    return h.hexdigest()


GENESIS = "0" * 64


async def seal_pending() -> int:
    """Append one seal over the audit rows of finished transactions not yet sealed; returns rows sealed."""
    async with transaction():
        await execute("SELECT pg_advisory_xact_lock(hashtext('audit_sealer'))")
        last = await fetchrow(
            "SELECT horizon_txid, digest FROM audit_seals ORDER BY horizon_txid DESC LIMIT 1"
        )
        previous_horizon = int(last["horizon_txid"]) if last else 0
        previous_digest = str(last["digest"]) if last else GENESIS
        horizon_row = await fetchrow("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS x")
        assert horizon_row is not None
        horizon = int(horizon_row["x"])
        if horizon <= previous_horizon:
            return 0
        rows = await fetch(
            f"SELECT {_ROW_COLUMNS} FROM audit_log WHERE txid >= $1 AND txid < $2 ORDER BY seq",
            previous_horizon,
            horizon,
        )
        if not rows:
            return 0
        digests = [(int(r["seq"]), row_digest(r)) for r in rows]
        await execute(
            "INSERT INTO audit_seals (id, previous_horizon_txid, horizon_txid, row_count, row_digests, "
            "previous_digest, digest, sealed_at) VALUES (gen_random_uuid(), $1, $2, $3, $4::jsonb, $5, $6, now())",
            previous_horizon,
            horizon,
            len(digests),
            msgspec.json.encode(digests).decode(),
            previous_digest,
            chain_digest(previous_digest, digests),
        )
        return len(digests)


async def run_sealer(interval_seconds: float) -> None:
    while True:
        try:
            await seal_pending()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("audit sealing failed; retrying")
        await asyncio.sleep(interval_seconds)


@dataclass
class ChainReport:
    ok: bool
    seals_checked: int
    rows_checked: int
    first_problem: str | None = None

    @property
    def summary(self) -> str:
        if self.ok:
            return f"audit trail intact: {self.rows_checked} rows under {self.seals_checked} seals"
        return f"audit trail BROKEN: {self.first_problem}"


async def check_chain(conn: asyncpg.Connection) -> ChainReport:
    seals = await conn.fetch(
        "SELECT previous_horizon_txid, horizon_txid, row_digests::text AS row_digests, previous_digest, digest "
        "FROM audit_seals ORDER BY horizon_txid"
    )
    expected_previous = GENESIS
    rows_checked = 0
    for index, seal in enumerate(seals):
        if seal["previous_digest"] != expected_previous:
            return ChainReport(False, index, rows_checked, f"seal {index + 1} does not follow the one before it")
        stored = [(int(s), str(d)) for s, d in msgspec.json.decode(seal["row_digests"])]
        if chain_digest(seal["previous_digest"], stored) != seal["digest"]:
            return ChainReport(False, index, rows_checked, f"seal {index + 1} was altered")
        rows = await conn.fetch(
            f"SELECT {_ROW_COLUMNS} FROM audit_log WHERE txid >= $1 AND txid < $2 ORDER BY seq",
            seal["previous_horizon_txid"],
            seal["horizon_txid"],
        )
        actual = {int(r["seq"]): (r, row_digest(r)) for r in rows}
        for seq, digest in stored:
            found = actual.pop(seq, None)
            if found is None:
                return ChainReport(False, index, rows_checked, f"audit row seq {seq} was removed")
            if found[1] != digest:
                return ChainReport(
                    False, index, rows_checked, f"audit row seq {seq} (id {found[0]['id']}) was changed"
                )
            rows_checked += 1
        if actual:
            seq = min(actual)
            return ChainReport(False, index, rows_checked, f"audit row seq {seq} was inserted into a sealed range")
        expected_previous = seal["digest"]
    return ChainReport(True, len(seals), rows_checked)


async def verify_audit_chain(database_url: str) -> ChainReport:
    conn = await asyncpg.connect(database_url)
    try:
        return await check_chain(conn)
    finally:
        await conn.close()
