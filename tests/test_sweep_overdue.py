"""The deadline sweep: open work turns overdue as time passes (and syncs like any edit);
each overdue subject gets exactly one accountability record."""

from __future__ import annotations

import datetime as dt
import sqlite3
import time
from typing import Any

import pytest

from server.cli import main
from server.jobs.sweep import accountability_id, sweep
from server.writer import Writer
from sync.deadlines import CST, DAY_MS
from tests.conftest import Device, now_ms


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, CST).isoformat()


def sweep_counts(db: str, now: int) -> dict[str, int]:
    """Every count of one sweep of ``db`` at ``now``."""
    writer = Writer(db)
    try:
        return sweep(writer, now)
    finally:
        writer.close()


def run_sweep(db: str, now: int) -> dict[str, int]:
    """The sweep's overdue and accountability counts (due-soon notices: test_notifications_*)."""
    counts = sweep_counts(db, now)
    return {k: counts[k] for k in ("overdue", "accountability")}


def seed(device: Any) -> tuple[Device, Device, Device]:
    sup, f1, ctr = device("sup1"), device("f1"), device("ctr1")
    sup.sync([sup.op("matters", "m2", {"name": "建房审批", "county_id": "k1", "kind": "time_limited",
                                       "time_limit_days": 2})])
    t = f1.clock()
    case = {"centre_id": "c1", "matter_id": "m2"}
    res = f1.sync([
        f1.op("cases", "open1", {**case, "status": "accepted", "handler_id": f1.user["id"]}),
        f1.op("cases", "ontime", {**case, "status": "accepted"}, at=t - 2000),
        f1.op("cases", "ontime", {"status": "completed"}, at=t - 1000),
        f1.op("cases", "waiting", {**case, "status": "accepted"}, at=t - 2000),
        f1.op("cases", "waiting", {"status": "supplement", "missing_materials": ["身份证"]}),
        f1.op("complaints", "cp1", {"centre_id": "c1", "content": "窗口排队太久", "received_at": t,
                                    "channel": "hotline", "status": "open"})])
    assert {r["status"] for r in res["results"]} == {"applied"}, res
    return sup, f1, ctr


def pulled(dev: Device) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for page in dev.sync_all():
        for ch in page["changes"]:
            out[(ch["collection"], ch["record"])] = ch["data"]
    return out


def max_version(db: str) -> int:
    return int(sqlite3.connect(db).execute("SELECT max(version) FROM changes").fetchone()[0])


def test_sweep_turns_open_work_overdue_and_phones_pull_it(device: Any, county_db: str) -> None:
    _sup, f1, _ctr = seed(device)
    pulled(f1)  # the phone is up to date
    later = now_ms() + 30 * DAY_MS
    assert run_sweep(county_db, later) == {"overdue": 2, "accountability": 2}
    changes = pulled(f1)  # only what changed since the phone's cursor
    assert changes[("cases", "open1")]["overdue"] is True
    assert changes[("complaints", "cp1")]["overdue"] is True
    assert ("cases", "ontime") not in changes and ("cases", "waiting") not in changes
    acc = changes[("accountability", "acc-cases-open1")]
    assert acc == {"centre_id": "c1", "subject": {"collection": "cases", "record": "open1"},
                   "kind": "overdue_case", "staff_id": f1.user["id"],
                   "due_at": changes[("cases", "open1")]["due_at"], "detected_at": later,
                   "status": "open"}
    complaint = changes[("accountability", "acc-complaints-cp1")]
    assert complaint["kind"] == "overdue_complaint"
    assert complaint["due_at"] == changes[("complaints", "cp1")]["reply_due"]


def test_sweep_again_with_nothing_new_writes_nothing(device: Any, county_db: str) -> None:
    seed(device)
    later = now_ms() + 30 * DAY_MS
    run_sweep(county_db, later)
    version = max_version(county_db)
    assert run_sweep(county_db, later + DAY_MS) == {"overdue": 0, "accountability": 0}
    assert max_version(county_db) == version


def test_sweep_before_the_deadline_changes_nothing(device: Any, county_db: str) -> None:
    seed(device)
    version = max_version(county_db)
    assert run_sweep(county_db, now_ms()) == {"overdue": 0, "accountability": 0}
    assert max_version(county_db) == version


