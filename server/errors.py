"""THE table of every error code the server sends, with its HTTP status, and the web-only errors.

Pure domain errors (``invalid``, ``forbidden``, ...) are defined in ``sync/errors.py`` and
carry no status; this table gives every code, domain or web, its status. An error whose
code is not in the table cannot be made (``WebError`` refuses it), OpenAPI lists the codes
from here, ``docs/errors.md`` documents each one, and tests check all three agree.
"""

from __future__ import annotations

from typing import Any

from sync.errors import FieldsyncError

# code -> (HTTP status, what it means). Keep docs/errors.md in step (a test checks it).
CODES: dict[str, tuple[int, str]] = {
    # -- the request itself --
    "bad_request": (400, "the request is malformed (JSON, types, missing or out-of-range values)"),
    "invalid_cursor": (400, "the sync cursor is not a string or null"),
    "bad_hash": (400, "an attachment name is not 64 lowercase hex digits"),
    "bad_range": (400, "a Content-Range header is malformed or disagrees with the body"),
    "incomplete_body": (400, "the body ended before its declared length"),
    "client_disconnected": (400, "the client went away before its request was complete"),
    "http_error": (400, "another HTTP-level refusal by the framework (its own status)"),
    # -- who is asking --
    "unauthorized": (401, "no valid bearer token"),
    "bad_credentials": (401, "wrong username or password"),
    "token_expired": (401, "the login passed its idle or absolute lifetime"),
    "device_revoked": (401, "the device was revoked: send what you can, then wipe (wipe: true)"),
    "forbidden": (403, "outside the caller's scope or role"),
    # -- what is asked for --
    "not_found": (404, "no such thing in the caller's scope"),
    "method_not_allowed": (405, "the endpoint does not take this method"),
    "conflict": (409, "the request clashes with the current state (e.g. a taken username)"),
    "already_resolved": (409, "the conflict (or quarantined op) was resolved already"),
    "still_rejected": (409, "a released quarantined op was refused again; details.code is why"),
    "unknown_sender": (409, "a quarantined op's sender no longer exists: drop it instead"),
    "total_mismatch": (409, "an upload piece names another total than the upload's first piece"),
    "stale_schema": (409, "the app's data format is older than the server accepts: update first"),
    "payload_too_large": (413, "the body (or attachment) is over the configured limit"),
    "too_many_ops": (413, "more ops in one sync request than the server takes"),
    "unsupported_media_type": (415, "a content type or Content-Encoding the server does not take"),
    "range_not_satisfiable": (416, "too many separate upload pieces held; resend from details.expected"),
    # -- the data --
    "invalid": (422, "a value breaks the collection's schema; details.path names where"),
    "unknown_collection": (422, "the op names a collection the schema does not define"),
    "immutable": (422, "the record or field may no longer be changed"),
    "invalid_transition": (422, "a state change the collection does not allow"),
    "hash_mismatch": (422, "the uploaded bytes do not hash to the attachment's name; nothing kept"),
    # -- load and bugs --
    "rate_limited": (429, "too many attempts; details.retry_after gives seconds to wait"),
    "internal": (500, "a bug of the server's (nothing internal is shown)"),
}


def status_of(err: FieldsyncError) -> int:
    """The HTTP status of any fieldsync error, from the table."""
    return CODES[err.code][0]


class WebError(FieldsyncError):
    """An error that only the HTTP edge raises; its code must be in ``CODES``."""

    code = "bad_request"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.code not in CODES:
            raise TypeError(f"{cls.__name__}.code {cls.code!r} is not in server.errors.CODES")

    def __init__(self, message: str, *, details: dict[str, Any] | None = None,
                 code: str | None = None) -> None:
        if code is not None and code not in CODES:
            raise ValueError(f"error code {code!r} is not in server.errors.CODES")
        super().__init__(message, details=details, code=code)


class BadRequest(WebError):
    """The request itself is malformed (JSON, types, missing keys)."""

    code = "bad_request"


class Unauthorized(WebError):
    """No valid bearer token."""

    code = "unauthorized"


class BadCredentials(WebError):
    """Wrong username or password."""

    code = "bad_credentials"


class DeviceRevoked(WebError):
    """The device was revoked; the client must send what it can and wipe.

    ``results`` carries the per-op outcome of the device's last push, if one was taken.
    """

    code = "device_revoked"
    results: list[dict[str, Any]] | None = None


class TokenExpired(WebError):
    """The token passed its idle or absolute lifetime."""

    code = "token_expired"


class NotFound(WebError):
    """No such thing in the caller's scope."""

    code = "not_found"


class Conflict(WebError):
    """The request clashes with the current state (e.g. a duplicate username)."""

    code = "conflict"


class PayloadTooLarge(WebError):
    """The body is larger than the configured limit."""

    code = "payload_too_large"


class UnsupportedMediaType(WebError):
    """A content type or encoding the server does not take."""

    code = "unsupported_media_type"


class RangeNotSatisfiable(WebError):
    """Too many separate pieces of an upload are held; ``details['expected']`` says where to resume."""

    code = "range_not_satisfiable"


class HashMismatch(WebError):
    """The uploaded bytes do not hash to the attachment's name."""

    code = "hash_mismatch"


class RateLimited(WebError):
    """Too many attempts; ``details['retry_after']`` gives seconds to wait."""

    code = "rate_limited"


class Internal(WebError):
    """A bug of ours, shown without internals."""

    code = "internal"
