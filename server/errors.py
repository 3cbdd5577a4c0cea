"""One JSON error shape for every 4xx/5xx: {status, error, detail, fields?}.

Domain exceptions are mapped to HTTP here, once; nothing else in server/ picks status codes for them.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from domain import errors as domain_errors

log = logging.getLogger("hospital.errors")

_STATUS_FOR: list[tuple[type[domain_errors.DomainError], int]] = [
    (domain_errors.ValidationFailed, 422),
    (domain_errors.NotFound, 404),
    (domain_errors.Unauthenticated, 401),
    (domain_errors.PermissionDenied, 403),
    (domain_errors.StaleVersion, 412),
    (domain_errors.PreconditionRequired, 428),
    (domain_errors.Locked, 423),
    (domain_errors.TooManyAttempts, 429),
    (domain_errors.Conflict, 409),
]


def error_body(status: int, detail: str, fields: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"status": status, "error": HTTPStatus(status).phrase, "detail": detail}
    if fields:
        body["fields"] = fields
    body.update({k: v for k, v in extra.items() if v is not None})
    return body


def _response(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(content=body, status_code=status, media_type=MediaType.JSON, headers=headers)


def on_domain_error(_: Request[Any, Any, Any], exc: domain_errors.DomainError) -> Response[Any]:
    status = next((code for cls, code in _STATUS_FOR if isinstance(exc, cls)), 400)
    extra: dict[str, Any] = {}
    headers: dict[str, str] = {}
    if isinstance(exc, domain_errors.StaleVersion):
        extra["currentVersion"] = exc.current_version
        headers["ETag"] = f'"{exc.current_version}"'
    if isinstance(exc, domain_errors.InvalidTransition):
        extra["currentState"] = exc.current_state
    if isinstance(exc, domain_errors.Conflict) and getattr(exc, "extra", None):
        extra.update(exc.extra)
    if isinstance(exc, domain_errors.Locked | domain_errors.TooManyAttempts):
        headers["Retry-After"] = str(exc.retry_after_seconds)
        extra["retryAfterSeconds"] = exc.retry_after_seconds
    return _response(status, error_body(status, exc.detail, exc.fields or None, **extra), headers or None)


_MSGSPEC_PATH = re.compile(r"at `\$\.?([^`]*)`")


def _field_of(item: dict[str, Any]) -> str:
    key = item.get("key")
    message = str(item.get("message", ""))
    match = _MSGSPEC_PATH.search(message)
    if match and match.group(1):
        return match.group(1)
    if key:
        return str(key)
    return str(item.get("source") or "body")


def on_validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    fields: dict[str, str] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            message = _MSGSPEC_PATH.sub("", str(item.get("message", "invalid"))).strip(" -")
            fields.setdefault(_field_of(item), message or "invalid")
    detail = "The request is not valid" if fields else (exc.detail or "The request is not valid")
    status = exc.status_code if 400 <= exc.status_code < 500 else 400
    # A body that parses but has wrong types or values is 422; broken JSON stays 400.
    if fields and "body" not in fields and status == 400:
        status = 422
    return _response(status, error_body(status, detail, fields or None))


def on_http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    return _response(status, error_body(status, str(exc.detail or HTTPStatus(status).phrase)), headers or None)


def on_unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error(
        "unhandled error",
        exc_info=exc,
        extra={"method": request.method, "path": request.url.path},
    )
    return _response(500, error_body(500, "Something went wrong on our side; nothing was saved"))


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    domain_errors.DomainError: on_domain_error,
    ValidationException: on_validation_error,
    HTTPException: on_http_error,
    Exception: on_unexpected_error,
}
