"""One JSON error shape for every 4xx/5xx: {status, error, detail, fields?}.

Domain exceptions are mapped to HTTP here, once; nothing else in server/ picks status codes for them.
"""

from __future__ import annotations

import inspect
import logging
import re
from dataclasses import dataclass
from decimal import Decimal
from http import HTTPStatus
from typing import Annotated, Any, cast

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, SerializationException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import ParameterKwarg

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
_UNKNOWN_FIELD = re.compile(r"^Object contains unknown field `([^`]*)`")
_MISSING_FIELD = re.compile(r"^Object missing required field `([^`]*)`")
_MISSING_PARAMETER = re.compile(r"^Missing required (?:query|header|cookie|path) parameter '([^']*)'")
# What a handler calls its JSON body (Litestar's `data`); on the wire that is the body itself.
_BODY_PARAMETER = "data"
BODY_FIELD = "body"


def _join(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def _wire_name(request: Request[Any, Any, Any], parameter: str) -> str:
    """A handler parameter's name on the wire: `open_only` is read from `?open=`, `start_date` from `startDate`."""
    handler = request.scope.get("route_handler")
    signature = getattr(handler, "parsed_fn_signature", None)
    definition = signature.parameters.get(parameter) if signature is not None else None
    kwarg = getattr(definition, "kwarg_definition", None)
    if isinstance(kwarg, ParameterKwarg) and kwarg.name:
        return kwarg.name
    return parameter


def _field_and_message(request: Request[Any, Any, Any], item: dict[str, Any]) -> tuple[str, str]:
    """The wire name of the field an error is about (camelCase body paths like `results[1].unit`, query and
    header names as sent) and what is wrong with it."""
    raw = str(item.get("message", ""))
    message = _MSGSPEC_PATH.sub("", raw).strip(" -") or "invalid"
    key = str(item.get("key") or "")
    in_path = _MSGSPEC_PATH.search(raw)
    if item.get("source") == "body" or key == _BODY_PARAMETER or not key:
        base = in_path.group(1) if in_path and in_path.group(1) else ("" if key in ("", _BODY_PARAMETER) else key)
        if unknown := _UNKNOWN_FIELD.match(message):
            return _join(base, unknown.group(1)), "is not a field of this request"
        if missing := _MISSING_FIELD.match(message):
            return _join(base, missing.group(1)), "is required"
        if key == _BODY_PARAMETER and message == f"'{_BODY_PARAMETER}'":  # no body at all
            return BODY_FIELD, "a JSON body is required"
        return base or BODY_FIELD, message
    return _wire_name(request, key), message


def on_validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    fields: dict[str, str] = {}
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            field, message = _field_and_message(request, item)
            fields.setdefault(field, message)
    if not fields and (missing := _MISSING_PARAMETER.match(str(exc.detail or ""))):
        fields[missing.group(1)] = "is required"
    detail = "The request is not valid" if fields else (exc.detail or "The request is not valid")
    # Input that was read but has a wrong type, a wrong value or a missing part is 422, with the fields named.
    status = 422 if fields else (exc.status_code if 400 <= exc.status_code < 500 else 400)
    return _response(status, error_body(status, detail, fields or None))


def on_http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    headers = dict(exc.headers or {})
    detail = str(exc.detail or HTTPStatus(status).phrase)
    fields = None
    if isinstance(exc.__cause__, SerializationException):  # a body that is not JSON at all
        fields = {BODY_FIELD: _MSGSPEC_PATH.sub("", detail).strip(" -") or "is not valid JSON"}
        detail = "The body is not valid JSON"
    return _response(status, error_body(status, detail, fields), headers or None)


def on_unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error(
        "unhandled error",
        exc_info=exc,
        extra={"method": request.method, "path": request.url.path},
    )
    return _response(500, error_body(500, "Something went wrong on our side; nothing was saved"))


# ---------------------------------------------------------------- the error answers in the OpenAPI document


class ErrorOut(msgspec.Struct, rename="camel", omit_defaults=True):
    """Every 4xx/5xx answer: `fields` names each bad field by its wire name (`results[1].unit`, `startDate`)."""

    status: int
    error: str
    detail: str
    fields: dict[str, str] | msgspec.UnsetType = msgspec.UNSET
    # 412: the record's version now; 409 on a state machine: its state now; 423/429: when to try again.
    current_version: int | msgspec.UnsetType = msgspec.UNSET
    current_state: str | msgspec.UnsetType = msgspec.UNSET
    retry_after_seconds: int | msgspec.UnsetType = msgspec.UNSET


# A decimal as a request sends it: msgspec reads a JSON number or a decimal string, which Litestar documents
# as any string at all ("" and "1.2.3" are refused with 422).
DECIMAL_PATTERN = r"^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$"
DecimalIn = Annotated[Decimal, msgspec.Meta(extra_json_schema={"extra": {"pattern": DECIMAL_PATTERN}})]


ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "The request could not be read (a body that is not JSON, a bad address)",
    401: "Not signed in, or the session has ended",
    403: "Signed in, but not allowed to do this",
    404: "No such record, or none you may see",
    409: "Not possible in the record's current state",
    412: "The record changed since the version sent (If-Match or `version`)",
    422: "A value is not valid: `fields` names each one",
    423: "The account is locked for a while after failed sign-ins",
    428: "Say which version the change is based on (If-Match or `version`)",
    429: "Too many attempts: try again later",
}
_ALWAYS = (400, 404, 409, 422)
_SIGNED_IN = (401, 403)
_CHANGES = (412, 428)


