"""/api/users, /api/devices and /api/audit-log: staff accounts, unattended screens and the audit trail (ADMIN).

Routes parse and check input, call one service function and shape the answer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import msgspec
from litestar import Request, get, post, put
from litestar.params import FromPath, JSONBody, QueryParameter

from db import auth as auth_service
from db import users as users_service
from domain.actors import Actor
from domain.policy import Permission, permissions_of
from domain.roles import Role
from server.errors import document_errors
from server.security import requires
from server.versioning import expected_version

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=100, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class UserOut(msgspec.Struct, rename="camel", omit_defaults=True):
    id: UUID
    email: str
    first_name: str
    role: Role
    is_active: bool
    version: int
    last_name: str | None = None
    phone: str | None = None
    department_id: UUID | None = None
    last_login: datetime | None = None
    created_at: datetime | None = None
    temporary_password: str | None = None


def user_out(row: dict[str, Any]) -> UserOut:
    return UserOut(
        id=row["id"], email=row["email"], first_name=row["first_name"], last_name=row.get("last_name"),
        role=Role(row["role"]), is_active=row["is_active"], version=row.get("version", 1),
        phone=row.get("phone"), department_id=row.get("department_id"), last_login=row.get("last_login"),
        created_at=row.get("created_at"), temporary_password=row.get("temporary_password"),
    )


class UserRegistration(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    """The spec's {email, password, name, role}; firstName/lastName may be sent instead of name."""

    email: Email
    role: Role
    password: Annotated[str, msgspec.Meta(min_length=10, max_length=200)] | None = None
    name: Name | None = None
    first_name: Name | None = None
    last_name: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    phone: Annotated[str, msgspec.Meta(max_length=20)] | None = None
    department: UUID | None = None
    registration_number: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    registration_council: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    specialization: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    qualification: Annotated[str, msgspec.Meta(max_length=200)] | None = None

    def as_new_user(self) -> users_service.NewUser:
        from domain.errors import ValidationFailed

        first, last = self.first_name, self.last_name
        if first is None:
            if not self.name or not self.name.strip():
                raise ValidationFailed(fields={"name": "Give name, or firstName and lastName"})
            first, _, rest = self.name.strip().partition(" ")
            last = rest.strip() or None
        return users_service.NewUser(
            email=self.email, first_name=first, last_name=last, role=self.role, password=self.password,
            phone=self.phone, department_id=self.department, registration_number=self.registration_number,
            registration_council=self.registration_council, specialization=self.specialization,
            qualification=self.qualification,
        )


class UsersOut(msgspec.Struct, rename="camel"):
    users: list[UserOut]
    total: int


class UserCreatedOut(msgspec.Struct, rename="camel", omit_defaults=True):
    user_id: UUID
    user: UserOut


class RoleIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    role: Role
    version: int | None = None


class UpdatedOut(msgspec.Struct, rename="camel"):
    updated: bool
    user: UserOut


class PasswordResetOut(msgspec.Struct, rename="camel"):
    password_reset: bool
    temporary_password: str


class PermissionsOut(msgspec.Struct, rename="camel"):
    role: Role
    permissions: list[str]


class VersionIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    version: int | None = None


_admin = [requires(Permission.USERS_MANAGE)]


@get("/api/users", guards=_admin, tags=["users"], summary="List staff accounts")
async def list_users(
    role: Annotated[Role | None, QueryParameter()] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    # Bounded: PostgreSQL's OFFSET is a bigint, and a larger number was a 500.
    offset: Annotated[int, QueryParameter(ge=0, le=100_000)] = 0,
) -> UsersOut:
    rows, total = await users_service.list_users(role=role, limit=limit, offset=offset)
    return UsersOut(users=[user_out(r) for r in rows], total=total)


@post("/api/users", guards=_admin, tags=["users"], summary="Create a staff account", status_code=201)
async def create_user(request: Request[Actor, Any, Any], data: JSONBody[UserRegistration]) -> UserCreatedOut:
    user = await users_service.create_user(request.user, data.as_new_user())
    return UserCreatedOut(user_id=user["id"], user=user_out(user))


@put("/api/users/{user_id:uuid}/role", guards=_admin, tags=["users"], summary="Change a user's role")
async def change_role(request: Request[Actor, Any, Any], user_id: FromPath[UUID], data: JSONBody[RoleIn]) -> UpdatedOut:
    row = await users_service.change_role(
        request.user, user_id, data.role, expected_version=expected_version(request, data.version)
    )
    return UpdatedOut(updated=True, user=user_out(row))


@post("/api/users/{user_id:uuid}/deactivate", guards=_admin, tags=["users"], summary="Disable a user",
      status_code=200)
async def deactivate_user(
    request: Request[Actor, Any, Any], user_id: FromPath[UUID], data: JSONBody[VersionIn | None] = None
) -> UpdatedOut:
    row = await users_service.set_active(
        request.user, user_id, False, expected_version=expected_version(request, data.version if data else None)
    )
    return UpdatedOut(updated=True, user=user_out(row))


@post("/api/users/{user_id:uuid}/activate", guards=_admin, tags=["users"], summary="Enable a user",
      status_code=200)
async def activate_user(
    request: Request[Actor, Any, Any], user_id: FromPath[UUID], data: JSONBody[VersionIn | None] = None
) -> UpdatedOut:
    row = await users_service.set_active(
        request.user, user_id, True, expected_version=expected_version(request, data.version if data else None)
    )
    return UpdatedOut(updated=True, user=user_out(row))


