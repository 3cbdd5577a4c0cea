"""Browser tests: the built staff app (frontend/dist) served by the real app, driven in Debian's Chromium.

The scenarios are Node scripts (frontend/e2e/*.mjs) using playwright-core, which drives /usr/bin/chromium
without downloading a browser of its own; `make test` installs chromium, node_modules and the build first.
Each test runs one scenario against the server that tests/conftest.py's `server_url` starts. The node
process runs as an asyncio subprocess, because the server under test lives on this same event loop.

Hooks: a scenario that needs something only the test side can do (write set-up rows, run the escalation
sweep at a later "now", restart a server) prints `HOOK {"name": ..., "args": {...}}`; the test runs the
hook of that name and answers with one JSON line on the scenario's stdin.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
FRONTEND = REPO / "frontend"
SCREENSHOTS = FRONTEND / "e2e" / "screenshots"
# The README's screenshots (small, committed) are refreshed only on request: `make screenshots`
# (UPDATE_SCREENSHOTS=1); an ordinary run leaves the tracked files alone.
DOC_SCREENSHOTS = REPO / "docs" / "screenshots"
DOC_SCREENSHOTS_ENV = (
    {"E2E_DOC_SCREENSHOTS": str(DOC_SCREENSHOTS)} if os.environ.get("UPDATE_SCREENSHOTS") == "1" else {}
)
SCENARIO_TIMEOUT_SECONDS = 180

Hook = Callable[[dict[str, Any]], Awaitable[Any]]
RunScenario = Callable[..., Awaitable[str]]


def _missing_prerequisites() -> list[str]:
    missing = []
    if shutil.which("node") is None:
        missing.append("node (Node.js 20.19+)")
    if not Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")).exists():
        missing.append("chromium (`make chromium` installs Debian's package as root)")
    if not (FRONTEND / "node_modules" / "playwright-core").is_dir():
        missing.append("frontend/node_modules (`cd frontend && npm ci`)")
    if not (FRONTEND / "dist" / "index.html").is_file():
        missing.append("frontend/dist (`cd frontend && npm run build`)")
    return missing


async def _drive(process: asyncio.subprocess.Process, hooks: dict[str, Hook], lines: list[str]) -> None:
    assert process.stdout is not None and process.stdin is not None
    while True:
        raw = await process.stdout.readline()
        if not raw:
            return
        line = raw.decode(errors="replace").rstrip("\n")
        if not line.startswith("HOOK "):
            lines.append(line)
            continue
        request = json.loads(line[5:])
        name = request["name"]
        try:
            if name not in hooks:
                raise KeyError(f"the test gives no hook {name!r}")
            answer = {"ok": True, "value": await hooks[name](request.get("args") or {})}
        except Exception as exc:  # the scenario fails with the hook's error; the test sees it in the output
            answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
            lines.append(f"hook {name} failed: {answer['error']}")
        process.stdin.write((json.dumps(answer, default=str) + "\n").encode())
        await process.stdin.drain()


@pytest.fixture
def run_scenario(server_url: str) -> RunScenario:
    """`await run_scenario("reception", hooks={...})` runs frontend/e2e/run.mjs against the live server."""

    async def run(name: str, *, hooks: dict[str, Hook] | None = None, base_url: str | None = None) -> str:
        missing = _missing_prerequisites()
        assert not missing, "the browser tests need: " + ", ".join(missing) + " (`make test` sets them all up)"
        process = await asyncio.create_subprocess_exec(
            "node", "e2e/run.mjs", base_url or server_url, name,
            cwd=FRONTEND,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={**os.environ, "E2E_SCREENSHOTS": str(SCREENSHOTS), **DOC_SCREENSHOTS_ENV, "E2E_API_URL": server_url},
        )
        lines: list[str] = []
        try:
            await asyncio.wait_for(_drive(process, hooks or {}, lines), timeout=SCENARIO_TIMEOUT_SECONDS)
            await asyncio.wait_for(process.wait(), timeout=30)
        except TimeoutError:
            process.kill()
            await process.wait()
            text = "\n".join(lines)
            raise AssertionError(
                f"browser scenario {name} took longer than {SCENARIO_TIMEOUT_SECONDS} s:\n{text}") from None
        text = "\n".join(lines)
        assert process.returncode == 0, f"browser scenario {name} failed:\n{text}"
        print(text)
        return text

    return run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SecondServer:
    """The platform in a process of its own (`python -m server.cli serve`), on the same PostgreSQL and Redis,
    so a test can restart it under a browser: SIGTERM (sockets closed with 1012), then start it again."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), "LOG_FORMAT": "text"}
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server.cli", "serve", cwd=REPO, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )
        async with httpx.AsyncClient(base_url=self.url, timeout=2) as http:
            for _ in range(300):
                if self.process.returncode is not None:
                    raise RuntimeError(f"the second server exited with {self.process.returncode}")
                try:
                    if (await http.get("/api/health")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.1)
        raise RuntimeError("the second server did not start within 30 s")

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), timeout=20)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


@pytest.fixture
async def second_server(server_url: str) -> AsyncIterator[SecondServer]:
    server = SecondServer()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
