"""The sweep finds open work by due time in ``facts`` (partial indexes ``facts_open_due_*``),
not in the records' JSON: the same rows as the JSON conditions it replaced, by its index,
and an older database (with the JSON indexes on ``records``) is converted in place."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.jobs.sweep import DUE_FIELD
from server.store import sweep as store
from server.store.sqlite import migrate, write_facts
from sync.deadlines import DAY_MS
from tests.conftest import now_ms
from tests.support.budget import examples
from tests.support.plans import plans
from tests.test_sweep_overdue import run_sweep, seed

SWEPT = ("cases", "complaints", "rectifications")

# The conditions of the release before: the sweep's WHERE on the records' JSON, word for word,
# but for a complaint's: a reply is owed while no ``answered_at``, and, unless the complaint is
# open (sent back or reopened: only a new reply counts), no first ``replied_at`` either.
OLD_OPEN = {"cases": "json_extract(data, '$.status') IN ('accepted', 'handling')",
            "complaints": "(CASE WHEN json_extract(data, '$.status') = 'open'"
                          " THEN json_extract(data, '$.answered_at')"
                          " ELSE coalesce(json_extract(data, '$.answered_at'),"
                          " json_extract(data, '$.replied_at')) END) IS NULL",
            "rectifications": "json_extract(data, '$.status') = 'open'"}


def old_watch(collection: str) -> str:
    return (f"collection = '{collection}' AND deleted = 0 AND {OLD_OPEN[collection]}"
            " AND coalesce(json_extract(data, '$.overdue'), 0) = 0")


def old_candidates(conn: sqlite3.Connection, collection: str, now: int) -> list[str]:
    due = f"json_extract(data, '$.{DUE_FIELD[collection]}')"
    return [rid for (rid,) in conn.execute(
        f"SELECT id FROM records WHERE {old_watch(collection)} AND {due} < ? ORDER BY centre_id, id", (now,))]


def old_due_within(conn: sqlite3.Connection, collection: str, start: int,
                   end: int) -> list[tuple[str, str | None, int, str | None]]:
    due = f"json_extract(data, '$.{DUE_FIELD[collection]}')"
    staff = ("coalesce(json_extract(data, '$.handler_id'), json_extract(data, '$.first_asked_by'),"
             " json_extract(data, '$.staff_id'))")
    return [(rid, centre, int(when), who) for rid, centre, when, who in conn.execute(
        f"SELECT id, centre_id, {due}, {staff} FROM records WHERE {old_watch(collection)}"
        f" AND {due} BETWEEN ? AND ? ORDER BY centre_id, id", (start, end))]


def new_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    return conn


def put(conn: sqlite3.Connection, collection: str, rid: str, centre: str | None,
        doc: dict[str, Any], deleted: bool) -> None:
    """A record row as the store leaves it (its facts written by ``write_facts``)."""
    conn.execute("INSERT INTO records (collection, id, centre_id, version, deleted, data, meta,"
                 " created_version) VALUES (?, ?, ?, 1, ?, ?, '{}', 1)",
                 (collection, rid, centre, int(deleted), json.dumps(doc, ensure_ascii=False)))
    write_facts(conn, collection, {rid: doc})


_ABSENT = object()
_STATUS = st.sampled_from(["accepted", "handling", "supplement", "open", "overdue", "replied",
                           None, _ABSENT])
_TIME = st.one_of(st.integers(0, 40), st.integers(0, 40), st.none(), st.just(_ABSENT))
_FLAG = st.sampled_from([True, False, None, _ABSENT])
_WHO = st.sampled_from(["u1", "u2", None, _ABSENT])
_RECORD = st.tuples(
    st.sampled_from(SWEPT), st.sampled_from(["c1", "c2", None]), st.sampled_from([False, False, True]),
    st.fixed_dictionaries({"status": _STATUS, "due_at": _TIME, "reply_due": _TIME,
                           "replied_at": _TIME, "answered_at": _TIME, "overdue": _FLAG, "handler_id": _WHO,
                           "first_asked_by": _WHO, "staff_id": _WHO}))


@settings(max_examples=examples(200), deadline=None)
@given(records=st.lists(_RECORD, min_size=10, max_size=40), now=st.integers(0, 41),
       span=st.tuples(st.integers(0, 41), st.integers(0, 41)))
def test_sweep_facts_queries_equal_the_json_conditions(
        records: list[tuple[str, str | None, bool, dict[str, Any]]], now: int,
        span: tuple[int, int]) -> None:
    with closing(new_db()) as conn:
        for i, (collection, centre, deleted, fields) in enumerate(records):
            doc = {k: v for k, v in fields.items() if v is not _ABSENT}
            put(conn, collection, f"r{i:02d}", centre, doc, deleted)
        for collection in SWEPT:
            got = store.overdue_candidates(conn, collection, DUE_FIELD[collection], now)
            assert got == old_candidates(conn, collection, now)
            rows = store.due_within(conn, collection, DUE_FIELD[collection], *span)
            assert rows == old_due_within(conn, collection, *span)
        # and after a record changes (turns overdue, is replied to, is deleted)
        for rid, collection in conn.execute("SELECT id, collection FROM records").fetchall():
            doc = {"status": "handling", "due_at": 1, "reply_due": 1, "replied_at": 5,
                   "overdue": True} if rid.endswith("0") else {"status": "open", "due_at": 2,
                                                               "reply_due": 2}
            conn.execute("UPDATE records SET data = ?, deleted = ? WHERE id = ?",
                         (json.dumps(doc), int(rid.endswith("3")), rid))
            write_facts(conn, collection, {rid: doc})
        for collection in SWEPT:
            assert (store.overdue_candidates(conn, collection, DUE_FIELD[collection], now)
                    == old_candidates(conn, collection, now))
            assert (store.due_within(conn, collection, DUE_FIELD[collection], *span)
                    == old_due_within(conn, collection, *span))


def test_sweep_facts_queries_use_their_partial_index() -> None:
    with closing(new_db()) as conn:
        for i in range(30):
            put(conn, "cases", f"k{i}", "c1", {"status": "accepted", "due_at": i, "handler_id": "u1"}, False)
            put(conn, "complaints", f"p{i}", "c1", {"status": "open", "reply_due": i}, False)
            put(conn, "rectifications", f"r{i}", "c1", {"status": "open", "due_at": i}, False)
        conn.execute("ANALYZE")
        for collection in SWEPT:
            due = DUE_FIELD[collection]
            index = f"facts_open_due_{collection}"
            (plan,) = plans(conn, lambda c, coll=collection, due=due: store.overdue_candidates(
                c, coll, due, 10))
            assert plan.startswith(f"SEARCH f USING INDEX {index} (due<?)"), plan
            assert "SCAN" not in plan, plan
            (plan,) = plans(conn, lambda c, coll=collection, due=due: store.due_within(
                c, coll, due, 5, 9))
            assert f"SEARCH f USING INDEX {index} (due>? AND due<?)" in plan, plan
            assert "SEARCH r USING INTEGER PRIMARY KEY (rowid=?)" in plan, plan
            assert "SCAN" not in plan, plan


# -- an older database ---------------------------------------------------------------------

# As the release before left a database: its JSON partial indexes on records, no open-work
# indexes on facts, and another facts definition (so a start rebuilds facts).
OLD_SCHEMA = "\n".join([
    *(f"DROP INDEX facts_open_due_{c};" for c in SWEPT),
    *(f"CREATE INDEX records_open_due_{c} ON records(json_extract(data, '$.{DUE_FIELD[c]}'))"
      f" WHERE {old_watch(c)};" for c in SWEPT),
    "UPDATE meta SET value = 'the-release-before' WHERE key = 'facts';",
    "DELETE FROM facts WHERE collection = 'cases';"])


def test_sweep_facts_queries_older_database_migrates_and_sweeps(device: Any, county_db: str) -> None:
    seed(device)
    with closing(sqlite3.connect(county_db)) as conn:
        conn.executescript(OLD_SCHEMA)
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {f"records_open_due_{c}" for c in SWEPT} <= names
    assert not {f"facts_open_due_{c}" for c in SWEPT} & names
    # The sweep's writer migrates the database before it reads: the facts of the cases come
    # back (rebuilt), the old indexes go, the new ones serve the sweep.
    assert run_sweep(county_db, now_ms() + 30 * DAY_MS) == {"overdue": 2, "accountability": 2}
    with closing(sqlite3.connect(county_db)) as conn:
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        overdue = {rid for (rid,) in conn.execute(
            "SELECT id FROM records WHERE json_extract(data, '$.overdue') = 1")}
        fact_overdue = {rid for (rid,) in conn.execute("SELECT id FROM facts WHERE overdue = 1")}
    assert not {f"records_open_due_{c}" for c in SWEPT} & names
    assert {f"facts_open_due_{c}" for c in SWEPT} <= names
    assert overdue == fact_overdue == {"open1", "cp1"}


def test_sweep_unaccounted_by_index_facts_overdue() -> None:
    """Overdue subjects without an accountability record come from ``facts_overdue``, not a walk
    of every facts row of the collection by centre (the planner's choice, to spare the sort),
    by centre then id."""
    with closing(new_db()) as conn:
        for i in range(40):
            put(conn, "cases", f"k{i:02d}", f"c{i % 3}", {"status": "handling", "due_at": i,
                                                         "overdue": i % 4 == 0, "handler_id": "u1"},
                i == 8)
        put(conn, "accountability", "acc-cases-k04", "c1", {"status": "open"}, False)
        conn.execute("ANALYZE")
        (plan,) = plans(conn, lambda c: store.unaccounted(c, "cases", "acc-cases-"))
        assert plan.startswith("SEARCH f USING INDEX facts_overdue (collection=?)"), plan
        assert "facts_centre" not in plan and "SCAN" not in plan, plan
        got = store.unaccounted(conn, "cases", "acc-cases-")
        want = sorted((f"c{i % 3}", f"k{i:02d}") for i in range(0, 40, 4) if i not in (4, 8))
        assert [(centre, rid) for rid, centre, _d in got] == want
        assert all(d == {"due_at": int(rid[1:]), "handler_id": "u1"} for rid, _c, d in got)
