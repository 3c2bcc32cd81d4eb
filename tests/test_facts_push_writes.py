"""What a push writes for its new records, made cheaper without changing what is stored.

- ``facts_due_known`` and ``facts_ended`` index only the rows with a due time / an end
  time (``WHERE due IS NOT NULL`` / ``done IS NOT NULL``): a new visit has neither, so its
  facts row goes into two indexes fewer. Every query of ``facts`` still finds its rows by an
  index (the plans below: no ``SCAN``), those that read by due or end time by these two,
  and returns what it returned with the full indexes of the release before.
- ``Batch._flush`` inserts the records a batch creates with row ids it counts on from
  ``max(rid)`` (``sqlite.next_rid``, under the writer's lock), so their facts rows need no
  lookup of the ids: the ids are the ones SQLite would give, and the facts match a rebuild.
- The documents are bound as the UTF-8 bytes orjson wrote and stored as TEXT
  (``sqlite.text_param``), as the str was; None binds as NULL through an adapter of its own
  (``sqlite._NO_ADAPTERS``) instead of the sqlite3 module's failed attribute lookups.
- An older database (full ``facts_due``/``facts_done``) migrates: they go, the partial ones
  come, and ``facts`` is rebuilt.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server import jsoncodec
from server.store import exports, holidays, lists, reports
from server.store.sqlite import LAST_ROWID, connect, migrate, next_rid, write_facts
from tests.support.budget import examples
from tests.support.plans import plans
from tests.test_store_facts_written import exact, facts

COLLECTIONS = ("cases", "visits", "complaints", "rectifications", "evaluations", "inspections")
CENTRES = ("c1", "c2", "c3")
# The indexes of the release before, full (every row of facts in each).
OLD_INDEXES = """
DROP INDEX IF EXISTS facts_ended;
DROP INDEX IF EXISTS facts_due_known;
CREATE INDEX facts_done ON facts(collection, done, centre_id, due, status);
CREATE INDEX facts_due ON facts(collection, due, centre_id, status, done);
"""


def new_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    return conn


def put(conn: sqlite3.Connection, collection: str, rid: str, centre: str, doc: dict[str, Any],
        deleted: bool = False) -> None:
    conn.execute("INSERT INTO records (collection, id, centre_id, version, deleted, data, meta,"
                 " created_version) VALUES (?, ?, ?, 1, ?, ?, '{}', 1)",
                 (collection, rid, centre, int(deleted), json.dumps(doc)))
    write_facts(conn, collection, {rid: doc})


def fill(conn: sqlite3.Connection, rng: random.Random, n: int) -> None:
    def t() -> int | None:
        return rng.choice([None, rng.randint(0, 100)])
    for i in range(n):
        fields = {"status": rng.choice(["accepted", "handling", "completed", "open", "done",
                                        "approved", "planned", "dismissed", None]),
                  "kind": rng.choice(["home_service", "x", None]),
                  "rating": rng.choice(["satisfied", "bad", None]),
                  **{f: t() for f in ("accepted_at", "completed_at", "started_at", "planned_at",
                                      "ended_at", "received_at", "replied_at", "reply_due",
                                      "due_at", "ordered_at", "at", "callback_due")},
                  "overdue": rng.choice([True, False, None]), "score": rng.choice([None, 3.5])}
        put(conn, rng.choice(COLLECTIONS), f"r{i}", rng.choice(CENTRES),
            {k: v for k, v in fields.items() if v is not None}, rng.random() < 0.05)


F = lists.Filters
FILTERS = [F(), F(status="open"), F(statuses=("open", "handling")), F(overdue=True),
           F(due_before=50), F(due_after=50), F(due_before=80, due_after=20)]


def queries() -> list[tuple[str, Callable[[sqlite3.Connection], Any]]]:
    """Every read of ``facts`` by the lists, boards, reports, ledgers and call-backs."""
    out: list[tuple[str, Callable[[sqlite3.Connection], Any]]] = []
    for coll in ("cases", "visits", "complaints", "rectifications"):
        for cs in (["c1"], ["c1", "c2"]):
            for f in FILTERS:
                out += [
                    (f"page {coll} {cs} {f}",
                     lambda c, coll=coll, cs=cs, f=f: lists.page(c, coll, cs, f, None, 10)),
                    (f"page+ {coll} {cs} {f}",
                     lambda c, coll=coll, cs=cs, f=f: lists.page(c, coll, cs, f, 50, 10)),
                    (f"by_due {coll} {cs} {f}",
                     lambda c, coll=coll, cs=cs, f=f: lists.by_due(c, coll, cs, f, None, 10)),
                    (f"by_due+ {coll} {cs} {f}",
                     lambda c, coll=coll, cs=cs, f=f: lists.by_due(c, coll, cs, f, (30, 5), 10))]
    for now in (200, 60):
        for cs in (["c1", "c2", "c3"], ["c1"]):
            out.append((f"month {now} {cs}",
                        lambda c, now=now, cs=cs: reports.month_figures(c, cs, 10, 90, now)))
    out.append(("approved", lambda c: reports.approved_inspections(c, ["c1", "c2"], 10, 90)))
    for coll in ("cases", "visits", "evaluations"):
        for cs in (["c1"], ["c1", "c2"]):
            for since, until in ((None, None), (10, None), (None, 90), (10, 90)):
                out += [(f"count {coll} {cs} {since} {until}",
                         lambda c, coll=coll, cs=cs, s=since, u=until: exports.count(c, coll, cs, s, u)),
                        (f"rows {coll} {cs} {since} {until}",
                         lambda c, coll=coll, cs=cs, s=since, u=until: list(
                             exports.rows(c, coll, cs, s, u, ["status"])))]
    for coll in ("cases", "visits"):
        out.append((f"callbacks {coll}", lambda c, coll=coll: holidays.callbacks_due_in(c, coll, 10, 90)))
    return out


def test_facts_push_writes_every_facts_query_uses_an_index() -> None:
    with closing(new_db()) as conn:
        fill(conn, random.Random(3), 300)
        used: set[str] = set()
        for label, run in queries():
            found = plans(conn, run, on="facts")
            assert found, label
            for plan in found:
                assert "SCAN" not in plan, (label, plan)
                assert "USING INDEX facts_" in plan or "USING COVERING INDEX facts_" in plan, (label, plan)
                used.update(word for word in plan.replace("(", " ").split() if word.startswith("facts_"))
        # the queries by due or end time read the partial indexes, not another one
        assert {"facts_due_known", "facts_ended"} <= used
        assert not {"facts_due", "facts_done"} & used
        (plan,) = plans(conn, lambda c: lists.by_due(c, "cases", ["c1"], F(), None, 10), on="facts")
        assert "facts_due_known" in plan, plan
        (plan,) = plans(conn, lambda c: holidays.callbacks_due_in(c, "cases", 10, 90), on="facts")
        assert "facts_ended" in plan, plan


@settings(max_examples=examples(25), deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 120))
def test_facts_push_writes_partial_indexes_return_what_the_full_ones_did(seed: int, n: int) -> None:
    with closing(new_db()) as new, closing(new_db()) as old:
        old.executescript(OLD_INDEXES)
        fill(new, random.Random(seed), n)
        fill(old, random.Random(seed), n)
        for label, run in queries():
            assert run(new) == run(old), label


def test_facts_push_writes_new_records_take_the_ids_sqlite_would_give(
        client: Any, device: Any, county_db: str, tmp_path: Path) -> None:
    f1 = device("f1")
    t = f1.clock()

    def rids() -> dict[str, int]:
        with closing(sqlite3.connect(county_db)) as conn:
            return {rid: row for rid, row in conn.execute("SELECT id, rid FROM records")}

    before = rids()
    top = max(before.values())
    # new records, one created and deleted in the same push, one created and edited
    res = f1.sync([
        f1.op("visits", "p-1", {"centre_id": "c1", "kind": "home_service", "status": "planned",
                                "planned_at": t}, at=t - 3000),
        f1.op("visits", "p-1", {"status": "done", "ended_at": t}, at=t - 2000),
        f1.op("visits", "p-2", {"centre_id": "c1", "kind": "site_survey"}, at=t - 3000),
        f1.op("visits", "p-2", delete=True, at=t - 1000),
        f1.op("complaints", "p-3", {"centre_id": "c1", "content": "办事慢", "received_at": t,
                                    "channel": "hotline", "status": "open"}),
        *[f1.op("visits", f"p-v{i}", {"centre_id": "c1", "kind": "follow_up",
                                       "status": "planned", "planned_at": t + i})
          for i in range(20)]])
    assert [r.get("code", r["status"]) for r in res["results"]] == ["applied"] * 25, res["results"]
    after = rids()
    made = {rid: row for rid, row in after.items() if rid not in before}
    assert set(made) == {"p-1", "p-2", "p-3", *(f"p-v{i}" for i in range(20))}
    # one each, counted on from the newest row before: what SQLite gives rows without one
    assert sorted(made.values()) == list(range(top + 1, top + 1 + len(made)))
    assert {rid: after[rid] for rid in before} == before
    rows = {r[2]: r for r in exact(county_db, tmp_path)}  # facts row for row as a rebuild
    # the documents, bound as UTF-8 bytes, are stored as the TEXT a str would be
    with closing(sqlite3.connect(county_db)) as conn:
        assert conn.execute("SELECT count(*) FROM records WHERE typeof(data) <> 'text'"
                            " OR typeof(meta) <> 'text'").fetchone() == (0,)
        data = dict(conn.execute("SELECT id, data FROM records WHERE id IN ('p-1', 'p-3')"))
        assert isinstance(data["p-3"], str) and "办事慢" in data["p-3"]
        assert data["p-3"] == jsoncodec.dumps(jsoncodec.loads(data["p-3"]))
        assert conn.execute("SELECT json_extract(data, '$.content') FROM records"
                            " WHERE id = 'p-3'").fetchone() == ("办事慢",)
    assert {r[0] for r in rows.values() if r[2] in made} == {made[k] for k in made if k != "p-2"}
    assert "p-2" not in rows and rows["p-1"][4] == "done"
    # the next push: a new record follows on, an edit of a stored one keeps its row
    res = f1.sync([f1.op("visits", "p-4", {"centre_id": "c1", "kind": "home_service"}),
                   f1.op("visits", "p-1", {"notes": "又去了一次"})])
    assert [r["status"] for r in res["results"]] == ["applied"] * 2, res["results"]
    assert rids()["p-4"] == top + len(made) + 1
    assert rids()["p-1"] == made["p-1"]
    with closing(connect(county_db)) as conn:
        nxt = next_rid(conn)
        conn.execute("INSERT INTO records (collection, id, version, data, meta, created_version)"
                     " VALUES ('x', 'y', 0, '{}', '{}', 0)")
        assert conn.execute("SELECT rid FROM records WHERE collection='x'").fetchone()[0] == nxt
        conn.rollback()
    exact(county_db, tmp_path)


def test_facts_push_writes_older_database_migrates(device: Any, county_db: str,
                                                   tmp_path: Path) -> None:
    f1 = device("f1")
    t = f1.clock()
    f1.sync([f1.op("visits", "v1", {"centre_id": "c1", "kind": "home_service", "status": "done",
                                    "ended_at": t}),
             f1.op("complaints", "cp1", {"centre_id": "c1", "content": "排队太久",
                                         "channel": "hotline", "status": "open"})])
    want = facts(county_db)
    with closing(sqlite3.connect(county_db)) as conn:
        conn.executescript(OLD_INDEXES + "UPDATE meta SET value = 'before' WHERE key = 'facts';"
                           " UPDATE facts SET status = 'stale';")
    conn = connect(county_db)
    try:
        migrate(conn)
        names = {n for (n,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        partial = {n: sql for n, sql in conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE name IN ('facts_due_known', 'facts_ended')")}
    finally:
        conn.close()
    assert not {"facts_due", "facts_done"} & names
    assert "WHERE due IS NOT NULL" in partial["facts_due_known"]
    assert "WHERE done IS NOT NULL" in partial["facts_ended"]
    assert facts(county_db) == want
    assert exact(county_db, tmp_path) == want


def test_facts_push_writes_none_binds_as_null() -> None:
    with closing(new_db()) as conn:
        assert conn.execute("SELECT ? IS NULL, typeof(?), CAST(? AS TEXT) = '走访'",
                            (None, None, "走访".encode())).fetchone() == (1, "null", 1)
        conn.executemany("INSERT INTO meta (key, value) VALUES (?, coalesce(?, 'none'))",
                         [("a", None), ("b", "x")])
        assert dict(conn.execute("SELECT key, value FROM meta WHERE key IN ('a', 'b')")) == {
            "a": "none", "b": "x"}


def test_facts_push_writes_row_ids_near_the_last_are_left_to_sqlite(
        client: Any, device: Any, county_db: str, tmp_path: Path) -> None:
    """Once the newest row id is near the largest, counting on would pass it: the batch
    leaves its new records' ids to SQLite (which then picks free ones) and looks them up."""
    with closing(sqlite3.connect(county_db)) as conn:
        conn.execute("INSERT INTO records (rid, collection, id, version, data, meta, created_version)"
                     " VALUES (?, 'x', 'last', 0, '{}', '{}', 0)", (LAST_ROWID - 2,))
        conn.commit()
    f1 = device("f1")
    res = f1.sync([f1.op("visits", f"q-{i}", {"centre_id": "c1", "kind": "home_service",
                                              "status": "planned", "planned_at": 1000 + i})
                   for i in range(6)])
    assert [r["status"] for r in res["results"]] == ["applied"] * 6, res["results"]
    with closing(sqlite3.connect(county_db)) as conn:
        got = dict(conn.execute("SELECT id, rid FROM records WHERE id LIKE 'q-%'"))
        assert conn.execute("SELECT count(*) FROM facts WHERE id LIKE 'q-%'").fetchone() == (6,)
    assert len(set(got.values())) == 6 and LAST_ROWID in got.values()
    exact(county_db, tmp_path)
