"""Staff accounts: create, list, change role, reset password, disable; each change audited.

Disabling a user or changing their role ends every session they hold, in the same transaction.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from db import audit
from db.auth import end_all_sessions_of
from db.connection import execute, fetch, fetchrow, transaction
from db.credentials import hash_password
from domain.actors import Actor
from domain.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from domain.roles import Role

USER_COLUMNS = (
    "id, email, phone, first_name, last_name, role, is_active, department_id, last_login, created_at, "
    "updated_at, version"
)


@dataclass(frozen=True)
class NewUser:
    email: str
    first_name: str
    last_name: str | None
    role: Role
    password: str | None
    phone: str | None = None
    department_id: UUID | None = None
    registration_number: str | None = None
    registration_council: str | None = None
    specialization: str | None = None
    qualification: str | None = None


def temporary_password() -> str:
    return secrets.token_urlsafe(12)


async def create_user(actor: Actor, new: NewUser) -> dict[str, Any]:
    password = new.password or temporary_password()
    if len(password) < 10:
        raise ValidationFailed(fields={"password": "Use at least 10 characters"})
    password_hash = await hash_password(password)
    async with transaction():
        if new.department_id and not await fetchrow("SELECT 1 FROM departments WHERE id = $1", new.department_id):
            raise ValidationFailed(fields={"department": "No such department"})
        try:
            row = await fetchrow(
                f"INSERT INTO users (id, email, phone, first_name, last_name, password_hash, role, is_active, "
                f"department_id, sessions_valid_after, version, created_at, updated_at) "
                f"VALUES ($1, lower($2), $3, $4, $5, $6, $7, true, $8, now(), 1, now(), now()) "
                f"RETURNING {USER_COLUMNS}",
                uuid.uuid4(), new.email.strip(), new.phone, new.first_name, new.last_name, password_hash,
                new.role.value, new.department_id,
            )
        except asyncpg.UniqueViolationError as exc:
            raise Conflict("A user with this e-mail already exists", fields={"email": "already in use"}) from exc
        assert row is not None
        if new.role is Role.DOCTOR:
            await execute(
                "INSERT INTO doctors (id, user_id, department_id, registration_number, registration_council, "
                "specialization, qualification, available_weekends, created_at, updated_at) "
                "VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, false, now(), now())",
                row["id"], new.department_id, new.registration_number, new.registration_council,
                new.specialization, new.qualification,
            )
        user = dict(row)
        await audit.record(actor, action="CREATE", table="users", record_id=row["id"], new=user)
    if new.password is None:
        user["temporary_password"] = password
    return user


async def list_users(*, role: Role | None, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    rows = await fetch(
        f"SELECT {USER_COLUMNS}, count(*) OVER () AS total FROM users "
        f"WHERE ($1::text IS NULL OR role = $1) ORDER BY last_name NULLS FIRST, first_name LIMIT $2 OFFSET $3",
        role.value if role else None, limit, offset,
    )
    total = int(rows[0]["total"]) if rows else 0
    return [{k: v for k, v in dict(r).items() if k != "total"} for r in rows], total


async def get_user(user_id: UUID) -> dict[str, Any]:
    row = await fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE id = $1", user_id)
    if row is None:
        raise NotFound("No such user")
    return dict(row)


async def _locked_user(user_id: UUID, expected_version: int | None) -> dict[str, Any]:
    row = await fetchrow(f"SELECT {USER_COLUMNS} FROM users WHERE id = $1 FOR UPDATE", user_id)
    if row is None:
        raise NotFound("No such user")
    if expected_version is not None and row["version"] != expected_version:
        raise StaleVersion("This user was changed by someone else", current_version=row["version"])
    return dict(row)


async def change_role(actor: Actor, user_id: UUID, role: Role, *, expected_version: int | None) -> dict[str, Any]:
    async with transaction():
        old = await _locked_user(user_id, expected_version)
        if actor.user_id == user_id and role is not Role.ADMIN:
            raise Conflict("An administrator cannot remove their own ADMIN role")
        row = await fetchrow(
            f"UPDATE users SET role = $2, version = version + 1, updated_at = now() WHERE id = $1 "
            f"RETURNING {USER_COLUMNS}",
            user_id, role.value,
        )
        assert row is not None
        if old["role"] != role.value:
            await end_all_sessions_of(user_id, "role changed")
        await audit.record(actor, action="UPDATE_ROLE", table="users", record_id=user_id,
                           old={"role": old["role"]}, new={"role": role.value})
    return dict(row)


async def set_active(actor: Actor, user_id: UUID, active: bool, *, expected_version: int | None) -> dict[str, Any]:
    async with transaction():
        old = await _locked_user(user_id, expected_version)
        if actor.user_id == user_id and not active:
            raise Conflict("You cannot disable your own account")
        row = await fetchrow(
            f"UPDATE users SET is_active = $2, version = version + 1, updated_at = now() WHERE id = $1 "
            f"RETURNING {USER_COLUMNS}",
            user_id, active,
        )
        assert row is not None
        if not active:
            await end_all_sessions_of(user_id, "account disabled")
        await audit.record(actor, action="ENABLE" if active else "DISABLE", table="users", record_id=user_id,
                           old={"is_active": old["is_active"]}, new={"is_active": active})
    return dict(row)


async def reset_password(actor: Actor, user_id: UUID) -> str:
    password = temporary_password()
    password_hash = await hash_password(password)
    async with transaction():
        await _locked_user(user_id, None)
        await execute(
            "UPDATE users SET password_hash = $2, version = version + 1, updated_at = now() WHERE id = $1",
            user_id, password_hash,
        )
        await end_all_sessions_of(user_id, "password reset")
        await audit.record(actor, action="RESET_PASSWORD", table="users", record_id=user_id)
    return password


async def audit_log(
    *, user_id: UUID | None, table_names: list[str] | None, start: Any, end: Any, action: str | None,
    record_id: str | None, sort: str, limit: int, offset: int,
) -> tuple[list[dict[str, Any]], int]:
    order = {"createdAt": "created_at ASC, seq ASC", "-createdAt": "created_at DESC, seq DESC"}[sort]
    rows = await fetch(
        f"""
        SELECT id, seq, user_id, action, table_name, record_id, old_values::text AS old_values,
               new_values::text AS new_values, ip_address, user_agent, created_at, count(*) OVER () AS total
        FROM audit_log
        WHERE ($1::uuid IS NULL OR user_id = $1)
          AND ($2::text[] IS NULL OR table_name = ANY($2))
          AND ($3::timestamptz IS NULL OR created_at >= $3)
          AND ($4::timestamptz IS NULL OR created_at < $4)
          AND ($5::text IS NULL OR action = $5)
          AND ($6::text IS NULL OR record_id = $6)
        ORDER BY {order} LIMIT $7 OFFSET $8
        """,
        user_id, table_names, start, end, action, record_id, limit, offset,
    )
    total = int(rows[0]["total"]) if rows else 0
    return [{k: v for k, v in dict(r).items() if k != "total"} for r in rows], total
