"""``fieldsync holidays`` corrects the due dates of call-backs (回访) not yet made: a
completed case's and an ended visit's ``callback_due`` follow the loaded schedule (a new
version and a change-log row each, so phones pull them), including a walk that starts in the
year before; those already called back, and walks wholly before the year, are left as they
are; a second load writes nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from server.store.holidays import callbacks_due_in
from sync.deadlines import local_date
from tests.test_holidays_correct_deadlines import (
    FRIDAY,
    at,
    change_rows,
    load,
    max_version,
    row,
    schedule,
    write,
)

# 2027 is a year the bundled calendar does not know (Monday–Friday until loaded).
DEC31 = "2026-12-31 16:00"  # a Thursday; 2027-01-01 is a Friday, a guessed working day
NOV = "2026-11-02 09:00"    # a Monday: its call-back falls due long before 2027


def seed(db: str) -> None:
    """Completed cases and ended visits, called back or not, ended that Friday of 2027, on
    the last day of 2026, or in November 2026; a follow-up visit (never called back)."""
    t, dec31, nov = at(FRIDAY), at(DEC31), at(NOV)
    write(db, [("matters", "m5", {"county_id": "k1", "name": "五日办", "kind": "time_limited",
                                  "time_limit_days": 5}, nov)])
    for rid, when in (("due", t), ("called", t), ("dec31", dec31), ("nov", nov)):
        write(db, [("cases", rid, {"centre_id": "c1", "matter_id": "m5", "status": "accepted",
                                   "accepted_at": when - 3_600_000}, when - 3_600_000)])
        write(db, [("cases", rid, {"status": "completed", "completed_at": when}, when)])
    visits = [("v-due", "home_service", t), ("v-called", "site_survey", t),
              ("v-dec31", "home_service", dec31), ("v-follow", "follow_up", t)]
    write(db, [("visits", rid, {"centre_id": "c1", "kind": kind, "status": "done",
                                "started_at": when - 3_600_000, "ended_at": when}, when)
               for rid, kind, when in visits])
    write(db, [("evaluations", "e-called", {"centre_id": "c1", "case_id": "called", "source": "callback",
                                            "rating": "satisfied", "at": t + 60_000}, t + 60_000),
               ("evaluations", "e-v-called", {"centre_id": "c1", "visit_id": "v-called",
                                              "source": "callback", "rating": "very_satisfied",
                                              "at": t + 60_000}, t + 60_000),
               # an evaluator's rating is not a call-back: the case still waits for one
               ("evaluations", "e-window", {"centre_id": "c1", "case_id": "due", "source": "evaluator",
                                            "rating": "satisfied", "at": t}, t)])


def callback_day(db: str, collection: str, rid: str) -> str:
    return local_date(int(row(db, collection, rid)[1]["callback_due"])).isoformat()


def test_holidays_callbacks_not_made_follow_the_loaded_schedule(
        county_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed(county_db)
    # Guessed, Monday–Friday: three working days after Fri 5 March are Mon 8 … Wed 10; after
    # Thu 31 December 2026: Fri 1, Mon 4, Tue 5 January.
    for collection, rid in (("cases", "due"), ("cases", "called"), ("visits", "v-due"),
                            ("visits", "v-called")):
        assert callback_day(county_db, collection, rid) == "2027-03-10"
    assert callback_day(county_db, "cases", "dec31") == "2027-01-05"
    assert callback_day(county_db, "visits", "v-dec31") == "2027-01-05"
    assert row(county_db, "visits", "v-follow")[1].get("callback_due") is None
    untouched = {(c, r): row(county_db, c, r) for c, r in (
        ("cases", "called"), ("visits", "v-called"), ("cases", "nov"), ("visits", "v-follow"))}
    before = row(county_db, "cases", "due")[0]
    logged = change_rows(county_db, "cases", "due")

    # New Year's Day and Monday 8 March off.
    file = schedule(tmp_path, ["2027-01-01", "2027-03-08"])
    assert load(county_db, file) == 0
    out = capsys.readouterr().out
    assert "deadlines corrected: 4 open records (2 cases, 0 complaints, 0 rectifications," \
           " 2 visits)" in out

    assert callback_day(county_db, "cases", "due") == "2027-03-11"  # Tue 9 … Thu 11
    assert callback_day(county_db, "visits", "v-due") == "2027-03-11"
    assert callback_day(county_db, "cases", "dec31") == "2027-01-06"  # Mon 4 … Wed 6
    assert callback_day(county_db, "visits", "v-dec31") == "2027-01-06"
    version = row(county_db, "cases", "due")[0]
    assert version > before and change_rows(county_db, "cases", "due") == [*logged, version]
    for key, was in untouched.items():  # called back, due before 2027, or never due
        assert row(county_db, *key) == was, key

    top = max_version(county_db)
    assert load(county_db, file) == 0
    assert "deadlines corrected: 0 open records" in capsys.readouterr().out
    assert max_version(county_db) == top


def test_holidays_callbacks_due_in_finds_only_calls_not_made_crossing_the_year(county_db: str) -> None:
    seed(county_db)
    conn = sqlite3.connect(county_db)
    start, end = at("2027-01-01 00:00"), at("2028-01-01 00:00")
    assert callbacks_due_in(conn, "cases", start, end) == ["dec31", "due"]
    assert callbacks_due_in(conn, "visits", start, end) == ["v-dec31", "v-due"]
    # 2026: the November ones (and the walks from 31 December, which start in it).
    assert callbacks_due_in(conn, "cases", at("2026-01-01 00:00"), start) == ["dec31", "nov"]
    # A call-back deleted is not made: the case waits for one again.
    conn.execute("UPDATE records SET deleted = 1 WHERE collection = 'evaluations' AND id = 'e-called'")
    assert callbacks_due_in(conn, "cases", start, end) == ["called", "dec31", "due"]
