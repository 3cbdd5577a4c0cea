"""The audit trail is append-only for the app, sealed by chained digests, and tampering is detected."""

from __future__ import annotations

import asyncpg
import pytest

from db import audit
from domain.actors import Actor


async def test_app_role_may_insert_but_never_update_or_delete_audit_rows(server_url, settings):
    conn = await asyncpg.connect(settings.database_url)
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("UPDATE audit_log SET action = 'X' WHERE seq = (SELECT min(seq) FROM audit_log)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM audit_log WHERE seq = (SELECT min(seq) FROM audit_log)")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM audit_seals")
    finally:
        await conn.close()


async def test_check_passes_on_an_untouched_trail_and_names_the_row_edited_by_the_owner(server_url, settings):
    await audit.record(Actor(user_id=None, role=None, ip_address="127.0.0.1"), action="TEST", table="patients",
                       record_id="tamper-check", new={"note": "original"})
    while await audit.seal_pending():
        pass
    await audit.seal_pending()
    owner = await asyncpg.connect(settings.database_owner_url)
    try:
        report = await audit.check_chain(owner)
        assert report.ok, report.summary
        assert report.rows_checked > 0
        seq = await owner.fetchval("SELECT max(seq) FROM audit_log WHERE record_id = 'tamper-check'")
        sealed = await owner.fetchval(
            "SELECT EXISTS (SELECT 1 FROM audit_seals s, jsonb_array_elements(s.row_digests) e "
            "WHERE (e->>0)::bigint = $1)", seq)
        assert sealed
        original = await owner.fetchval("SELECT new_values::text FROM audit_log WHERE seq = $1", seq)
        await owner.execute("UPDATE audit_log SET new_values = '{\"note\": \"forged\"}' WHERE seq = $1", seq)
        try:
            broken = await audit.check_chain(owner)
            assert not broken.ok
            assert f"seq {seq}" in (broken.first_problem or "")
            assert "changed" in (broken.first_problem or "")
        finally:
            await owner.execute("UPDATE audit_log SET new_values = $2::jsonb WHERE seq = $1", seq, original)
        assert (await audit.check_chain(owner)).ok
    finally:
        await owner.close()


async def test_check_reports_a_removed_row(server_url, settings):
    await audit.record(Actor(user_id=None, role=None), action="TEST", table="patients", record_id="removal-check")
    await audit.seal_pending()
    owner = await asyncpg.connect(settings.database_owner_url)
    try:
        row = await owner.fetchrow(
            "SELECT * FROM audit_log WHERE record_id = 'removal-check' ORDER BY seq DESC LIMIT 1"
        )
        await owner.execute("DELETE FROM audit_log WHERE seq = $1", row["seq"])
        try:
            report = await audit.check_chain(owner)
            assert not report.ok
            assert f"seq {row['seq']} was removed" in (report.first_problem or "")
        finally:
            columns = list(row.keys())
            placeholders = ", ".join(f"${i + 1}" for i in range(len(columns)))
            await owner.execute(
                f"INSERT INTO audit_log ({', '.join(columns)}) VALUES ({placeholders})",
                *row.values(),
            )
        assert (await audit.check_chain(owner)).ok
    finally:
        await owner.close()
