"""``fieldsync holidays``: a year's official schedule kept in the database and used by
every deadline the server computes; warnings where a year is unknown."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.cli import main
from server.clock import now_ms
from server.config import Config
from server.holidays import years_to_check
from server.system import system_write
from server.writer import Writer
from sync.calendar import BUNDLED
from sync.deadlines import CST, local_date
from tests.conftest import Device

EXAMPLE_2027 = Path(__file__).parent / "data" / "holidays-2027-example.json"


def at(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=CST).timestamp() * 1000)


def case_due(db: str, rid: str) -> str:
    conn = sqlite3.connect(db)
    due = conn.execute("SELECT json_extract(data, '$.due_at') FROM records WHERE id=?",
                       (rid,)).fetchone()[0]
    return local_date(int(due)).isoformat()


def write_case(db: str, rid: str, accepted: int) -> None:
    writer = Writer(db)
    try:
        writer.run(lambda conn: system_write(conn, [
            ("matters", "m-one-day", {"county_id": "k1", "name": "一日办", "kind": "time_limited",
                                        "time_limit_days": 1},
             accepted),
            ("cases", rid, {"centre_id": "c1", "matter_id": "m-one-day", "status": "accepted",
                            "accepted_at": accepted}, accepted)]))
    finally:
        writer.close()


def test_holidays_loaded_year_moves_server_computed_deadlines(county_db: str,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    accepted = at("2027-02-05 09:00")  # a Friday before the (example) Spring Festival
    write_case(county_db, "case-before", accepted)
    assert case_due(county_db, "case-before") == "2027-02-08"  # Monday–Friday guess
    assert main(["holidays", "--db", county_db, "--year", "2027", "--file", str(EXAMPLE_2027)]) == 0
    assert "holidays 2027 loaded: 10 days off, 1 weekend days worked" in capsys.readouterr().out
    write_case(county_db, "case-after", accepted)
    assert case_due(county_db, "case-after") == "2027-02-15"
    conn = sqlite3.connect(county_db)
    assert conn.execute("SELECT count(*) FROM audit WHERE action='holidays_loaded'").fetchone() == (1,)


def test_holidays_loading_again_replaces_the_year(county_db: str, tmp_path: Path) -> None:
    first = tmp_path / "first.json"
    first.write_text(json.dumps({"year": 2027, "holidays": ["2027-01-01"]}))
    assert main(["holidays", "--db", county_db, "--year", "2027", "--file", str(first)]) == 0
    assert main(["holidays", "--db", county_db, "--year", "2027", "--file", str(EXAMPLE_2027)]) == 0
    conn = sqlite3.connect(county_db)
    rows = conn.execute("SELECT year, schedule FROM holidays").fetchall()
    assert len(rows) == 1 and "2027-02-20" in rows[0][1]


@pytest.mark.parametrize(("content", "year", "message"), [
    (None, 2027, "cannot read"),
    ("{not json", 2027, "is not JSON"),
    (json.dumps({"year": 2027, "holidays": ["2027-02-30"]}), 2027, "is not a date"),
    (json.dumps({"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-01-04"]}), 2027,
     "is a weekday"),
    (json.dumps({"year": 2028, "holidays": ["2028-01-01"]}), 2027, "not 2027"),
])
def test_holidays_bad_file_is_refused_and_nothing_stored(county_db: str, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str],
                                                         content: str | None, year: int,
                                                         message: str) -> None:
    path = tmp_path / "schedule.json"
    if content is not None:
        path.write_text(content)
    assert main(["holidays", "--db", county_db, "--year", str(year), "--file", str(path)]) == 1
    assert message in capsys.readouterr().err
    conn = sqlite3.connect(county_db)
    assert conn.execute("SELECT count(*) FROM holidays").fetchone() == (0,)


def _load_every_unknown_year(db: str, tmp_path: Path) -> list[int]:
    unknown = BUNDLED.unknown_years(years_to_check(now_ms()))
    for year in unknown:
        path = tmp_path / f"{year}.json"
        path.write_text(json.dumps({"year": year, "holidays": [f"{year}-01-01"]}))
        assert main(["holidays", "--db", db, "--year", str(year), "--file", str(path)]) == 0
    return unknown


def test_holidays_config_warns_about_unknown_years_until_loaded(county_db: str, tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    unknown = BUNDLED.unknown_years(years_to_check(now_ms()))
    assert unknown, "the bundled calendar knows next year: this test needs an unknown year"
    assert main(["config", "--db", county_db]) == 0
    out = capsys.readouterr().out
    assert "FIELDSYNC_DB" in out
    for year in unknown:
        assert f"no official holiday schedule for {year}" in out
    _load_every_unknown_year(county_db, tmp_path)
    capsys.readouterr()
    assert main(["config", "--db", county_db]) == 0
    assert "no official holiday schedule" not in capsys.readouterr().out


def test_holidays_calendar_endpoint_tells_the_supervisor_which_years_are_guessed(
        county_db: str, tmp_path: Path) -> None:
    with TestClient(create_app(Config(db=county_db))) as client:
        sup = Device(client, "sup1")
        r = client.get("/api/v1/calendar", headers=sup.headers)
        assert r.status_code == 200
        doc: dict[str, Any] = r.json()
        expected = BUNDLED.unknown_years(years_to_check(now_ms()))
        assert doc["unknown_years"] == expected and expected
        assert [y["year"] for y in doc["years"]] == years_to_check(now_ms())
        assert client.get("/api/v1/calendar").status_code == 401
    _load_every_unknown_year(county_db, tmp_path)
    with TestClient(create_app(Config(db=county_db))) as client:
        r = client.get("/api/v1/calendar", headers=Device(client, "sup1").headers)
        assert r.json()["unknown_years"] == []
        assert all(y["known"] for y in r.json()["years"])
