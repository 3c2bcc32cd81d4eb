"""The sweep's notifications grouped: a person whose many cases turn overdue (or come near
their deadline) in one sweep gets one notification and one Web Push naming the first case
and counting them all; a single case still makes exactly the notification it always did; a group lists its
subjects' ids (the first hundred); a deadline is never told twice, however often the sweep
runs."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from server.jobs.sweep import sweep
from server.push import payload
from server.store.notifications import SUBJECTS
from server.writer import Writer
from sync.deadlines import DAY_MS
from sync.notify import TITLES, notification_id
from tests.test_notifications_triggers import notes, queued, subscribe


def one_day_matter(sup: Any) -> None:
    res = sup.sync([sup.op("matters", "m1d", {"name": "临时救助", "county_id": "k1",
                                              "kind": "time_limited", "time_limit_days": 1})])
    assert res["results"][0]["status"] == "applied", res


def open_cases(dev: Any, ids: list[str], centre: str) -> None:
    res = dev.sync([dev.op("cases", rid, {"centre_id": centre, "matter_id": "m1d",
                                          "status": "accepted", "handler_id": dev.user["id"]})
                    for rid in ids])
    assert [r["status"] for r in res["results"]] == ["applied"] * len(ids), res


def due_of(db: str, ids: list[str]) -> list[int]:
    conn = sqlite3.connect(db)
    try:
        return [int(conn.execute("SELECT json_extract(data, '$.due_at') FROM records"
                                 " WHERE collection='cases' AND id=?", (rid,)).fetchone()[0])
                for rid in ids]
    finally:
        conn.close()


def kind_of(dev: Any, kind: str) -> dict[str, dict[str, Any]]:
    return {nid: n for nid, n in notes(dev).items() if n["kind"] == kind}


def test_notifications_grouped_overdue_one_per_person_naming_the_first(device: Any,
                                                                       county_db: str) -> None:
    sup, f1, f2 = device("sup1"), device("f1"), device("f2")
    one_day_matter(sup)
    mine = ["k-05", "k-02", "k-09", "k-01", "k-07"]
    open_cases(f1, mine, "c1")
    open_cases(f2, ["k-50"], "c2")
    subscribe(f1, 1)
    subscribe(f2, 1)
    later = max(due_of(county_db, [*mine, "k-50"])) + 3 * DAY_MS
    writer = Writer(county_db)
    try:
        counts = sweep(writer, later)
        assert counts["overdue"] == 6 and counts["accountability"] == 6
        assert sweep(writer, later + 1000)["accountability"] == 0
    finally:
        writer.close()

    got = kind_of(f1, "overdue")
    nid = notification_id("overdue", "cases", "k-01", f1.user["id"])  # the first by id
    assert list(got) == [nid]
    assert got[nid]["count"] == 5 and got[nid]["title"] == "5 件工作已超期"
    assert got[nid]["subject"] == {"collection": "cases", "record": "k-01", "centre_id": "c1"}
    assert got[nid]["subjects"] == sorted(mine)  # exactly its subjects, in the sweep's order

    # One subject alone: the very notification the sweep always made (no count).
    alone = kind_of(f2, "overdue")
    solo = notification_id("overdue", "cases", "k-50", f2.user["id"])
    assert list(alone) == [solo] and "count" not in alone[solo] and "subjects" not in alone[solo]
    assert alone[solo]["title"] == TITLES["overdue"]

    # One push each, of the contract's shape: the first subject and a short title.
    pushes = [(e.split("/")[-2], p) for e, p in queued(county_db) if p["kind"] == "overdue"]
    assert sorted(pushes, key=lambda x: x[0]) == sorted([
        (f1.user["id"], {"kind": "overdue", "collection": "cases", "record": "k-01",
                         "title": "5 件工作已超期"}),
        (f2.user["id"], {"kind": "overdue", "collection": "cases", "record": "k-50",
                         "title": TITLES["overdue"]})], key=lambda x: x[0])


def test_notifications_grouped_due_soon_tells_each_deadline_once(device: Any,
                                                                 county_db: str) -> None:
    sup, f1 = device("sup1"), device("f1")
    sup.sync([sup.op("matters", "m1d", {"name": "建房审批", "county_id": "k1",
                                        "kind": "time_limited", "time_limit_days": 2})])
    first = ["s-3", "s-4", "s-5"]
    open_cases(f1, first, "c1")
    at = min(due_of(county_db, first)) - 3600_000  # an hour before the first deadline
    writer = Writer(county_db)
    try:
        assert sweep(writer, at)["due_soon"] == 3
        assert sweep(writer, at + 1000)["due_soon"] == 0  # nothing new: nothing written
        got = kind_of(f1, "due_soon")  # what the phone has pulled so far
        nid = notification_id("due_soon", "cases", "s-3", f1.user["id"], str(due_of(county_db, ["s-3"])[0]))
        assert list(got) == [nid] and got[nid]["count"] == 3 and got[nid]["subjects"] == first
        assert got[nid]["title"] == "3 件工作下一个工作日到期"

        # A new case sorting before the others: told alone; the three are not told again.
        open_cases(f1, ["s-1"], "c1")
        assert sweep(writer, at + 2000)["due_soon"] == 1
        assert sweep(writer, at + 3000)["due_soon"] == 0
    finally:
        writer.close()
    got.update(kind_of(f1, "due_soon"))  # and what it pulls now
    assert len(got) == 2
    new = next(n for n in got.values() if n["subject"]["record"] == "s-1")
    assert "count" not in new and new["title"] == TITLES["due_soon"]
    assert sum(n.get("count", 1) for n in got.values()) == 4  # each deadline told once
    # The folded-in subjects are remembered by the op rows their own notifications would have had.
    conn = sqlite3.connect(county_db)
    try:
        dues = dict(zip(first, due_of(county_db, first), strict=True))
        rows = conn.execute("SELECT id, record FROM ops WHERE collection='notifications'"
                            " AND record=?", (nid,)).fetchall()
    finally:
        conn.close()
    assert sorted(rows) == sorted(
        ("op-" + notification_id("due_soon", "cases", rid, f1.user["id"], str(dues[rid])), nid)
        for rid in first)


def test_notifications_grouped_lists_the_first_hundred_and_counts_them_all(
        device: Any, county_db: str) -> None:
    sup, f1 = device("sup1"), device("f1")
    one_day_matter(sup)
    ids = [f"m-{n:03d}" for n in range(SUBJECTS + 3)]
    open_cases(f1, ids, "c1")
    writer = Writer(county_db)
    try:
        assert sweep(writer, max(due_of(county_db, ids)) + 3 * DAY_MS)["accountability"] == len(ids)
    finally:
        writer.close()
    [group] = kind_of(f1, "overdue").values()
    assert group["count"] == SUBJECTS + 3 and group["title"] == f"{SUBJECTS + 3} 件工作已超期"
    assert group["subjects"] == ids[:SUBJECTS]


def test_notifications_grouped_push_payload_keeps_the_contract_shape() -> None:
    body = json.loads(payload("overdue", "cases", "k-1", "12 件工作已超期"))
    assert body == {"kind": "overdue", "collection": "cases", "record": "k-1",
                    "title": "12 件工作已超期"}
    assert json.loads(payload("overdue", "cases", "k-1"))["title"] == TITLES["overdue"]


def test_notifications_grouped_a_centres_subjects_share_a_chunk(device: Any, county_db: str) -> None:
    sup, f1, f2 = device("sup1"), device("f1"), device("f2")
    one_day_matter(sup)
    # Ids interleave the two centres: chunks taken by id alone would split each person's.
    open_cases(f1, ["i-1", "i-3", "i-5"], "c1")
    open_cases(f2, ["i-2", "i-4", "i-6"], "c2")
    later = max(due_of(county_db, [f"i-{n}" for n in range(1, 7)])) + 3 * DAY_MS
    writer = Writer(county_db)
    try:
        assert sweep(writer, later, chunk=3)["accountability"] == 6
    finally:
        writer.close()
    for dev, first in ((f1, "i-1"), (f2, "i-2")):
        got = kind_of(dev, "overdue")
        assert [(n["subject"]["record"], n["count"]) for n in got.values()] == [(first, 3)]
