"""Attachment metadata: complete attachments, who uploaded them, uploads in progress, and
who may read one (see ``server.attachments`` for the rules and the files).

The functions run in the writer (writes) or a reader.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from sync import paths

from ..attachments import MAX_RANGES, REFERRING, Partial, Ranges, final_path, merge, prefix, refers
from ..errors import Conflict, RangeNotSatisfiable
from ..scope import Scope
from .sqlite import contains
from .users import scope_for


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
        raise RangeNotSatisfiable(f"too many separate pieces held; send the bytes from offset"
                                  f" {expected}", details={"expected": expected,
                                                           "max_ranges": MAX_RANGES})


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
    conn.execute("INSERT INTO attachment_uploads (sha256, user_id, device_id, at)"
                 " VALUES (?,?,?,?) ON CONFLICT DO NOTHING", (sha256, user_id, device_id, now))
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
    if not colls:  # a role that never sees these collections (none today) sees no photo
        return False
    for coll, data in conn.execute(
            f"SELECT r.collection, r.data FROM records r WHERE r.collection IN ({colls})"
            f" AND r.deleted=0 AND {contains('r.data')}{where}", (sha256, *args)):
        if refers(coll, json.loads(data), sha256):
            return True
    for coll, path, value in conn.execute(
            f"SELECT c.collection, c.path, c.value FROM conflicts c JOIN records r"
            f" ON r.collection = c.collection AND r.id = c.record WHERE c.resolved_version IS NULL"
            f" AND c.collection IN ({colls}) AND r.deleted=0 AND {contains('c.value')}{where}",
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

