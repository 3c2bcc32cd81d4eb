"""``Batch.refresh`` (the sweep turning work overdue, award terms) reads a record's leaves
from its stored document instead of its path clocks: on every record of the demo county
(cases paused for supplements, extended, completed; complaints replied or not;
rectifications answered; awards; visits) and at several moments, it writes exactly what
the leaves the op path keeps (``load_records``, from the path clocks) compute, and gives a
new version to exactly the records whose computed fields changed."""

from __future__ import annotations

import json
import shutil
from contextlib import closing
from pathlib import Path

import pytest

from server.clock import now_ms
from server.demo import seed
from server.demo.data import build_demo
from server.store.records import SYSTEM, Batch, load_records
from server.store.sqlite import connect
from server.system import system_write
from server.writer import Writer
from sync.computed import compute

DAY = 86_400_000
REFRESHED = ("cases", "complaints", "rectifications", "awards", "visits", "evaluations")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The demo county, and work whose computed fields hang on nested leaves (an extension's
    days, a rectification's answers) or on a pause."""
    db = str(tmp_path_factory.mktemp("demo") / "demo.db")
    seed(db, build_demo())
    t = now_ms() - 20 * DAY
    case = {"centre_id": "c01", "matter_id": "m002", "status": "accepted", "accepted_at": t}
    writer = Writer(db)
    try:
        writer.run(lambda conn: system_write(conn, [
            ("cases", "t-extended", {**case, "extension": {"days": 60, "reason": "需现场踏勘"}}, t),
            ("cases", "t-paused", case, t),
            ("cases", "t-paused", {"status": "supplement", "missing_materials": ["户口簿"]}, t + DAY),
            ("rectifications", "t-late", {"centre_id": "c01", "inspection_id": "ins-c01-2025-12-10-1",
                                          "due_days": 1, "ordered_at": t, "status": "responded",
                                          "responses": {"v1": {"at": t + 10 * DAY, "note": "已整改"}}},
             t + 10 * DAY)]))
    finally:
        writer.close()
    return db


@pytest.mark.parametrize("days", [0, 2, 30, 800])
def test_store_refresh_writes_what_the_path_clocked_leaves_compute(demo_db: str, tmp_path: Path,
                                                                    days: int) -> None:
    db = str(tmp_path / "copy.db")
    shutil.copyfile(demo_db, db)
    now = now_ms() + days * DAY
    changed_somewhere = 0
    with closing(connect(db)) as conn:
        for coll in REFRESHED:
            ids = [rid for (rid,) in conn.execute(
                "SELECT id FROM records WHERE collection=? AND deleted=0 ORDER BY id", (coll,))]
            assert ids, coll
            conn.execute("BEGIN IMMEDIATE")
            batch = Batch(conn, SYSTEM, now)
            stored = load_records(conn, [(coll, rid) for rid in ids])
            expected = {}
            for rid in ids:
                st = stored[(coll, rid)]
                assert st.doc is not None
                expected[rid] = {**st.doc, **compute(coll, st.state.leaves, batch.ctx(), st.kept)}
            versions = dict(conn.execute("SELECT id, version FROM records WHERE collection=?",
                                         (coll,)).fetchall())
            touched = batch.refresh(coll, ids)
            after = {rid: (json.loads(data), version) for rid, data, version in conn.execute(
                "SELECT id, data, version FROM records WHERE collection=?", (coll,))}
            conn.execute("COMMIT")
            for rid in ids:
                doc, version = after[rid]
                assert doc == expected[rid], (coll, rid)
                moved = expected[rid] != stored[(coll, rid)].doc
                assert (rid in touched) is moved and (version > versions[rid]) is moved, (coll, rid)
            changed_somewhere += len(touched)
    if days >= 30:
        assert changed_somewhere > 0  # time made some open work overdue: the test saw a change

