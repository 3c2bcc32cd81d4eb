"""Pull pages: a scope's current records in version order, with their open conflicts.

``pull`` reads one page for a device (``server.wire`` encodes it); the records' path
clocks (``records.meta``) never leave the server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..scope import Scope
from .sqlite import text_bytes

_CHUNK = 900


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i:i + _CHUNK]


Conflict = tuple[str, str, str, str, int]  # id, path, value (JSON text), device, at


# One current record of a pull page: collection, record id, version, deleted, data (its stored
# JSON text, as the UTF-8 bytes it is stored as: the body is written as bytes, the text never
# decoded to a str), open conflicts. A plain tuple, unpacked by the encoder (``server.wire``): a page
# makes one per record on every sync, and a frozen dataclass (or a named tuple) cost about a
# microsecond more each to make and read than the record's whole encoding (docs/benchmarks.md).
Change = tuple[str, str, int, bool, bytes, list[Conflict]]


@dataclass(frozen=True)
class Page:
    """One page of changes (``server.wire`` encodes it)."""

    changes: list[Change]
    last_version: int
    more: bool


def pull(conn: sqlite3.Connection, scope: Scope, after: int, limit: int,
         user_id: str | None = None) -> Page:
    """Current records in ``scope`` with version > ``after``, oldest first, at most ``limit``.

    Person-scoped records (notifications) reach only their owner ``user_id``, admins too."""
    # Pick the page from the (centre, version) and (county, version) indexes first, so only
    # small keys are ever sorted; then read the page's rows, data included, by rowid.
    if scope.everything:
        keys = conn.execute("SELECT rid FROM records WHERE version > ?"
                            " AND (owner_id IS NULL OR owner_id = ?) ORDER BY version LIMIT ?",
                            (after, user_id, limit + 1)).fetchall()
    else:
        # One ordered, limited index walk per centre and per county's reference data; SQLite
        # merges them, so the cost follows the page size, not the size of the scope.
        parts: list[str] = []
        args: list[Any] = []
        if scope.collections is None:
            for centre in sorted(scope.centre_ids):
                parts.append("SELECT * FROM (SELECT rid, version FROM records WHERE centre_id = ?"
                             " AND version > ? ORDER BY version LIMIT ?)")
                args += [centre, after, limit + 1]
        elif scope.centre_ids:
            # A scope limited to some collections (an inspector; a supervisor's or admin's
            # device, which leaves cases and visits on the server) seeks each (collection,
            # centre) past the cursor in records_collection_centre: walking a centre's
            # records by version instead passed every case of the county to find its few
            # inspections, 2 s a sync on a 200,000-case county.
            colls, centres = sorted(scope.collections), sorted(scope.centre_ids)
            parts.append("SELECT * FROM (SELECT rid, version FROM records WHERE collection IN"
                         f" ({','.join('?' * len(colls))}) AND centre_id IN"
                         f" ({','.join('?' * len(centres))}) AND version > ? ORDER BY version LIMIT ?)")
            args += [*colls, *centres, after, limit + 1]
        for county in sorted(scope.county_ids):
            parts.append("SELECT * FROM (SELECT rid, version FROM records WHERE county_id = ?"
                         " AND centre_id IS NULL AND version > ? ORDER BY version LIMIT ?)")
            args += [county, after, limit + 1]
        if user_id is not None:
            parts.append("SELECT * FROM (SELECT rid, version FROM records WHERE owner_id = ?"
                         " AND version > ? ORDER BY version LIMIT ?)")
            args += [user_id, after, limit + 1]
        keys = conn.execute(" UNION ALL ".join(parts) + " ORDER BY version LIMIT ?",
                            (*args, limit + 1)).fetchall() if parts else []
    more = len(keys) > limit
    rids = [k[0] for k in keys[:limit]]
    rows: list[tuple[Any, ...]] = []
    for part in _chunks(rids):
        rows += conn.execute(f"SELECT collection, id, version, deleted, {text_bytes('data')}"
                             f" FROM records WHERE rid IN ({','.join('?' * len(part))})",
                             part).fetchall()
    rows.sort(key=lambda r: r[2])
    open_conflicts = _open_conflicts(conn, [(r[0], r[1]) for r in rows])
    changes: list[Change] = [(coll, rid, version, bool(deleted), data, open_conflicts.get((coll, rid), []))
                             for coll, rid, version, deleted, data in rows]
    return Page(changes, rows[-1][2] if rows else after, more)


def _open_conflicts(conn: sqlite3.Connection,
                    keys: list[tuple[str, str]]) -> dict[tuple[str, str], list[Conflict]]:
    found: dict[tuple[str, str], list[Conflict]] = {}
    ids = sorted({rid for _c, rid in keys})
    wanted = set(keys)
    for part in _chunks(ids):
        for cid, coll, rid, path, value, device, at in conn.execute(
                "SELECT id, collection, record, path, value, device, at FROM conflicts"
                f" WHERE resolved_version IS NULL AND record IN ({','.join('?' * len(part))})"
                " ORDER BY at", part):
            if (coll, rid) in wanted:
                found.setdefault((coll, rid), []).append((cid, path, value, device, at or 0))
    return found
