"""Who an ``assigned`` notification goes to: the people a visit or an inspection names who
are enabled users of the server, never the person whose own op named them. An id that is
no user (or a disabled user) gets no notification record, a push or a change-log entry."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

from server.store.users import disable_user
from sync.notify import notification_id


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
