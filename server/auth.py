"""/api/auth: sign in, refresh (rotating, server-side), sign out, and ADMIN-only registration.

Browsers get the refresh token as an HttpOnly, SameSite=Strict cookie scoped to /api/auth; a program that
asks (`X-Refresh-Token-In-Body: true`) gets it in the body instead.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, post
from litestar.datastructures import Cookie
from litestar.params import JSONBody

from db import auth as auth_service
from db import users as users_service
from domain.actors import Actor
from domain.errors import Unauthenticated
from domain.policy import Permission
from domain.sessions import ThrottlePolicy
from server.errors import document_errors
from server.security import client_address, issue_access_token, requires, session_policy
from server.settings import Settings
from server.users import UserOut, UserRegistration, user_out

REFRESH_COOKIE = "refresh_token"
REFRESH_PATH = "/api/auth"


class LoginIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=100)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class TokenOut(msgspec.Struct, rename="camel", omit_defaults=True):
    token: str
    expires_in: int
    user: UserOut | None = None
    refresh_token: str | None = None


class RefreshIn(msgspec.Struct, rename="camel", forbid_unknown_fields=True):
    refresh_token: str | None = None


class LogoutOut(msgspec.Struct, rename="camel"):
    success: bool


class RegisteredOut(msgspec.Struct, rename="camel"):
    user: UserOut


def _throttle_policy(config: Settings) -> ThrottlePolicy:
    return ThrottlePolicy(
        account_at_address_failures=config.login_max_failures,
        account_at_address_lock=timedelta(minutes=config.login_lock_minutes),
    )


def _wants_body_token(request: Request[Any, Any, Any]) -> bool:
    return request.headers.get("x-refresh-token-in-body", "").lower() == "true"


def _session_response(
    request: Request[Any, Any, Any], config: Settings, session: auth_service.SignedInSession, *, with_user: bool
) -> Response[TokenOut]:
    token = issue_access_token(
        config, user_id=session.user["id"], role=session.user["role"], session_id=session.session_id
    )
    in_body = _wants_body_token(request)
    body = TokenOut(
        token=token,
        expires_in=config.access_token_minutes * 60,
        user=user_out(session.user) if with_user else None,
        refresh_token=session.refresh_token if in_body else None,
    )
    cookies = [
        Cookie(
            key=REFRESH_COOKIE,
            value=session.refresh_token,
            path=REFRESH_PATH,
            httponly=True,
            samesite="strict",
            secure=config.is_production,
            max_age=config.refresh_token_days * 86400,
        )
    ]
    return Response(body, status_code=200, cookies=cookies)


@post("/api/auth/login", exclude_from_auth=True, tags=["auth"], status_code=200,
      summary="Sign in with e-mail and password")
async def login(request: Request[Any, Any, Any], data: JSONBody[LoginIn]) -> Response[TokenOut]:
    config: Settings = request.app.state.settings
    result = await auth_service.sign_in(
        email=data.email,
        password=data.password,
        address=client_address(request),
        user_agent=request.headers.get("user-agent"),
        session_policy=session_policy(config),
        throttle_policy=_throttle_policy(config),
    )
    if isinstance(result, auth_service.FailedSignIn):
        # Slows guessing; the failure itself is already counted and committed.
        await asyncio.sleep(result.delay_seconds)
        raise Unauthenticated("Wrong e-mail or password")
    return _session_response(request, config, result, with_user=True)


@post(
    "/api/auth/refresh-token",
    exclude_from_auth=True,
    tags=["auth"],
    status_code=200,
    summary="Rotate the refresh token and get a new access token",
)
async def refresh_token(request: Request[Any, Any, Any], data: JSONBody[RefreshIn | None] = None) -> Response[TokenOut]:
    config: Settings = request.app.state.settings
    token = (data.refresh_token if data else None) or request.cookies.get(REFRESH_COOKIE)
    if not token:
        raise Unauthenticated("No refresh token was sent")
    session = await auth_service.rotate_refresh_token(
        token=token,
        address=client_address(request),
        user_agent=request.headers.get("user-agent"),
        policy=session_policy(config),
    )
    return _session_response(request, config, session, with_user=False)


@post("/api/auth/logout", guards=[requires(Permission.AUTH_SESSION)], tags=["auth"], status_code=200,
      summary="Sign out")
async def logout(request: Request[Actor, Any, Any]) -> Response[LogoutOut]:
    actor = request.user
    assert actor.session_id is not None
    await auth_service.end_session(actor.session_id, "signed out", actor)
    response = Response(LogoutOut(success=True), status_code=200)
    response.delete_cookie(REFRESH_COOKIE, path=REFRESH_PATH)
    return response


@post("/api/auth/activity", guards=[requires(Permission.AUTH_SESSION)], tags=["auth"], status_code=204,
      summary="The person is at work in the app (typing, clicking): moves the session's idle clock")
async def activity() -> Response[None]:
    # Nothing to do here: the auth middleware, which let this request through, moved the idle clock.
    return Response(None, status_code=204)


@post(
    "/api/auth/register",
    guards=[requires(Permission.USERS_MANAGE)],
    tags=["auth"],
    summary="Create a staff account (ADMIN only)",
    status_code=201,
)
async def register(request: Request[Actor, Any, Any], data: JSONBody[UserRegistration]) -> RegisteredOut:
    user = await users_service.create_user(request.user, data.as_new_user())
    return RegisteredOut(user=user_out(user))


# The routes are listed one by one in server/app.py; their error answers go in the OpenAPI document here.
document_errors([login], extra=(401, 423, 429))
document_errors([refresh_token], extra=(401,))
document_errors([logout, activity, register])
