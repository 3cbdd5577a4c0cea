"""Idempotency-Key on creating POSTs: a retry with the same key gets the first answer and writes nothing.

A tablet on hospital Wi-Fi retries after a dropped connection; the key makes that retry harmless.
"""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec
from litestar.types import ASGIApp

from db import idempotency
from domain.actors import Actor
from server.errors import error_body

HEADER = b"idempotency-key"


async def _send_json(send: Any, status: int, body: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


def idempotency_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await app(scope, receive, send)
            return
        key_raw = next((v for k, v in scope["headers"] if k == HEADER), None)
        actor: Any = scope.get("user")
        if key_raw is None or not isinstance(actor, Actor) or actor.user_id is None:
            await app(scope, receive, send)
            return
        key = key_raw.decode("latin-1").strip()
        if not 1 <= len(key) <= 200:
            body = msgspec.json.encode(error_body(
                400, "Idempotency-Key must be 1 to 200 characters", {"Idempotency-Key": "1 to 200 characters"}))
            await _send_json(send, 400, body)
            return

        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        request_body = b"".join(chunks)
        digest = hashlib.sha256(scope["method"].encode() + scope["path"].encode() + b"\0" + request_body).hexdigest()

        outcome = await idempotency.claim(
            user_id=actor.user_id, key=key, method=scope["method"], path=scope["path"], request_hash=digest
        )
        if isinstance(outcome, idempotency.StoredAnswer):
            await _send_json(send, outcome.status_code, outcome.body, [(b"idempotent-replayed", b"true")])
            return
        if isinstance(outcome, idempotency.KeyReused):
            body = msgspec.json.encode(error_body(
                422, "This Idempotency-Key was already used for a different request",
                {"Idempotency-Key": "already used for a different request"}))
            await _send_json(send, 422, body)
            return
        if isinstance(outcome, idempotency.InProgress):
            body = msgspec.json.encode(error_body(409, "A request with this Idempotency-Key is still being processed"))
            await _send_json(send, 409, body, [(b"retry-after", b"1")])
            return

        replayed = False

        async def replay_receive() -> Any:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": request_body, "more_body": False}
            return await receive()

        status = 500
        response_chunks: list[bytes] = []

        async def capture_send(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                response_chunks.append(message.get("body", b""))
            await send(message)

        try:
            await app(scope, replay_receive, capture_send)
        finally:
            if status >= 500:
                await idempotency.release(outcome.record_id)
            else:
                await idempotency.store(outcome.record_id, status, b"".join(response_chunks))

    return middleware
