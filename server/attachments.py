"""Attachment storage: photos and signatures, content-addressed by SHA-256.

Files live under ``config.files_dir`` fanned out as ``ab/cd/<sha256>``; the same content is
stored once, however many people send it. A file only ever appears there whole and
verified: it is written to a temporary file in the same folder, fsynced, then renamed.

An upload in pieces (``Content-Range``) belongs to one user: each user's progress for a
hash is a row of ``attachment_partials`` (the declared total and the byte ranges held,
half-open and merged) and a sparse file ``ab/cd/<sha256>.<token>.part`` written in place
with ``pwrite``. Pieces may arrive in any order, repeat or overlap: only bytes not held yet
are written, and ``received`` is the length of the contiguous prefix. Out-of-order pieces
are held, up to ``MAX_RANGES`` separate ranges; a piece that would leave more is refused
with 416 ``range_not_satisfiable`` naming the expected offset. When the ranges cover the
total, the partial file is hashed while it is copied to a fresh file, which is installed
only if the hash matches (else everything of that upload is dropped: 422 ``hash_mismatch``).
The ``token`` names one attempt: once an attempt is finished or dropped, a late piece of it
finds a different (or no) token and changes nothing.

Why uploads are per user: an uploader may read what they sent, so being recorded as an
uploader must cost having the bytes. Knowing a hash (or a JPEG's first bytes) is not
enough: a second uploader sends the whole content too, and it is verified, though the
stored file is not rewritten.

Who may read an attachment: its uploaders, and anyone whose scope holds a live record
that refers to it (``visits.photos``, ``visits.signature``, ``inspections.items.*.photos``,
``rectifications.responses.*.photos``) or an open conflict of such a record whose kept
value does (so the loser's photos can be looked at before resolving). Records are
searched with ``instr(data, hash)`` in the caller's centres, then parsed to confirm the
hash sits at one of those paths (not, say, in a note).

The functions taking a ``conn`` run in the writer (writes) or a reader; the file
functions block and are called from a worker thread.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync import paths
from sync.errors import BadRequest, Conflict, FieldsyncError

from .scope import Scope, scope_for

HASH = re.compile(r"[0-9a-f]{64}")
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
OCTETS = "application/octet-stream"
CACHE_CONTROL = "private, max-age=31536000, immutable"
MAX_RANGES = 32  # separate ranges held for one upload before out-of-order pieces are refused
REFERRING = ("visits", "inspections", "rectifications")
_CONTENT_RANGE = re.compile(r"bytes ([0-9]{1,15})-([0-9]{1,15})/([0-9]{1,15})")
_READ = 1024 * 1024

Ranges = list[tuple[int, int]]


def is_hash(text: str) -> bool:
    """Whether ``text`` is a lowercase 64-hex SHA-256."""
    return HASH.fullmatch(text) is not None


def content_type(header: str | None) -> str:
    """The type an attachment is served with: an image type we know, else octets."""
    kind = (header or "").split(";")[0].strip().lower()
    return kind if kind in IMAGE_TYPES else OCTETS


def parse_content_range(header: str) -> tuple[int, int, int]:
    """``bytes a-b/total`` → ``(a, b + 1, total)``, or 400 ``bad_range``."""
    m = _CONTENT_RANGE.fullmatch(header.strip())
    if m is None:
        raise BadRequest("Content-Range must read 'bytes FIRST-LAST/TOTAL'", code="bad_range",
                         details={"content_range": header[:100]})
    first, last, total = (int(g) for g in m.groups())
    if first > last or last >= total:
        raise BadRequest("Content-Range needs FIRST ≤ LAST < TOTAL", code="bad_range",
                         details={"content_range": header[:100]})
    return first, last + 1, total


# --- byte ranges (half-open, sorted, disjoint, not touching) ---

def merge(ranges: Sequence[tuple[int, int]], start: int, end: int) -> Ranges:
    """``ranges`` with ``[start, end)`` added."""
    out: Ranges = []
    for a, b in sorted([*ranges, (start, end)]):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def gaps(ranges: Sequence[tuple[int, int]], start: int, end: int) -> Ranges:
    """The parts of ``[start, end)`` not in ``ranges``."""
    out: Ranges = []
    pos = start
    for a, b in ranges:
        if b <= pos or a >= end:
            continue
        if a > pos:
            out.append((pos, a))
        pos = max(pos, b)
    if pos < end:
        out.append((pos, end))
    return out


def prefix(ranges: Sequence[tuple[int, int]]) -> int:
    """How many bytes are held contiguously from offset 0."""
    return ranges[0][1] if ranges and ranges[0][0] == 0 else 0


# --- where files live ---

def folder(root: Path, sha256: str) -> Path:
    """The fan-out folder of a hash: ``ab/cd``."""
    return root / sha256[:2] / sha256[2:4]


def final_path(root: Path, sha256: str) -> Path:
    """Where the verified file of ``sha256`` lives."""
    return folder(root, sha256) / sha256


def partial_path(root: Path, sha256: str, token: str) -> Path:
    """The sparse file one upload attempt writes its pieces into."""
    return folder(root, sha256) / f"{sha256}.{token}.part"


def temp_path(root: Path, sha256: str) -> Path:
    """A fresh temporary name beside the final file (the rename is then atomic)."""
    return folder(root, sha256) / f".{sha256}.{uuid.uuid4().hex}.tmp"


# --- file I/O (blocking: call from a worker thread) ---

def open_for_write(path: Path) -> int:
    """Open (creating) ``path`` for positional writes; returns the descriptor."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o640)