@post("/api/users/{user_id:uuid}/reset-password", guards=_admin, tags=["users"],
      summary="Set a one-time password and end the user's sessions", status_code=200)
async def reset_password(request: Request[Actor, Any, Any], user_id: FromPath[UUID]) -> PasswordResetOut:
    password = await users_service.reset_password(request.user, user_id)
    return PasswordResetOut(password_reset=True, temporary_password=password)


@get("/api/users/{user_id:uuid}/permissions", guards=_admin, tags=["users"], summary="What a user's role may do")
async def user_permissions(user_id: FromPath[UUID]) -> PermissionsOut:
    user = await users_service.get_user(user_id)
    role = Role(user["role"])
    return PermissionsOut(role=role, permissions=sorted(p.value for p in permissions_of(role)))


# --- Devices ------------------------------------------------------------------------------------

class DeviceIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    topics: Annotated[list[Annotated[str, msgspec.Meta(min_length=1, max_length=100,
                                                       pattern=r"^[a-z]+(:[A-Za-z0-9_-]+)?$")]],
                      msgspec.Meta(min_length=1, max_length=20)]


class DeviceOut(msgspec.Struct, rename="camel", omit_defaults=True):
    id: UUID
    name: str
    topics: list[str]
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
    token: str | None = None


class DevicesOut(msgspec.Struct, rename="camel"):
    devices: list[DeviceOut]


def _device_out(row: dict[str, Any], token: str | None = None) -> DeviceOut:
    return DeviceOut(id=row["id"], name=row["name"], topics=list(row["topics"]), created_at=row["created_at"],
                     last_used_at=row["last_used_at"], revoked_at=row["revoked_at"], token=token)


_devices = [requires(Permission.DEVICES_MANAGE)]


@get("/api/devices", guards=_devices, tags=["devices"], summary="Device tokens with their last use")
async def list_devices() -> DevicesOut:
    return DevicesOut(devices=[_device_out(r) for r in await auth_service.list_device_tokens()])


@post("/api/devices", guards=_devices, tags=["devices"], status_code=201,
      summary="Issue a read-only device token bound to topics (shown once)")
async def create_device(request: Request[Actor, Any, Any], data: JSONBody[DeviceIn]) -> DeviceOut:
    row, token = await auth_service.issue_device_token(request.user, name=data.name, topics=data.topics)
    return _device_out(row, token)


@post("/api/devices/{device_id:uuid}/revoke", guards=_devices, tags=["devices"], status_code=200,
      summary="Revoke a device token")
async def revoke_device(request: Request[Actor, Any, Any], device_id: FromPath[UUID]) -> DeviceOut:
    return _device_out(await auth_service.revoke_device_token(request.user, device_id))


# --- Audit log ----------------------------------------------------------------------------------

class AuditEntryOut(msgspec.Struct, rename="camel", omit_defaults=True):
    id: UUID
    seq: int
    action: str
    created_at: datetime
    user_id: UUID | None = None
    table_name: str | None = None
    record_id: str | None = None
    old_values: Any = None
    new_values: Any = None
    ip_address: str | None = None
    user_agent: str | None = None


class AuditLogOut(msgspec.Struct, rename="camel"):
    logs: list[AuditEntryOut]
    total: int


@get("/api/audit-log", guards=[requires(Permission.AUDIT_READ)], tags=["audit"], summary="The audit trail")
async def audit_log(
    user_id: Annotated[UUID | None, QueryParameter(name="userId")] = None,
    table_names: Annotated[str | None, QueryParameter(name="tableNames")] = None,
    start_date: Annotated[datetime | None, QueryParameter(name="startDate")] = None,
    end_date: Annotated[datetime | None, QueryParameter(name="endDate")] = None,
    action: Annotated[str | None, QueryParameter(max_length=200)] = None,
    record_id: Annotated[str | None, QueryParameter(name="recordId", max_length=100)] = None,
    sort: Annotated[Literal["createdAt", "-createdAt"], QueryParameter()] = "-createdAt",
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
    offset: Annotated[int, QueryParameter(ge=0, le=100_000_000)] = 0,  # PostgreSQL's OFFSET is a bigint
) -> AuditLogOut:
    names = [t.strip() for t in table_names.split(",") if t.strip()] if table_names else None
    rows, total = await users_service.audit_log(
        user_id=user_id, table_names=names, start=start_date, end=end_date, action=action,
        record_id=record_id, sort=sort, limit=limit, offset=offset,
    )
    logs = [
        AuditEntryOut(
            id=r["id"], seq=r["seq"], action=r["action"], created_at=r["created_at"], user_id=r["user_id"],
            table_name=r["table_name"], record_id=r["record_id"],
            old_values=msgspec.json.decode(r["old_values"]) if r["old_values"] else None,
            new_values=msgspec.json.decode(r["new_values"]) if r["new_values"] else None,
            ip_address=r["ip_address"], user_agent=r["user_agent"],
        )
        for r in rows
    ]
    return AuditLogOut(logs=logs, total=total)


ROUTES = document_errors([
    list_users, create_user, change_role, deactivate_user, activate_user, reset_password, user_permissions,
    list_devices, create_device, revoke_device, audit_log,
])
