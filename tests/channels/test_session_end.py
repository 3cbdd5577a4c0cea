"""Ending a session closes its sockets at once (4001), in every server process, not at the next 30 s check.

The gateway's periodic session check runs every 30 s; every wait here is a few seconds, so a pass means the
socket was closed by the session ending itself. The periodic check stays as the safety net (last test).
"""

from __future__ import annotations

import os
import uuid

import jwt

from db.connection import execute
from tests.api.conftest import new_staff  # noqa: F401  (the fixture)
from tests.channels.conftest import ADMIN, DOCTOR, ws_url
from tests.channels.test_resilience import assert_still_serving
from tests.conftest import sign_in

PROMPTLY = 5.0  # seconds; the periodic check would take up to 30


async def test_disabling_a_signed_in_user_closes_their_open_sockets_at_once(
    client, open_socket, headers_for, new_staff  # noqa: F811
):
    user, headers = await new_staff("NURSE")
    first, second = await open_socket(headers), await open_socket(headers)
    bystander = await open_socket(await headers_for(DOCTOR))
    for sock in (first, second, bystander):
        await sock.subscribe("census")
    response = await client.post(f"/api/users/{user['id']}/deactivate", headers=await headers_for(ADMIN))
    assert response.status_code == 200, response.text
    assert await first.close_code(within=PROMPTLY) == 4001
    assert await second.close_code(within=PROMPTLY) == 4001
    await assert_still_serving(bystander)


async def test_changing_a_users_role_closes_their_sockets_at_once(
    client, open_socket, headers_for, new_staff  # noqa: F811
):
    user, headers = await new_staff("RECEPTIONIST")
    sock = await open_socket(headers)
    await sock.subscribe("census")
    response = await client.put(f"/api/users/{user['id']}/role", json={"role": "BILLING_STAFF"},
                                headers=await headers_for(ADMIN))
    assert response.status_code == 200, response.text
    assert await sock.close_code(within=PROMPTLY) == 4001


async def test_signing_out_closes_that_sessions_sockets_and_not_the_persons_other_sessions(client, open_socket):
    laptop = await sign_in(client, DOCTOR)
    phone = await sign_in(client, DOCTOR)
    on_laptop = await open_socket({"Authorization": f"Bearer {laptop['token']}"})
    on_phone = await open_socket({"Authorization": f"Bearer {phone['token']}"})
    for sock in (on_laptop, on_phone):
        await sock.subscribe("census")
    signed_out = await client.post("/api/auth/logout", headers={"Authorization": f"Bearer {laptop['token']}"})
    assert signed_out.status_code == 200
    assert await on_laptop.close_code(within=PROMPTLY) == 4001
    await assert_still_serving(on_phone)


async def test_a_revoked_device_token_closes_its_socket_at_once(client, open_socket, headers_for):
    admin = await headers_for(ADMIN)
    created = (await client.post("/api/devices", json={"name": "census board", "topics": ["census"]},
                                 headers=admin)).json()
    sock = await open_socket({"Authorization": f"Bearer {created['token']}"})
    await sock.subscribe("census")
    assert (await client.post(f"/api/devices/{created['id']}/revoke", headers=admin)).status_code == 200
    assert await sock.close_code(within=PROMPTLY) == 4001


async def test_a_user_disabled_through_one_process_loses_their_sockets_on_another_at_once(
    client, open_socket, headers_for, new_staff, server_process  # noqa: F811
):
    other = await server_process(REDIS_URL=os.environ["REDIS_URL"])
    user, headers = await new_staff("DOCTOR")
    elsewhere = await open_socket(headers, url=ws_url(other.url))
    here = await open_socket(headers)
    for sock in (elsewhere, here):
        await sock.subscribe("census")
    response = await client.post(f"/api/users/{user['id']}/deactivate", headers=await headers_for(ADMIN))
    assert response.status_code == 200, response.text
    assert await elsewhere.close_code(within=PROMPTLY) == 4001
    assert await here.close_code(within=PROMPTLY) == 4001


async def test_a_session_ended_behind_the_apps_back_is_still_caught_by_the_periodic_check(
    client, app, open_socket
):
    signed_in = await sign_in(client, DOCTOR)
    sock = await open_socket({"Authorization": f"Bearer {signed_in['token']}"})
    await sock.subscribe("census")
    await app.state.gateway.check_sessions()
    await assert_still_serving(sock)
    # Revoked in the database directly (say, by an operator): nothing tells the gateway but its check.
    session_id = uuid.UUID(jwt.decode(signed_in["token"], options={"verify_signature": False})["sid"])
    await execute("UPDATE user_sessions SET revoked_at = now() WHERE id = $1", session_id)
    await assert_still_serving(sock)
    await app.state.gateway.check_sessions()  # runs every 30 s; now, for the test
    assert await sock.close_code() == 4001


async def test_a_device_revoked_behind_the_apps_back_is_still_caught_by_the_periodic_check(
    client, app, open_socket, headers_for
):
    created = (await client.post("/api/devices", json={"name": "census board", "topics": ["census"]},
                                 headers=await headers_for(ADMIN))).json()
    sock = await open_socket({"Authorization": f"Bearer {created['token']}"})
    await sock.subscribe("census")
    await execute("UPDATE device_tokens SET revoked_at = now() WHERE id = $1", uuid.UUID(created["id"]))
    await assert_still_serving(sock)
    await app.state.gateway.check_sessions()
    assert await sock.close_code() == 4001
