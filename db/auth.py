"""Sign-in, sessions, refresh-token rotation, device tokens: the service functions behind /api/auth.

A session is one sign-in; its refresh tokens form one rotation family (family_id = session id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec

from db import audit, realtime
from db.connection import execute, fetch, fetchrow, transaction
from db.credentials import new_opaque_token, token_digest, verify_password
from domain.actors import Actor
from domain.errors import Locked, NotFound, TooManyAttempts, Unauthenticated, ValidationFailed
from domain.roles import Role
from domain.sessions import (
    SessionPolicy,
    ThrottlePolicy,
    failure_delay_seconds,
    needs_touch,
    seconds_until,
    session_is_usable,
    throttle_key,
)
from domain.topics import device_topic_refusal


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class SignedInSession:
    user: dict[str, Any]
    session_id: UUID
    refresh_token: str


@dataclass(frozen=True)
class FailedSignIn:
    """Returned (not raised) so the failure counters commit; the route waits `delay` then answers 401."""

    delay_seconds: float


_USER_COLUMNS = "id, email, phone, first_name, last_name, role, is_active, department_id, last_login, " \
    "created_at, updated_at, version"


async def user_by_id(user_id: UUID) -> dict[str, Any] | None:
    row = await fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE id = $1", user_id)
    return dict(row) if row else None


async def _check_throttles(email: str, address: str, policy: ThrottlePolicy, now: datetime) -> None:
    keys = {throttle_key(rule.scope, email=email, address=address): rule for rule in policy.rules()}
    rows = await fetch("SELECT key, locked_until FROM login_throttles WHERE key = ANY($1::text[])", list(keys))
    for row in rows:
        if row["locked_until"] and row["locked_until"] > now:
            rule = keys[row["key"]]
            wait = seconds_until(now, row["locked_until"])
            if rule.answer == 429:
                raise TooManyAttempts("Too many failed sign-ins from this address; try again later",
                                      retry_after_seconds=wait)
            raise Locked("This account is locked for a short while after repeated failed sign-ins",
                         retry_after_seconds=wait)


async def _count_failure(email: str, address: str, policy: ThrottlePolicy, now: datetime) -> int:
    """Counts one failure under every key; returns the failures of this account at this address."""
    account_at_address = 0
    for rule in policy.rules():
        key = throttle_key(rule.scope, email=email, address=address)
        row = await fetchrow(
            """
            INSERT INTO login_throttles (id, key, failures, window_started_at, locked_until)
            VALUES (gen_random_uuid(), $1, 1, $2, NULL)
            ON CONFLICT (key) DO UPDATE SET
              failures = CASE WHEN login_throttles.window_started_at < $2 - $3::interval
                              THEN 1 ELSE login_throttles.failures + 1 END,
              window_started_at = CASE WHEN login_throttles.window_started_at < $2 - $3::interval
                              THEN $2 ELSE login_throttles.window_started_at END
            RETURNING failures
            """,
            key, now, policy.window,
        )
        assert row is not None
        failures = int(row["failures"])
        if failures >= rule.max_failures:
            await execute("UPDATE login_throttles SET locked_until = $2 WHERE key = $1", key, now + rule.lock_for)
        if rule.scope.value == "account-at-address":
            account_at_address = failures
    return account_at_address


async def sign_in(
    *, email: str, password: str, address: str, user_agent: str | None,
    session_policy: SessionPolicy, throttle_policy: ThrottlePolicy,
) -> SignedInSession | FailedSignIn:
    email = email.strip().lower()
    now = _now()
    await _check_throttles(email, address, throttle_policy, now)
    row = await fetchrow(f"SELECT {_USER_COLUMNS}, password_hash FROM users WHERE lower(email) = $1", email)
    password_ok = await verify_password(row["password_hash"] if row else None, password)
    actor = Actor(user_id=row["id"] if row else None, role=Role(row["role"]) if row else None,
                  ip_address=address, user_agent=user_agent)
    async with transaction():
        if not row or not password_ok or not row["is_active"]:
            failures = await _count_failure(email, address, throttle_policy, now)
            await audit.record(actor, action="LOGIN_FAILED", table="users", record_id=row["id"] if row else None)
            return FailedSignIn(delay_seconds=failure_delay_seconds(failures, throttle_policy))
        await execute(
            "DELETE FROM login_throttles WHERE key = ANY($1::text[])",
            [throttle_key(r.scope, email=email, address=address) for r in throttle_policy.rules()
             if r.answer == 423],
        )
        session_id = uuid.uuid4()
        await execute(
            "INSERT INTO user_sessions (id, user_id, started_at, last_seen_at, expires_at, ip_address, user_agent) "
            "VALUES ($1, $2, $3, $3, $4, $5, $6)",
            session_id, row["id"], now, now + session_policy.absolute, address, user_agent,
        )
        refresh = await _issue_refresh_token(row["id"], session_id, now, session_policy, address, user_agent)
        await execute("UPDATE users SET last_login = $2 WHERE id = $1", row["id"], now)
        actor = Actor(user_id=row["id"], role=Role(row["role"]), session_id=session_id,
                      ip_address=address, user_agent=user_agent)
        await audit.record(actor, action="LOGIN", table="user_sessions", record_id=session_id)
    user = {k: v for k, v in dict(row).items() if k != "password_hash"}
    user["last_login"] = now
    return SignedInSession(user=user, session_id=session_id, refresh_token=refresh)


async def _issue_refresh_token(
    user_id: UUID, session_id: UUID, now: datetime, policy: SessionPolicy,
    address: str | None, user_agent: str | None,
) -> str:
    token = new_opaque_token("rt")
    await execute(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, issued_at, expires_at, "
        "session_started_at, user_agent, ip_address) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $4, $6, $7)",
        user_id, session_id, token_digest(token), now, now + policy.refresh_lifetime, user_agent, address,
    )
    return token


async def end_session(session_id: UUID, reason: str, actor: Actor | None = None) -> None:
    async with transaction():
        await execute(
            "UPDATE user_sessions SET revoked_at = coalesce(revoked_at, now()), revoke_reason = "
            "coalesce(revoke_reason, $2) WHERE id = $1",
            session_id, reason,
        )
        await execute(
            "UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL", session_id
        )
        if actor is not None:
            await audit.record(actor, action="LOGOUT", table="user_sessions", record_id=session_id)
        realtime.close_sockets(realtime.EndedSockets(reason=reason, session_id=session_id))


async def end_all_sessions_of(user_id: UUID, reason: str) -> None:
    """Called inside the transaction that disables a user or changes their role."""
    await execute(
        "UPDATE user_sessions SET revoked_at = now(), revoke_reason = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        user_id, reason,
    )
    await execute("UPDATE refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL", user_id)
    await execute("UPDATE users SET sessions_valid_after = now() WHERE id = $1", user_id)
    # Their open sockets close (4001) as soon as this commits, in every server process.
    realtime.close_sockets(realtime.EndedSockets(reason=reason, user_id=user_id))


async def rotate_refresh_token(
    *, token: str, address: str, user_agent: str | None, policy: SessionPolicy,
) -> SignedInSession:
    now = _now()
    reuse_of: UUID | None = None
    async with transaction():
        row = await fetchrow(
            """
            SELECT rt.id, rt.user_id, rt.family_id, rt.expires_at, rt.revoked_at, rt.replaced_by,
                   s.last_seen_at, s.expires_at AS session_expires_at, s.revoked_at AS session_revoked_at
            FROM refresh_tokens rt JOIN user_sessions s ON s.id = rt.family_id
            WHERE rt.token_hash = $1
            FOR UPDATE OF rt, s
            """,
            token_digest(token),
        )
        if row is None:
            raise Unauthenticated("Unknown refresh token")
        if row["replaced_by"] is not None or row["revoked_at"] is not None:
            # A rotated token came back: someone holds a copy. End the whole family.
            reuse_of = row["family_id"]
            await end_session(row["family_id"], "refresh token reuse")
            await audit.record(Actor(user_id=row["user_id"], role=None, ip_address=address, user_agent=user_agent),
                               action="REFRESH_TOKEN_REUSE", table="user_sessions", record_id=row["family_id"])
        elif row["expires_at"] <= now or not session_is_usable(
            now=now, last_seen_at=row["last_seen_at"], expires_at=row["session_expires_at"],
            revoked_at=row["session_revoked_at"], policy=policy,
        ):
            raise Unauthenticated("The session has ended; please sign in again")
        else:
            user = await fetchrow(f"SELECT {_USER_COLUMNS} FROM users WHERE id = $1", row["user_id"])
            if user is None or not user["is_active"]:
                raise Unauthenticated("The account is disabled")
            new_token = await _issue_refresh_token(row["user_id"], row["family_id"], now, policy, address, user_agent)
            await execute(
                "UPDATE refresh_tokens SET replaced_by = (SELECT id FROM refresh_tokens WHERE token_hash = $2), "
                "last_used_at = $3 WHERE id = $1",
                row["id"], token_digest(new_token), now,
            )
            return SignedInSession(user=dict(user), session_id=row["family_id"], refresh_token=new_token)
    raise Unauthenticated(f"Refresh token reuse detected; session {reuse_of} has been ended")


async def session_actor(
    *, user_id: UUID, session_id: UUID, token_role: str, issued_at: datetime, address: str | None,
    user_agent: str | None, policy: SessionPolicy, is_user_activity: bool,
) -> Actor:
    """Checks on every request that the session behind an access token is still alive."""
    now = _now()
    row = await fetchrow(
        """
        SELECT u.role, u.is_active, u.sessions_valid_after, s.last_seen_at, s.expires_at, s.revoked_at
        FROM user_sessions s JOIN users u ON u.id = s.user_id
        WHERE s.id = $1 AND s.user_id = $2
        """,
        session_id, user_id,
    )
    if row is None or not row["is_active"] or row["role"] != token_role:
        raise Unauthenticated("The session has ended; please sign in again")
    if issued_at < row["sessions_valid_after"].replace(microsecond=0):
        raise Unauthenticated("The session has ended; please sign in again")
    if not session_is_usable(now=now, last_seen_at=row["last_seen_at"], expires_at=row["expires_at"],
                             revoked_at=row["revoked_at"], policy=policy):
        raise Unauthenticated("The session has timed out; please sign in again")
    if is_user_activity and needs_touch(now=now, last_seen_at=row["last_seen_at"], policy=policy):
        await execute("UPDATE user_sessions SET last_seen_at = $2 WHERE id = $1", session_id, now)
    return Actor(user_id=user_id, role=Role(row["role"]), session_id=session_id, ip_address=address,
                 user_agent=user_agent)


# --- Devices: unattended screens ------------------------------------------------------------------

async def device_actor(token: str, *, address: str | None, user_agent: str | None) -> Actor:
    row = await fetchrow(
        "SELECT id, topics::text AS topics, last_used_at FROM device_tokens "
        "WHERE token_hash = $1 AND revoked_at IS NULL",
        token_digest(token),
    )
    if row is None:
        raise Unauthenticated("Unknown or revoked device token")
    now = _now()
    if row["last_used_at"] is None or (now - row["last_used_at"]).total_seconds() > 60:
        await execute("UPDATE device_tokens SET last_used_at = $2 WHERE id = $1", row["id"], now)
    topics = frozenset(str(t) for t in msgspec.json.decode(row["topics"]))
    return Actor(user_id=None, role=None, device_id=row["id"], device_topics=topics, ip_address=address,
                 user_agent=user_agent)


async def issue_device_token(actor: Actor, *, name: str, topics: list[str]) -> tuple[dict[str, Any], str]:
    refused = {f"topics[{i}]": why for i, t in enumerate(topics) if (why := device_topic_refusal(t)) is not None}
    if refused:
        raise ValidationFailed("A device token may not list these topics", fields=refused)
    token = new_opaque_token("dev")
    async with transaction():
        row = await fetchrow(
            "INSERT INTO device_tokens (id, name, token_hash, topics, created_by, created_at) "
            "VALUES (gen_random_uuid(), $1, $2, $3::jsonb, $4, now()) "
            "RETURNING id, name, topics::text AS topics, created_at, last_used_at, revoked_at",
            name, token_digest(token), msgspec.json.encode(topics).decode(), actor.user_id,
        )
        assert row is not None
        await audit.record(actor, action="CREATE", table="device_tokens", record_id=row["id"],
                           new={"name": name, "topics": topics})
    return _device_dict(row), token


def _device_dict(row: Any) -> dict[str, Any]:
    device = dict(row)
    device["topics"] = msgspec.json.decode(device["topics"])
    return device


async def list_device_tokens() -> list[dict[str, Any]]:
    rows = await fetch(
        "SELECT id, name, topics::text AS topics, created_at, last_used_at, revoked_at FROM device_tokens "
        "ORDER BY created_at DESC"
    )
    return [_device_dict(r) for r in rows]


async def revoke_device_token(actor: Actor, device_id: UUID) -> dict[str, Any]:
    async with transaction():
        row = await fetchrow(
            "UPDATE device_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 "
            "RETURNING id, name, topics::text AS topics, created_at, last_used_at, revoked_at",
            device_id,
        )
        if row is None:
            raise NotFound("No such device token")
        await audit.record(actor, action="REVOKE", table="device_tokens", record_id=device_id)
        realtime.close_sockets(realtime.EndedSockets(reason="device token revoked", device_id=device_id))
    return _device_dict(row)
