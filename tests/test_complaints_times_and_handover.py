"""Complaints' times are the server's (received_at, replied_at from the op's corrected time,
a fast phone's clock is cut back to it; earlier after-the-fact times are kept), so the reply due
date cannot be moved by the phone; verification only by the roles the rights allow; a case's
first-ask hand-over (首问负责) is checked by the schema: a malformed entry is rejected and
changes nothing."""

from __future__ import annotations

from typing import Any

from sync.calendar import Calendar
from sync.computed import COMPLAINT_REPLY_DAYS
from sync.deadlines import DAY_MS, due_ms
from tests.conftest import now_ms
from tests.support.records import current

HOUR = 3_600_000


def test_complaints_times_come_from_the_corrected_time_not_the_phone(device: Any) -> None:
    f1 = device("f1", skew_ms=2 * HOUR)  # the phone's clock is two hours fast
    before = now_ms()
    res = f1.sync([f1.op("complaints", "cp-1", {"centre_id": "c1", "content": "窗口无人", "channel": "window",
                                                 "status": "open"})])
    assert res["results"][0]["status"] == "applied", res
    data = current(f1, "cp-1")
    assert before - 1000 <= data["received_at"] <= now_ms()
    assert data["reply_due"] > data["received_at"] and data["overdue"] is False
    assert "replied_at" not in data

    res = f1.sync([f1.op("complaints", "cp-1", {"reply": "已整改", "status": "replied"})])
    assert res["results"][0]["status"] == "applied", res
    replied = current(f1, "cp-1")
    assert data["received_at"] <= replied["replied_at"] <= now_ms()

    # After the fact (a letter received last week) is kept; the fast phone's "now" is not.
    earlier = now_ms() - 7 * DAY_MS
    ok = f1.sync([f1.op("complaints", "cp-2", {"centre_id": "c1", "content": "来信", "channel": "letter",
                                                "received_at": earlier})])
    assert ok["results"][0]["status"] == "applied", ok
    assert current(f1, "cp-2")["received_at"] == earlier
    fast = f1.sync([f1.op("complaints", "cp-3", {"centre_id": "c1", "content": "电话", "channel": "phone",
                                                  "received_at": f1.clock()})])
    assert fast["results"][0]["status"] == "applied", fast  # never lost ...
    assert current(f1, "cp-3")["received_at"] <= now_ms()  # ... but the fast clock is not kept


def test_complaints_reply_due_is_five_working_days(device: Any) -> None:
    f1 = device("f1")
    when = now_ms() - 2 * DAY_MS
    f1.sync([f1.op("complaints", "cp-4", {"centre_id": "c1", "content": "态度差", "received_at": when})])
    data = current(f1, "cp-4")
    assert COMPLAINT_REPLY_DAYS == 5
    assert data["reply_due"] == due_ms(when, 5, Calendar())


def test_complaints_verify_only_by_supervisors(device: Any) -> None:
    f1, sup = device("f1"), device("sup1")
    f1.sync([f1.op("complaints", "cp-5", {"centre_id": "c1", "content": "收费不明", "reply": "已退还",
                                          "status": "replied"})])
    denied = f1.sync([f1.op("complaints", "cp-5", {"verified": True, "status": "verified"})])
    assert denied["results"][0]["status"] == "rejected" and denied["results"][0]["code"] == "forbidden"
    assert current(f1, "cp-5").get("verified") is None
    # based on the version the centre's phone holds (as the workspace bases it on the list's)
    done = sup.sync([sup.op("complaints", "cp-5", {"verified": True, "status": "verified"},
                            base=f1.versions[("complaints", "cp-5")])])
    assert done["results"][0]["status"] == "applied", done
    assert current(f1, "cp-5")["verified"] is True  # a supervisor's device holds no complaints


def test_complaints_case_handover_is_checked_by_the_schema(device: Any) -> None:
    f1, f1b = device("f1"), device("f1b")
    res = f1.sync([f1.op("cases", "k-h", {"centre_id": "c1", "matter_id": "m1", "status": "accepted"})])
    assert res["results"][0]["status"] == "applied", res
    me, other = f1.user["id"], f1b.user["id"]
    bad = f1.sync([f1.op("cases", "k-h", {"handler_id": other, "handed_to.h1.from": me,
                                          "handed_to.h1.to": other, "handed_to.h1.at": "昨天"})])
    assert bad["results"][0]["status"] == "rejected" and bad["results"][0]["code"] == "invalid"
    assert current(f1, "k-h").get("handler_id") is None
    good = f1.sync([f1.op("cases", "k-h", {"handler_id": other, "handed_to.h1.from": me,
                                           "handed_to.h1.to": other, "handed_to.h1.at": now_ms(),
                                           "handed_to.h1.note": "休假，移交"})])
    assert good["results"][0]["status"] == "applied", good
    data = current(f1b, "k-h")
    assert data["handler_id"] == other and data["first_asked_by"] == me
    assert data["handed_to"]["h1"]["to"] == other and data["handed_to"]["h1"]["note"] == "休假，移交"