def write_at(fd: int, data: bytes, offset: int) -> None:
    """Write all of ``data`` at ``offset``."""
    view = memoryview(data)
    while view:
        n = os.pwrite(fd, view, offset)
        view, offset = view[n:], offset + n


def write_hashed(fd: int | None, data: bytes, offset: int, hasher: Any) -> None:
    """Feed ``data`` to ``hasher`` and write it at ``offset`` unless ``fd`` is None
    (hashing releases the GIL)."""
    hasher.update(data)
    if fd is not None:
        write_at(fd, data, offset)


def write_parts(fd: int, block: bytes, offset: int, wanted: Sequence[tuple[int, int]]) -> None:
    """Write the parts of ``block`` (which starts at ``offset``) that fall in ``wanted``."""
    end = offset + len(block)
    for a, b in wanted:
        lo, hi = max(a, offset), min(b, end)
        if lo < hi:
            write_at(fd, block[lo - offset:hi - offset], lo)

def sync_close(fd: int) -> None:
    """fsync and close a descriptor."""
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def remove(path: Path) -> None:
    """Delete ``path`` if it exists."""
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def copy_hashed(src: Path, dst: Path | None) -> tuple[str, int]:
    """The SHA-256 and size of ``src``, copying it to ``dst`` (fsynced) on the way if given.

    The copy (not a rename of ``src``) is what gets installed, so a write still arriving
    through an old descriptor of ``src`` can never reach a stored file.
    """
    hasher = hashlib.sha256()
    size = 0
    out = open_for_write(dst) if dst is not None else None
    try:
        with src.open("rb") as f:
            while block := f.read(_READ):
                hasher.update(block)
                if out is not None:
                    write_at(out, block, size)
                size += len(block)
    except BaseException:
        if out is not None and dst is not None:
            os.close(out)
            remove(dst)
        raise
    if out is not None:
        sync_close(out)
    return hasher.hexdigest(), size


def install(tmp: Path, final: Path) -> bool:
    """Move a verified, fsynced ``tmp`` to ``final`` atomically; False if already there."""
    if final.exists():
        remove(tmp)
        return False
    os.replace(tmp, final)
    dir_fd = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return True


# --- database ---

@dataclass(frozen=True)
class Partial:
    """One user's upload in progress."""

    token: str
    total: int
    content_type: str
    ranges: Ranges
    created_at: int

    @property
    def received(self) -> int:
        """The contiguous prefix held."""
        return prefix(self.ranges)

    @property
    def full(self) -> bool:
        """Whether every byte of the total is held."""
        return self.ranges == [(0, self.total)]


def load_partial(conn: sqlite3.Connection, sha256: str, user_id: str) -> Partial | None:
    """The caller's upload in progress for ``sha256``, if any."""
    row = conn.execute("SELECT token, total, content_type, ranges, created_at FROM attachment_partials"
                       " WHERE sha256=? AND user_id=?", (sha256, user_id)).fetchone()
    if row is None:
        return None
    return Partial(row[0], row[1], row[2], [(a, b) for a, b in json.loads(row[3])], row[4])


