"""Report facts of records a push creates: inserted without looking for a facts row
(``write_facts(..., inserted=...)``), they are still row for row what a rebuild makes,
including a record created and edited, or created and deleted, in the same push."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from server.jobs.sweep import sweep
from server.system import system_write
from server.writer import Writer
from sync.deadlines import DAY_MS
from tests.test_store_facts_written import exact


def test_store_facts_new_records_match_a_rebuild(client: Any, device: Any, county_db: str,
                                                 tmp_path: Path) -> None:
    f1 = device("f1")
    t = f1.clock()
    res = f1.sync([
        f1.op("visits", "n-1", {"centre_id": "c1", "kind": "home_service", "status": "planned",
                                "planned_at": t}, at=t - 3000),
        f1.op("visits", "n-1", {"status": "done", "ended_at": t}, at=t - 2000),
        f1.op("visits", "n-2", {"centre_id": "c1", "kind": "site_survey"}, at=t - 3000),
        f1.op("visits", "n-2", delete=True, at=t - 1000),
        f1.op("complaints", "n-3", {"centre_id": "c1", "content": "办事慢", "received_at": t,
                                    "channel": "hotline", "status": "open"})])
    assert [r.get("code", r["status"]) for r in res["results"]] == ["applied"] * 5, res["results"]
    rows = {r[2]: r for r in exact(county_db, tmp_path)}
    assert rows["n-1"][3:8] == ("c1", "done", "home_service", t, t)
    assert rows["n-3"][1] == "complaints" and rows["n-3"][3] == "c1"
    assert "n-2" not in rows  # deleted in the push that made it
    # an edit of a record made by an earlier push: the facts row is found and updated
    f1.sync([f1.op("complaints", "n-3", {"status": "replied", "replied_at": t + 1})])
    rows = {r[2]: r for r in exact(county_db, tmp_path)}
    assert rows["n-3"][4] == "replied"


def test_store_facts_of_server_made_records_when_the_row_ids_run_out(county_db: str,
                                                                     tmp_path: Path) -> None:
    """``Batch.create`` gives its records the row ids after the largest (their facts then need
    no lookup); with the last row id taken it leaves them to SQLite (free ones, at random) and
    looks them up, and the facts are still what a rebuild makes."""
    t = int(time.time() * 1000) - 40 * DAY_MS
    writer = Writer(county_db)
    try:
        writer.run(lambda conn: system_write(conn, [
            ("matters", "m9", {"name": "短时限事项", "county_id": "k1", "kind": "time_limited",
                               "time_limit_days": 2}, t),
            ("cases", "k9", {"centre_id": "c1", "matter_id": "m9", "status": "accepted",
                             "accepted_at": t}, t),
            ("complaints", "cp9", {"centre_id": "c1", "content": "没人接电话", "received_at": t,
                                   "channel": "phone", "status": "open"}, t)]))
        writer.run(lambda conn: conn.execute(
            "INSERT INTO records (rid, collection, id, version, data, meta, created_version)"
            " VALUES (?, 'zz', 'last', 0, '{}', '[]', 0)", (2 ** 63 - 1,)))
        counts = sweep(writer, t + 40 * DAY_MS)
    finally:
        writer.close()
    assert counts["accountability"] >= 2  # (overdue already when written: t is long past)
    made = {r[2] for r in exact(county_db, tmp_path) if r[1] == "accountability"}
    assert {"acc-cases-k9", "acc-complaints-cp9"} <= made
