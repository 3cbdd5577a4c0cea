"""POST /api/auth/activity: the staff app says the person is at work (typing, clicking) so the server's idle
clock moves with the tab's, though no other request has been made; a background request does not move it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import jwt

from db.connection import execute, fetchrow
from tests.conftest import sign_in


async def _last_seen(session_id: UUID) -> datetime:
    row = await fetchrow("SELECT last_seen_at FROM user_sessions WHERE id = $1", session_id)
    assert row is not None
    last_seen: datetime = row["last_seen_at"]
    return last_seen


async def test_activity_moves_the_idle_clock_and_a_background_request_does_not(client: httpx.AsyncClient):
    login = await sign_in(client, "nurse@demo.local")
    headers = {"Authorization": f"Bearer {login['token']}"}
    session_id = UUID(jwt.decode(login["token"], options={"verify_signature": False})["sid"])
    ten_minutes_ago = datetime.now(UTC) - timedelta(minutes=10)
    await execute("UPDATE user_sessions SET last_seen_at = $2 WHERE id = $1", session_id, ten_minutes_ago)

    background = await client.post("/api/auth/activity", headers={**headers, "X-Activity": "background"})
    assert background.status_code == 204
    assert await _last_seen(session_id) == ten_minutes_ago

    response = await client.post("/api/auth/activity", headers=headers)
    assert response.status_code == 204 and response.content == b""
    assert datetime.now(UTC) - await _last_seen(session_id) < timedelta(seconds=30)


async def test_activity_needs_a_session_and_is_not_for_devices(client: httpx.AsyncClient):
    assert (await client.post("/api/auth/activity")).status_code == 401
    admin = await sign_in(client, "admin@demo.local")
    device = await client.post("/api/devices", json={"name": "Activity test screen", "topics": ["census"]},
                               headers={"Authorization": f"Bearer {admin['token']}"})
    assert device.status_code == 201, device.text
    refused = await client.post("/api/auth/activity", headers={"Authorization": f"Bearer {device.json()['token']}"})
    assert refused.status_code == 403