def _too_fragmented(ranges: Ranges, start: int, end: int) -> None:
    if len(merge(ranges, start, end)) > MAX_RANGES:
        expected = prefix(ranges)
        raise FieldsyncError(f"too many separate pieces held; send the bytes from offset {expected}",
                             code="range_not_satisfiable", status=416,
                             details={"expected": expected, "max_ranges": MAX_RANGES})


def start_piece(conn: sqlite3.Connection, sha256: str, user_id: str, device_id: str, total: int,
                ctype: str, start: int, end: int, now: int) -> Partial:
    """The upload a piece ``[start, end)`` belongs to, begun now if there is none.

    Raises 409 ``total_mismatch`` when the total differs from the upload's, 416 when the
    piece would leave too many separate ranges.
    """
    part = load_partial(conn, sha256, user_id)
    if part is None:
        part = Partial(uuid.uuid4().hex[:16], total, ctype, [], now)
        conn.execute("INSERT INTO attachment_partials (sha256, user_id, device_id, token, total,"
                     " content_type, ranges, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)",
                     (sha256, user_id, device_id, part.token, total, ctype, "[]", now, now))
    elif part.total != total:
        raise Conflict(f"this upload's total is {part.total} bytes, not {total}", code="total_mismatch",
                       details={"total": part.total, "received": part.received})
    _too_fragmented(part.ranges, start, end)
    return part


def record_range(conn: sqlite3.Connection, sha256: str, user_id: str, token: str, start: int,
                 end: int, now: int) -> Partial | None:
    """Note ``[start, end)`` as held (its bytes are on disk); None if the attempt is over."""
    part = load_partial(conn, sha256, user_id)
    if part is None or part.token != token:
        return None
    if start < end:
        _too_fragmented(part.ranges, start, end)
        ranges = merge(part.ranges, start, end)
        conn.execute("UPDATE attachment_partials SET ranges=?, updated_at=? WHERE sha256=? AND user_id=?",
                     (json.dumps(ranges), now, sha256, user_id))
        part = Partial(part.token, part.total, part.content_type, ranges, part.created_at)
    return part


def drop_partial(conn: sqlite3.Connection, sha256: str, user_id: str,
                 token: str | None = None) -> str | None:
    """End the caller's upload attempt (only ``token``'s, if given); returns its token."""
    part = load_partial(conn, sha256, user_id)
    if part is None or (token is not None and part.token != token):
        return None
    conn.execute("DELETE FROM attachment_partials WHERE sha256=? AND user_id=?", (sha256, user_id))
    return part.token


def mark_complete(conn: sqlite3.Connection, sha256: str, user_id: str, device_id: str, size: int,
                  ctype: str, started_at: int, now: int) -> str | None:
    """Record a verified upload: the attachment (once) and its uploader.

    Returns the token of the caller's upload attempt this ends (its file is to be removed).
    """
    conn.execute("INSERT INTO attachments (sha256, size, content_type, complete, created_at,"
                 " completed_at) VALUES (?,?,?,1,?,?) ON CONFLICT(sha256) DO UPDATE SET complete=1,"
                 " completed_at=excluded.completed_at WHERE complete=0",
                 (sha256, size, ctype, started_at, now))
    conn.execute("INSERT OR IGNORE INTO attachment_uploads (sha256, user_id, device_id, at)"
                 " VALUES (?,?,?,?)", (sha256, user_id, device_id, now))
    return drop_partial(conn, sha256, user_id)


def stored(conn: sqlite3.Connection, root: Path, sha256: str) -> tuple[int, str] | None:
    """``(size, content_type)`` of a complete attachment whose file is in place."""
    row = conn.execute("SELECT size, content_type FROM attachments WHERE sha256=? AND complete=1",
                       (sha256,)).fetchone()
    if row is None or not final_path(root, sha256).is_file():
        return None
    return int(row[0]), str(row[1])


def is_uploader(conn: sqlite3.Connection, sha256: str, user_id: str) -> bool:
    """Whether ``user_id`` sent this content."""
    return conn.execute("SELECT 1 FROM attachment_uploads WHERE sha256=? AND user_id=?",
                        (sha256, user_id)).fetchone() is not None


