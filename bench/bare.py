"""The baseline: a bare `websockets` broadcast server (no auth, no topics, no outbox, no Redis).

It answers a subscribe with an empty snapshot and a ping with a pong, like /ws, so the same client code
connects to both; on command it pushes the given payloads to every connected client with
`websockets.broadcast` (no per-client queue, no backpressure: the least a server can do).
"""

from __future__ import annotations

import asyncio
from multiprocessing.connection import Connection
from typing import Any

import msgspec
import websockets
from websockets.asyncio.server import ServerConnection, serve

from bench.common import serve_commands


class Head(msgspec.Struct):
    type: str
    topic: str | None = None


_decode = msgspec.json.Decoder(Head).decode


class BareServer:
    def __init__(self) -> None:
        self.connections: set[ServerConnection] = set()
        self.server: Any = None
        self.loaded: list[str] = []

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections.add(ws)
        try:
            async for raw in ws:
                head = _decode(raw)
                if head.type == "subscribe":
                    await ws.send(msgspec.json.encode(
                        {"type": "snapshot", "topic": head.topic, "epoch": "bare", "seq": 0, "data": {}}).decode())
                elif head.type == "ping":
                    await ws.send('{"type":"pong"}')
        except websockets.ConnectionClosed:
            pass
        finally:
            self.connections.discard(ws)

    async def handle(self, command: str, argument: Any) -> Any:
        match command:
            case "start":
                self.server = await serve(self._handler, "127.0.0.1", int(argument), compression=None,
                                          ping_interval=None, max_queue=None, backlog=4096)
                return None
            case "count":
                return len(self.connections)
            case "load":  # handed over before the clock starts, as ours are already in Redis
                self.loaded = list(argument)
                return None
            case "broadcast":
                for payload in self.loaded:
                    websockets.broadcast(self.connections, payload)
                    await asyncio.sleep(0)  # let the transports write, as a server between messages would
                return None
            case "stop":
                if self.server is not None:
                    self.server.close()
                    await self.server.wait_closed()
                return None
        raise ValueError(f"unknown command {command}")


def main(conn: Connection) -> None:
    serve_commands(conn, BareServer().handle)
