"""The health endpoint tells whether PostgreSQL and the broker answer."""

from __future__ import annotations


async def test_health_reports_postgres_and_redis_up(client):
    response = await client.get("/api/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == {"name": "postgresql", "ok": True}
    assert body["broker"] == {"name": "redis", "ok": True}


async def test_every_api_response_carries_security_headers_and_no_store(client):
    response = await client.get("/api/health")
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_unknown_route_answers_the_json_error_shape(client):
    response = await client.get("/api/no-such-thing")
    assert response.status_code == 404
    body = response.json()
    assert body["status"] == 404
    assert body["error"] == "Not Found"
    assert "detail" in body
