"""The one error family of fieldsync.

Pure code raises these; the HTTP edge renders them as
``{"error": {"code", "message", "details"}}`` with ``status``.
"""

from __future__ import annotations

from typing import Any


class FieldsyncError(Exception):
    """Base class: a client-facing error with an HTTP status and a snake_case code."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None,
                 code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def as_dict(self) -> dict[str, Any]:
        """The error envelope's inner object."""
        return {"code": self.code, "message": self.message, "details": self.details}


class BadRequest(FieldsyncError):
    """The request itself is malformed (JSON, types, missing keys)."""

    status, code = 400, "bad_request"


class Invalid(FieldsyncError):
    """A value does not satisfy a collection schema; ``details['path']`` names where."""

    status, code = 422, "invalid"

    def __init__(self, message: str, *, path: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        merged = dict(details or {})
        if path is not None:
            merged["path"] = path
        super().__init__(message, details=merged)
        self.path = path


class UnknownCollection(FieldsyncError):
    """The op names a collection the schema does not define."""

    status, code = 422, "unknown_collection"


class StaleSchema(FieldsyncError):
    """The device's schema is older than the server accepts; it must update first."""

    status, code = 409, "stale_schema"


class Unauthorized(FieldsyncError):
    """No valid bearer token."""

    status, code = 401, "unauthorized"


class BadCredentials(FieldsyncError):
    """Wrong username or password."""

    status, code = 401, "bad_credentials"


class DeviceRevoked(FieldsyncError):
    """The device was revoked; the client must send what it can and wipe.

    ``results`` carries the per-op outcome of the device's last push, if one was taken.
    """

    status, code = 401, "device_revoked"
    results: list[dict[str, Any]] | None = None


class TokenExpired(FieldsyncError):
    """The token passed its idle or absolute lifetime."""

    status, code = 401, "token_expired"


class Forbidden(FieldsyncError):
    """Out of the caller's scope or role."""

    status, code = 403, "forbidden"


class Immutable(FieldsyncError):
    """The record is closed (e.g. an approved inspection): it takes no more edits."""

    status, code = 409, "immutable"


class InvalidTransition(FieldsyncError):
    """A state change the collection's transition table does not allow.

    ``details`` carries ``path``, ``from``, ``to`` and the ``allowed`` next values.
    """

    status, code = 409, "invalid_transition"


class NotFound(FieldsyncError):
    """No such thing in the caller's scope."""

    status, code = 404, "not_found"


class Conflict(FieldsyncError):
    """The request clashes with the current state (e.g. a duplicate username)."""

    status, code = 409, "conflict"


class PayloadTooLarge(FieldsyncError):
    """The body is larger than the configured limit."""

    status, code = 413, "payload_too_large"


class UnsupportedMediaType(FieldsyncError):
    """A content type or encoding the server does not take."""

    status, code = 415, "unsupported_media_type"


class RateLimited(FieldsyncError):
    """Too many attempts; ``details['retry_after']`` gives seconds to wait."""

    status, code = 429, "rate_limited"
