"""Who is calling: access tokens (JWT), device tokens, the authentication middleware and role guards.

Every route either names the permission it needs with `requires(...)` or is declared public with
`exclude_from_auth=True`; tests/api/test_rbac.py checks that no route has neither.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult, DefineMiddleware
from litestar.types import Guard

from db import auth as auth_service
from domain.actors import Actor
from domain.errors import Unauthenticated
from domain.policy import Permission, allows
from domain.sessions import SessionPolicy
from server.settings import Settings

ALGORITHM = "HS256"
ISSUER = "hospital-live"


def session_policy(config: Settings) -> SessionPolicy:
    return SessionPolicy(
        idle=timedelta(minutes=config.idle_timeout_minutes),
        absolute=timedelta(hours=config.session_absolute_hours),
        refresh_lifetime=timedelta(days=config.refresh_token_days),
    )


def issue_access_token(config: Settings, *, user_id: uuid.UUID, role: str, session_id: uuid.UUID) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "role": role,
        "sid": str(session_id),
        "aud": config.jwt_audience,
        "iss": ISSUER,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=config.access_token_minutes)).timestamp()),
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    return jwt.encode(claims, config.jwt_secret, algorithm=ALGORITHM)


def decode_access_token(config: Settings, token: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token,
            config.jwt_secret,
            algorithms=[ALGORITHM],  # an allow-list: alg=none and key-confusion tricks are refused
            audience=config.jwt_audience,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "aud", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthenticated("The access token has expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthenticated("The access token is not valid") from exc
    if claims.get("typ") != "access":
        raise Unauthenticated("The access token is not valid")
    return claims


def client_address(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    client = connection.scope.get("client")
    return client[0] if client else "unknown"


async def actor_for_token(
    config: Settings, token: str, *, address: str, user_agent: str | None, is_user_activity: bool
) -> tuple[Actor, dict[str, Any]]:
    """The actor behind a bearer token (an access JWT or a device token dev_...), and its claims.

    Raises Unauthenticated when the token is bad or its session or device is no longer valid.
    """
    if token.startswith("dev_"):
        actor = await auth_service.device_actor(token, address=address, user_agent=user_agent)
        return actor, {"device": str(actor.device_id)}
    claims = decode_access_token(config, token)
    try:
        user_id, session_id = uuid.UUID(claims["sub"]), uuid.UUID(claims["sid"])
    except ValueError as exc:
        raise Unauthenticated("The access token is not valid") from exc
    actor = await auth_service.session_actor(
        user_id=user_id,
        session_id=session_id,
        token_role=str(claims.get("role")),
        issued_at=datetime.fromtimestamp(claims["iat"], UTC),
        address=address,
        user_agent=user_agent,
        policy=session_policy(config),
        is_user_activity=is_user_activity,
    )
    return actor, claims


class AuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        config: Settings = connection.app.state.settings
        # Websockets authenticate in their own handler (server/realtime.py): bearer header or a ticket.
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("Sign in first: no bearer token was sent")
        try:
            actor, claims = await actor_for_token(
                config,
                token,
                address=client_address(connection),
                user_agent=connection.headers.get("user-agent"),
                # Background polls (a board's heartbeat) must not keep an idle personal session alive.
                is_user_activity=connection.headers.get("x-activity") != "background",
            )
        except Unauthenticated as exc:
            raise NotAuthorizedException(exc.detail) from exc
        return AuthenticationResult(user=actor, auth=claims)


def auth_middleware() -> DefineMiddleware:
    return DefineMiddleware(AuthMiddleware, exclude=["^/api/schema"])


def requires(*permissions: Permission, devices: bool = False) -> Guard:
    """A guard allowing staff whose role holds every one of `permissions`; devices only when `devices`."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        actor: Actor = connection.user
        if actor.is_device:
            if devices and connection.scope.get("method", "GET") == "GET":
                return
            raise PermissionDeniedException("Device tokens are read-only and limited to their screens")
        if actor.role is None or not all(allows(actor.role, p) for p in permissions):
            raise PermissionDeniedException(
                f"Your role may not do this (needs {', '.join(p.value for p in permissions)})"
            )

    guard.permissions = permissions  # type: ignore[attr-defined]
    return guard
