"""Batch writes hold the report-facts triggers and bring ``facts`` up to date set-wise
(``server.store.sqlite.facts_held``, ``refresh_facts``): after pushes that create, edit,
delete and restore records, scored inspections, and a sweep that turns work overdue and
makes accountability records, ``facts`` is row for row what a rebuild from the records
makes; the hold never outlives a transaction; a write outside a batch keeps the triggers."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from server.jobs.sweep import sweep
from server.store.sqlite import connect, facts_held, migrate
from server.writer import Writer
from sync.deadlines import DAY_MS
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


def test_store_facts_held_match_a_rebuild(device: Any, county_db: str, tmp_path: Path) -> None:
    sup, f1 = device("sup1"), device("f1")
    sup.sync([sup.op("matters", "m2", {"name": "建房审批", "county_id": "k1",
                                       "kind": "time_limited", "time_limit_days": 2}),
              sup.op("templates", "t1", TEMPLATE)])
    t = f1.clock()
    case = {"centre_id": "c1", "matter_id": "m2", "handler_id": f1.user["id"]}
    res = f1.sync([
        f1.op("cases", "k-open", {**case, "status": "accepted"}),
        f1.op("cases", "k-done", {**case, "status": "accepted"}, at=t - 2000),
        f1.op("cases", "k-done", {"status": "completed"}, at=t - 1000),
        f1.op("visits", "v1", {"centre_id": "c1", "kind": "home_service", "status": "planned"}),
        f1.op("visits", "v2", {"centre_id": "c1", "kind": "site_survey"}),
        f1.op("complaints", "cp1", {"centre_id": "c1", "content": "排队太久", "received_at": t,
                                    "channel": "hotline", "status": "open"}),
        f1.op("inspections", "i1", {"centre_id": "c1", "template_id": "t1", "template_version": 1,
                                    "items": {"e1": {"count": 2}}})])
    assert {r["status"] for r in res["results"]} == {"applied"}, res
    # one refresh of new and stored records together: each gets its facts row exactly once
    f1.sync([f1.op("visits", "v1", {"status": "done", "ended_at": t}),
             f1.op("visits", "v3", {"centre_id": "c1", "kind": "site_survey", "started_at": t}),
             f1.op("visits", "v2", delete=True),
             f1.op("inspections", "i1", {"items.e2.count": 1})])
    f1.sync([f1.op("visits", "v2", {"kind": "home_service"})])  # an edit of a tombstone: stays deleted
    assert facts(county_db) == rebuilt(county_db, tmp_path)
    # time passes: the sweep turns the open case and the complaint overdue, with accountability
    writer = Writer(county_db)
    try:
        counts = sweep(writer, t + 30 * DAY_MS)
    finally:
        writer.close()
    assert counts["overdue"] == 2 and counts["accountability"] == 2
    now = facts(county_db)
    assert now == rebuilt(county_db, tmp_path)
    overdue = {(c, i) for _r, c, i, *_x, o, _s, _v in now if o == 1}
    assert overdue == {("cases", "k-open"), ("complaints", "cp1")}
    assert {i for _r, c, i, *_x in now if c == "accountability"} == \
        {"acc-cases-k-open", "acc-complaints-cp1"}
    assert next(r for r in now if r[2] == "i1")[10] is not None  # scored
    with closing(sqlite3.connect(county_db)) as conn:
        assert conn.execute("SELECT count(*) FROM facts_held").fetchone()[0] == 0


def test_store_facts_held_never_outlives_its_transaction(county_db: str) -> None:
    conn = connect(county_db)
    try:
        conn.execute("BEGIN IMMEDIATE")
        try:
            with facts_held(conn):
                with facts_held(conn):  # nested: the outer block still holds after it
                    pass
                assert conn.execute("SELECT count(*) FROM facts_held").fetchone()[0] == 1
                raise RuntimeError("a write failing half way")
        except RuntimeError:
            conn.execute("ROLLBACK")
        assert conn.execute("SELECT count(*) FROM facts_held").fetchone()[0] == 0
        # outside a batch the triggers still keep facts: a record written by plain SQL
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO records (collection, id, centre_id, county_id, version, deleted,"
                     " data, meta, created_version) VALUES ('complaints', 'raw1', 'c1', 'k1', 999,"
                     " 0, '{\"status\":\"open\",\"reply_due\":5}', '{}', 999)")
        conn.execute("UPDATE records SET data='{\"status\":\"replied\",\"reply_due\":7}'"
                     " WHERE collection='complaints' AND id='raw1'")
        conn.execute("COMMIT")
        assert conn.execute("SELECT status, due FROM facts WHERE id='raw1'").fetchone() == ("replied", 7)
    finally:
        conn.close()
