"""The health endpoint tells whether PostgreSQL and the broker answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import socket
import subprocess
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import msgspec
import uvicorn
import websockets

from server.app import create_app
from tests.channels.conftest import make_ward, server_process, set_bed  # noqa: F401  (server_process: a fixture)

ADMIN = "admin@demo.local"
DOCTOR = "doctor@demo.local"


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


async def test_a_401_from_the_auth_middleware_carries_the_headers_too(client):
    """The auth middleware's 401 used to be answered by Litestar outside every middleware: no no-store, no
    security headers, and the request log line said 500."""
    statuses: list[int] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.getMessage().startswith("GET /api/alerts/board "):
                statuses.append(getattr(record, "status", 0))

    handler = Catch()
    logging.getLogger("hospital.request").addHandler(handler)
    try:
        response = await client.get("/api/alerts/board")
    finally:
        logging.getLogger("hospital.request").removeHandler(handler)
    assert response.status_code == 401 and response.json()["status"] == 401
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert statuses == [401]


async def test_unknown_route_answers_the_json_error_shape(client):
    response = await client.get("/api/no-such-thing")
    assert response.status_code == 404
    body = response.json()
    assert body["status"] == 404
    assert body["error"] == "Not Found"
    assert "detail" in body


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def app_with_redis_at(settings, redis_port: int) -> AsyncIterator[str]:
    """A second app instance (in this process, sharing the pool) whose Redis is at `redis_port`: its URL."""
    port = _free_port()
    config = msgspec.structs.replace(settings, redis_url=f"redis://127.0.0.1:{redis_port}/0")
    server = uvicorn.Server(uvicorn.Config(create_app(config), host="127.0.0.1", port=port, log_config=None,
                                           ws_per_message_deflate=False))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            assert not task.done(), "the app must start even when Redis is down"
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def _start_redis(binary: str, port: int, folder: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", tempfile.mkdtemp(dir=folder)], stdout=subprocess.DEVNULL,
    )


async def health_of(url: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        return await http.get("/api/health")


async def test_health_is_503_naming_the_broker_when_redis_does_not_answer(settings):
    """A second app instance pointed at a Redis that is not there starts anyway, and says so."""
    async with app_with_redis_at(settings, _free_port()) as url:  # a port nobody listens on
        response = await health_of(url)
        assert response.status_code == 503
        body = response.json()
        assert body["database"]["ok"] is True
        assert body["broker"] == {"name": "redis", "ok": False}


async def test_when_redis_comes_back_health_is_200_and_events_flow(
    settings, headers_for, server_process, tmp_path  # noqa: F811
):
    """Started without Redis: its sockets are served from PostgreSQL, and what commits meanwhile still reaches
    them (the gateway's 10 s position check repairs from the outbox); once Redis answers, health is 200 and
    events written through another process arrive through Redis, well before the next position check."""
    binary = shutil.which("redis-server")
    assert binary is not None, "redis-server is needed (make test installs it)"
    redis_port = _free_port()
    ward = await make_ward(rooms=1, beds_per_room=2)
    topic = f"ward:{ward['ward_id']}"
    admin = await headers_for(ADMIN)
    async with app_with_redis_at(settings, redis_port) as url:
        assert (await health_of(url)).status_code == 503
        async with websockets.connect(url.replace("http://", "ws://") + "/ws", compression=None,
                                      additional_headers=await headers_for(DOCTOR)) as ws:

            async def next_message(within: float) -> dict[str, Any]:
                while True:
                    message: dict[str, Any] = msgspec.json.decode(await asyncio.wait_for(ws.recv(), within))
                    if message["type"] != "ping":
                        return message

            await ws.send(msgspec.json.encode({"type": "subscribe", "topic": topic}).decode())
            snapshot = await next_message(10)
            assert snapshot["type"] == "snapshot"
            async with httpx.AsyncClient(base_url=url, headers=admin) as http:  # written while Redis is away
                assert (await set_bed(http, {}, ward["beds"][0], "CLEANING")).status_code == 200
            repaired = await next_message(15)  # no Redis: the position check finds it in the outbox
            assert (repaired["type"], repaired["seq"], repaired["data"]["status"]) == (
                "event", snapshot["seq"] + 1, "CLEANING")
            redis = _start_redis(binary, redis_port, tmp_path)
            try:
                for _ in range(200):
                    if (await health_of(url)).status_code == 200:
                        break
                    await asyncio.sleep(0.1)
                assert (await health_of(url)).json()["broker"] == {"name": "redis", "ok": True}
                other = await server_process(REDIS_URL=f"redis://127.0.0.1:{redis_port}/0")
                async with httpx.AsyncClient(base_url=other.url, headers=admin) as http:  # through another one
                    assert (await set_bed(http, {}, ward["beds"][1], "CLEANING")).status_code == 200
                carried = await next_message(5)  # well inside the 10 s position check: Redis carried it
                assert (carried["type"], carried["seq"], carried["data"]["bedId"]) == (
                    "event", snapshot["seq"] + 2, str(ward["beds"][1]))
            finally:
                redis.terminate()
                redis.wait(10)
