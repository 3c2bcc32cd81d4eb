"""Report facts without triggers: every writer of ``records`` (``Batch.run`` for pushes,
conflict resolutions and system writes, ``Batch.create`` for server-made records,
``Batch.refresh`` for the sweep) writes the ``facts`` of what it wrote from the documents in
hand (``server.store.sqlite.write_facts``). After each kind of write ``facts`` is row for
row what a rebuild from the records makes; the Python and the SQL of the one definition
(``FACTS``) agree on any document; an older database loses its triggers and the
``records_overdue`` index and gets its facts rebuilt."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.jobs.sweep import sweep
from server.store.sqlite import FACT_COLLECTIONS, _fact_exprs, connect, fact_values, migrate
from server.system import system_write
from server.writer import Writer
from sync.deadlines import DAY_MS
from tests.support.budget import examples
from tests.support.rubrics import load

FACTS = "SELECT rid, collection, id, centre_id, status, kind, at, done, due, overdue, score, vetoed" \
        " FROM facts ORDER BY rid"
TEMPLATE = {**load("rubric-vectors.json")["template"], "county_id": "k1"}


def facts(db: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute(FACTS).fetchall()


def rebuilt(db: str, tmp_path: Path) -> list[tuple[Any, ...]]:
    """``facts`` as a migration rebuilds them from the records, on a copy."""
    copy = str(tmp_path / "rebuilt.db")
    with closing(sqlite3.connect(db)) as src, closing(sqlite3.connect(copy)) as dst:
        src.backup(dst)  # with what is still in the WAL
    conn = connect(copy)
    try:
        conn.execute("DELETE FROM meta WHERE key='facts'")  # as if its definition were new
        migrate(conn)
    finally:
        conn.close()
    return facts(copy)


def exact(db: str, tmp_path: Path) -> list[tuple[Any, ...]]:
    now = facts(db)
    assert now == rebuilt(db, tmp_path)
    return now


def test_store_facts_written_match_a_rebuild_after_every_write(client: Any, device: Any,
                                                               county_db: str, tmp_path: Path) -> None:
    sup, f1, f1b = device("sup1"), device("f1"), device("f1b", skew_ms=7_200_000)
    # Batch.run, pushes: reference data, new records of every kind the tests can make
    sup.sync([sup.op("matters", "m2", {"name": "建房审批", "county_id": "k1",
                                       "kind": "time_limited", "time_limit_days": 2}),
              sup.op("templates", "t1", TEMPLATE)])
    t = f1.clock()
    case = {"centre_id": "c1", "matter_id": "m2", "handler_id": f1.user["id"]}
    res = f1.sync([
        f1.op("cases", "k-open", {**case, "status": "accepted", "channel": "window"}),
        f1.op("cases", "k-done", {**case, "status": "accepted"}, at=t - 2000),
        f1.op("cases", "k-done", {"status": "completed"}, at=t - 1000),
        f1.op("visits", "v1", {"centre_id": "c1", "kind": "home_service", "status": "planned",
                               "planned_at": t}),
        f1.op("visits", "v2", {"centre_id": "c1", "kind": "site_survey"}),
        f1.op("complaints", "cp1", {"centre_id": "c1", "content": "排队太久", "received_at": t,
                                    "channel": "hotline", "status": "open"}),
        f1.op("evaluations", "e1", {"centre_id": "c1", "rating": "satisfied", "at": t}),
        f1.op("inspections", "i1", {"centre_id": "c1", "template_id": "t1", "template_version": 1,
                                    "items": {"e1": {"count": 2}}})])
    assert {r["status"] for r in res["results"]} == {"applied"}, res
    assert len(exact(county_db, tmp_path)) >= 7
    # edits of stored and new records together; a delete; an edit of a tombstone
    f1.sync([f1.op("visits", "v1", {"status": "done", "ended_at": t}),
             f1.op("visits", "v3", {"centre_id": "c1", "kind": "site_survey", "started_at": t}),
             f1.op("visits", "v2", delete=True),
             f1.op("inspections", "i1", {"items.e2.count": 1}),
             f1.op("complaints", "cp1", {"status": "replied", "replied_at": t + 1})])
    f1.sync([f1.op("visits", "v2", {"kind": "home_service"})])  # stays deleted
    rows = exact(county_db, tmp_path)
    assert "v2" not in {r[2] for r in rows}
    assert next(r for r in rows if r[2] == "i1")[10] is not None  # scored
    assert next(r for r in rows if r[2] == "v1")[4:8] == ("done", "home_service", t, t)
    # Batch.run, a conflict resolution: a concurrent status edit kept, then chosen
    f1b.sync()
    f1.sync([f1.op("visits", "v3", {"status": "in_progress"}, at=f1.clock() - 1000)])
    f1b.sync([f1b.op("visits", "v3", {"status": "cancelled"}, at=f1b.clock() - 7_200_000 - 5000)])
    [conflict] = client.get("/api/v1/conflicts?record=v3", headers=sup.headers).json()["conflicts"]
    assert conflict["path"] == "status"
    r = client.post(f"/api/v1/conflicts/{conflict['id']}/resolve", json={"choose": "kept"},
                    headers=sup.headers)
    assert r.status_code == 200, r.text
    assert next(r for r in exact(county_db, tmp_path) if r[2] == "v3")[4] == "cancelled"
    # Batch.run, as the system (seeding, the CLI)
    writer = Writer(county_db)
    try:
        writer.run(lambda conn: system_write(conn, [
            ("visits", "v-sys", {"centre_id": "c2", "kind": "follow_up", "ended_at": t}, t),
            ("rectifications", "r1", {"centre_id": "c1", "inspection_id": "i1",
                                      "order_text": "补齐公示牌", "status": "open"}, t),
            ("complaints", "cp2", {"centre_id": "c2", "content": "没人接电话", "received_at": t,
                                   "channel": "phone", "status": "open"}, t)]))
        assert {r[2] for r in exact(county_db, tmp_path)} >= {"v-sys", "r1", "cp2"}
        # Batch.refresh and Batch.create: the sweep turns open work overdue and makes
        # accountability records (and their notifications)
        counts = sweep(writer, t + 30 * DAY_MS)
    finally:
        writer.close()
    now = exact(county_db, tmp_path)
    overdue = {(c, i) for _r, c, i, *_x, o, _s, _v in now if o == 1}
    assert overdue == {("cases", "k-open"), ("complaints", "cp2")}  # cp1 was answered
    assert counts["overdue"] == 2 and counts["accountability"] == 2
    assert {i for _r, c, i, *_x in now if c == "accountability"} == \
        {"acc-cases-k-open", "acc-complaints-cp2"}


# -- the one definition: Python and SQL agree ------------------------------------------------

_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70),
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=6),
                    st.sampled_from(["notice", "open", "approved"]),
                    st.lists(st.integers(0, 9), max_size=2),
                    st.dictionaries(st.sampled_from(["at", "x"]), st.integers(0, 10**13), max_size=2))
_KEYS = ["status", "kind", "rating", "channel", "accepted_at", "completed_at", "started_at",
         "planned_at", "ended_at", "submitted_at", "ordered_at", "due_at", "at", "received_at",
         "detected_at", "nomination", "replied_at", "answered_at", "reply_due", "notice_ends_at",
         "expires_at",
         "overdue", "score", "vetoed"]


@settings(max_examples=examples(300), deadline=None)
@given(collection=st.sampled_from(FACT_COLLECTIONS), centre=st.one_of(st.none(), st.text(max_size=3)),
       doc=st.dictionaries(st.sampled_from(_KEYS), _VALUES))
def test_store_facts_written_python_and_sql_agree(collection: str, centre: str | None,
                                                  doc: dict[str, Any]) -> None:
    with closing(sqlite3.connect(":memory:")) as conn:
        exprs = _fact_exprs("r")
        cols = list(exprs)
        got = conn.execute(f"SELECT {', '.join(exprs.values())} FROM (SELECT ? AS collection,"
                           " ? AS centre_id, ? AS data) r",
                           (collection, centre, json.dumps(doc, ensure_ascii=False))).fetchone()
        assert dict(zip(cols, fact_values(collection, centre, doc), strict=True)) == \
            dict(zip(cols, got, strict=True))


# -- an older database ---------------------------------------------------------------------

OLD_SCHEMA = """
CREATE TABLE facts_held (id INTEGER PRIMARY KEY);
CREATE TRIGGER facts_insert AFTER INSERT ON records WHEN new.collection IN ('visits')
BEGIN INSERT INTO facts (rid, collection, id) VALUES (new.rid, new.collection, new.id); END;
CREATE TRIGGER facts_update AFTER UPDATE OF data ON records WHEN new.collection IN ('visits')
BEGIN DELETE FROM facts WHERE rid = new.rid; END;
CREATE INDEX records_overdue ON records(collection, id) WHERE json_extract(data, '$.overdue') = 1;
DROP INDEX facts_overdue;
UPDATE meta SET value = 'an-old-release' WHERE key = 'facts';
DELETE FROM facts WHERE collection = 'cases';
UPDATE facts SET status = 'stale';
"""


def test_store_facts_written_older_database_migrates(device: Any, county_db: str,
                                                     tmp_path: Path) -> None:
    f1 = device("f1")
    f1.sync([f1.op("visits", "v1", {"centre_id": "c1", "kind": "home_service", "status": "planned"}),
             f1.op("complaints", "cp1", {"centre_id": "c1", "content": "排队太久",
                                         "channel": "hotline", "status": "open"})])
    want = facts(county_db)
    assert len(want) == 2
    with closing(sqlite3.connect(county_db)) as conn:
        conn.executescript(OLD_SCHEMA)  # as a release with triggers left it
    assert facts(county_db) != want
    conn = connect(county_db)
    try:
        migrate(conn)
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master")}
    finally:
        conn.close()
    assert not names & {"facts_insert", "facts_update", "facts_held", "records_overdue"}
    assert "facts_overdue" in names
    assert facts(county_db) == want
    # and the writes after it keep facts without the triggers
    f1.sync([f1.op("visits", "v1", {"status": "done"})])
    assert next(r for r in facts(county_db) if r[2] == "v1")[4] == "done"
    assert facts(county_db) == rebuilt(county_db, tmp_path)


def test_store_none_binds_as_null_through_the_registered_adapter() -> None:
    """``server.store.sqlite`` registers an adapter for None (cheaper than the sqlite3 module's
    lookup); None is still bound as SQL NULL, alone, in rows and by name."""
    with closing(connect(":memory:")) as conn:
        conn.execute("CREATE TABLE t (a, b)")
        conn.executemany("INSERT INTO t VALUES (?, ?)", [(None, 1), (2, None), (None, None)])
        conn.execute("INSERT INTO t VALUES (:a, :b)", {"a": None, "b": "x"})
        assert conn.execute("SELECT count(*) FROM t WHERE a IS NULL").fetchone() == (3,)
        assert conn.execute("SELECT count(*) FROM t WHERE b IS NULL").fetchone() == (2,)
        assert conn.execute("SELECT typeof(?), ? IS NULL", (None, None)).fetchone() == ("null", 1)
