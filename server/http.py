"""HTTP plumbing shared by every endpoint: the error envelope, bounded body
reading (with gzip request bodies), and compressed JSON responses."""

from __future__ import annotations

import gzip
import re
import zlib
from typing import Any

import brotli
import zstandard
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from sync.errors import FieldsyncError

from .clock import now_ms
from .errors import (
    BadRequest,
    DeviceRevoked,
    Internal,
    PayloadTooLarge,
    UnsupportedMediaType,
    WebError,
    status_of,
)
from .jsoncodec import dumps_bytes, loads
from .store import audit

_zstd = zstandard.ZstdCompressor(level=3)
MIN_COMPRESS = 1024


def client_address(request: Request) -> str:
    """The client's address: the peer, or with ``FIELDSYNC_TRUST_FORWARDED=n`` the n-th
    entry from the right of ``X-Forwarded-For`` (the one the outermost trusted proxy saw)."""
    peer = request.client.host if request.client else "unknown"
    fs = getattr(request.app.state, "fs", None)
    hops = fs.config.trust_forwarded if fs is not None else 0
    if hops > 0:
        forwarded = [a.strip() for a in ",".join(
            request.headers.getlist("x-forwarded-for")).split(",") if a.strip()]
        if len(forwarded) >= hops:
            return forwarded[-hops][:64]
    return peer


def error_body(err: FieldsyncError) -> dict[str, Any]:
    """The JSON envelope for an error.

    A revocation adds top-level ``wipe: true`` and, when the device's last push was
    taken, its per-op ``results`` so the device knows what reached the server.
    """
    body: dict[str, Any] = {"error": err.as_dict()}
    if isinstance(err, DeviceRevoked):
        body["wipe"] = True
        if err.results is not None:
            body["results"] = err.results
    return body


AUDITED = frozenset({401, 403, 429})


async def fieldsync_error(request: Request, exc: Exception) -> Response:
    """Render any ``FieldsyncError`` as the envelope with its status (from the code table);
    audit refusals."""
    assert isinstance(exc, FieldsyncError)
    status = status_of(exc)
    if status in AUDITED and exc.code != "bad_credentials" and request.url.path != "/api/v1/auth/login":
        await _audit_refusal(request, exc)
    headers = {}
    if status == 429 and "retry_after" in exc.details:
        headers["Retry-After"] = str(exc.details["retry_after"])
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return json_response(request, error_body(exc), status, headers=headers)


