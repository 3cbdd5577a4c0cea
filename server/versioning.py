"""Optimistic concurrency: an update names the version it was based on (If-Match or a `version` field).

A stale version is refused with 412 by the service (domain.errors.StaleVersion); answers carry an ETag.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from domain.errors import ValidationFailed


def expected_version(request: Request[Any, Any, Any], body_version: int | None) -> int | None:
    """The version the client based its update on: If-Match wins over the body's `version`."""
    header = request.headers.get("if-match")
    if header:
        raw = header.strip().removeprefix("W/").strip('"')
        try:
            return int(raw)
        except ValueError as exc:
            raise ValidationFailed(fields={"If-Match": "must be an ETag this API gave out, like \"3\""}) from exc
    return body_version


def etag(version: int) -> str:
    return f'"{version}"'
