"""Sign-in, tokens and sessions against the live server: rotation, reuse, expiry, idle time-out, lock-out."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import jwt
import pytest

from tests.conftest import DEMO_PASSWORD, sign_in


def _unique_email(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:10]}@test.local"


async def _new_user(client: httpx.AsyncClient, headers_for, role: str = "NURSE") -> tuple[str, str, dict]:
    email = _unique_email(role.lower())
    password = "correct-horse-battery"
    admin = await headers_for("admin@demo.local")
    response = await client.post(
        "/api/auth/register",
        json={"email": email, "password": password, "name": "Test Person", "role": role},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    return email, password, response.json()["user"]


async def test_login_answers_token_user_and_sets_a_strict_httponly_refresh_cookie(client):
    response = await client.post("/api/auth/login", json={"email": "admin@demo.local", "password": DEMO_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"token", "user", "expiresIn"}
    assert body["expiresIn"] == 15 * 60
    assert body["user"]["email"] == "admin@demo.local"
    assert body["user"]["role"] == "ADMIN"
    assert "passwordHash" not in body["user"]
    cookie = response.headers["set-cookie"]
    assert "refresh_token=" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=Strict" in cookie or "samesite=strict" in cookie.lower()
    assert "Path=/api/auth" in cookie


async def test_program_may_ask_for_the_refresh_token_in_the_body(client):
    response = await client.post(
        "/api/auth/login",
        json={"email": "admin@demo.local", "password": DEMO_PASSWORD},
        headers={"X-Refresh-Token-In-Body": "true"},
    )
    assert response.status_code == 200
    assert response.json()["refreshToken"].startswith("rt_")


async def test_wrong_password_is_401_and_names_no_reason_beyond_the_pair(client):
    response = await client.post("/api/auth/login", json={"email": "admin@demo.local", "password": "nope"})
    assert response.status_code == 401
    assert response.json()["detail"] == "Wrong e-mail or password"


async def test_refresh_rotates_and_reuse_of_a_rotated_token_ends_the_whole_family(server_url, headers_for):
    email, password, _ = await _new_user(httpx.AsyncClient(base_url=server_url), headers_for)
    async with httpx.AsyncClient(base_url=server_url) as http:
        login = await http.post("/api/auth/login", json={"email": email, "password": password},
                                headers={"X-Refresh-Token-In-Body": "true"})
        first = login.json()["refreshToken"]
        rotated = await http.post("/api/auth/refresh-token", json={"refreshToken": first},
                                  headers={"X-Refresh-Token-In-Body": "true"})
        assert rotated.status_code == 200, rotated.text
        second = rotated.json()["refreshToken"]
        assert second != first
        new_access = rotated.json()["token"]
        assert (await http.get("/api/health")).status_code == 200

        # The stolen first token comes back: refused, and the legitimate second one dies with it.
        reuse = await http.post("/api/auth/refresh-token", json={"refreshToken": first})
        assert reuse.status_code == 401
        after = await http.post("/api/auth/refresh-token", json={"refreshToken": second})
        assert after.status_code == 401
        me = await http.post("/api/auth/logout", headers={"Authorization": f"Bearer {new_access}"})
        assert me.status_code == 401


async def test_refresh_works_from_the_cookie_for_browsers(server_url):
    async with httpx.AsyncClient(base_url=server_url) as http:
        await sign_in(http, "nurse@demo.local")
        response = await http.post("/api/auth/refresh-token")
        assert response.status_code == 200, response.text
        assert "refreshToken" not in response.json()


async def test_logout_ends_the_session_for_access_and_refresh(server_url):
    async with httpx.AsyncClient(base_url=server_url) as http:
        login = await http.post("/api/auth/login", json={"email": "doctor@demo.local", "password": DEMO_PASSWORD},
                                headers={"X-Refresh-Token-In-Body": "true"})
        token, refresh = login.json()["token"], login.json()["refreshToken"]
        out = await http.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
        assert out.status_code == 200
        assert out.json() == {"success": True}
        again = await http.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})
        assert again.status_code == 401
        refreshed = await http.post("/api/auth/refresh-token", json={"refreshToken": refresh})
        assert refreshed.status_code == 401


def _claims_for(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


async def test_expired_access_token_is_refused(client, settings, headers_for):
    claims = _claims_for((await headers_for("admin@demo.local"))["Authorization"].split()[1])
    claims["exp"] = int(time.time()) - 5
    token = jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    response = await client.get("/api/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_alg_none_token_is_refused(client, headers_for):
    claims = _claims_for((await headers_for("admin@demo.local"))["Authorization"].split()[1])
    token = jwt.encode(claims, key="", algorithm="none")  # "" is the none algorithm's no-key
    response = await client.get("/api/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_token_for_another_audience_is_refused(client, settings, headers_for):
    claims = _claims_for((await headers_for("admin@demo.local"))["Authorization"].split()[1])
    claims["aud"] = "some-other-service"
    token = jwt.encode(claims, settings.jwt_secret, algorithm="HS256")
    response = await client.get("/api/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_token_signed_with_another_key_is_refused(client, headers_for):
    claims = _claims_for((await headers_for("admin@demo.local"))["Authorization"].split()[1])
    token = jwt.encode(claims, "not-our-secret-not-our-secret-not-our-secret", algorithm="HS256")
    response = await client.get("/api/users", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


async def test_idle_session_times_out(server_url, settings):
    async with httpx.AsyncClient(base_url=server_url) as http:
        login = await sign_in(http, "reception@demo.local")
        headers = {"Authorization": f"Bearer {login['token']}"}
        session_id = _claims_for(login["token"])["sid"]
        conn = await asyncpg.connect(settings.database_url)
        try:
            await conn.execute(
                "UPDATE user_sessions SET last_seen_at = now() - interval '16 minutes' WHERE id = $1",
                uuid.UUID(session_id),
            )
        finally:
            await conn.close()
        response = await http.post("/api/auth/logout", headers=headers)
        assert response.status_code == 401
        assert "timed out" in response.json()["detail"]
        # and the quiet refresh cannot revive it either
        assert (await http.post("/api/auth/refresh-token")).status_code == 401


async def test_background_requests_do_not_keep_an_idle_session_alive(server_url, settings):
    async with httpx.AsyncClient(base_url=server_url) as http:
        login = await sign_in(http, "reception@demo.local")
        session_id = uuid.UUID(_claims_for(login["token"])["sid"])
        conn = await asyncpg.connect(settings.database_url)
        try:
            await conn.execute(
                "UPDATE user_sessions SET last_seen_at = now() - interval '5 minutes' WHERE id = $1", session_id
            )
            before = await conn.fetchval("SELECT last_seen_at FROM user_sessions WHERE id = $1", session_id)
            await http.get("/api/users", headers={"Authorization": f"Bearer {login['token']}",
                                                  "X-Activity": "background"})
            after = await conn.fetchval("SELECT last_seen_at FROM user_sessions WHERE id = $1", session_id)
            assert after == before
        finally:
            await conn.close()


async def test_repeated_failures_slow_then_lock_the_account_at_that_address(client, headers_for):
    email, password, _ = await _new_user(client, headers_for)
    statuses = []
    for _ in range(5):
        response = await client.post("/api/auth/login", json={"email": email, "password": "wrong-password"})
        statuses.append(response.status_code)
    assert statuses == [401] * 5
    locked = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert locked.status_code == 423
    assert int(locked.headers["retry-after"]) > 0
    assert locked.json()["retryAfterSeconds"] > 0


async def test_account_lock_is_lifted_when_it_expires(client, headers_for, settings):
    email, password, _ = await _new_user(client, headers_for)
    for _ in range(5):
        await client.post("/api/auth/login", json={"email": email, "password": "wrong-password"})
    conn = await asyncpg.connect(settings.database_url)
    try:
        await conn.execute(
            "UPDATE login_throttles SET locked_until = now() - interval '1 second' WHERE key LIKE $1",
            f"%{email}%",
        )
    finally:
        await conn.close()
    response = await client.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200


async def test_register_is_for_admin_only(client, headers_for):
    body = {"email": _unique_email("x"), "password": "long-enough-pw", "name": "Evil Admin", "role": "ADMIN"}
    for email in ("nurse@demo.local", "doctor@demo.local", "reception@demo.local"):
        response = await client.post("/api/auth/register", json=body, headers=await headers_for(email))
        assert response.status_code == 403, email
    anonymous = await client.post("/api/auth/register", json=body)
    assert anonymous.status_code == 401


async def test_registration_refuses_mass_assignment_of_ids_and_status(client, headers_for):
    body = {"email": _unique_email("y"), "password": "long-enough-pw", "name": "A B", "role": "NURSE",
            "isActive": False, "id": str(uuid.uuid4())}
    response = await client.post("/api/auth/register", json=body, headers=await headers_for("admin@demo.local"))
    assert response.status_code in (400, 422)


async def test_disabling_a_user_ends_their_sessions_at_once(server_url, headers_for):
    async with httpx.AsyncClient(base_url=server_url) as http:
        email, password, user = await _new_user(http, headers_for)
        login = await http.post("/api/auth/login", json={"email": email, "password": password},
                                headers={"X-Refresh-Token-In-Body": "true"})
        token, refresh = login.json()["token"], login.json()["refreshToken"]
        admin = await headers_for("admin@demo.local")
        disabled = await http.post(f"/api/users/{user['id']}/deactivate", headers=admin)
        assert disabled.status_code == 200, disabled.text
        assert disabled.json()["user"]["isActive"] is False
        assert (await http.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})).status_code == 401
        assert (await http.post("/api/auth/refresh-token", json={"refreshToken": refresh})).status_code == 401
        again = await http.post("/api/auth/login", json={"email": email, "password": password})
        assert again.status_code == 401


async def test_changing_a_role_ends_sessions_and_a_stale_version_is_412(server_url, headers_for):
    async with httpx.AsyncClient(base_url=server_url) as http:
        email, password, user = await _new_user(http, headers_for)
        token = (await sign_in(http, email, password))["token"]
        admin = await headers_for("admin@demo.local")
        stale = await http.put(f"/api/users/{user['id']}/role", json={"role": "DOCTOR", "version": 99},
                               headers=admin)
        assert stale.status_code == 412
        assert stale.json()["currentVersion"] == user["version"]
        changed = await http.put(f"/api/users/{user['id']}/role", json={"role": "LAB_STAFF"},
                                 headers={**admin, "If-Match": f'"{user["version"]}"'})
        assert changed.status_code == 200, changed.text
        assert changed.json()["user"]["role"] == "LAB_STAFF"
        assert (await http.post("/api/auth/logout", headers={"Authorization": f"Bearer {token}"})).status_code == 401
        new_login = await sign_in(http, email, password)
        assert new_login["user"]["role"] == "LAB_STAFF"


async def test_device_token_is_read_only_and_listed_with_its_last_use(client, headers_for):
    admin = await headers_for("admin@demo.local")
    created = await client.post("/api/devices", json={"name": "OPD waiting room TV", "topics": ["display:opd-1"]},
                                headers=admin)
    assert created.status_code == 201, created.text
    device = created.json()
    device_headers = {"Authorization": f"Bearer {device['token']}"}
    assert (await client.get("/api/users", headers=device_headers)).status_code == 403
    write = await client.post("/api/devices", json={"name": "x", "topics": ["census"]}, headers=device_headers)
    assert write.status_code == 403
    listed = (await client.get("/api/devices", headers=admin)).json()["devices"]
    mine = next(d for d in listed if d["id"] == device["id"])
    assert "token" not in mine
    assert mine["lastUsedAt"] is not None
    revoked = await client.post(f"/api/devices/{device['id']}/revoke", headers=admin)
    assert revoked.status_code == 200
    assert (await client.get("/api/users", headers=device_headers)).status_code == 401


async def test_retry_with_the_same_idempotency_key_creates_one_user(client, headers_for, settings):
    admin = await headers_for("admin@demo.local")
    email = _unique_email("idem")
    body = {"email": email, "password": "long-enough-pw", "name": "Retry Person", "role": "NURSE"}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first, second = await asyncio.gather(
        client.post("/api/users", json=body, headers={**admin, **key}),
        client.post("/api/users", json=body, headers={**admin, **key}),
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses in ([201, 201], [201, 409])
    third = await client.post("/api/users", json=body, headers={**admin, **key})
    assert third.status_code == 201
    assert third.headers.get("idempotent-replayed") == "true"
    assert third.json()["userId"] == next(r for r in (first, second) if r.status_code == 201).json()["userId"]
    conn = await asyncpg.connect(settings.database_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM users WHERE email = $1", email) == 1
    finally:
        await conn.close()
    other = await client.post("/api/users", json={**body, "name": "Someone Else"}, headers={**admin, **key})
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["fields"]


async def test_failed_and_successful_logins_are_audited(client, headers_for, settings):
    conn = await asyncpg.connect(settings.database_url)
    try:  # other tests' failed sign-ins from this loopback address must not turn ours into a 429
        await conn.execute("DELETE FROM login_throttles WHERE key LIKE 'address:%' OR key LIKE '%billing@demo.local%'")
    finally:
        await conn.close()
    since = datetime.now(UTC) - timedelta(seconds=5)
    await client.post("/api/auth/login", json={"email": "billing@demo.local", "password": "wrong"})
    signed_in = await client.post("/api/auth/login", json={"email": "billing@demo.local", "password": DEMO_PASSWORD})
    assert signed_in.status_code == 200, signed_in.text
    admin = await headers_for("admin@demo.local")
    params = {"startDate": since.isoformat(), "tableNames": "users,user_sessions"}
    logs = (await client.get("/api/audit-log", params=params, headers=admin)).json()["logs"]
    actions = {entry["action"] for entry in logs}
    assert {"LOGIN_FAILED", "LOGIN"} <= actions


@pytest.mark.parametrize("body", [{"email": "a@b.c"}, {"password": "x"}, {"email": 5, "password": "x"},
                                  {"email": "a" * 300, "password": "x"}])
async def test_malformed_login_bodies_get_a_4xx_naming_the_field(client, body):
    response = await client.post("/api/auth/login", json=body)
    assert 400 <= response.status_code < 500
    assert response.json()["fields"]


async def test_an_address_spraying_many_accounts_gets_429_then_is_let_go(client, settings):
    conn = await asyncpg.connect(settings.database_url)
    await conn.execute("DELETE FROM login_throttles WHERE key LIKE 'address:%'")  # earlier tests' failures
    try:
        statuses = []
        for n in range(51):
            response = await client.post(
                "/api/auth/login", json={"email": f"nobody{n}.{uuid.uuid4().hex[:6]}@test.local", "password": "x"}
            )
            statuses.append(response.status_code)
        assert statuses[:50] == [401] * 50
        assert statuses[50] == 429
        refused = await client.post("/api/auth/login", json={"email": "admin@demo.local", "password": DEMO_PASSWORD})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
    finally:
        # Every other test signs in from this same loopback address.
        await conn.execute("DELETE FROM login_throttles WHERE key LIKE 'address:%'")
        await conn.close()
    assert (await client.post("/api/auth/login", json={"email": "admin@demo.local", "password": DEMO_PASSWORD})
            ).status_code == 200


async def test_an_offset_past_what_postgresql_counts_is_a_field_error(client, headers_for):
    """OFFSET is a bigint: a larger offset reached asyncpg and failed as a 500."""
    admin = await headers_for("admin@demo.local")
    for url in ("/api/users", "/api/audit-log"):
        response = await client.get(url, params={"offset": str(2**70)}, headers=admin)
        assert response.status_code == 422, (url, response.text)
        assert set(response.json()["fields"]) == {"offset"}, url
