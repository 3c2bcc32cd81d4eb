"""The sweep's set-based writes: a chunk of records turned overdue, and their accountability
records, written by a few statements that each take the whole chunk as one JSON parameter.

``Batch.refresh`` and ``Batch.create`` write row by row (``executemany``): the sqlite3 module
needs the interpreter lock for every row it binds. Here each statement binds one parameter
(the chunk, prepared outside the writer by ``server.jobs.sweep_plan``) and runs in SQLite
without the lock, so the next chunk is prepared on another core meanwhile.

What is written is what ``Batch.refresh`` then ``Batch.create`` write for the same records
(the same documents, versions in the same order, facts, change-log entries, op rows and
notifications): ``tests/test_sweep_bulk.py`` runs both on the same counties and compares
every table. The plan was made from a read snapshot, so ``apply`` first checks it still
holds in the writer's transaction (each record at the version planned, no accountability
record or op made meanwhile) and writes nothing when it does not: the caller then takes
the chunk the row-by-row way.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from sync.notify import Trigger

from .. import jsoncodec
from . import sqlite
from .notifications import Apply, deliver

#: a record turned overdue: row id, version planned from, id, its new document (JSON text,
#: or null: the stored one with ``overdue`` set true, ``OVERDUE``), which of its facts may
#: change (``INDEXED``, ``PLAIN`` or 0: none), then its facts columns (``sqlite.fact_values``)
Mark = tuple[Any, ...]
#: a new accountability record: id, op id, centre, county, document (JSON text), then its
#: facts columns
Made = tuple[Any, ...]

INDEXED, PLAIN = 2, 1
#: the stored document with ``overdue`` true, as SQLite writes it: JSON text is rewritten
#: token for token (strings, numbers as they were), so a document orjson wrote comes back
#: the bytes orjson writes for it with ``overdue`` true (a test compares them)
OVERDUE = "json_set(records.data, '$.overdue', json('true'))"
_N = len(sqlite.FACT_COLUMNS)
_FACTS_FROM = 5  # where a mark's facts columns start


@dataclass
class Plan:
    """One chunk of one collection, as planned from a read snapshot."""

    collection: str
    #: ``reference_mark`` when planned
    mark: tuple[Any, ...] = ()
    marks: list[Mark] = field(default_factory=list)
    made: list[Made] = field(default_factory=list)
    #: the notifications the accountability records call for (``sync.notify.triggers``)
    notes: list[Trigger] = field(default_factory=list)

    def payload(self) -> tuple[str, str]:
        """``marks`` and ``made`` as the JSON the writer binds (made by the planning thread)."""
        return jsoncodec.dumps_rows(self.marks), jsoncodec.dumps_rows(self.made)


def reference_mark(conn: sqlite3.Connection) -> tuple[Any, ...]:
    """What a plan's computed fields depend on besides its records: the matters (time
    limits), the centres (counties) and the holiday schedules."""
    return (*conn.execute("SELECT count(*), coalesce(max(version), 0) FROM records"
                          " WHERE collection IN ('matters', 'centres')").fetchone(),
            *conn.execute("SELECT count(*), coalesce(max(loaded_at), 0), total(length(schedule)),"
                          " group_concat(year) FROM holidays").fetchone())


_FACTS = ", ".join(f"f_{c}" for c in sqlite.FACT_COLUMNS)
_TEMP = (
    "CREATE TEMP TABLE IF NOT EXISTS bulk_marks (k INTEGER PRIMARY KEY, rid INTEGER,"
    f" version INTEGER, id TEXT, data TEXT, changed INTEGER, {_FACTS})",
    "CREATE TEMP TABLE IF NOT EXISTS bulk_made (k INTEGER PRIMARY KEY, id TEXT, op TEXT,"
    f" centre TEXT, county TEXT, data TEXT, {_FACTS})")


def _load(conn: sqlite3.Connection, marks: str, made: str) -> None:
    """The chunk into two temporary tables: its JSON read once, not once per statement."""
    for table in _TEMP:  # (the writer's connection keeps them, empty, between chunks)
        conn.execute(table)
    conn.execute("DELETE FROM temp.bulk_marks")
    conn.execute("DELETE FROM temp.bulk_made")
    # Each row's JSON taken once (MATERIALIZED), then its columns from that one text: a
    # column read straight off json_each renders and parses the row again for each.
    for table, width, json in (("bulk_marks", _FACTS_FROM + _N, marks), ("bulk_made", 5 + _N, made)):
        cols = ", ".join(f"v->>{i}" for i in range(width))
        conn.execute(f"WITH c AS MATERIALIZED (SELECT key AS k, value AS v FROM json_each(?))"
                     f" INSERT INTO temp.{table} SELECT k, {cols} FROM c", (json,))


def live_rows(conn: sqlite3.Connection, collection: str,
              ids: Sequence[str]) -> Iterator[tuple[int, str, int, str | None, bytes]]:
    """``(row id, id, version, centre, document as UTF-8 JSON)`` of the live records ``ids``
    of ``collection`` (in no order)."""
    for i in range(0, len(ids), 900):
        part = ids[i:i + 900]
        yield from conn.execute(
            f"SELECT rid, id, version, centre_id, {sqlite.text_bytes('data')} FROM records"
            f" WHERE collection = ? AND deleted = 0 AND id IN ({','.join('?' * len(part))})",
            (collection, *part))


def taken(conn: sqlite3.Connection, made: Sequence[tuple[str, str]]) -> set[str]:
    """Which of ``(accountability record id, op id)`` have the record, or the op, stored."""
    found: set[str] = set()
    for i in range(0, len(made), 450):
        part = made[i:i + 450]
        marks = ",".join("?" * len(part))
        found.update(rid for (rid,) in conn.execute(
            f"SELECT id FROM records WHERE collection = 'accountability' AND id IN ({marks})",
            [r for r, _o in part]))
        by_op = {o: r for r, o in part}
        found.update(by_op[oid] for (oid,) in conn.execute(
            f"SELECT id FROM ops WHERE id IN ({marks})", [o for _r, o in part]))
    return found


def still_holds(conn: sqlite3.Connection, plan: Plan) -> bool:
    """Whether what the chunk loaded (``_load``) was planned from is unchanged (the reference
    data, and each record live at the version planned) and no accountability record or op
    it makes exists (another sweep, or a phone, wrote meanwhile)."""
    if reference_mark(conn) != plan.mark:
        return False
    found = conn.execute(
        "SELECT count(*) FROM temp.bulk_marks m CROSS JOIN records r ON r.rid = m.rid"
        " AND r.version = m.version AND r.deleted = 0").fetchone()[0]
    if found != len(plan.marks):
        return False
    taken = conn.execute(
        "SELECT count(*) FROM temp.bulk_made m WHERE EXISTS (SELECT 1 FROM records a"
        " WHERE a.collection = 'accountability' AND a.id = m.id)"
        " OR EXISTS (SELECT 1 FROM ops WHERE ops.id = m.op)").fetchone()[0]
    return int(taken) == 0


def apply(conn: sqlite3.Connection, plan: Plan, payload: tuple[str, str], now: int,
          notify: Apply) -> bool:
    """Write ``plan`` (``payload``: ``plan.payload()``) in the caller's transaction (the
    writer's), or nothing and False when it no longer holds. ``notify`` writes the
    notifications (``Batch.as_system``)."""
    _load(conn, *payload)
    try:
        return _write(conn, plan, now, notify)
    finally:  # not kept in memory until the next chunk
        conn.execute("DELETE FROM temp.bulk_marks")
        conn.execute("DELETE FROM temp.bulk_made")


def _write(conn: sqlite3.Connection, plan: Plan, now: int, notify: Apply) -> bool:
    if not still_holds(conn, plan):
        return False
    base = int(conn.execute("SELECT coalesce(max(version), 0) FROM changes").fetchone()[0])
    rid = sqlite.next_rid(conn)  # the accountability records' row ids: from here on, in order
    if rid + len(plan.made) - 1 > sqlite.LAST_ROWID:
        return False  # SQLite would pick free row ids: the row-by-row way looks them up
    coll = plan.collection
    # CROSS JOIN: the chunk first, each row then found by its key (without statistics the
    # planner may prefer to walk the big table).
    # The marks take the versions after the newest, in the plan's order (k: 0, 1, …).
    conn.execute(f"UPDATE records SET version = ? + m.k + 1, data = coalesce(m.data, {OVERDUE})"
                 " FROM temp.bulk_marks m WHERE records.rid = m.rid", (base,))
    if coll in sqlite.FACT_COLLECTIONS:
        # Only the columns that differ, as rewrite_facts: an indexed column rewrites the
        # row's index entries; the plain ones (overdue, score, vetoed) touch none.
        every = ", ".join(sqlite.FACT_COLUMNS)
        conn.execute(f"UPDATE facts SET ({every}) = ({_FACTS}) FROM temp.bulk_marks m"
                     " WHERE facts.rid = m.rid AND m.changed = ?", (INDEXED,))
        plain = ", ".join(sqlite.PLAIN_FACTS)
        conn.execute(f"UPDATE facts SET ({plain}) = ({', '.join(f'f_{c}' for c in sqlite.PLAIN_FACTS)})"
                     " FROM temp.bulk_marks m WHERE facts.rid = m.rid AND m.changed = ?", (PLAIN,))
    conn.execute("INSERT INTO changes (version, collection, record, op, device, user_id, at)"
                 " SELECT ? + k + 1, ?, id, NULL, 'system', 'system', ? FROM temp.bulk_marks"
                 " ORDER BY k", (base, coll, now))
    first = base + len(plan.marks)  # the accountability records' versions follow
    conn.execute("INSERT INTO records (rid, collection, id, centre_id, county_id, version,"
                 " deleted, data, meta, created_version, owner_id)"
                 " SELECT ? + k, 'accountability', id, centre, county, ? + k + 1, 0, data,"
                 " json_array(json_array(json_array(? + k + 1, ?, 'system', op))), ? + k + 1,"
                 " NULL FROM temp.bulk_made ORDER BY k", (rid, first, first, now, first))
    conn.execute(f"{sqlite.FACT_INSERT} SELECT ? + k, 'accountability', id, {_FACTS}"
                 " FROM temp.bulk_made ORDER BY k", (rid,))
    conn.execute("INSERT INTO changes (version, collection, record, op, device, user_id, at)"
                 " SELECT ? + k + 1, 'accountability', id, op, 'system', 'system', ?"
                 " FROM temp.bulk_made ORDER BY k", (first, now))
    conn.execute("INSERT INTO ops (id, device, user_id, collection, record, status, version,"
                 " received_at) SELECT op, 'system', 'system', 'accountability', id, 'applied',"
                 " ? + k + 1, ? FROM temp.bulk_made ORDER BY k", (first, now))
    if plan.notes:
        deliver(conn, notify, plan.notes, now, exclude="system")
    return True


def travels(values: Sequence[Any]) -> bool:
    """Whether facts columns can travel in a chunk's JSON: SQL values that JSON gives back
    exactly (text without NUL, 64-bit integers, null). Not floats: SQLite's reading of a
    decimal is not always the double Python wrote."""
    for v in values:
        kind = type(v)
        if not (v is None or (kind is str and "\x00" not in v)
                or (kind is int and -2 ** 63 <= v < 2 ** 63)):
            return False
    return True
