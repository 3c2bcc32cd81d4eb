"""Deadlines the server computes, through the sync path, on the official schedules the
bundled calendar knows (issue 11): a case accepted before 2025's National Day (Oct 1–8 off,
Sep 28 and Oct 11 worked) and a complaint received before 2026's Spring Festival (Feb 15–23
off, Feb 14 and 28 worked). The times are given after the fact, as the contract allows; a
server counting Monday–Friday would give other days. (2027, loaded with `fieldsync
holidays`: test_holidays_cli.py, test_holidays_correct_deadlines.py.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sync.deadlines import CST, local_date
from tests.support.records import current


def at(text: str) -> int:
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=CST).timestamp() * 1000)


@pytest.mark.parametrize(("days", "due"), [(1, "2025-10-09"), (3, "2025-10-11"), (4, "2025-10-13")])
def test_deadlines_real_schedules_case_across_2025_national_day(device: Any, days: int, due: str) -> None:
    sup, f1 = device("sup1"), device("f1")
    res = sup.sync([sup.op("matters", f"m{days}", {"name": "限时办结事项", "county_id": "k1",
                                                  "kind": "time_limited", "time_limit_days": days})])
    assert res["results"][0]["status"] == "applied", res
    rid = f"nd-{days}"
    res = f1.sync([f1.op("cases", rid, {"centre_id": "c1", "matter_id": f"m{days}", "status": "accepted",
                                        "accepted_at": at("2025-09-30 10:00")})])  # the Tuesday before
    assert res["results"][0]["status"] == "applied", res
    assert local_date(current(f1, rid)["due_at"]).isoformat() == due


def test_deadlines_real_schedules_complaint_across_2026_spring_festival(device: Any) -> None:
    ctr = device("ctr1")
    res = ctr.sync([ctr.op("complaints", "sf-1", {"centre_id": "c1", "content": "节前办件无人受理",
                                                  "status": "open", "received_at": at("2026-02-13 09:00")})])
    assert res["results"][0]["status"] == "applied", res
    # Five working days: Sat 14 (worked), then Tue 24, Wed 25, Thu 26, Fri 27.
    assert local_date(current(ctr, "sf-1")["reply_due"]).isoformat() == "2026-02-27"
