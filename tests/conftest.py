"""Test fixtures: the real app served by uvicorn on a free loopback port, against the real
PostgreSQL and Redis that `make test` started (their URLs come in DATABASE_URL and REDIS_URL).

Fixtures start no database themselves. Everything runs on one session-wide event loop (see pyproject.toml),
because the connection pool and the server under test are created once.
"""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from db.seed import seed_demo_hospital
from server.app import create_app
from server.settings import load_settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def settings():
    if not os.environ.get("DATABASE_URL"):
        pytest.exit("DATABASE_URL is not set: run the suite with `make test`", returncode=2)
    return load_settings()


@pytest.fixture(scope="session")
def app(settings):
    """The app served at server_url (tests of the live layer run its periodic checks on demand)."""
    return create_app(settings)


@pytest.fixture(scope="session")
async def server_url(settings, app) -> AsyncIterator[str]:
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on",
                            ws_per_message_deflate=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    # The demo hospital is the suite's fixture data: deterministic, and seeding is idempotent.
    await seed_demo_hospital(demo_password=settings.demo_password)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


@pytest.fixture
async def client(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
        yield http


DEMO_PASSWORD = "demo-password"


async def sign_in(http: httpx.AsyncClient, email: str, password: str = DEMO_PASSWORD) -> dict:
    response = await http.post("/api/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(scope="session")
async def _token_cache() -> dict[str, tuple[str, float]]:
    return {}


@pytest.fixture
async def headers_for(server_url: str, _token_cache: dict[str, tuple[str, float]]):
    """`await headers_for("nurse@demo.local")` -> Authorization headers for a fresh or cached session.

    A cached token is reused for five minutes, well inside the access token's lifetime and the idle limit.
    """

    async def get(email: str, *, fresh: bool = False) -> dict[str, str]:
        cached = _token_cache.get(email)
        if fresh or cached is None or time.monotonic() - cached[1] > 300:
            async with httpx.AsyncClient(base_url=server_url, timeout=30) as http:
                cached = ((await sign_in(http, email))["token"], time.monotonic())
            _token_cache[email] = cached
        return {"Authorization": f"Bearer {cached[0]}"}

    return get
