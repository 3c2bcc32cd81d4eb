"""延期 is granted before the promised time limit runs out (行政许可法 art. 42; the domain's
"enforces the limit automatically, an accountability record for every overdue completion").

A case whose deadline has passed (overdue, its accountability record and overdue notification
made) cannot be extended: the op is rejected ``invalid`` at ``extension`` with the deadline in
``details.due_at``, quarantined, and nothing changes; before the deadline, and while the clock
is stopped in ``supplement``, an extension is granted as before. The rule is pure
(``sync.cases.prepare``); the store gives it the stored case's deadline."""

from __future__ import annotations

import json
from typing import Any

import pytest

from server.jobs.sweep import sweep
from server.writer import Writer
from sync.cases import prepare
from sync.deadlines import DAY_MS
from sync.errors import Invalid
from tests.conftest import Device, now_ms
from tests.support.pwa import db_rows
from tests.support.records import current

T0 = 1_764_547_200_000
EXTEND = {"extension.days": 5, "extension.reason": "需现场核查"}


def test_prepare_refuses_an_extension_after_the_deadline() -> None:
    stored = {"status": "handling", "accepted_at": T0}
    with pytest.raises(Invalid) as refused:
        prepare(stored, dict(EXTEND), stamp=T0 + 10 * DAY_MS, user_id="u-sup", due_at=T0 + DAY_MS)
    assert refused.value.details == {"path": "extension", "due_at": T0 + DAY_MS}
    out = prepare(stored, dict(EXTEND), stamp=T0 + DAY_MS, user_id="u-sup", due_at=T0 + DAY_MS)
    assert out["extension.at"] == T0 + DAY_MS and out["extension.by"] == "u-sup"  # at the limit
    # The clock stopped (supplement): no deadline to have passed.
    assert prepare(stored, dict(EXTEND), stamp=T0 + 99 * DAY_MS, user_id="u-sup",
                   due_at=None)["extension.days"] == 5
    # Edits that are not an extension are not judged by it.
    assert prepare(stored, {"notes": "x"}, stamp=T0 + 99 * DAY_MS, user_id="u",
                   due_at=T0)["notes"] == "x"


def _setup(device: Any) -> tuple[Device, Device]:
    sup, f1 = device("sup1"), device("f1")
    res = sup.sync([sup.op("matters", "m1d", {"name": "临时救助", "county_id": "k1",
                                              "kind": "time_limited", "time_limit_days": 1})])
    assert res["results"][0]["status"] == "applied", res
    return sup, f1


def _late_case(f1: Device, rid: str) -> None:
    res = f1.sync([f1.op("cases", rid, {"centre_id": "c1", "matter_id": "m1d", "status": "accepted",
                                        "accepted_at": f1.clock() - 20 * DAY_MS,
                                        "handler_id": f1.user["id"]})])
    assert res["results"][0]["status"] == "applied", res


def test_extension_of_an_overdue_case_is_refused_and_changes_nothing(
        device: Any, county_db: str) -> None:
    sup, f1 = _setup(device)
    _late_case(f1, "late-1")
    writer = Writer(county_db)
    try:
        assert sweep(writer, now_ms())["accountability"] == 1
    finally:
        writer.close()
    before = current(f1, "late-1")
    assert before["overdue"] is True
    [(version,)] = db_rows(county_db, "SELECT version FROM records WHERE id = 'late-1'")
    res = sup.sync([sup.op("cases", "late-1", EXTEND, base=version)])["results"][0]
    assert (res["status"], res["code"]) == ("rejected", "invalid"), res
    assert res["details"] == {"path": "extension", "due_at": before["due_at"]}
    after = current(f1, "late-1")
    assert after == before and "extension" not in after and after["overdue"] is True
    # Quarantined for the county to see, with why; no audit of an extension, one accountability.
    [(code, details)] = db_rows(county_db, "SELECT code, message FROM quarantine WHERE record = 'late-1'")
    assert code == "invalid" and "deadline has passed" in details
    assert db_rows(county_db, "SELECT count(*) FROM audit WHERE action = 'case_extended'") == [(0,)]
    [(acc,)] = db_rows(county_db, "SELECT data FROM records WHERE collection = 'accountability'"
                                " AND id = 'acc-cases-late-1'")
    assert json.loads(acc)["status"] == "open"


def test_extension_before_the_deadline_or_while_waiting_is_granted(device: Any) -> None:
    sup, f1 = _setup(device)
    res = f1.sync([f1.op("cases", "fresh", {"centre_id": "c1", "matter_id": "m1d", "status": "accepted"}),
                   f1.op("cases", "paused", {"centre_id": "c1", "matter_id": "m1d", "status": "accepted"}),
                   f1.op("cases", "paused", {"status": "supplement", "missing_materials": ["户口簿"]})])
    assert {r["status"] for r in res["results"]} == {"applied"}, res
    current(sup, "fresh")
    assert current(f1, "paused")["due_at"] is None  # the clock stopped: no deadline to pass
    for rid in ("fresh", "paused"):
        done = sup.sync([sup.op("cases", rid, EXTEND, base=f1.versions[("cases", rid)])])
        assert done["results"][0]["status"] == "applied", (rid, done)
        assert current(f1, rid)["extension"]["days"] == 5
    # Whoever answers for each case (f1 took them: first asked) is told of the new deadline,
    # once per case; the supervisor who granted it is not.
    f1.cursor = sup.cursor = None
    told = [ch["data"] for page in f1.sync_all() for ch in page["changes"]
            if ch["collection"] == "notifications" and ch["data"]["kind"] == "extended"]
    assert sorted(n["subject"]["record"] for n in told) == ["fresh", "paused"]
    assert {n["title"] for n in told} == {"办件已批准延期"}
    assert not [ch for page in sup.sync_all() for ch in page["changes"]
                if ch["collection"] == "notifications" and ch["data"]["kind"] == "extended"]


def test_extension_of_a_case_late_before_its_pause_is_refused(device: Any) -> None:
    """A case whose deadline passed before it went into supplement stays late: its clock
    keeps that deadline, and an extension is refused like any other late one."""
    sup, f1 = _setup(device)
    _late_case(f1, "late-paused")
    res = f1.sync([f1.op("cases", "late-paused", {"status": "supplement", "missing_materials": ["户口簿"]})])
    assert res["results"][0]["status"] == "applied", res
    data = current(f1, "late-paused")
    assert data["overdue"] is True and data["due_at"] is not None
    res = sup.sync([sup.op("cases", "late-paused", EXTEND, base=f1.versions[("cases", "late-paused")])])
    assert (res["results"][0]["status"], res["results"][0]["details"]) == (
        "rejected", {"path": "extension", "due_at": data["due_at"]}), res
