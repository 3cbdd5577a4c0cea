"""What every bench process shares: the file limit, the event loop, commands over a pipe, percentiles."""

from __future__ import annotations

import asyncio
import contextlib
import resource
from collections.abc import Awaitable, Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

import uvloop


def raise_open_files() -> int:
    """Raise this process's RLIMIT_NOFILE soft limit to the hard limit (one socket is one open file)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def serve_commands(conn: Connection, handle: Callable[[str, Any], Awaitable[Any]]) -> None:
    """Run a child process: uvloop, then answer each (command, argument) from the pipe until "exit"."""
    raise_open_files()

    async def main() -> None:
        loop = asyncio.get_running_loop()
        while True:
            # A thread waits on the pipe: the pipe stays blocking, so large answers are sent whole.
            command, argument = await loop.run_in_executor(None, conn.recv)
            if command == "exit":
                conn.send(("ok", None))
                return
            try:
                conn.send(("ok", await handle(command, argument)))
            except Exception as exc:  # reported to the orchestrator, which stops the run
                conn.send(("error", f"{command}: {exc.__class__.__name__}: {exc}"))

    uvloop.run(main())


class Child:
    """The orchestrator's handle on one child process: send a command, wait for its answer."""

    def __init__(self, process: Any, conn: Connection) -> None:
        self.process = process
        self.conn = conn

    async def ask(self, command: str, argument: Any = None, wait: float = 600.0) -> Any:
        self.conn.send((command, argument))
        loop = asyncio.get_running_loop()
        ready = await loop.run_in_executor(None, self.conn.poll, wait)
        if not ready:
            raise TimeoutError(f"no answer to {command} within {wait} s")
        status, value = self.conn.recv()
        if status != "ok":
            raise RuntimeError(value)
        return value

    async def stop(self) -> None:
        with contextlib.suppress(Exception):
            await self.ask("exit", wait=30)
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) of already sorted values, nearest-rank."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(-(-q * len(sorted_values) // 100))))
    return sorted_values[rank - 1]
