"""What the websocket gateway asks the database: tickets, who a subscriber is, whether sockets may live on,
and which sockets to close at once because their session ended.

Checks for open sockets run in batches (one query per process per sweep), not one query per socket.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID

import msgspec

from db.connection import after_commit, engine, execute, fetch, fetchrow
from db.credentials import new_opaque_token, token_digest
from domain.actors import Actor
from domain.errors import Unauthenticated, ValidationFailed
from domain.sessions import SessionPolicy, session_is_usable
from domain.topics import SubscriberFacts, parse_topic

TICKET_SECONDS = 30


def _now() -> datetime:
    return datetime.now(UTC)


# --- Tickets: a browser's way to authenticate a websocket ----------------------------------------


@dataclass(frozen=True, slots=True)
class TokenFacts:
    """The access token a socket was opened with: what the session checks need, and when it runs out."""

    role: str | None = None
    issued_at: datetime | None = None
    expires_at: datetime | None = None


async def issue_ticket(actor: Actor, token: TokenFacts) -> tuple[str, datetime]:
    """A single-use ticket for `actor`'s session or device, valid TICKET_SECONDS; only its digest is kept."""
    ticket = new_opaque_token("wst")
    expires_at = _now() + timedelta(seconds=TICKET_SECONDS)
    await execute(
        "INSERT INTO ws_tickets (id, token_hash, user_id, session_id, device_id, token_role, token_issued_at, "
        "token_expires_at, created_at, expires_at) VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, now(), $8)",
        token_digest(ticket), actor.user_id if not actor.is_device else None, actor.session_id, actor.device_id,
        token.role, token.issued_at, token.expires_at, expires_at,
    )
    return ticket, expires_at


@dataclass(frozen=True, slots=True)
class RedeemedTicket:
    user_id: UUID | None
    session_id: UUID | None
    device_id: UUID | None
    token: TokenFacts


async def redeem_ticket(ticket: str) -> RedeemedTicket:
    """Use up a ticket (deleting it, so a second use finds nothing); Unauthenticated if unknown or stale."""
    row = await fetchrow(
        "DELETE FROM ws_tickets WHERE token_hash = $1 RETURNING user_id, session_id, device_id, token_role, "
        "token_issued_at, token_expires_at, expires_at",
        token_digest(ticket),
    )
    if row is None or row["expires_at"] <= _now():
        raise Unauthenticated("The websocket ticket is unknown, used or expired; ask POST /api/ws-ticket again")
    return RedeemedTicket(
        user_id=row["user_id"], session_id=row["session_id"], device_id=row["device_id"],
        token=TokenFacts(role=row["token_role"], issued_at=row["token_issued_at"],
                         expires_at=row["token_expires_at"]),
    )


async def device_by_id(device_id: UUID, *, address: str | None, user_agent: str | None) -> Actor:
    row = await fetchrow(
        "SELECT id, topics::text AS topics FROM device_tokens WHERE id = $1 AND revoked_at IS NULL", device_id
    )
    if row is None:
        raise Unauthenticated("Unknown or revoked device token")
    topics = frozenset(str(t) for t in msgspec.json.decode(row["topics"]))
    return Actor(user_id=None, role=None, device_id=row["id"], device_topics=topics, ip_address=address,
                 user_agent=user_agent)


async def prune_tickets() -> int:
    rows = await fetch("DELETE FROM ws_tickets WHERE expires_at < now() - interval '1 minute' RETURNING id")
    return len(rows)


# --- Who is subscribing ---------------------------------------------------------------------------

_FACTS_SQL = """
SELECT
  ARRAY(SELECT wa.ward_id FROM ward_assignments wa WHERE wa.user_id = $1
        UNION
        SELECT dr.ward_id FROM duty_roster dr
        WHERE dr.user_id = $1 AND dr.ward_id IS NOT NULL AND dr.starts_at <= now() AND dr.ends_at > now())
    AS wards,
  ARRAY(SELECT u.department_id FROM users u WHERE u.id = $1 AND u.department_id IS NOT NULL
        UNION SELECT d.department_id FROM doctors d WHERE d.user_id = $1 AND d.department_id IS NOT NULL
        UNION SELECT s.department_id FROM hospital_staff s WHERE s.user_id = $1 AND s.department_id IS NOT NULL
        UNION SELECT dr.department_id FROM duty_roster dr
              WHERE dr.user_id = $1 AND dr.department_id IS NOT NULL AND dr.starts_at <= now() AND dr.ends_at > now()
        UNION SELECT w.department_id FROM ward_assignments wa JOIN wards w ON w.id = wa.ward_id WHERE wa.user_id = $1)
    AS departments
"""


