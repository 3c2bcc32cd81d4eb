"""Rows for the ledgers (台账): a collection's records in scope and dates, by date.

``rows`` walks ``facts`` by ``(collection, at)`` and yields the records one by one from a
lazily read cursor, so an export of 100,000 cases never holds them all in memory; each record
comes with only the values its ledger's columns read, extracted in SQL by one multi-path
``json_extract`` (one parse of the record in C, and a short JSON array to decode here).
``count`` counts the same rows; ``names`` gives the labels a ledger shows instead of ids
(centres, matters, templates, users).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from .sqlite import json_field, json_values
from .sqlite import unindexed as plain


def _where(collection: str, centre_ids: Sequence[str], since: int | None,
           until: int | None) -> tuple[str, list[Any]]:
    centre = "f.centre_id" if len(centre_ids) == 1 else plain("f.centre_id")
    where = ["f.collection = ?", f"{centre} IN ({','.join('?' * len(centre_ids))})"]
    args: list[Any] = [collection, *centre_ids]
    if since is not None:
        where.append("f.at >= ?")
        args.append(since)
    if until is not None:
        where.append("f.at < ?")
        args.append(until)
    return " AND ".join(where), args


def count(conn: sqlite3.Connection, collection: str, centre_ids: Sequence[str], since: int | None,
          until: int | None) -> int:
    """How many rows ``rows`` yields with the same arguments, in the same snapshot (every
    fact has its record: the triggers keep them together)."""
    if not centre_ids:
        return 0
    where, args = _where(collection, centre_ids, since, until)
    return int(conn.execute(f"SELECT count(*) FROM facts f WHERE {where}", args).fetchone()[0])


def rows(conn: sqlite3.Connection, collection: str, centre_ids: Sequence[str], since: int | None,
         until: int | None, paths: Sequence[str]) -> Iterator[tuple[str, str | None, list[Any]]]:
    """``(id, centre_id, values)`` of live records dated in ``[since, until)`` (a bound of None:
    open), by date; ``values`` are the record's values at the dotted ``paths`` (None where
    absent). The cursor is read lazily: memory holds one row at a time."""
    if not centre_ids or not paths:
        return
    where, args = _where(collection, centre_ids, since, until)
    pointers = [f"$.{p}" for p in paths]
    sql = (f"SELECT r.id, r.centre_id, {json_values('r.data', len(pointers))}"
           f" FROM facts f JOIN records r ON r.rid = f.rid WHERE {where} ORDER BY f.at, f.rid")
    for rec, centre, values in conn.execute(sql, [*pointers, *args]):
        yield rec, centre, json.loads(values)


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