def test_sweep_never_reopens_an_explained_accountability_record(device: Any, county_db: str) -> None:
    _sup, _f1, ctr = seed(device)
    run_sweep(county_db, now_ms() + 30 * DAY_MS)
    pulled(ctr)
    res = ctr.sync([ctr.op("accountability", "acc-cases-open1",
                           {"status": "explained", "explanation": "申请人补充材料未按时送达"})])
    assert res["results"][0]["status"] == "applied", res
    assert run_sweep(county_db, now_ms() + 60 * DAY_MS) == {"overdue": 0, "accountability": 0}
    ctr.cursor = None
    acc = pulled(ctr)[("accountability", "acc-cases-open1")]
    assert acc["status"] == "explained" and acc["explanation"].startswith("申请人")


def test_sweep_accounts_for_a_case_completed_late(device: Any, county_db: str) -> None:
    sup, _f1, _ctr = seed(device)
    f1b = device("f1b")  # a phone that synced nothing yet: its old edits keep their times
    t = f1b.clock()
    f1b.sync([f1b.op("cases", "late", {"centre_id": "c1", "matter_id": "m2", "status": "accepted"},
                     at=t - 30 * DAY_MS),
              f1b.op("cases", "late", {"status": "handling"}, at=t - 29 * DAY_MS),
              f1b.op("cases", "late", {"status": "completed"}, at=t - DAY_MS)])
    counts = run_sweep(county_db, now_ms())
    assert counts == {"overdue": 0, "accountability": 1}
    assert pulled(sup)[("accountability", "acc-cases-late")]["kind"] == "overdue_case"


def test_sweep_runs_on_its_own_in_the_server(county_db: str) -> None:
    from starlette.testclient import TestClient

    from server.app import create_app
    from server.config import Config
    with TestClient(create_app(Config(db=county_db, sweep_interval_s=1))) as client:
        sup, f1b = Device(client, "sup1"), Device(client, "f1b")
        sup.sync([sup.op("matters", "m2", {"name": "建房审批", "county_id": "k1",
                                           "kind": "time_limited", "time_limit_days": 2})])
        t = f1b.clock()
        res = f1b.sync([f1b.op("cases", "old", {"centre_id": "c1", "matter_id": "m2",
                                                "status": "accepted", "accepted_at": t - 30 * DAY_MS})])
        assert res["results"][0]["status"] == "applied"
        deadline = time.monotonic() + 15
        found: dict[tuple[str, str], dict[str, Any]] = {}
        while ("accountability", "acc-cases-old") not in found and time.monotonic() < deadline:
            time.sleep(0.2)
            found.update(pulled(sup))
    assert found[("accountability", "acc-cases-old")]["status"] == "open"


def test_sweep_subject_with_a_long_id_is_accounted_for_once(device: Any, county_db: str) -> None:
    _sup, f1, _ctr = seed(device)
    long_id = "cp-" + "x" * 97
    f1.sync([f1.op("complaints", long_id, {"centre_id": "c1", "content": "电话无人接听",
                                           "received_at": f1.clock(), "status": "open"})])
    later = now_ms() + 30 * DAY_MS
    assert run_sweep(county_db, later)["accountability"] == 3
    assert run_sweep(county_db, later) == {"overdue": 0, "accountability": 0}
    acc = accountability_id("complaints", long_id)
    assert pulled(f1)[("accountability", acc)]["subject"]["record"] == long_id


def test_sweep_accountability_id_fits_record_ids() -> None:
    assert accountability_id("cases", "k-1") == "acc-cases-k-1"
    long = accountability_id("complaints", "x" * 100)
    assert len(long) <= 100 and long != accountability_id("complaints", "x" * 99 + "y")


def test_sweep_cli_with_now(device: Any, county_db: str, capsys: pytest.CaptureFixture[str]) -> None:
    seed(device)
    assert main(["sweep", "--db", county_db, "--now", iso(now_ms() + 30 * DAY_MS)]) == 0
    assert "2 turned overdue, 2 accountability records made" in capsys.readouterr().out
    assert main(["sweep", "--db", county_db, "--now", "next tuesday"]) == 1
    assert "not an ISO-8601 time" in capsys.readouterr().err
