"""Notifications: a per-person collection the server writes when work is assigned,
returned, ordered, near its deadline or overdue; each person pulls only their own; a
trigger seen twice never makes a second one; each new one queues a Web Push."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from server.jobs.sweep import sweep
from server.writer import Writer
from sync.deadlines import DAY_MS
from sync.notify import notification_id
from tests.conftest import Device, now_ms

SUB_KEY = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"


def notes(dev: Device) -> dict[str, dict[str, Any]]:
    """The notifications a device pulls, by id."""
    out: dict[str, dict[str, Any]] = {}
    for page in dev.sync_all():
        for ch in page["changes"]:
            if ch["collection"] == "notifications":
                out[ch["record"]] = ch["data"]
    return out


def subscribe(dev: Device, n: int) -> None:
    res = dev.client.post("/api/v1/push/subscriptions", headers=dev.headers, json={
        "endpoint": f"https://push.example.com/{dev.user['id']}/{n}", "expirationTime": None,
        "keys": {"p256dh": SUB_KEY, "auth": "tBHItJI5svbpez7KI4CCXg"}})
    assert res.status_code in (200, 201, 204), res.text


def queued(db: str) -> list[tuple[str, dict[str, Any]]]:
    conn = sqlite3.connect(db)
    try:
        return [(e, json.loads(p)) for e, p in conn.execute(
            "SELECT endpoint, payload FROM push_queue ORDER BY id")]
    finally:
        conn.close()


def test_notifications_visit_assignment_reaches_only_the_assigned(device: Any, county_db: str) -> None:
    f1, f1b, ctr = device("f1"), device("f1b"), device("ctr1")
    subscribe(f1, 1)
    res = ctr.sync([ctr.op("visits", "v1", {"centre_id": "c1", "kind": "home_service",
                                            "staff_ids": [f1.user["id"]]})])
    assert res["results"][0]["status"] == "applied"
    mine = notes(f1)
    nid = notification_id("assigned", "visits", "v1", f1.user["id"])
    assert set(mine) == {nid}
    assert mine[nid]["kind"] == "assigned"
    assert mine[nid]["subject"] == {"collection": "visits", "record": "v1", "centre_id": "c1"}
    assert mine[nid]["user_id"] == f1.user["id"]
    assert notes(f1b) == {} and notes(ctr) == {}
    assert notes(device("admin")) == {}  # not even an admin reads another's inbox
    # The push carries the kind, the subject and a fixed title: nothing personal.
    assert queued(county_db) == [(f"https://push.example.com/{f1.user['id']}/1",
                                  {"kind": "assigned", "collection": "visits", "record": "v1",
                                   "title": "有新任务指派给您"})]
    # Adding a second person notifies only the newcomer; the first is not told twice.
    ctr.sync([ctr.op("visits", "v1", {"staff_ids": [f1.user["id"], f1b.user["id"]]})])
    assert notes(f1) == {}  # nothing new since the cursor
    assert set(notes(f1b)) == {notification_id("assigned", "visits", "v1", f1b.user["id"])}
    assert len(queued(county_db)) == 1


def test_notifications_written_only_by_the_system(device: Any) -> None:
    f1 = device("f1")
    for who in (f1, device("admin")):
        res = who.sync([who.op("notifications", "n-x", {"user_id": f1.user["id"],
                                                         "kind": "assigned",
                                                         "subject": {"collection": "visits",
                                                                     "record": "v1"}})])
        assert res["results"][0]["status"] == "rejected"
        assert res["results"][0]["code"] == "forbidden"
    assert notes(f1) == {}


def test_notifications_inspection_returned_and_retried_op_not_doubled(device: Any,
                                                                       county_db: str) -> None:
    # ctr: the second inspector, who makes the record (a centre's own staff no longer write
    # inspections: the centre under inspection only reads them)
    f1, sup, ctr = device("f1"), device("sup1"), device("f1b")
    base = {"centre_id": "c1", "template_id": "t-none", "template_version": 1,
            "inspector_ids": [f1.user["id"], ctr.user["id"]], "status": "submitted"}
    ctr.sync([ctr.op("inspections", "i1", base)])
    assigned = notes(f1)
    assert [n["kind"] for n in assigned.values()] == ["assigned"]
    sup.sync_all()
    back = sup.op("inspections", "i1", {"status": "returned",
                                         "review": {"comment": "照片不清", "by": sup.user["id"]}})
    assert sup.sync([back])["results"][0]["status"] == "applied"
    assert sup.sync([back])["results"][0]["status"] == "duplicate"  # the phone retried
    got = notes(f1)
    assert [n["kind"] for n in got.values()] == ["returned"]
    assert next(iter(got.values()))["subject"]["record"] == "i1"
    assert [n["kind"] for n in notes(ctr).values()] == ["returned"]  # self-assigned: no notice
    # Sent back again after a resubmission: a second, separate notice.
    f1.sync([f1.op("inspections", "i1", {"status": "submitted"})])
    sup.sync_all()
    sup.sync([sup.op("inspections", "i1", {"status": "returned"})])
    assert [n["kind"] for n in notes(f1).values()] == ["returned"]
    conn = sqlite3.connect(county_db)
    assert conn.execute("SELECT count(*) FROM records WHERE collection='notifications'"
                        " AND owner_id=?", (f1.user["id"],)).fetchone()[0] == 3


def test_notifications_rectification_ordered_tells_the_centre_staff(device: Any) -> None:
    sup, f1, ctr, f2 = device("sup1"), device("f1"), device("ctr1"), device("f2")
    res = sup.sync([sup.op("rectifications", "r1", {"centre_id": "c1", "inspection_id": "i9",
                                                     "order_text": "补齐公示牌", "status": "open"})])
    assert res["results"][0]["status"] == "applied"
    for dev in (f1, ctr):
        got = list(notes(dev).values())  # the supervisor who ordered it is not told
        assert [(n["kind"], n["subject"]["record"]) for n in got] == [("ordered", "r1")]
    assert notes(f2) == {}  # another centre's staff
    sup.sync([sup.op("rectifications", "r1", {"order_text": "补齐公示牌和监督电话"})])
    assert notes(f1) == {}


def test_notifications_sweep_due_soon_and_overdue_once(device: Any, county_db: str) -> None:
    sup, f1 = device("sup1"), device("f1")
    sup.sync([sup.op("matters", "m2", {"name": "建房审批", "county_id": "k1",
                                       "kind": "time_limited", "time_limit_days": 2})])
    f1.sync([f1.op("cases", "k1", {"centre_id": "c1", "matter_id": "m2", "status": "accepted",
                                   "handler_id": f1.user["id"]})])
    notes(f1)
    due = f1.sync_all()[-1]  # pull the case's deadline
    conn = sqlite3.connect(county_db)
    due_at = conn.execute("SELECT json_extract(data, '$.due_at') FROM records"
                          " WHERE collection='cases' AND id='k1'").fetchone()[0]
    assert isinstance(due_at, int) and due
    writer = Writer(county_db)
    try:
        sweep(writer, due_at - 3600_000)  # an hour before the deadline
        sweep(writer, due_at - 1800_000)  # and again: nothing new
        soon = notes(f1)
        assert [(n["kind"], n["subject"]["record"]) for n in soon.values()] == [("due_soon", "k1")]
        later = due_at + 3 * DAY_MS
        assert sweep(writer, later)["accountability"] == 1
        sweep(writer, later + 1000)
    finally:
        writer.close()
    over = notes(f1)
    assert [(n["kind"], n["subject"]["record"]) for n in over.values()] == [("overdue", "k1")]
    assert now_ms() > 0


def _listed_version(client: Any, sup: Device, rid: str) -> int:
    res = client.get("/api/v1/records/complaints?status=replied&limit=200", headers=sup.headers)
    assert res.status_code == 200, res.text
    return int(next(i for i in res.json()["items"] if i["id"] == rid)["version"])


def test_notifications_complaint_sent_back_tells_the_centre_staff(device: Any, client: Any) -> None:
    ctr, f1, f2, sup = device("ctr1"), device("f1"), device("f2"), device("sup1")
    res = ctr.sync([ctr.op("complaints", "cp1", {"centre_id": "c1", "content": "窗口排队时间过长",
                                                 "status": "open"})])
    assert res["results"][0]["status"] == "applied"
    ctr.sync([ctr.op("complaints", "cp1", {"reply": "已增开窗口", "status": "replied"})])
    assert notes(f1) == {} and notes(ctr) == {}  # intake and reply tell nobody
    back = sup.op("complaints", "cp1", {"status": "open", "verification.passed": False,
                                         "verification.comment": "未说明增开时段"},
                  base=_listed_version(client, sup, "cp1"))
    assert sup.sync([back])["results"][0]["status"] == "applied"
    assert sup.sync([back])["results"][0]["status"] == "duplicate"  # the desk retried
    first = {}
    for dev in (f1, ctr):
        got = notes(dev)
        assert [(n["kind"], n["subject"]["record"], n["title"]) for n in got.values()] == [
            ("reopened", "cp1", "投诉答复被退回，请重新答复")]
        first[dev.user["id"]] = set(got)
    assert notes(f2) == {} and notes(sup) == {}  # another centre; the supervisor who did it
    # Replied again and sent back again: a second, separate notice.
    ctr.sync([ctr.op("complaints", "cp1", {"reply": "已增开午间窗口", "status": "replied"})])
    again = sup.sync([sup.op("complaints", "cp1", {"status": "open"},
                             base=_listed_version(client, sup, "cp1"))])
    assert again["results"][0]["status"] == "applied"
    later = notes(f1)
    assert [n["kind"] for n in later.values()] == ["reopened"]
    assert not set(later) & first[f1.user["id"]]  # its own record, not the first one again
