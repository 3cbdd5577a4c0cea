"""The exceptions the hospital's rules raise when a request cannot be carried out.

server/ maps each class to one HTTP status in one place; domain code only says what went wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class DomainError(Exception):
    """A rule refused the request; `detail` is safe to show to staff (never a patient's name)."""

    code: ClassVar[str] = "domain_error"

    def __init__(self, detail: str, *, fields: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.fields: dict[str, str] = dict(fields or {})


class ValidationFailed(DomainError):
    """Input breaks a rule; `fields` names each offending camelCase field and why (422)."""

    code = "validation_failed"

    def __init__(
        self, detail: str = "Some fields are not valid", *, fields: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(detail, fields=fields)


class NotFound(DomainError):
    """The thing asked for does not exist, or the actor may not know that it does (404)."""

    code = "not_found"


class PermissionDenied(DomainError):
    """The actor's role, assignment or ownership does not allow this (403)."""

    code = "permission_denied"


class Conflict(DomainError):
    """The request clashes with the current state of things (409).

    `extra` carries what the caller needs to resolve it, e.g. `{"candidates": [...]}` for a
    possible duplicate patient.
    """

    code = "conflict"

    def __init__(
        self,
        detail: str,
        *,
        fields: Mapping[str, str] | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail, fields=fields)
        self.extra: dict[str, object] = dict(extra or {})


class InvalidTransition(Conflict):
    """A state machine refused a move; the answer names the state the thing is in now (409)."""

    code = "invalid_transition"

    def __init__(
        self,
        detail: str,
        *,
        current_state: str,
        fields: Mapping[str, str] | None = None,
        extra: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail, fields=fields, extra=extra)
        self.current_state = current_state


class StaleVersion(DomainError):
    """The update was based on an older version of the record than the one stored (412)."""

    code = "stale_version"

    def __init__(self, detail: str, *, current_version: int) -> None:
        super().__init__(detail)
        self.current_version = current_version


class PreconditionRequired(DomainError):
    """An update did not say which version it was based on (If-Match or `version`) (428)."""

    code = "precondition_required"


class Locked(DomainError):
    """The thing (an account, a record being merged) is locked for a while (423)."""

    code = "locked"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class TooManyAttempts(DomainError):
    """The actor tried too often too quickly (429)."""

    code = "too_many_attempts"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class Unauthenticated(DomainError):
    """No valid session or token: the caller is nobody yet (401)."""

    code = "unauthenticated"
