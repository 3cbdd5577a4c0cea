"""How the app serves the built staff app (server/frontend.py): the page at any non-API path, hashed assets
cached and compressed, and nothing that the Content-Security-Policy would block."""

from __future__ import annotations

import html
import json
import re

import httpx

from tests.e2e.conftest import FRONTEND


async def test_any_path_outside_api_and_ws_answers_the_app_page(client: httpx.AsyncClient):
    for path in ("/", "/reception", "/admin/devices", "/ward/3/bed/12"):
        response = await client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        assert '<div id="root">' in response.text
        assert response.headers["cache-control"] == "no-cache"


async def test_unknown_api_paths_and_missing_assets_are_404_not_the_page(client: httpx.AsyncClient):
    for path in ("/api/no-such-thing", "/api", "/assets/index-missing.js"):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("application/json"), path


async def test_a_path_that_climbs_out_of_the_build_gets_the_page_not_a_file(client: httpx.AsyncClient):
    response = await client.get("/assets/../../../pyproject.toml")
    assert "[project]" not in response.text
    response = await client.get("/%2e%2e/%2e%2e/pyproject.toml")
    assert "[project]" not in response.text


async def test_the_page_carries_the_session_settings_and_no_inline_script(client: httpx.AsyncClient, settings):
    page = (await client.get("/")).text
    meta = re.search(r'<meta name="hospital-config" content="([^"]*)"', page)
    assert meta is not None
    assert json.loads(html.unescape(meta.group(1))) == {
        "idleTimeoutMinutes": settings.idle_timeout_minutes,
        "accessTokenMinutes": settings.access_token_minutes,
    }
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.S)
    assert scripts, "the build has a script"
    for attributes, body in scripts:
        assert 'src="/assets/' in attributes and body.strip() == "", "every script is an external file (CSP)"
    csp = (await client.get("/")).headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp.split("style-src")[0]


async def test_hashed_assets_are_cached_for_a_year_and_sent_compressed(client: httpx.AsyncClient):
    page = (await client.get("/")).text
    script = re.search(r'src="(/assets/[^"]+\.js)"', page)
    assert script is not None
    path = script.group(1)
    plain = (FRONTEND / "dist" / path.lstrip("/")).read_bytes()

    for encoding in ("br", "gzip"):
        response = await client.get(path, headers={"Accept-Encoding": encoding})
        assert response.status_code == 200
        assert response.headers["content-encoding"] == encoding
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-type"].startswith("text/javascript")
        assert int(response.headers["content-length"]) < len(plain) / 2
    identity = await client.get(path, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in identity.headers
    assert identity.content == plain
