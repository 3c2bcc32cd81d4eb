"""The demo county, seeded, has work against the clock: open cases past and near their
promise, supplements, refusals and returns with reasons, complaints in every state,
accountability records open, explained and closed, call-backs due, and notifications."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from server.demo import seed
from server.demo.data import build_demo


def test_demo_deadlines_seeded_county_has_work_against_the_clock(tmp_path: Path) -> None:
    db = str(tmp_path / "demo.db")
    seed(db, build_demo())
    conn = sqlite3.connect(db)

    def count(sql: str, *args: object) -> int:
        return int(conn.execute(sql, args).fetchone()[0])

    now = int(time.time() * 1000)
    cases = "SELECT count(*) FROM records WHERE collection='cases' AND "
    assert count(cases + "json_extract(data,'$.overdue')=1 AND json_extract(data,'$.status')"
                 " IN ('accepted','handling')") >= 6
    assert count(cases + "json_extract(data,'$.status')='supplement'"
                 " AND json_array_length(data,'$.missing_materials') > 0") >= 6
    assert count(cases + "json_extract(data,'$.status')='refused'"
                 " AND length(json_extract(data,'$.refusal_reason')) > 0") >= 1
    assert count(cases + "json_extract(data,'$.status')='returned'"
                 " AND length(json_extract(data,'$.return_reason')) > 0") >= 6
    assert count(cases + "json_extract(data,'$.callback_due') > ?", now) >= 1
    states = dict(conn.execute(
        "SELECT json_extract(data,'$.status'), count(*) FROM records"
        " WHERE collection='complaints' GROUP BY 1").fetchall())
    assert set(states) == {"open", "replied", "verified", "dismissed"}
    acc = dict(conn.execute(
        "SELECT json_extract(data,'$.status'), count(*) FROM records"
        " WHERE collection='accountability' GROUP BY 1").fetchall())
    assert set(acc) == {"open", "explained", "closed"}
    assert count("SELECT count(*) FROM records WHERE collection='accountability'"
                 " AND json_extract(data,'$.status')='explained'"
                 " AND length(json_extract(data,'$.explanation')) > 0") == acc["explained"]
    kinds = {k for (k,) in conn.execute(
        "SELECT DISTINCT json_extract(data,'$.kind') FROM records WHERE collection='notifications'")}
    assert {"assigned", "overdue"} <= kinds
    # Each notification belongs to one person: it is pulled by its owner only.
    assert count("SELECT count(*) FROM records WHERE collection='notifications'"
                 " AND (owner_id IS NULL OR owner_id != json_extract(data,'$.user_id'))") == 0
