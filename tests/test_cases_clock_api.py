"""Cases through the real sync path: server-set times, supplement pauses, extensions, overdue."""

from __future__ import annotations

import sqlite3
from typing import Any

from sync.deadlines import DAY_MS, Pause, case_clock
from tests.conftest import Device, now_ms
from tests.support.records import current

HOUR = 3_600_000


def setup(device: Any, limit: int = 5) -> tuple[Device, Device]:
    sup, f1 = device("sup1"), device("f1", skew_ms=2 * HOUR)  # the phone's clock is 2 h fast
    res = sup.sync([sup.op("matters", "m5", {"name": "个体工商户登记", "county_id": "k1",
                                             "kind": "time_limited", "time_limit_days": limit})])
    assert res["results"][0]["status"] == "applied", res
    return sup, f1


def case(**extra: Any) -> dict[str, Any]:
    return {"centre_id": "c1", "matter_id": "m5", **extra}


def test_cases_accepted_at_comes_from_the_corrected_time_not_the_phone(device: Any) -> None:
    _sup, f1 = setup(device)
    before = now_ms()
    res = f1.sync([f1.op("cases", "k-1", case(status="accepted"))])
    assert res["results"][0]["status"] == "applied"
    data = current(f1, "k-1")
    # The phone's clock is two hours ahead; the server's corrected time is used.
    assert before - 1000 <= data["accepted_at"] <= now_ms()
    assert data["first_asked_by"] == f1.user["id"]
    expected = case_clock(data["accepted_at"], 5, [], now=now_ms())
    assert data["due_at"] == expected.due_at and data["overdue"] is False
    assert data["pauses"] == [] and data["days_owed"] is None


def test_cases_after_the_fact_acceptance_is_kept_but_never_later_than_the_change(device: Any) -> None:
    _sup, f1 = setup(device, limit=1)
    earlier = now_ms() - 20 * DAY_MS
    res = f1.sync([f1.op("cases", "k-2", case(status="accepted", accepted_at=earlier + 2 * HOUR))])
    assert res["results"][0]["status"] == "applied"
    data = current(f1, "k-2")
    assert data["accepted_at"] == earlier + 2 * HOUR  # as given: earlier than the change
    assert data["overdue"] is True  # twenty days on a one-day matter
    # The phone's clock is two hours fast: "now" by its clock is later than the change.
    res = f1.sync([f1.op("cases", "k-3", case(status="accepted", accepted_at=f1.clock()))])
    result = res["results"][0]
    assert result["status"] == "rejected" and result["code"] == "invalid"
    assert result["details"]["path"] == "accepted_at"
    assert current(f1, "k-3") == {}


def test_cases_supplement_pauses_are_kept_for_every_status_change_in_one_sync(device: Any) -> None:
    _sup, f1 = setup(device)
    t = f1.clock()
    ops = [f1.op("cases", "k-4", case(status="accepted"), at=t - 20 * DAY_MS),
           f1.op("cases", "k-4", {"status": "supplement", "missing_materials": ["营业执照复印件"]},
                 at=t - 18 * DAY_MS),
           f1.op("cases", "k-4", {"status": "handling"}, at=t - 9 * DAY_MS),
           f1.op("cases", "k-4", {"status": "supplement", "missing_materials": ["租赁合同"]},
                 at=t - 8 * DAY_MS)]
    res = f1.sync(ops)
    assert [r["status"] for r in res["results"]] == ["applied"] * 4, res
    data = current(f1, "k-4")
    accepted = data["accepted_at"]
    assert len(data["pauses"]) == 2
    first, second = data["pauses"]
    assert abs(first["from"] - (accepted + 2 * DAY_MS)) < 1000
    assert abs(first["to"] - (accepted + 11 * DAY_MS)) < 1000
    assert second["to"] is None
    # Waiting for materials: no deadline, the days still owed are known.
    clock = case_clock(accepted, 5, [Pause(first["from"], first["to"]), Pause(second["from"])],
                       now=now_ms())
    assert data["due_at"] is None and data["days_owed"] == clock.remaining_days
    assert data["overdue"] is False
    # Materials in: the clock resumes; the deadline is later than without the pauses.
    f1.sync([f1.op("cases", "k-4", {"status": "handling"})])
    data = current(f1, "k-4")
    assert data["pauses"][1]["to"] is not None and data["days_owed"] is None
    plain = case_clock(accepted, 5, [], now=now_ms()).due_at
    assert plain is not None and data["due_at"] > plain
    pauses = [Pause(p["from"], p["to"]) for p in data["pauses"]]
    assert data["due_at"] == case_clock(accepted, 5, pauses, now=now_ms()).due_at


def test_cases_extension_once_with_a_reason_by_whom_and_when_is_the_servers(
        device: Any, county_db: str) -> None:
    sup, f1 = setup(device)
    f1.sync([f1.op("cases", "k-5", case(status="accepted"))])
    before = current(f1, "k-5")
    current(sup, "k-5")
    no_reason = sup.sync([sup.op("cases", "k-5", {"extension": {"days": 3}})])["results"][0]
    assert no_reason["status"] == "rejected" and no_reason["details"]["path"] == "extension.reason"
    res = sup.sync([sup.op("cases", "k-5", {"extension": {"days": 3, "reason": "需现场核查",
                                                          "by": "someone-else", "at": 1}})])
    assert res["results"][0]["status"] == "applied", res
    data = current(f1, "k-5")
    assert data["extension"]["by"] == sup.user["id"] and data["extension"]["at"] > 1
    assert data["extension"]["reason"] == "需现场核查"
    expected = case_clock(before["accepted_at"], 5, [], extension_days=3, now=now_ms()).due_at
    assert data["due_at"] == expected and expected > before["due_at"]
    again = sup.sync([sup.op("cases", "k-5", {"extension": {"days": 5, "reason": "再延"}})])
    assert again["results"][0]["status"] == "rejected"
    assert "once" in again["results"][0]["message"]
    assert current(f1, "k-5")["extension"]["days"] == 3
    conn = sqlite3.connect(county_db)
    rows = conn.execute("SELECT user_id, target, details FROM audit WHERE action='case_extended'"
                        ).fetchall()
    assert rows == [(sup.user["id"], "cases/k-5", '{"days": 3, "reason": "需现场核查"}')]


def test_cases_completed_late_stays_overdue_completed_on_time_does_not(device: Any) -> None:
    _sup, f1 = setup(device, limit=1)
    t = f1.clock()
    f1.sync([f1.op("cases", "late", case(status="accepted"), at=t - 10 * DAY_MS),
             f1.op("cases", "late", {"status": "handling"}, at=t - 9 * DAY_MS),
             f1.op("cases", "late", {"status": "completed"}, at=t - 1 * DAY_MS),
             f1.op("cases", "quick", case(status="accepted"), at=t - 2 * HOUR),
             f1.op("cases", "quick", {"status": "completed"}, at=t - HOUR)])
    late, quick = current(f1, "late"), current(f1, "quick")
    assert late["overdue"] is True and late["completed_at"] > late["due_at"]
    assert quick["overdue"] is False and quick["completed_at"] <= quick["due_at"]


def test_cases_server_kept_fields_cannot_be_written_by_a_phone(device: Any) -> None:
    _sup, f1 = setup(device)
    res = f1.sync([f1.op("cases", "k-6", case(status="accepted", pauses=[]))])
    assert res["results"][0]["status"] == "rejected"
    assert current(f1, "k-6") == {}
