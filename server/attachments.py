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

This module holds the pure rules and the file work (blocking: called from a worker thread);
the metadata (uploads, uploaders, partial ranges) lives in ``server.store.attachments``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BadRequest

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


# --- uploads in progress, and which records refer to an attachment (pure) ---

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


def _hashes(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def refers(collection: str, data: Any, sha256: str) -> bool:
    """Whether a record's (nested) data refers to ``sha256`` where attachments belong."""
    if not isinstance(data, dict):
        return False
    # A fingerprint on the paper form (signature_fallback.photo) is kept like a signature.
    fallback = data.get("signature_fallback")
    signed = data.get("signature") == sha256 or (
        isinstance(fallback, dict) and fallback.get("photo") == sha256)
    if collection == "visits":
        return sha256 in _hashes(data.get("photos")) or signed
    if collection == "inspections" and signed:  # the inspected unit's representative signs
        return True
    key = {"inspections": "items", "rectifications": "responses"}.get(collection)
    entries = data.get(key) if key else None
    if isinstance(entries, dict):
        entries = list(entries.values())
    return any(isinstance(e, dict) and sha256 in _hashes(e.get("photos"))
               for e in (entries if isinstance(entries, list) else []))