async def _audit_refusal(request: Request, exc: FieldsyncError) -> None:
    fs = getattr(request.app.state, "fs", None)
    if fs is None:
        return
    who = getattr(request.state, "principal", None)
    await fs.writer.execute(lambda conn: audit.record(
        conn, at=now_ms(), action="refused", outcome=exc.code,
        user_id=getattr(who, "user_id", None), username=getattr(who, "username", None),
        device_id=getattr(who, "device_id", None), county_id=getattr(who, "audit_county", None),
        target=f"{request.method} {request.url.path}"[:200], details={"message": exc.message},
        address=client_address(request)))


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (unknown route, wrong method) in the same envelope."""
    assert isinstance(exc, HTTPException)
    codes = {404: "not_found", 405: "method_not_allowed"}
    # Starlette's status is kept as it is; only the code comes from the table.
    err = WebError(str(exc.detail), code=codes.get(exc.status_code, "http_error"))
    return json_response(request, error_body(err), exc.status_code,
                         headers=dict(exc.headers or {}))


async def client_gone(request: Request, exc: Exception) -> Response:
    """The client went away mid-request (a phone losing signal): routine, not a bug.

    Its own handler, because the catch-all ``Exception`` handler runs in Starlette's
    ServerErrorMiddleware, which logs a traceback and re-raises. It is raised while reading
    the body, before anything is applied; the answer goes nowhere, but the ASGI server is owed one.
    """
    assert isinstance(exc, ClientDisconnect)
    err = BadRequest("the client disconnected before its request was complete",
                     code="client_disconnected")
    return json_response(request, error_body(err), status_of(err))


async def server_error(request: Request, exc: Exception) -> Response:
    """A bug of ours: a 500 in the envelope, without internals."""
    err = Internal("internal error")
    return json_response(request, error_body(err), status_of(err))


def accepted(accept: str) -> set[str]:
    """The content codings an ``Accept-Encoding`` header accepts (those with q > 0)."""
    offered = {}
    for part in accept.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        offered[name.strip()] = q
    return {name for name, q in offered.items() if q > 0}


def pick_encoding(accept: str) -> str | None:
    """The best response encoding the client accepts: zstd, then br, then gzip."""
    ok = accepted(accept)
    for enc in ("zstd", "br", "gzip"):
        if enc in ok:
            return enc
    return None


def compress(body: bytes, encoding: str | None) -> bytes:
    """Compress ``body`` with ``encoding`` (None leaves it as is)."""
    if encoding == "zstd":
        return _zstd.compress(body)
    if encoding == "br":
        return bytes(brotli.compress(body, quality=5, lgwin=22))
    if encoding == "gzip":
        return gzip.compress(body, compresslevel=6, mtime=0)
    return body


def raw_response(request: Request, body: bytes, status: int = 200,
                 headers: dict[str, str] | None = None,
                 media_type: str = "application/json") -> Response:
    """A response whose body is compressed to suit the client's Accept-Encoding.

    API bodies carry personal data: no cache (browser, proxy) may keep them, and no
    browser may guess another type for them.
    """
    hdrs = dict(headers or {})
    hdrs["Vary"] = "Accept-Encoding"
    hdrs.setdefault("Cache-Control", "no-store")
    hdrs["X-Content-Type-Options"] = "nosniff"
    enc = pick_encoding(request.headers.get("accept-encoding", "")) \
        if len(body) >= MIN_COMPRESS else None
    if enc:
        body = compress(body, enc)
        hdrs["Content-Encoding"] = enc
    return Response(body, status_code=status, headers=hdrs, media_type=media_type)


def json_response(request: Request, payload: Any, status: int = 200,
                  headers: dict[str, str] | None = None) -> Response:
    """``payload`` as compact UTF-8 JSON, compressed when worth it."""
    return raw_response(request, dumps_bytes(payload), status, headers)


async def read_body(request: Request, limit: int, inflated_limit: int) -> bytes:
    """The request body, refusing (413) as soon as it passes ``limit`` bytes.

    A ``Content-Encoding: gzip`` body is inflated with its own bound, so a small
    compressed bomb cannot exhaust memory.
    """
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.isdigit():
            raise BadRequest("bad Content-Length")
        if int(declared) > limit:
            raise PayloadTooLarge(f"body over {limit} bytes", details={"limit": limit})
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(f"body over {limit} bytes", details={"limit": limit})
        chunks.append(chunk)
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise UnsupportedMediaType(f"Content-Encoding {encoding!r} is not supported; use gzip")
    inflater = zlib.decompressobj(wbits=31)
    try:
        out = inflater.decompress(body, inflated_limit + 1)
    except zlib.error as exc:
        raise BadRequest(f"body is not valid gzip: {exc}") from None
    if len(out) > inflated_limit or inflater.unconsumed_tail:
        raise PayloadTooLarge(f"inflated body over {inflated_limit} bytes",
                              details={"limit": inflated_limit})
    if not inflater.eof:
        raise BadRequest("gzip body is truncated")
    return out


async def read_json(request: Request, limit: int, inflated_limit: int) -> dict[str, Any]:
    """The body as a JSON object, or a clear 400/413/415."""
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip()
    if ctype not in ("application/json", ""):
        raise UnsupportedMediaType("send JSON (Content-Type: application/json)")
    body = await read_body(request, limit, inflated_limit)
    try:
        doc = loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"body is not valid JSON: {exc}") from None
    except RecursionError:
        raise BadRequest("body is nested too deeply") from None
    if not isinstance(doc, dict):
        raise BadRequest("body must be a JSON object")
    if _MAYBE_SURROGATE.search(body) and _has_lone_surrogate(doc):
        raise BadRequest("body holds a lone UTF-16 surrogate (\\ud800–\\udfff), which is not text")
    return doc


# JSON may spell a lone surrogate as an escape; such a string cannot be stored or hashed.
_MAYBE_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False
