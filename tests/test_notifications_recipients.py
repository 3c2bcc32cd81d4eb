"""Who an ``assigned`` notification goes to: the people a visit or an inspection names who
are enabled users of the server, never the person whose own op named them. An id that is
no user (or a disabled user) gets no notification record, a push or a change-log entry."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from dataclasses import replace
from typing import Any

import pytest

from server.store.notifications import deliver, notification_op
from server.store.records import SYSTEM, Batch
from server.store.users import disable_user
from server.writer import Writer
from sync.notify import TITLES, Trigger, notification_id
from sync.ops import check_op
from sync.schema import load


def owners(db: str) -> dict[str, int]:
    """Notification records per owner."""
    with closing(sqlite3.connect(db)) as conn:
        return dict(conn.execute("SELECT owner_id, count(*) FROM records"
                                 " WHERE collection='notifications' GROUP BY owner_id"))


def changes(db: str) -> int:
    with closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM changes WHERE collection='notifications'"
                                ).fetchone()[0])


def test_notifications_recipients_self_assignment_tells_nobody(device: Any, county_db: str) -> None:
    f1 = device("f1")
    # A field worker planning their own visit names themselves.
    res = f1.sync([f1.op("visits", "v1", {"centre_id": "c1", "kind": "home_service",
                                          "staff_ids": [f1.user["id"]]})])
    assert res["results"][0]["status"] == "applied"
    assert owners(county_db) == {} and changes(county_db) == 0


def test_notifications_recipients_only_enabled_users(device: Any, county_db: str) -> None:
    f1, f1b, ctr = device("f1"), device("f1b"), device("ctr1")
    with closing(sqlite3.connect(county_db)) as conn:
        disable_user(conn, f1b.user["id"])
        conn.commit()
    res = ctr.sync([
        ctr.op("visits", "v1", {"centre_id": "c1", "kind": "home_service",
                                "staff_ids": ["u17", f1.user["id"], f1b.user["id"], ctr.user["id"]]}),
        ctr.op("visits", "v2", {"centre_id": "c1", "kind": "site_survey", "staff_ids": ["u3"]})])
    assert [r["status"] for r in res["results"]] == ["applied", "applied"]
    # f1 only: "u17"/"u3" are no users, f1b is disabled, ctr1 wrote the visit.
    assert owners(county_db) == {f1.user["id"]: 1}
    assert changes(county_db) == 1
    with closing(sqlite3.connect(county_db)) as conn:
        (nid,) = conn.execute("SELECT id FROM records WHERE collection='notifications'").fetchone()
    assert nid == notification_id("assigned", "visits", "v1", f1.user["id"])
    # The same visit later naming a real colleague: that one is told, once.
    f2 = device("multi")
    ctr.sync([ctr.op("visits", "v2", {"staff_ids": ["u3", f2.user["id"]]})])
    assert owners(county_db) == {f1.user["id"]: 1, f2.user["id"]: 1}


def test_notifications_recipients_inspectors_checked_too(device: Any, county_db: str) -> None:
    f1, f1b = device("f1"), device("f1b")
    res = f1b.sync([f1b.op("inspections", "i1", {
        "centre_id": "c1", "template_id": "t-none", "template_version": 1,
        "inspector_ids": ["nobody", f1.user["id"], f1b.user["id"]], "status": "submitted"})])
    assert res["results"][0]["status"] == "applied"
    assert owners(county_db) == {f1.user["id"]: 1}


@pytest.mark.parametrize("trigger", [
    Trigger("assigned", "visits", "v-1", "u-f1", "c1", at=1_790_000_000_000),
    Trigger("returned", "inspections", "i.2:x", "u-f1", "c1", "op-9", 1_790_000_000_001),
    Trigger("ordered", "rectifications", "r_3", None, "c2"),
    Trigger("overdue", "cases", "k1", "u-x", None, at=5),
    Trigger("recheck", "awards", "a1", "u-sup", "c1", "2026"),
    # not what the schema lets through: refused by check_op exactly as before
    Trigger("assigned", "centres", "c1", "u-f1", None, at=5),
    Trigger("assigned", "visits", "v1", "用户", "c1", at=5),
    Trigger("assigned", "visits", "v1", "u-f1", "中心", at=5),
    Trigger("assigned", "visits", "v1", "u-f1", "c1", at=-1),
])
def test_notifications_recipients_op_is_what_check_op_makes(trigger: Trigger) -> None:
    uid = trigger.user_id or "u-staff"
    made = notification_op(trigger, uid, 1_790_000_000_500, load())
    nid = notification_id(trigger.kind, trigger.collection, trigger.record, uid, trigger.key)
    subject = {"collection": trigger.collection, "record": trigger.record}
    if trigger.centre_id:
        subject["centre_id"] = trigger.centre_id
    checked = check_op({"id": "op-" + nid, "collection": "notifications", "record": nid, "base": 0,
                        "at": 1_790_000_000_500, "set": {
                            "user_id": uid, "kind": trigger.kind, "subject": subject,
                            "title": TITLES[trigger.kind],
                            "at": trigger.at if trigger.at is not None else 1_790_000_000_500}}, load())
    assert replace(made, error=None) == replace(checked, error=None)
    assert (made.error is None) == (checked.error is None)
    if checked.error is not None:  # refused as check_op refuses it
        assert made.error is not None and \
            (made.error.code, made.error.message) == (checked.error.code, checked.error.message)
    assert list(made.set) == list(checked.set)  # the same order: the same stored clocks


def test_notifications_recipients_late_work_of_a_non_user_goes_to_the_centre(county_db: str) -> None:
    now = 1_790_000_000_000
    with closing(sqlite3.connect(county_db)) as conn:
        ids = dict(conn.execute("SELECT username, id FROM users"))
        disable_user(conn, ids["f1b"])
        conn.commit()
    writer = Writer(county_db)
    try:
        made = writer.run(lambda conn: deliver(conn, Batch(conn, SYSTEM, now).as_system(), [
            Trigger("overdue", "cases", "k1", "u-gone", "c1", at=now),  # a handler who left
            Trigger("due_soon", "cases", "k2", ids["f1b"], "c1", "7", now),  # disabled since
            Trigger("assigned", "visits", "v1", "u-gone", "c1", at=now),  # nobody: not late work
            Trigger("overdue", "cases", "k3", ids["f2"], "c2", at=now)], now))
    finally:
        writer.close()
    with closing(sqlite3.connect(county_db)) as conn:
        told = {(s, o) for s, o in conn.execute(
            "SELECT json_extract(data, '$.subject.record'), owner_id FROM records"
            " WHERE collection='notifications'")}
    centre = {ids["f1"], ids["ctr1"], ids["multi"]}  # c1's enabled centre and field staff
    assert told == {("k1", u) for u in centre} | {("k2", u) for u in centre} | {("k3", ids["f2"])}
    assert made == len(told)


def test_notifications_recipients_overdue_also_tells_the_centre_that_explains(county_db: str) -> None:
    """The centre's centre-role staff write a 问责's explanation: they hear of overdue work even
    when a field worker answers for it (who may not write it); a due-soon warning stays the
    named person's."""
    now = 1_790_000_000_000
    with closing(sqlite3.connect(county_db)) as conn:
        ids = dict(conn.execute("SELECT username, id FROM users"))
    writer = Writer(county_db)
    try:
        made = writer.run(lambda conn: deliver(conn, Batch(conn, SYSTEM, now).as_system(), [
            Trigger("overdue", "cases", "k1", ids["f1"], "c1", at=now),
            Trigger("overdue_again", "complaints", "p1", ids["f1"], "c1", "9", now),
            Trigger("due_soon", "cases", "k2", ids["f1"], "c1", "7", now),
            Trigger("overdue", "cases", "k3", ids["ctr1"], "c1", at=now)], now))  # told once
    finally:
        writer.close()
    with closing(sqlite3.connect(county_db)) as conn:
        told = {(s, o, subjects) for s, o, subjects in conn.execute(
            "SELECT json_extract(data, '$.subject.record'), owner_id, json_extract(data,"
            " '$.subjects') FROM records WHERE collection='notifications'")}
    assert told == {("k1", ids["f1"], None), ("k1", ids["ctr1"], '["k1","k3"]'),
                    ("p1", ids["f1"], None), ("p1", ids["ctr1"], None), ("k2", ids["f1"], None)}
    assert made == 6  # subjects told of: k1 twice, k3, p1 twice, k2
