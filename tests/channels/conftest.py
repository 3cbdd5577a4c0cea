"""Fixtures for the live layer: sockets on the real server, a ward of our own, extra server processes.

Writes go through the real HTTP route or straight through db.outbox (the app's own pool: the server under
test runs on this event loop). Extra server processes are real uvicorn subprocesses on free ports.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msgspec
import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from db.connection import fetch, fetchrow

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "admin@demo.local"
DOCTOR = "doctor@demo.local"
NURSE = "nurse@demo.local"
RECEPTION = "reception@demo.local"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ws_url(http_url: str) -> str:
    return http_url.replace("http://", "ws://", 1) + "/ws"


class Socket:
    """A raw websocket to /ws that decodes JSON and waits with time limits (never asserts on timings)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    async def send(self, message: dict[str, Any] | str | bytes) -> None:
        if isinstance(message, dict):
            message = msgspec.json.encode(message).decode()
        await self.ws.send(message)

    async def recv(self, within: float = 10.0) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.ws.recv(), within)
        message: dict[str, Any] = msgspec.json.decode(raw)
        self.seen.append(message)
        return message

    async def expect(self, predicate: Callable[[dict[str, Any]], bool], within: float = 10.0) -> dict[str, Any]:
        """The next message matching `predicate` (pings and others on the way are skipped)."""
        deadline = asyncio.get_running_loop().time() + within
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise TimeoutError("no matching message arrived")
            message = await self.recv(remaining)
            if predicate(message):
                return message

    async def subscribe(self, topic: str, since: dict[str, Any] | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "subscribe", "topic": topic}
        if since is not None:
            message["since"] = since
        await self.send(message)
        return await self.expect(lambda m: m.get("topic") == topic and m["type"] in ("snapshot", "subscribed", "error"))

    async def events(self, topic: str, count: int, within: float = 15.0) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        while len(found) < count:
            found.append(await self.expect(lambda m: m["type"] == "event" and m["topic"] == topic, within))
        return found

    async def close_code(self, within: float = 10.0) -> int:
        """Read until the server closes; its close code."""
        try:
            while True:
                await self.recv(within)
        except websockets.ConnectionClosed as closed:
            assert closed.rcvd is not None, "closed without a close frame"
            return closed.rcvd.code

    async def close(self) -> None:
        await self.ws.close()


@pytest.fixture
async def open_socket(server_url: str) -> AsyncIterator[Callable[..., Any]]:
    """`await open_socket(headers=..., url=..., origin=..., query=...)` -> a Socket, closed after the test."""
    opened: list[Socket] = []

    async def open_(headers: dict[str, str] | None = None, *, url: str | None = None, origin: str | None = None,
                    query: str = "", **kwargs: Any) -> Socket:
        ws = await websockets.connect(
            (url or ws_url(server_url)) + query, additional_headers=headers or {}, origin=origin,  # type: ignore[arg-type]
            compression=None, open_timeout=10, **kwargs,
        )
        sock = Socket(ws)
        opened.append(sock)
        return sock

    yield open_
    for sock in opened:
        await sock.close()


# --- A ward of our own ------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


async def make_ward(rooms: int = 2, beds_per_room: int = 3, room_type: str = "GENERAL") -> dict[str, Any]:
    """A fresh ward with rooms and AVAILABLE beds, under an existing department."""
    department = await fetchrow("SELECT id FROM departments ORDER BY code LIMIT 1")
    assert department is not None, "the demo hospital is not seeded"
    tag = uuid.uuid4().hex[:8].upper()
    ward = await fetchrow(
        "INSERT INTO wards (id, name, code, department_id, floor, created_at, updated_at) "
        "VALUES (gen_random_uuid(), $1, $2, $3, 9, now(), now()) RETURNING id, department_id",
        f"Test ward {tag}", f"T{tag}", department["id"],
    )
    assert ward is not None
    result: dict[str, Any] = {"ward_id": ward["id"], "department_id": ward["department_id"], "rooms": [],
                              "beds": []}
    for r in range(rooms):
        room = await fetchrow(
            "INSERT INTO rooms (id, ward_id, room_number, floor, bed_count, room_type, created_at, updated_at) "
            "VALUES (gen_random_uuid(), $1, $2, 9, $3, $4, now(), now()) RETURNING id",
            ward["id"], f"T{tag}-{r + 1}", beds_per_room, room_type,
        )
        assert room is not None
        result["rooms"].append(room["id"])
        for b in range(beds_per_room):
            bed = await fetchrow(
                "INSERT INTO beds (id, room_id, bed_number, status, version, created_at, updated_at) "
                "VALUES (gen_random_uuid(), $1, $2, 'AVAILABLE', 1, now(), now()) RETURNING id",
                room["id"], f"{chr(65 + b)}",
            )
            assert bed is not None
            result["beds"].append(bed["id"])
    return result


@pytest.fixture
async def ward() -> dict[str, Any]:
    return await make_ward()


async def roster_wards_of(email: str) -> set[uuid.UUID]:
    rows = await fetch(
        "SELECT wa.ward_id FROM ward_assignments wa JOIN users u ON u.id = wa.user_id WHERE lower(u.email) = $1 "
        "UNION SELECT dr.ward_id FROM duty_roster dr JOIN users u ON u.id = dr.user_id "
        "WHERE lower(u.email) = $1 AND dr.ward_id IS NOT NULL AND dr.starts_at <= now() AND dr.ends_at > now()",
        email,
    )
    return {r["ward_id"] for r in rows}


async def user_id_of(email: str) -> uuid.UUID:
    row = await fetchrow("SELECT id FROM users WHERE lower(email) = $1", email)
    assert row is not None
    return uuid.UUID(str(row["id"]))


async def set_bed(http: httpx.AsyncClient, headers: dict[str, str], bed_id: Any, status: str,
                  **body: Any) -> httpx.Response:
    return await http.post(f"/api/ipd/beds/{bed_id}/status", json={"status": status, **body}, headers=headers)


async def counter_of(topic: str) -> int:
    row = await fetchrow("SELECT seq FROM topic_counters WHERE topic = $1", topic)
    return int(row["seq"]) if row else 0


# --- Other server processes -------------------------------------------------------------------------


class ServerProcess:
    """`python -m uvicorn server.app:create_app` in a subprocess, on the same database."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "server.app:create_app", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--ws-per-message-deflate", "false", "--log-level", "warning"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=None,
        )

    async def start(self) -> ServerProcess:
        self.process = self._spawn()
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
            for _ in range(300):
                if self.process.poll() is not None:
                    raise RuntimeError(f"the server process exited with {self.process.returncode}")
                try:
                    if (await http.get("/api/health")).status_code in (200, 503):
                        return self
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("the server process did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
async def server_process() -> AsyncIterator[Callable[..., Any]]:
    """`await server_process(REDIS_URL=...)` -> a started ServerProcess; stopped after the test."""
    started: list[ServerProcess] = []

    async def start(**env: str) -> ServerProcess:
        process = ServerProcess({**os.environ, **env})
        started.append(process)
        return await process.start()

    yield start
    for process in started:
        process.stop()
