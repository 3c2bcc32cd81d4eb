"""Paged, filtered lists of records for the county workspace, and the boards.

Lists walk ``facts`` (one narrow row per record, see ``server.store.sqlite``) newest first
and read the page's records by rowid; boards walk it by due time. Pages continue from a
key (``rid``, or ``(due, rid)``) so a page never repeats or skips a row when records are
added meanwhile. The caller passes the centres in scope (checked at the edge).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..jsoncodec import loads
from .sqlite import contains, json_field
from .sqlite import unindexed as plain

# The text a ``q`` search looks in: names and free text, never ID numbers or phones (a
# search on those would let masked digits be guessed one at a time).
SEARCHED = ("applicant.name", "complainant.name", "content", "notes", "reason", "outcome",
            "order_text", "comment", "address", "reply")


@dataclass(frozen=True)
class Filters:
    """What a list may be narrowed by (None: no filter)."""

    status: str | None = None
    overdue: bool | None = None
    due_before: int | None = None
    due_after: int | None = None
    q: str | None = None
    statuses: tuple[str, ...] = ()


def _in(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


def _where(collection: str, centre_ids: Sequence[str], f: Filters) -> tuple[list[str], list[Any]]:
    # One centre: its index walks the page. Several (a county): the other conditions and
    # the order narrow better, so the centre column is only checked (``plain``).
    centre = "f.centre_id" if len(centre_ids) == 1 else plain("f.centre_id")
    where = ["f.collection = ?", f"{centre} IN ({_in(centre_ids)})"]
    args: list[Any] = [collection, *centre_ids]
    if f.status is not None:
        where.append("f.status = ?")
        args.append(f.status)
    if f.statuses:
        where.append(f"f.status IN ({_in(f.statuses)})")
        args += list(f.statuses)
    if f.overdue is not None:
        where.append("coalesce(f.overdue, 0) = ?")
        args.append(1 if f.overdue else 0)
    if f.due_before is not None:
        where.append("f.due < ?")
        args.append(f.due_before)
    if f.due_after is not None:
        where.append("f.due >= ?")
        args.append(f.due_after)
    if f.q:
        text = " || ' ' || ".join(f"coalesce({json_field('r.data', k)}, '')" for k in SEARCHED)
        where.append(f"({contains('r.id')} OR {contains('(' + text + ')')})")
        args += [f.q, f.q]
    return where, args


def _rows(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[dict[str, Any]]:
    out = []
    for rid, coll, rec, version, centre, data, due in conn.execute(sql, args):
        out.append({"key": (due, rid), "collection": coll, "id": rec, "version": version,
                    "centre_id": centre, "data": loads(data)})
    return out


def page(conn: sqlite3.Connection, collection: str, centre_ids: Sequence[str], f: Filters,
         before_rid: int | None, limit: int) -> tuple[list[dict[str, Any]], int | None]:
    """Records newest first; returns the page and the ``rid`` to continue before (or None)."""
    if not centre_ids:
        return [], None
    where, args = _where(collection, centre_ids, f)
    if before_rid is not None:
        where.append("f.rid < ?")
        args.append(before_rid)
    rows, more = _page(conn, where, args, "f.rid DESC", limit)
    return rows, (rows[-1]["key"][1] if more else None)


def by_due(conn: sqlite3.Connection, collection: str, centre_ids: Sequence[str], f: Filters,
           after: tuple[int, int] | None, limit: int) -> tuple[list[dict[str, Any]],
                                                                tuple[int, int] | None]:
    """Records with a due time, soonest (most overdue) first; continues after ``(due, rid)``."""
    if not centre_ids:
        return [], None
    where, args = _where(collection, centre_ids, f)
    where.append("f.due IS NOT NULL")
    if after is not None:
        where.append("(f.due > ? OR (f.due = ? AND f.rid > ?))")
        args += [after[0], after[0], after[1]]
    rows, more = _page(conn, where, args, "f.due, f.rid", limit)
    return rows, (rows[-1]["key"] if more else None)


def _page(conn: sqlite3.Connection, where: list[str], args: list[Any], order: str,
          limit: int) -> tuple[list[dict[str, Any]], bool]:
    """Up to ``limit`` rows of facts joined to their records, and whether more follow."""
    sql = ("SELECT f.rid, r.collection, r.id, r.version, r.centre_id, r.data, f.due FROM facts f"
           f" JOIN records r ON r.rid = f.rid WHERE {' AND '.join(where)}"
           f" ORDER BY {order} LIMIT ?")
    rows = _rows(conn, sql, [*args, limit + 1])
    return rows[:limit], len(rows) > limit


def accountability_of(conn: sqlite3.Connection, collection: str,
                      ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Accountability records (问责) naming each of ``ids`` of ``collection`` as their subject."""
    if not ids:
        return {}
    subject = json_field("data", "subject.record")
    out: dict[str, list[dict[str, Any]]] = {}
    for rid, data in conn.execute(
            f"SELECT id, data FROM records WHERE collection='accountability' AND deleted=0"
            f" AND {json_field('data', 'subject.collection')} = ? AND {subject} IN ({_in(ids)})",
            [collection, *ids]):
        doc = loads(data)
        out.setdefault(doc["subject"]["record"], []).append({"id": rid, **doc})
    return out


def centre_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Every centre's name (a township's name, for list rows)."""
    return {rid: name or rid for rid, name in conn.execute(
        f"SELECT id, {json_field('data', 'name')} FROM records WHERE collection='centres'")}
