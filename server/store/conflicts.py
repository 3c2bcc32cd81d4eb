"""Conflicts: the losers the merge kept, listed in a scope and marked resolved."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..scope import Scope

COLUMNS = ("id", "collection", "record", "path", "value", "device", "op", "at", "version",
           "resolved_version", "resolved_by", "resolved_at", "resolution")


def _row(row: tuple[Any, ...]) -> dict[str, Any]:
    doc = dict(zip(COLUMNS, row, strict=True))
    doc["value"] = json.loads(doc["value"]) if doc["value"] is not None else None
    doc["resolution"] = json.loads(doc["resolution"]) if doc["resolution"] else None
    doc["open"] = doc["resolved_version"] is None
    return doc


def get(conn: sqlite3.Connection, conflict_id: str) -> dict[str, Any] | None:
    """One conflict (values decoded, ``open`` added), or None."""
    row = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM conflicts WHERE id=?",
                       (conflict_id,)).fetchone()
    return None if row is None else _row(row)


def in_scope(conn: sqlite3.Connection, scope: Scope, state: str, collection: str | None,
             record: str | None, limit: int,
             before: tuple[int, str] | None = None) -> list[dict[str, Any]]:
    """Conflicts on records in ``scope`` (``state``: open, resolved or all), newest first,
    each with its record's ``centre_id``; ``before``: only those after that ``(version, id)``
    in this order (the next page)."""
    where: list[str] = []
    args: list[Any] = []
    if before is not None:
        where.append("(c.version < ? OR (c.version = ? AND c.id < ?))")
        args += [before[0], before[0], before[1]]
    if state == "open":
        where.append("c.resolved_version IS NULL")
    elif state == "resolved":
        where.append("c.resolved_version IS NOT NULL")
    if collection:
        where.append("c.collection = ?")
        args.append(collection)
    if record:
        where.append("c.record = ?")
        args.append(record)
    if not scope.everything:
        centres, counties = sorted(scope.centre_ids), sorted(scope.county_ids)
        where.append(f"(r.centre_id IN ({','.join('?' * len(centres))}) OR (r.centre_id IS NULL"
                     f" AND r.county_id IN ({','.join('?' * len(counties))})))")
        args += centres + counties
    if scope.collections is not None:  # an inspector: only the collections it may see
        where.append(f"c.collection IN ({','.join('?' * len(scope.collections))})")
        args += sorted(scope.collections)
    sql = (f"SELECT {', '.join('c.' + c for c in COLUMNS)}, r.centre_id FROM conflicts c JOIN records r"
           " ON r.collection = c.collection AND r.id = c.record"
           f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY c.version DESC, c.id DESC LIMIT ?")
    return [{**_row(r[:-1]), "centre_id": r[-1]} for r in conn.execute(sql, (*args, limit))]


def mark_resolved(conn: sqlite3.Connection, conflict_id: str, version: int, by: str, now: int,
                  resolution: dict[str, Any]) -> None:
    """Close a conflict: the version the resolution made, who, when and what was chosen."""
    conn.execute("UPDATE conflicts SET resolved_version=?, resolved_by=?, resolved_at=?,"
                 " resolution=? WHERE id=?",
                 (version, by, now, json.dumps(resolution, ensure_ascii=False), conflict_id))
