"""Rectification orders: ``due_at`` is computed from ``due_days`` working days after the
order's day (the server's time, or an after-the-fact date no later than it); clients may
not write it; the sweep turns an unanswered order overdue and tells the centre."""

from __future__ import annotations

import datetime as dt
from typing import Any

from server.jobs.sweep import sweep
from server.writer import Writer
from sync.deadlines import CST, end_of_day_ms
from tests.conftest import Device, now_ms
from tests.support.records import pulled


def ms(y: int, m: int, d: int, h: int = 10) -> int:
    return int(dt.datetime(y, m, d, h, tzinfo=CST).timestamp() * 1000)


def order(sup: Device, rid: str, **extra: Any) -> dict[str, Any]:
    res = sup.sync([sup.op("rectifications", rid, {"centre_id": "c1", "inspection_id": "i1",
                                                   "order_text": "公示栏缺监督电话",
                                                   "status": "open", **extra})])
    return dict(res["results"][0])


def test_rectifications_due_over_national_day_2025(device: Any) -> None:
    sup = device("sup1")
    # Ordered Friday 26 Sep 2025: Sunday 28 Sep is worked (调休), so three working days end
    # on Tuesday 30 Sep, before the Oct 1–8 holiday.
    assert order(sup, "r1", ordered_at=ms(2025, 9, 26), due_days=3)["status"] == "applied"
    # Four working days run past the holiday to Thursday 9 Oct.
    assert order(sup, "r2", ordered_at=ms(2025, 9, 26), due_days=4)["status"] == "applied"
    got = pulled(device("sup1"))  # a fresh phone reads everything
    assert got[("rectifications", "r1")]["due_at"] == end_of_day_ms(dt.date(2025, 9, 30))
    assert got[("rectifications", "r2")]["due_at"] == end_of_day_ms(dt.date(2025, 10, 9))
    assert got[("rectifications", "r1")]["overdue"] is True  # long past, still open


def test_rectifications_server_sets_the_order_time_and_refuses_due_at(device: Any) -> None:
    sup = device("sup1")
    before = now_ms()
    assert order(sup, "r3", due_days=5)["status"] == "applied"
    doc = pulled(device("sup1"))[("rectifications", "r3")]
    assert before - 60_000 <= doc["ordered_at"] <= now_ms() + 60_000
    assert doc["due_at"] > doc["ordered_at"] and doc["overdue"] is False
    bad = order(sup, "r4", due_days=5, due_at=before)
    # A computed field: rejected like any computed field (the rights work makes it forbidden).
    assert bad["status"] == "rejected" and bad["code"] in ("invalid", "forbidden")
    late = order(sup, "r5", due_days=5, ordered_at=now_ms() + 86_400_000)
    assert (late["status"], late["code"]) == ("rejected", "invalid")
    assert late["details"]["path"] == "ordered_at"


def test_rectifications_answered_in_time_is_not_overdue(device: Any) -> None:
    sup, ctr = device("sup1"), device("ctr1")
    order(sup, "r6", ordered_at=ms(2025, 9, 26), due_days=3)
    pulled(ctr)
    ctr.sync([ctr.op("rectifications", "r6", {"status": "responded", "responses": {
        "a1": {"at": ms(2025, 9, 29), "by": ctr.user["id"], "note": "已补公示"}}})])
    assert pulled(sup)[("rectifications", "r6")]["overdue"] is False


def test_rectifications_sweep_makes_accountability_and_tells_the_centre(
        device: Any, county_db: str) -> None:
    sup, f1 = device("sup1"), device("f1")
    order(sup, "r7", ordered_at=now_ms() - 1000, due_days=1)
    pulled(f1)
    writer = Writer(county_db)
    try:
        counts = sweep(writer, now_ms() + 10 * 86_400_000)
    finally:
        writer.close()
    assert counts["overdue"] == 1 and counts["accountability"] == 1
    got = pulled(f1)
    assert got[("rectifications", "r7")]["overdue"] is True
    assert got[("accountability", "acc-rectifications-r7")]["kind"] == "overdue_rectification"
    kinds = sorted(d["kind"] for (c, _r), d in got.items() if c == "notifications")
    assert kinds == ["overdue"]
