"""``fieldsync holidays`` corrects the deadlines of open work the loaded schedule moves:
written through the store (a new version and a change-log row each, so phones pull them),
closed work left as it is, a second load writing nothing; work whose deadline moved
earlier turns overdue at the next sweep."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from server.cli import main
from server.holidays import correct_deadlines, year_span
from server.jobs.sweep import accountability_id, sweep
from server.store.holidays import open_work_in
from server.system import system_write
from server.writer import Writer
from sync.deadlines import CST, local_date
from tests.conftest import Device

FRIDAY = "2027-03-05 09:00"  # a Friday of 2027, a year the bundled calendar does not know
# Five working days after that Friday, Monday–Friday: Mon 8 … Fri 12.
GUESSED_DUE = "2027-03-12"


def at(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=CST).timestamp() * 1000)


def write(db: str, items: list[tuple[str, str, dict[str, Any], int]]) -> None:
    writer = Writer(db)
    try:
        writer.run(lambda conn: system_write(conn, items))
    finally:
        writer.close()


def seed(db: str) -> None:
    """An open case, a closed one (completed and called back), an open complaint, all
    started that Friday; a matter with a five-working-day limit."""
    t = at(FRIDAY)
    write(db, [
        ("matters", "m5", {"county_id": "k1", "name": "五日办", "kind": "time_limited",
                           "time_limit_days": 5}, t),
        ("cases", "open", {"centre_id": "c1", "matter_id": "m5", "status": "accepted",
                           "accepted_at": t}, t),
        ("cases", "closed", {"centre_id": "c1", "matter_id": "m5", "status": "accepted",
                             "accepted_at": t}, t),
        ("complaints", "cp", {"centre_id": "c1", "content": "窗口排队太久", "received_at": t,
                              "channel": "hotline", "status": "open"}, t)])
    write(db, [("cases", "closed", {"status": "completed", "completed_at": t + 3_600_000},
                t + 3_600_000),
               # called back: nothing about it is open any more (test_holidays_callbacks.py)
               ("evaluations", "e-closed", {"centre_id": "c1", "case_id": "closed", "source": "callback",
                                            "rating": "satisfied", "at": t + 7_200_000}, t + 7_200_000)])


def row(db: str, collection: str, rid: str) -> tuple[int, dict[str, Any]]:
    version, data = sqlite3.connect(db).execute(
        "SELECT version, data FROM records WHERE collection=? AND id=?", (collection, rid)).fetchone()
    return int(version), json.loads(data)


def due_day(db: str, collection: str, rid: str, field: str = "due_at") -> str:
    return local_date(int(row(db, collection, rid)[1][field])).isoformat()


def change_rows(db: str, collection: str, rid: str) -> list[int]:
    return [v for (v,) in sqlite3.connect(db).execute(
        "SELECT version FROM changes WHERE collection=? AND record=? ORDER BY version",
        (collection, rid))]


def max_version(db: str) -> int:
    return int(sqlite3.connect(db).execute("SELECT max(version) FROM changes").fetchone()[0])


def schedule(tmp_path: Path, holidays: list[str], workdays: list[str] | None = None) -> str:
    path = tmp_path / "2027.json"
    path.write_text(json.dumps({"year": 2027, "holidays": holidays, "workdays": workdays or []}))
    return str(path)


def load(db: str, file: str) -> int:
    return main(["holidays", "--db", db, "--year", "2027", "--file", file])


def test_holidays_monday_off_moves_open_deadlines_later_and_leaves_closed_work(
        county_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(county_db)
    assert due_day(county_db, "cases", "open") == GUESSED_DUE
    assert due_day(county_db, "complaints", "cp", "reply_due") == GUESSED_DUE
    open_before, _ = row(county_db, "cases", "open")
    closed_before = row(county_db, "cases", "closed")
    logged = change_rows(county_db, "cases", "open")

    assert load(county_db, schedule(tmp_path, ["2027-03-08"])) == 0  # the Monday off
    out = capsys.readouterr().out
    assert "deadlines corrected: 2 open records (1 cases, 1 complaints, 0 rectifications, 0 visits)" in out

    version, data = row(county_db, "cases", "open")
    assert local_date(data["due_at"]).isoformat() == "2027-03-15"  # Tue 9 … Mon 15
    assert version > open_before
    assert change_rows(county_db, "cases", "open") == [*logged, version]
    assert due_day(county_db, "complaints", "cp", "reply_due") == "2027-03-15"
    assert row(county_db, "cases", "closed") == closed_before  # closed work: not rewritten

    # Loading the same schedule again: nothing left to correct, nothing written.
    top = max_version(county_db)
    assert load(county_db, schedule(tmp_path, ["2027-03-08"])) == 0
    assert "deadlines corrected: 0 open records" in capsys.readouterr().out
    assert max_version(county_db) == top


def test_holidays_worked_saturday_moves_deadline_earlier_and_the_sweep_turns_it_overdue(
        county_db: str, tmp_path: Path) -> None:
    seed(county_db)
    # Past the corrected deadline (Thu 11), before the guessed one (Fri 12).
    sweep_at = at("2027-03-12 10:00")
    assert load(county_db, schedule(tmp_path, ["2027-01-01"], ["2027-03-06"])) == 0  # Sat worked
    assert due_day(county_db, "cases", "open") == "2027-03-11"  # Sat 6, Mon 8 … Thu 11
    assert row(county_db, "cases", "open")[1]["overdue"] is False  # not yet, at load time

    writer = Writer(county_db)
    try:
        counts = sweep(writer, sweep_at)
    finally:
        writer.close()
    assert counts["overdue"] == 2 and counts["accountability"] == 2  # the case and the complaint
    assert row(county_db, "cases", "open")[1]["overdue"] is True
    assert row(county_db, "accountability", accountability_id("cases", "open"))[1]["due_at"] \
        == row(county_db, "cases", "open")[1]["due_at"]
    assert row(county_db, "cases", "closed")[1]["overdue"] is False


def test_holidays_correction_reaches_only_work_whose_walk_crosses_the_year(county_db: str) -> None:
    """Work due before the year starts is left as it is; a rectification ordered in
    the year is; a chunk smaller than the work takes several transactions, all written."""
    seed(county_db)
    dec = at("2026-11-02 09:00")
    write(county_db, [
        ("cases", "old", {"centre_id": "c1", "matter_id": "m5", "status": "accepted",
                          "accepted_at": dec}, dec),
        ("cases", "open2", {"centre_id": "c1", "matter_id": "m5", "status": "handling",
                            "accepted_at": at(FRIDAY)}, at(FRIDAY)),
        ("rectifications", "r1", {"centre_id": "c1", "due_days": 5, "ordered_at": at(FRIDAY),
                                  "status": "open", "inspection_id": "i1",
                                  "order_text": "台账不全"}, at(FRIDAY))])
    assert due_day(county_db, "rectifications", "r1") == GUESSED_DUE
    old = row(county_db, "cases", "old")
    conn = sqlite3.connect(county_db)
    conn.execute("INSERT INTO holidays (year, schedule, source, loaded_at) VALUES (2027, ?, 't', 0)",
                 (json.dumps({"year": 2027, "holidays": ["2027-03-08"], "workdays": []}),))
    conn.commit()
    conn.close()
    writer = Writer(county_db)
    try:
        assert correct_deadlines(writer, 2027, chunk=1) == {"cases": 2, "complaints": 1,
                                                            "rectifications": 1, "visits": 0}
    finally:
        writer.close()
    assert due_day(county_db, "rectifications", "r1") == "2027-03-15"
    assert due_day(county_db, "cases", "open2") == "2027-03-15"
    assert row(county_db, "cases", "old") == old


def test_holidays_loaded_beside_a_running_server_reach_phones_and_its_writes(
        county_db: str, device: Any, tmp_path: Path) -> None:
    """The server reads the calendar per write (no cache to go stale): the corrected
    deadline reaches a phone's next pull, and a phone's later edit keeps it."""
    seed(county_db)
    f1: Device = device("f1")
    f1.sync_all()
    assert load(county_db, schedule(tmp_path, ["2027-03-08"])) == 0
    pulled = {(c["collection"], c["record"]): c["data"]
              for page in f1.sync_all() for c in page["changes"]}
    assert local_date(pulled[("cases", "open")]["due_at"]).isoformat() == "2027-03-15"
    assert ("cases", "closed") not in pulled
    res = f1.sync([f1.op("cases", "open", {"status": "handling"})])
    assert res["results"][0]["status"] == "applied", res
    assert due_day(county_db, "cases", "open") == "2027-03-15"


def test_holidays_open_work_in_finds_walks_crossing_the_year_only(county_db: str) -> None:
    seed(county_db)
    nov = at("2026-11-02 09:00")
    write(county_db, [
        ("cases", "before", {"centre_id": "c1", "matter_id": "m5", "status": "accepted",
                             "accepted_at": nov}, nov),  # due 2026-11-09: done before 2027
        ("cases", "waiting", {"centre_id": "c1", "matter_id": "m5", "status": "accepted",
                              "accepted_at": nov}, nov)])
    write(county_db, [("cases", "waiting", {"status": "supplement", "missing_materials": ["身份证"]},
                       nov + 3_600_000)])  # the clock stopped: no deadline yet
    conn = sqlite3.connect(county_db)
    start, end = year_span(2027)
    assert open_work_in(conn, "cases", start, end) == ["open", "waiting"]
    # 2028: the open case is due in 2027, before it; a stopped clock may yet run into it.
    assert open_work_in(conn, "cases", *year_span(2028)) == ["waiting"]
    assert open_work_in(conn, "complaints", start, end) == ["cp"]


def test_holidays_correct_a_sent_back_complaints_new_deadline(county_db: str, tmp_path: Path) -> None:
    """A complaint answered, then sent back that Friday, owes its new reply five working days
    later: that deadline is open work the loaded year corrects (though ``replied_at`` is set)."""
    early = at("2027-02-01 09:00")
    write(county_db, [("complaints", "cp-back", {"centre_id": "c1", "content": "答复含糊",
                                                 "received_at": early, "status": "open"}, early)])
    write(county_db, [("complaints", "cp-back", {"reply": "已解释", "status": "replied"}, early + 3_600_000)])
    write(county_db, [("complaints", "cp-back", {"status": "open", "verification.passed": False,
                                                 "verification.comment": "未说明整改措施"}, at(FRIDAY))])
    _, data = row(county_db, "complaints", "cp-back")
    assert data["reopened_at"] == at(FRIDAY) and data["replied_at"] == early + 3_600_000
    assert due_day(county_db, "complaints", "cp-back", "reply_due") == GUESSED_DUE
    start, end = year_span(2027)
    assert "cp-back" in open_work_in(sqlite3.connect(county_db), "complaints", start, end)
    assert load(county_db, schedule(tmp_path, ["2027-03-08"])) == 0  # the Monday off
    assert due_day(county_db, "complaints", "cp-back", "reply_due") == "2027-03-15"
