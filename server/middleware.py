"""Headers every response carries, one structured log line per request, and text no column can hold refused.

The log line names the method, the route's path (never its query string, which may hold a name) and the time.
PostgreSQL text cannot contain NUL (U+0000): a request carrying one in its path, query or JSON body is answered
4xx with the field named before any handler runs, instead of failing as a 500 when the text reaches the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar.exceptions import HTTPException
from litestar.types import ASGIApp

from server.errors import error_body

log = logging.getLogger("hospital.request")

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        b"connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# The Swagger UI page loads its script and styles from a CDN; only that page may.
DOCS_CSP = (
    b"content-security-policy",
    b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data:; frame-ancestors 'none'",
)
_API_HEADERS = [*SECURITY_HEADERS]
_DOCS_HEADERS = [h for h in SECURITY_HEADERS if h[0] != b"content-security-policy"] + [DOCS_CSP]
# Patient data must never sit in a shared or browser cache: every API answer is no-store.
NO_STORE = (b"cache-control", b"no-store")


NUL_REFUSED = "must not contain the NUL character (\\u0000)"
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_BINARY_UPLOADS = (b"image/", b"application/octet-stream", b"application/dicom", b"application/pdf")
# Bodies larger than this are passed on unread (no JSON body of this API comes near it).
_SCAN_LIMIT = 2 * 1024 * 1024


def _printable(name: str) -> str:
    return name.replace("\x00", "\\u0000")


def _nul_paths(value: Any, path: str = "") -> Iterator[str]:
    """Where NUL occurs in a decoded JSON value, as the wire path (`results[1].comment`)."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            inner = f"{path}.{key}" if path else str(key)
            if "\x00" in str(key):
                yield _printable(inner)
            else:
                yield from _nul_paths(item, inner)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_paths(item, f"{path}[{index}]")


def _query_nul_fields(query_string: bytes) -> dict[str, str]:
    if b"%00" not in query_string and b"\x00" not in query_string:
        return {}
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return {_printable(name): NUL_REFUSED for name, value in pairs if "\x00" in name or "\x00" in value}


def _may_be_json(scope: Any) -> bool:
    """Litestar reads a JSON body whatever Content-Type says; only uploads declared binary are not looked at."""
    content_type = next((v for k, v in scope["headers"] if k == b"content-type"), b"").split(b";")[0].strip().lower()
    return not content_type.startswith(_BINARY_UPLOADS)


async def _refuse(send: Any, status: int, detail: str, fields: dict[str, str] | None = None,
                  extra_headers: dict[str, str] | None = None) -> None:
    body = msgspec.json.encode(error_body(status, detail, fields))
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (extra_headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse_nul(scope: Any, receive: Any, send: Any) -> Any:
    """None when the request was refused for a NUL; otherwise the `receive` to hand on (the body replayed)."""
    if "\x00" in scope["path"]:
        await _refuse(send, 400, "The address is not valid", {"path": NUL_REFUSED})
        return None
    if fields := _query_nul_fields(scope.get("query_string", b"")):
        await _refuse(send, 422, "The request is not valid", fields)
        return None
    if scope["method"] not in _BODY_METHODS or not _may_be_json(scope):
        return receive
    messages: list[Any] = []
    size = 0
    while size <= _SCAN_LIMIT:
        message = await receive()
        messages.append(message)
        size += len(message.get("body", b""))
        if message["type"] != "http.request" or not message.get("more_body", False):
            break
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
    if size <= _SCAN_LIMIT and b"\\u0000" in body:
        try:
            paths = list(_nul_paths(msgspec.json.decode(body)))
        except msgspec.DecodeError:
            paths = []  # not JSON: the handler answers that
        if paths:
            await _refuse(send, 422, "The request is not valid", dict.fromkeys(paths, NUL_REFUSED))
            return None

    async def replay() -> Any:
        return messages.pop(0) if messages else await receive()

    return replay


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        is_api = scope["path"].startswith("/api")
        started = time.perf_counter()
        status_holder: dict[str, Any] = {}

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"cache-control" or not is_api]
                headers.extend(_DOCS_HEADERS if scope["path"].startswith("/api/schema/swagger") else _API_HEADERS)
                if is_api:
                    headers.append(NO_STORE)
                message = {**message, "headers": headers}
            await send(message)

        try:
            checked = await _refuse_nul(scope, receive, send_with_headers)
            if checked is not None:
                await app(scope, checked, send_with_headers)
        except HTTPException as exc:
            # Raised by a middleware inside this one (the auth middleware's 401): Litestar would answer it outside
            # every middleware, without these headers and unseen by the log line (which said 500). Answered here.
            if "status" in status_holder:
                raise
            await _refuse(send_with_headers, exc.status_code, str(exc.detail or HTTPStatus(exc.status_code).phrase),
                          extra_headers=dict(exc.headers or {}))
        finally:
            log.info(
                "%s %s %s %.1fms",
                scope["method"],
                scope["path"],
                status_holder.get("status", 500),
                (time.perf_counter() - started) * 1000,
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_holder.get("status", 500),
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )

    return middleware