def _canonical(names: frozenset[str]) -> list[str]:
    """A device token's topics in canonical form; names that are no topic are ignored."""
    found = []
    for name in names:
        try:
            found.append(parse_topic(name).name)
        except ValidationFailed:
            continue
    return found


async def subscriber_facts(actor: Actor) -> SubscriberFacts:
    """The facts domain.topics.may_subscribe needs: role, roster wards and departments (one query)."""
    if actor.is_device or actor.user_id is None:
        return SubscriberFacts(role=None, device_topics=frozenset(_canonical(actor.device_topics)))
    row = await fetchrow(_FACTS_SQL, actor.user_id)
    assert row is not None
    return SubscriberFacts(
        role=actor.role,
        user_id=actor.user_id,
        ward_ids_on_roster=frozenset(row["wards"]),
        department_ids=frozenset(row["departments"]),
    )


# --- Whether open sockets may live on -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionCheck:
    user_id: UUID
    session_id: UUID
    token: TokenFacts


async def sessions_alive(checks: Sequence[SessionCheck], policy: SessionPolicy) -> set[UUID]:
    """The session ids among `checks` that are still usable, by the rules of db.auth.session_actor.

    Never counts as the person's activity: an open socket must not keep an idle session alive.
    """
    if not checks:
        return set()
    rows = await fetch(
        "SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, s.revoked_at, u.role, u.is_active, "
        "u.sessions_valid_after FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ANY($1::uuid[])",
        list({c.session_id for c in checks}),
    )
    by_id = {r["id"]: r for r in rows}
    now = _now()
    alive: set[UUID] = set()
    for check in checks:
        row = by_id.get(check.session_id)
        if row is None or row["user_id"] != check.user_id or not row["is_active"]:
            continue
        if check.token.role is not None and row["role"] != check.token.role:
            continue
        issued = check.token.issued_at
        if issued is not None and issued < row["sessions_valid_after"].replace(microsecond=0):
            continue
        if session_is_usable(now=now, last_seen_at=row["last_seen_at"], expires_at=row["expires_at"],
                             revoked_at=row["revoked_at"], policy=policy):
            alive.add(check.session_id)
    return alive


async def devices_alive(device_ids: Sequence[UUID]) -> set[UUID]:
    if not device_ids:
        return set()
    rows = await fetch(
        "SELECT id FROM device_tokens WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL", list(set(device_ids))
    )
    return {r["id"] for r in rows}


# --- Closing the sockets of ended sessions at once ------------------------------------------------


class EndedSockets(msgspec.Struct, rename="camel", omit_defaults=True, frozen=True):
    """Sockets to close with 4001 now: every socket of a user, of one session, or of one device."""

    reason: str
    user_id: UUID | None = None
    session_id: UUID | None = None
    device_id: UUID | None = None


SocketCloser = Callable[[EndedSockets], None]
# One per running app (its gateway): closes its own sockets and tells the other processes (channels/).
_closers: list[SocketCloser] = []


def add_socket_closer(closer: SocketCloser) -> None:
    _closers.append(closer)


def remove_socket_closer(closer: SocketCloser) -> None:
    if closer in _closers:
        _closers.remove(closer)


def close_sockets(ended: EndedSockets) -> None:
    """Call inside the transaction that ends the sessions (or revokes the device): once it commits, every
    server process closes those sockets with 4001, without waiting for its 30 s session check (which still
    catches anything this misses, e.g. a process that was away from Redis at the time)."""
    closers = list(_closers)
    if not closers:
        return

    def announce() -> None:
        for closer in closers:
            closer(ended)

    if engine().current_transaction.get() is not None:
        after_commit(announce)
    else:
        announce()
