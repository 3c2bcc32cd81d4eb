"""Rows for the ledgers (台账): a collection's records in scope and dates, by date.

``rows`` walks ``facts`` by ``(collection, at)`` and yields the records one by one from a
lazily read cursor, so an export of 100,000 cases never holds them all in memory. ``names`` gives the
labels a ledger shows instead of ids (centres, matters, templates, users).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from .sqlite import json_field
from .sqlite import unindexed as plain


def rows(conn: sqlite3.Connection, collection: str, centre_ids: Sequence[str], since: int | None,
         until: int | None) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
    """``(id, centre_id, data)`` of live records dated in ``[since, until)`` (a bound of None:
    open), by date. The cursor is read lazily: memory holds one row at a time."""
    if not centre_ids:
        return
    centre = "f.centre_id" if len(centre_ids) == 1 else plain("f.centre_id")
    where = ["f.collection = ?", f"{centre} IN ({','.join('?' * len(centre_ids))})"]
    args: list[Any] = [collection, *centre_ids]
    if since is not None:
        where.append("f.at >= ?")
        args.append(since)
    if until is not None:
        where.append("f.at < ?")
        args.append(until)
    for rec, centre, data in conn.execute(
            "SELECT r.id, r.centre_id, r.data FROM facts f JOIN records r ON r.rid = f.rid"
            f" WHERE {' AND '.join(where)} ORDER BY f.at, f.rid", args):
        yield rec, centre, json.loads(data)


def names(conn: sqlite3.Connection) -> dict[str, dict[str, str]]:
    """Labels by kind: ``centres``, ``matters``, ``templates`` (record id → name), ``users``
    (user id → display name)."""
    out: dict[str, dict[str, str]] = {"centres": {}, "matters": {}, "templates": {}, "users": {}}
    for coll, rid, name in conn.execute(
            f"SELECT collection, id, {json_field('data', 'name')} FROM records"
            " WHERE collection IN ('centres', 'matters', 'templates')"):
        out[coll][rid] = name or rid
    out["users"] = {uid: name for uid, name in conn.execute("SELECT id, name FROM users")}
    return out
