"""Call-backs (回访): a completed case and an ended home-service or site visit get a
computed ``callback_due``, three working days after (China's schedule); a follow-up
visit (itself a call-back) and open work get none; the rating recorded as an evaluation
is scored 20/18/15/10/0."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sync.deadlines import CST, end_of_day_ms
from tests.support.records import pulled


def ms(y: int, m: int, d: int, h: int = 10) -> int:
    return int(dt.datetime(y, m, d, h, tzinfo=CST).timestamp() * 1000)


def test_callbacks_due_three_working_days_after_completion(device: Any) -> None:
    f1 = device("f1")
    res = f1.sync([
        # Completed Tuesday 30 Sep 2025: Oct 1–8 are off, so the call-back is due Sat 11 Oct
        # (a 调休 working day) … counting Oct 9, 10, 11.
        f1.op("cases", "k1", {"centre_id": "c1", "matter_id": "m1", "status": "accepted",
                              "accepted_at": ms(2025, 9, 29)}),
        f1.op("cases", "k1", {"status": "completed", "completed_at": ms(2025, 9, 30)}),
        f1.op("cases", "k2", {"centre_id": "c1", "matter_id": "m1", "status": "accepted"}),
        f1.op("visits", "v1", {"centre_id": "c1", "kind": "home_service", "status": "done",
                               "ended_at": ms(2025, 9, 30)}),
        f1.op("visits", "v2", {"centre_id": "c1", "kind": "follow_up", "status": "done",
                               "ended_at": ms(2025, 9, 30)}),
        f1.op("visits", "v3", {"centre_id": "c1", "kind": "site_survey", "status": "in_progress"}),
        f1.op("evaluations", "e1", {"centre_id": "c1", "case_id": "k1", "source": "callback",
                                    "rating": "fairly_satisfied", "comment": "办得快"})])
    assert {r["status"] for r in res["results"]} == {"applied"}, res
    # multi works for c1 and c2 (a supervisor's device no longer syncs applicants' records)
    got = pulled(device("multi"))
    assert got[("cases", "k1")]["callback_due"] == end_of_day_ms(dt.date(2025, 10, 11))
    assert got[("visits", "v1")]["callback_due"] == end_of_day_ms(dt.date(2025, 10, 11))
    assert got[("cases", "k2")]["callback_due"] is None
    assert got[("visits", "v2")]["callback_due"] is None
    assert got[("visits", "v3")]["callback_due"] is None
    assert got[("evaluations", "e1")]["points"] == 15


def test_callbacks_due_not_client_writable(device: Any) -> None:
    f1 = device("f1")
    res = f1.sync([f1.op("visits", "v9", {"centre_id": "c1", "kind": "home_service",
                                          "callback_due": ms(2025, 10, 1)})])
    assert res["results"][0]["status"] == "rejected"
