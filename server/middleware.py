"""Headers every response carries, and one structured log line per request.

The log line names the method, the route's path (never its query string, which may hold a name) and the time.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from litestar.types import ASGIApp

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
            await app(scope, receive, send_with_headers)
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
