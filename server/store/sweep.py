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


def overdue_records(conn: sqlite3.Connection, collection: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every record marked overdue: ``(id, centre_id, data)``."""
    return [(rid, centre, json.loads(data)) for rid, centre, data in conn.execute(
        "SELECT id, centre_id, data FROM records WHERE collection = ? AND deleted = 0"
        f" AND {sqlite.json_field('data', 'overdue')} = 1 ORDER BY id", (collection,))]


def record_ids(conn: sqlite3.Connection, collection: str) -> set[str]:
    """Every record id of ``collection`` (tombstones included)."""
    return {rid for (rid,) in conn.execute("SELECT id FROM records WHERE collection = ?",
                                           (collection,))}


def existing_ids(conn: sqlite3.Connection, collection: str, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` exist in ``collection`` (tombstones included)."""
    found: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        part = ids[i:i + _CHUNK]
        found.update(rid for (rid,) in conn.execute(
            f"SELECT id FROM records WHERE collection = ? AND id IN ({','.join('?' * len(part))})",
            (collection, *part)))
    return found