def _text_or_binary(media_type: str) -> Schema:
    textual = media_type.startswith("text/") or media_type in ("application/hl7-v2", "image/svg+xml")
    return Schema(type=OpenAPIType.STRING, format=None if textual else OpenAPIFormat.BINARY)


def _operation_class(handler: Any) -> type[Operation]:
    """The handler's Operation, corrected where Litestar's own document is wrong about it: a 204 has no body; a
    `data` with a default may be left out; a raw body (`raw_body=(media types)` on the route) and answers in
    other media types than the route's own (`also_produces=(media types)`) are documented."""
    data = inspect.signature(handler.fn).parameters.get("data")
    optional_body = data is not None and data.default is not inspect.Parameter.empty
    raw_body: tuple[str, ...] = tuple(handler.opt.get("raw_body", ()))
    also_produces: tuple[str, ...] = tuple(handler.opt.get("also_produces", ()))
    no_content = handler.status_code == 204
    if not (optional_body or raw_body or also_produces or no_content):
        return cast("type[Operation]", handler.operation_class)
    success = str(handler.status_code)

    @dataclass
    class DocumentedOperation(Operation):
        def __post_init__(self) -> None:
            if optional_body and isinstance(self.request_body, RequestBody):
                self.request_body.required = False
            if raw_body:
                self.request_body = RequestBody(
                    required=True, content={t: OpenAPIMediaType(schema=_text_or_binary(t)) for t in raw_body})
            answer = self.responses.get(success) if self.responses else None
            if isinstance(answer, OpenAPIResponse):
                if no_content:
                    answer.content = None
                elif also_produces:
                    answer.content = {**(answer.content or {}),
                                      **{t: OpenAPIMediaType(schema=_text_or_binary(t)) for t in also_produces}}

    return DocumentedOperation


def document_errors(handlers: list[Any], *, extra: tuple[int, ...] = ()) -> list[Any]:
    """Put the error answers each handler can give in the OpenAPI document, all in the ErrorOut shape (Litestar
    would otherwise list only its own 400 shape). A handler open without a token is documented as such; see
    _operation_class for the other corrections."""
    for handler in handlers:
        handler.operation_class = _operation_class(handler)
        public = bool(getattr(handler, "opt", {}).get("exclude_from_auth"))
        codes = set(_ALWAYS) | set(extra)
        if not public:
            codes |= set(_SIGNED_IN)
        if not public and handler.http_methods & {"POST", "PUT", "PATCH", "DELETE"}:
            codes |= set(_CHANGES)
        documented = {
            code: ResponseSpec(data_container=ErrorOut, description=ERROR_DESCRIPTIONS[code], generate_examples=False)
            for code in sorted(codes)
        }
        handler.responses = {**documented, **(handler.responses or {})}
        if public:
            handler.security = [{}]
    return handlers


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    domain_errors.DomainError: on_domain_error,
    ValidationException: on_validation_error,
    HTTPException: on_http_error,
    Exception: on_unexpected_error,
}
