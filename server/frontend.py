"""The staff app: serves the built frontend (frontend/dist) at `/`, with the single-page-app fallback.

Any path outside /api and /ws that is not a built file answers index.html, so a deep link (/reception) opens
the app. Hashed assets are cached for a year, index.html is revalidated every time; the build's .br/.gz
copies are sent to browsers that accept them. The page carries the session settings the app needs
(idle time-out, token lifetime) in a <meta> tag, because the CSP allows no inline script.
"""

from __future__ import annotations

import html
import mimetypes
from pathlib import Path
from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from server.settings import Settings

DIST = Path(__file__).resolve().parent.parent / "frontend" / "dist"
_CONFIG_PLACEHOLDER = '<meta name="hospital-config" content="{}" />'
# Vite names every file under assets/ by its content hash: such a file never changes.
_IMMUTABLE = "public, max-age=31536000, immutable"
_REVALIDATE = "no-cache"
_NOT_BUILT = (
    "The staff app is not built. `make run` builds it; by hand: cd frontend && npm ci && npm run build\n"
)

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("image/svg+xml", ".svg")

_cache: dict[tuple[Path, int], bytes] = {}


def _read(path: Path) -> bytes:
    """A built file's bytes, kept in memory until the file changes (a rebuild)."""
    key = (path, path.stat().st_mtime_ns)
    body = _cache.get(key)
    if body is None:
        body = path.read_bytes()
        _cache[key] = body
    return body


def _built_file(dist: Path, relative: str) -> Path | None:
    if not relative:
        return None
    candidate = (dist / relative).resolve()
    if not candidate.is_relative_to(dist) or not candidate.is_file():
        return None
    return candidate


def _page(dist: Path, config: Settings) -> bytes:
    settings_json = msgspec.json.encode(
        {"idleTimeoutMinutes": config.idle_timeout_minutes, "accessTokenMinutes": config.access_token_minutes}
    ).decode()
    tag = f'<meta name="hospital-config" content="{html.escape(settings_json, quote=True)}" />'
    return _read(dist / "index.html").replace(_CONFIG_PLACEHOLDER.encode(), tag.encode(), 1)


def _encoded(path: Path, accept_encoding: str) -> tuple[Path, str | None]:
    accepted = {part.split(";")[0].strip().lower() for part in accept_encoding.split(",")}
    for encoding, suffix in (("br", ".br"), ("gzip", ".gz")):
        if encoding in accepted:
            compressed = path.with_name(path.name + suffix)
            if compressed.is_file():
                return compressed, encoding
    return path, None


def _is_server_path(relative: str) -> bool:
    first = relative.split("/", 1)[0]
    return first in ("api", "ws")


@get(["/", "/{path:path}"], exclude_from_auth=True, include_in_schema=False, name="frontend")
async def serve_frontend(request: Request[Any, Any, Any], path: FromPath[str | None] = None) -> Response[bytes]:
    relative = (path or "").lstrip("/")
    if _is_server_path(relative):
        raise NotFoundException(f"No route {request.url.path}")
    dist = DIST
    if not (dist / "index.html").is_file():
        return Response(_NOT_BUILT.encode(), status_code=503, media_type="text/plain")
    built = _built_file(dist, relative)
    if built is not None and built.name != "index.html":
        sent, encoding = _encoded(built, request.headers.get("accept-encoding", ""))
        headers = {
            "Cache-Control": _IMMUTABLE if relative.startswith("assets/") else _REVALIDATE,
            "Vary": "Accept-Encoding",
        }
        if encoding:
            headers["Content-Encoding"] = encoding
        media_type = mimetypes.guess_type(built.name)[0] or "application/octet-stream"
        return Response(_read(sent), media_type=media_type, headers=headers)
    if relative.startswith("assets/"):
        # A missing hashed file (an old tab after a rebuild) must fail plainly, not turn into the page.
        raise NotFoundException(f"No file {request.url.path}")
    config: Settings = request.app.state.settings
    return Response(_page(dist, config), media_type="text/html", headers={"Cache-Control": _REVALIDATE})


ROUTES = [serve_frontend]
