"""The one error family of fieldsync, and its pure domain members.

Every client-facing error is a ``FieldsyncError``: a snake_case ``code``, a message and
``details``. The classes here are what the pure engine can refuse; they know nothing of
HTTP. The web-only members and the table giving every code its HTTP status live in
``server/errors.py``; the HTTP edge renders any of them as
``{"error": {"code", "message", "details"}}``.
"""

from __future__ import annotations

from typing import Any


class FieldsyncError(Exception):
    """Base class: a client-facing error with a snake_case ``code`` (no HTTP status here)."""

    code: str = "bad_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}
        if code is not None:
            self.code = code

    def as_dict(self) -> dict[str, Any]:
        """The error envelope's inner object."""
        return {"code": self.code, "message": self.message, "details": self.details}


class Invalid(FieldsyncError):
    """A value does not satisfy a collection schema; ``details['path']`` names where."""

    code = "invalid"

    def __init__(self, message: str, *, path: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
        merged = dict(details or {})
        if path is not None:
            merged["path"] = path
        super().__init__(message, details=merged)
        self.path = path


class UnknownCollection(FieldsyncError):
    """The op names a collection the schema does not define."""

    code = "unknown_collection"


class Forbidden(FieldsyncError):
    """Out of the caller's scope or role."""

    code = "forbidden"


class Immutable(FieldsyncError):
    """The stored record (or the field) may no longer be changed."""

    code = "immutable"


class InvalidTransition(FieldsyncError):
    """A state field moved along a transition its collection does not allow."""

    code = "invalid_transition"


class StaleSchema(FieldsyncError):
    """The device's schema is older than the server accepts; it must update first."""

    code = "stale_schema"
