"""Attachment endpoints: upload whole or in pieces, ask progress, download.

``PUT /api/v1/attachments/{sha256}``

- Without ``Content-Range``: the whole content, hashed while it streams to a temporary
  file. 201 ``{"sha256", "size", "complete": true}`` when the hash matches, 422
  ``hash_mismatch`` (nothing kept) when not. Not resumable: send pieces for that.
- With ``Content-Range: bytes a-b/total``: a piece. 202 ``{"received": n}`` (the bytes
  held contiguously from 0), or 201 as above once every byte is held and the hash matches.
  Pieces may repeat, overlap or come out of order (held, up to ``MAX_RANGES`` separate
  ranges; past that 416 ``range_not_satisfiable`` with ``details.expected``). A piece cut
  short (dropped connection) keeps the bytes that arrived: ask the status, send from
  ``received``. A piece whose bytes are all held already is answered without reading it,
  which also finishes an upload whose last step was interrupted.
- 200 with the same body when the caller sent this content before: nothing is read.
- Errors: 400 ``bad_hash`` / ``bad_range`` / ``incomplete_body``, 409 ``total_mismatch``
  (another total than the upload's first piece), 413 past ``max_attachment_bytes`` (checked
  on Content-Length and the range's total before reading, and while counting the stream),
  415 for a Content-Encoding.

``GET /api/v1/attachments/{sha256}/status`` → ``{"received", "complete"}``;
``GET /api/v1/attachments/{sha256}`` → the bytes, immutable and cacheable (ETag is the hash,
``If-None-Match`` gives 304, ``Range`` is honoured). Someone who may not read an attachment
gets 404, as if it did not exist; see ``attachments`` for who may.

File work (streaming to disk, hashing, fsync, rename) runs on worker threads; database
writes go through the writer. An in-process lock per (hash, user) makes finishing an
upload happen once, however many of its pieces arrive together.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing, asynccontextmanager
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, Response
from starlette.types import Receive, Scope, Send

from sync.errors import FieldsyncError

from .. import attachments as att
from ..auth import Principal
from ..clock import now_ms
from ..errors import BadRequest, HashMismatch, NotFound, PayloadTooLarge, UnsupportedMediaType
from ..http import json_response
from ..state import principal, state
from ..store import attachments as meta

BLOCK = 256 * 1024  # bytes gathered from the stream before one write on a worker thread
_LENGTH = re.compile(r"[0-9]{1,15}")
_RANGE_SPEC = r"(?:[0-9]{1,15}-[0-9]{0,15}|-[0-9]{1,15})"
_RANGE = re.compile(rf"bytes=\s*{_RANGE_SPEC}(?:\s*,\s*{_RANGE_SPEC}){{0,9}}\s*")

_locks: dict[tuple[str, str, str], tuple[asyncio.Lock, int]] = {}


@asynccontextmanager
async def _exclusive(key: tuple[str, str, str]) -> AsyncIterator[None]:
    """Hold the lock of ``key``; the lock is forgotten when nobody holds or waits for it."""
    lock, users = _locks.get(key, (asyncio.Lock(), 0))
    _locks[key] = (lock, users + 1)
    try:
        async with lock:
            yield
    finally:
        lock, users = _locks[key]
        if users == 1:
            del _locks[key]
        else:
            _locks[key] = (lock, users - 1)


def _sha(request: Request) -> str:
    sha: str = request.path_params["sha256"]
    if not att.is_hash(sha):
        raise BadRequest("an attachment is named by its SHA-256: 64 lowercase hex digits",
                         code="bad_hash", details={"sha256": sha[:100]})
    return sha


def _content_length(request: Request) -> int | None:
    declared = request.headers.get("content-length")
    if declared is None:
        return None
    if not _LENGTH.fullmatch(declared.strip()):
        raise BadRequest("bad Content-Length")
    return int(declared)


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"an attachment is at most {limit} bytes", details={"limit": limit})


def _mismatch(sha: str, digest: str) -> FieldsyncError:
    return HashMismatch("the bytes do not hash to the attachment's name; nothing was kept",
                        details={"expected": sha, "actual": digest})


def _done(sha: str, size: int) -> dict[str, Any]:
    return {"sha256": sha, "size": size, "complete": True}


async def _blocks(request: Request, most: int, too_long: FieldsyncError) -> AsyncGenerator[bytes, None]:
    """The body in blocks of about ``BLOCK`` bytes; ``too_long`` as soon as it passes ``most``.

    When the client goes away, what arrived is still yielded before ``ClientDisconnect``.
    """
    buf = bytearray()
    seen = 0
    try:
        async for chunk in request.stream():
            seen += len(chunk)
            if seen > most:
                raise too_long
            buf += chunk
            if len(buf) >= BLOCK:
                yield bytes(buf)
                buf.clear()
    except ClientDisconnect:
        if buf:
            yield bytes(buf)
        raise
    if buf:
        yield bytes(buf)


async def attachment(request: Request) -> Response:
    """``/api/v1/attachments/{sha256}``: GET downloads, PUT uploads."""
    if request.method == "PUT":
        return await put_attachment(request)
    return await get_attachment(request)


async def put_attachment(request: Request) -> Response:
    """Receive the whole content or one piece of it."""
    fs = state(request)
    who = await principal(request)
    sha = _sha(request)
    root, limit = fs.config.files_dir, fs.config.max_attachment_bytes
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise UnsupportedMediaType("send attachments as they are, without a Content-Encoding")
    length = _content_length(request)
    header = request.headers.get("content-range")
    piece = att.parse_content_range(header) if header is not None else None
    if piece is not None:
        start, end, total = piece
        if total > limit:
            raise _too_large(limit)
        if length is not None and length != end - start:
            raise BadRequest(f"Content-Range names {end - start} bytes but Content-Length is {length}",
                             code="bad_range", details={"content_length": length})
    elif length is not None and length > limit:
        raise _too_large(limit)
    size = await fs.readers.run(lambda c: meta.already_sent(c, root, sha, who.user_id))
    if size is not None:
        return json_response(request, _done(sha, size))
    ctype = att.content_type(request.headers.get("content-type"))
    if piece is None:
        return await _put_whole(request, who, sha, ctype)
    return await _put_piece(request, who, sha, ctype, *piece)


async def _put_whole(request: Request, who: Principal, sha: str, ctype: str) -> Response:
    fs = state(request)
    root, limit = fs.config.files_dir, fs.config.max_attachment_bytes
    started = now_ms()
    final = att.final_path(root, sha)
    # Content already stored (sent by someone else) is only hashed, never written again.
    tmp = None if await run_in_threadpool(final.is_file) else att.temp_path(root, sha)
    fd = await run_in_threadpool(att.open_for_write, tmp) if tmp is not None else None
    installed = False
    try:
        hasher = hashlib.sha256()
        size = 0
        try:
            async with aclosing(_blocks(request, limit, _too_large(limit))) as blocks:
                async for block in blocks:
                    await run_in_threadpool(att.write_hashed, fd, block, size, hasher)
                    size += len(block)
            if fd is not None:
                await run_in_threadpool(os.fsync, fd)
        except ClientDisconnect:
            raise BadRequest("the connection closed before the body ended",
                             code="incomplete_body") from None
        finally:
            if fd is not None:
                os.close(fd)
        if hasher.hexdigest() != sha:
            raise _mismatch(sha, hasher.hexdigest())
        if tmp is not None:
            await run_in_threadpool(att.install, tmp, final)
        installed = True
    finally:
        if tmp is not None and not installed:
            await run_in_threadpool(att.remove, tmp)
    return await _complete(request, who, sha, size, ctype, started)


async def _put_piece(request: Request, who: Principal, sha: str, ctype: str,
                     start: int, end: int, total: int) -> Response:
    fs = state(request)
    root = fs.config.files_dir
    part = await fs.writer.execute(lambda c: meta.start_piece(
        c, sha, who.user_id, who.device_id, total, ctype, start, end, now_ms()))
    wanted = att.gaps(part.ranges, start, end)
    if not wanted:  # every byte of it is held: no need to read it
        return await _progress_reply(request, who, sha, part)
    got = 0
    fd = await run_in_threadpool(att.open_for_write, att.partial_path(root, sha, part.token))
    try:
        too_long = BadRequest(f"the body is longer than the {end - start} bytes of its Content-Range",
                              code="bad_range")
        try:
            async with aclosing(_blocks(request, end - start, too_long)) as blocks:
                async for block in blocks:
                    await run_in_threadpool(att.write_parts, fd, block, start + got, wanted)
                    got += len(block)
        except ClientDisconnect:
            pass  # keep what arrived: the device resumes from the status
        await run_in_threadpool(os.fsync, fd)
    finally:
        os.close(fd)
    held = await fs.writer.execute(lambda c: meta.record_range(
        c, sha, who.user_id, part.token, start, start + got, now_ms()))
    if held is None:  # this attempt was finished or dropped meanwhile
        return await _settled(request, who, sha)
    if got < end - start:
        raise BadRequest(f"the body ended after {got} of {end - start} bytes; ask the status and"
                         " resume from received", code="incomplete_body",
                         details={"received": held.received})
    return await _progress_reply(request, who, sha, held)


async def _progress_reply(request: Request, who: Principal, sha: str, part: att.Partial) -> Response:
    if part.full:
        return await _finish(request, who, sha, part.token)
    return json_response(request, {"received": part.received}, 202)


async def _finish(request: Request, who: Principal, sha: str, token: str) -> Response:
    """Verify a fully held upload and install it (once, however many pieces ask)."""
    fs = state(request)
    root = fs.config.files_dir
    async with _exclusive((str(root), sha, who.user_id)):
        part = await fs.readers.run(lambda c: meta.load_partial(c, sha, who.user_id))
        if part is None or part.token != token or not part.full:
            return await _settled(request, who, sha)
        path, final = att.partial_path(root, sha, token), att.final_path(root, sha)
        tmp = None if await run_in_threadpool(final.is_file) else att.temp_path(root, sha)
        try:
            digest, size = await run_in_threadpool(att.copy_hashed, path, tmp)
        except FileNotFoundError:  # the partial file went missing: start this upload over
            digest, size = "", -1
        if digest != sha or size != part.total:
            await fs.writer.execute(lambda c: meta.drop_partial(c, sha, who.user_id, token))
            await run_in_threadpool(att.remove, path)
            if tmp is not None:
                await run_in_threadpool(att.remove, tmp)
            if size < 0:
                return await _settled(request, who, sha)
            raise _mismatch(sha, digest)
        if tmp is not None:
            await run_in_threadpool(att.install, tmp, final)
        return await _complete(request, who, sha, size, part.content_type, part.created_at)


async def _complete(request: Request, who: Principal, sha: str, size: int, ctype: str,
                    started: int) -> Response:
    fs = state(request)
    token = await fs.writer.execute(lambda c: meta.mark_complete(
        c, sha, who.user_id, who.device_id, size, ctype, started, now_ms()))
    if token is not None:
        await run_in_threadpool(att.remove, att.partial_path(fs.config.files_dir, sha, token))
    return json_response(request, _done(sha, size), 201)


async def _settled(request: Request, who: Principal, sha: str) -> Response:
    """Answer a piece whose upload attempt ended meanwhile: as the status says."""
    fs = state(request)
    doc = await fs.readers.run(lambda c: meta.progress(c, fs.config.files_dir, sha, who.user_id, who.scope))
    if doc["complete"]:
        return json_response(request, _done(sha, doc["received"]))
    return json_response(request, {"received": doc["received"]}, 202)


async def attachment_status(request: Request) -> Response:
    """How much of an upload the server holds, as the caller may know it."""
    fs = state(request)
    who = await principal(request)
    sha = _sha(request)
    return json_response(request, await fs.readers.run(
        lambda c: meta.progress(c, fs.config.files_dir, sha, who.user_id, who.scope)))


def _etag_matches(header: str | None, sha: str) -> bool:
    if header is None:
        return False
    tags = {t.strip().removeprefix("W/").strip('"') for t in header.split(",")}
    return sha in tags or "*" in tags


def usable_range(header: str, size: int) -> bool:
    """Whether a ``Range`` header is well formed and satisfiable (else it is ignored)."""
    if size == 0 or not _RANGE.fullmatch(header):
        return False
    for spec in header.split("=", 1)[1].split(","):
        first, _, last = spec.strip().partition("-")
        if not first:
            if int(last) == 0:
                return False
        elif int(first) >= size or (last and int(last) < int(first)):
            return False
    return True


class _AttachmentFile(FileResponse):
    """A file response that ignores (as RFC 9110 allows) a Range it cannot serve, so a bad
    one never gets a plain-text error outside the JSON envelope."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        wanted = Headers(scope=scope).get("range")
        size = self.stat_result.st_size if self.stat_result is not None else 0
        if wanted is not None and not usable_range(wanted, size):
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() != b"range"]}
        await super().__call__(scope, receive, send)


async def get_attachment(request: Request) -> Response:
    """The bytes, for the uploader or anyone whose scope refers to them."""
    fs = state(request)
    who = await principal(request)
    sha = _sha(request)
    root = fs.config.files_dir
    found = await fs.readers.run(lambda c: meta.readable(c, root, sha, who.user_id, who.scope))
    if found is None:
        raise NotFound("no such attachment in your scope")
    headers = {"ETag": f'"{sha}"', "Cache-Control": att.CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
    if _etag_matches(request.headers.get("if-none-match"), sha):
        return Response(status_code=304, headers=headers)
    path = att.final_path(root, sha)
    try:
        stat = await run_in_threadpool(os.stat, path)
    except FileNotFoundError:
        raise NotFound("no such attachment in your scope") from None
    return _AttachmentFile(path, headers=headers, media_type=found[1], stat_result=stat)