def _hashes(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def refers(collection: str, data: Any, sha256: str) -> bool:
    """Whether a record's (nested) data refers to ``sha256`` where attachments belong."""
    if not isinstance(data, dict):
        return False
    if collection == "visits":
        return sha256 in _hashes(data.get("photos")) or data.get("signature") == sha256
    key = {"inspections": "items", "rectifications": "responses"}.get(collection)
    entries = data.get(key) if key else None
    if isinstance(entries, dict):
        entries = list(entries.values())
    return any(isinstance(e, dict) and sha256 in _hashes(e.get("photos"))
               for e in (entries if isinstance(entries, list) else []))


def uploaders_reach(conn: sqlite3.Connection, sha256: str) -> Scope:
    """The centres the attachment's uploaders can reach themselves.

    A reference only lends a photo to people who share a centre with someone who sent it,
    so writing a stranger's hash into one's own record gains nothing.
    """
    centres: set[str] = set()
    for user_id, role, county in conn.execute(
            "SELECT u.id, u.role, u.county_id FROM attachment_uploads a JOIN users u"
            " ON u.id = a.user_id WHERE a.sha256=?", (sha256,)):
        reach = scope_for(conn, user_id, role, county)
        if reach.everything:
            return reach
        centres |= reach.centre_ids
    return Scope("uploaders", frozenset(centres), frozenset())


def referenced(conn: sqlite3.Connection, sha256: str, scope: Scope) -> bool:
    """Whether a live record in ``scope`` (or an open conflict of one) refers to ``sha256``,
    in a centre one of its uploaders can reach."""
    reach = uploaders_reach(conn, sha256)
    if scope.everything and reach.everything:
        centres: list[str] | None = None
    elif scope.everything:
        centres = sorted(reach.centre_ids)
    elif reach.everything:
        centres = sorted(scope.centre_ids)
    else:
        centres = sorted(scope.centre_ids & reach.centre_ids)
    if centres is not None and not centres:
        return False
    where = "" if centres is None else f" AND r.centre_id IN ({','.join('?' * len(centres))})"
    args = () if centres is None else tuple(centres)
    colls = ",".join(f"'{c}'" for c in REFERRING if scope.can_read_collection(c))
    if not colls:
        return False
    for coll, data in conn.execute(
            f"SELECT r.collection, r.data FROM records r WHERE r.collection IN ({colls})"
            f" AND r.deleted=0 AND instr(r.data, ?) > 0{where}", (sha256, *args)):
        if refers(coll, json.loads(data), sha256):
            return True
    for coll, path, value in conn.execute(
            f"SELECT c.collection, c.path, c.value FROM conflicts c JOIN records r"
            f" ON r.collection = c.collection AND r.id = c.record WHERE c.resolved_version IS NULL"
            f" AND c.collection IN ({colls}) AND r.deleted=0 AND instr(c.value, ?) > 0{where}",
            (sha256, *args)):
        with contextlib.suppress(ValueError, TypeError):
            if refers(coll, paths.unflatten({path: json.loads(value)}), sha256):
                return True
    return False


def readable(conn: sqlite3.Connection, root: Path, sha256: str, user_id: str,
             scope: Scope) -> tuple[int, str] | None:
    """``(size, content_type)`` if the caller may read the attachment, else None."""
    found = stored(conn, root, sha256)
    if found is None:
        return None
    return found if is_uploader(conn, sha256, user_id) or referenced(conn, sha256, scope) else None


def progress(conn: sqlite3.Connection, root: Path, sha256: str, user_id: str,
             scope: Scope) -> dict[str, Any]:
    """``{"received", "complete"}`` as the caller may see it.

    Complete (with the full size) for those who may read the attachment; otherwise the
    caller's own progress, so nobody learns that someone else sent this content.
    """
    found = readable(conn, root, sha256, user_id, scope)
    if found is not None:
        return {"received": found[0], "complete": True}
    part = load_partial(conn, sha256, user_id)
    return {"received": part.received if part else 0, "complete": False}


def already_sent(conn: sqlite3.Connection, root: Path, sha256: str, user_id: str) -> int | None:
    """The size, if the caller uploaded this content before and the file is in place."""
    found = stored(conn, root, sha256)
    return found[0] if found is not None and is_uploader(conn, sha256, user_id) else None

