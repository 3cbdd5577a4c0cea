"""/ws (the one live socket), POST /api/ws-ticket and GET /api/asyncapi.json.

The handshake is checked here (Origin, then a bearer token or a single-use ticket); everything after
it is channels.gateway. A refused handshake is accepted and closed at once with a documented code
(4401, 4403), because a browser never sees the HTTP status of a refused upgrade.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Request, Response, WebSocket, get, post, websocket
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from channels.asyncapi import asyncapi_document
from channels.gateway import CloseCode, Credentials, Gateway
from db import realtime
from db.auth import session_actor
from db.realtime import TokenFacts
from domain.actors import Actor
from domain.errors import Unauthenticated
from domain.policy import Permission, allows
from domain.roles import Role
from server.security import actor_for_token, client_address, session_policy
from server.settings import Settings

log = logging.getLogger("hospital.realtime")

def _token_facts(claims: dict[str, Any]) -> TokenFacts:
    if "exp" not in claims:
        return TokenFacts()  # a device token: it lives until revoked
    return TokenFacts(
        role=str(claims.get("role")),
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        expires_at=datetime.fromtimestamp(claims["exp"], UTC),
    )


async def credentials_for_token(config: Settings, token: str, *, address: str, user_agent: str | None) -> Credentials:
    # A socket is not the person's activity: it must not keep an idle session alive.
    actor, claims = await actor_for_token(config, token, address=address, user_agent=user_agent,
                                          is_user_activity=False)
    return Credentials(actor=actor, token=_token_facts(claims))


def renewal_checker(config: Settings) -> Any:
    async def check(token: str, previous: Actor) -> Credentials:
        return await credentials_for_token(config, token, address=previous.ip_address or "unknown",
                                           user_agent=previous.user_agent)

    return check


async def _credentials_for_ticket(
    config: Settings, ticket: str, *, address: str, user_agent: str | None
) -> Credentials:
    redeemed = await realtime.redeem_ticket(ticket)
    if redeemed.device_id is not None:
        actor = await realtime.device_by_id(redeemed.device_id, address=address, user_agent=user_agent)
        return Credentials(actor=actor)
    if redeemed.user_id is None or redeemed.session_id is None or redeemed.token.issued_at is None:
        raise Unauthenticated("The websocket ticket is not valid")
    actor = await session_actor(
        user_id=redeemed.user_id, session_id=redeemed.session_id, token_role=str(redeemed.token.role),
        issued_at=redeemed.token.issued_at, address=address, user_agent=user_agent,
        policy=session_policy(config), is_user_activity=False,
    )
    return Credentials(actor=actor, token=redeemed.token)


def origin_allowed(connection: ASGIConnection[Any, Any, Any, Any], config: Settings) -> bool:
    """Browsers always send Origin on a websocket: it must be ours (same host, or a configured origin).

    Programs and devices that send no Origin are judged by their token alone.
    """
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    if origin in config.cors_origins:
        return True
    host = connection.headers.get("host", "")
    parts = urlsplit(origin)
    return bool(host) and parts.scheme in ("http", "https") and parts.netloc.lower() == host.lower()


async def _handshake(socket: WebSocket[Any, Any, Any], config: Settings) -> Credentials:
    address = client_address(socket)
    user_agent = socket.headers.get("user-agent")
    scheme, _, token = socket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token:
        return await credentials_for_token(config, token, address=address, user_agent=user_agent)
    ticket = socket.query_params.get("ticket")
    if ticket:
        return await _credentials_for_ticket(config, ticket, address=address, user_agent=user_agent)
    raise Unauthenticated("Send Authorization: Bearer <token>, or ?ticket= from POST /api/ws-ticket")


@websocket("/ws", exclude_from_auth=True, name="live-socket")
async def live_socket(socket: WebSocket[Any, Any, Any]) -> None:
    """The live socket: many subscriptions, one connection (protocol: docs/realtime.md)."""
    config: Settings = socket.app.state.settings
    gateway: Gateway = socket.app.state.gateway
    refusal: tuple[int, str] | None = None
    credentials: Credentials | None = None
    if not origin_allowed(socket, config):
        refusal = (CloseCode.FORBIDDEN_ORIGIN, "origin not allowed")
    else:
        try:
            credentials = await _handshake(socket, config)
        except Unauthenticated as exc:
            refusal = (CloseCode.UNAUTHENTICATED, exc.detail[:120])
    await socket.accept()
    if refusal is not None or credentials is None:
        code, reason = refusal or (CloseCode.UNAUTHENTICATED, "unauthenticated")
        await socket.close(code=code, reason=reason)
        return
    try:
        await gateway.serve(socket.send, socket.receive, credentials)  # type: ignore[arg-type]
    except Exception:
        log.exception("the live socket failed")
        with contextlib.suppress(Exception):
            await socket.close(code=CloseCode.INTERNAL, reason="internal error: reconnect and resume")


class TicketOut(msgspec.Struct, rename="camel"):
    ticket: str
    expires_at: datetime
    url: str


def _may_open_socket(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Any member of staff with a session, or a device (a kiosk browser holding its device token)."""
    actor: Actor = connection.user
    if actor.is_device:
        return
    if actor.role is None or not allows(Role(actor.role), Permission.AUTH_SESSION):
        raise PermissionDeniedException("Only signed-in staff and devices may open the live socket")


_may_open_socket.permissions = (Permission.AUTH_SESSION,)  # type: ignore[attr-defined]


@post("/api/ws-ticket", guards=[_may_open_socket], tags=["realtime"], status_code=201,
      summary="A single-use ticket (30 s) to open /ws from a browser: /ws?ticket=...")
async def ws_ticket(request: Request[Actor, Any, Any]) -> TicketOut:
    claims: dict[str, Any] = request.auth or {}
    ticket, expires_at = await realtime.issue_ticket(request.user, _token_facts(claims))
    return TicketOut(ticket=ticket, expires_at=expires_at, url=f"/ws?ticket={ticket}")


@get("/api/asyncapi.json", exclude_from_auth=True, tags=["realtime"],
     summary="The live socket's protocol as an AsyncAPI 3 document (public: it holds no data)")
async def asyncapi(request: Request[Any, Any, Any]) -> Response[bytes]:
    document = asyncapi_document(host=request.headers.get("host", "localhost"))
    return Response(content=msgspec.json.encode(document), media_type="application/json")


ROUTES: list[Any] = [live_socket, ws_ticket, asyncapi]
