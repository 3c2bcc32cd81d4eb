"""The deadline sweep's queries (``server.jobs.sweep``): which records time has made
overdue, which are overdue, which accountability records exist."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from . import sqlite

_CHUNK = 900


def _still_open(collection: str) -> str:
    status = sqlite.json_field("data", "status")
    return {"cases": f"{status} IN ('accepted', 'handling')",
            "complaints": f"{sqlite.json_field('data', 'replied_at')} IS NULL",
            "rectifications": f"{status} = 'open'"}[collection]


def overdue_candidates(conn: sqlite3.Connection, collection: str, due_field: str,
                       now: int) -> list[str]:
    """Open records whose due time has passed but which are not yet marked overdue."""
    return [rid for (rid,) in conn.execute(
        f"SELECT id FROM records WHERE collection = ? AND deleted = 0 AND {_still_open(collection)}"
        f" AND {sqlite.json_field('data', due_field)} < ?"
        f" AND coalesce({sqlite.json_field('data', 'overdue')}, 0) = 0 ORDER BY id",
        (collection, now))]


def unaccounted(conn: sqlite3.Connection, collection: str,
                prefix: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Records marked overdue with no record ``prefix + id`` in ``accountability`` yet:
    ``(id, centre_id, data)``. Ids too long for that form come back always (the caller
    checks them by their hashed id)."""
    return [(rid, centre, json.loads(data)) for rid, centre, data in conn.execute(
        "SELECT r.id, r.centre_id, r.data FROM records r WHERE r.collection = ? AND r.deleted = 0"
        f" AND {sqlite.json_field('r.data', 'overdue')} = 1 AND (length(?) + length(r.id) > 100"
        " OR NOT EXISTS (SELECT 1 FROM records a WHERE a.collection = 'accountability'"
        " AND a.id = ? || r.id)) ORDER BY r.id", (collection, prefix, prefix))]


def existing_ids(conn: sqlite3.Connection, collection: str, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` exist in ``collection`` (tombstones included)."""
    found: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        part = ids[i:i + _CHUNK]
        found.update(rid for (rid,) in conn.execute(
            f"SELECT id FROM records WHERE collection = ? AND id IN ({','.join('?' * len(part))})",
            (collection, *part)))
    return found
