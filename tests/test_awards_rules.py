"""Award rules the server checks with reference data (server/store/awards.py): nomination
only when eligible by the monthly assessment's rule, the title only after the public
notice's end and with no open objection, a failed re-check withdraws it. Each refusal is
quarantined with its code and leaves the award as it was."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import Device
from tests.test_api_reports import at, write

TEMPLATE = {"name": "窗口标准化月度考评", "county_id": "k1", "version": 1, "status": "published",
            "sections": [{"id": "S1", "name": "服务效率", "mode": "deduct", "points": 100,
                          "items": [{"id": "e1", "text": "一次性告知", "rule": "deduct_each",
                                     "per": 1}]}]}
NOMINATED = {"centre_id": "c1", "kind": "civilised_window", "period": "2026-10",
             "window_id": "w1", "status": "nominated",
             "nomination": {"reason": "月度考评平均 95 分", "at": at("2026-11-02")}}


def inspected(client: TestClient, rid: str, window: str, deducted: int, day: str) -> None:
    """An approved inspection of window ``window`` scoring ``100 - deducted``."""
    write(client, [("inspections", rid, {
        "centre_id": "c1", "template_id": "t-award", "template_version": 1, "status": "approved",
        "target": {"kind": "window", "window_id": window}, "started_at": at(day),
        "items": {"e1": {"count": deducted}}}, at(day))])


def setup(client: TestClient) -> None:
    write(client, [("centres", "c1", {"name": "城关镇", "county_id": "k1",
                                      "windows": {"w1": {"name": "综合受理窗口"},
                                                  "w2": {"name": "不动产窗口"}}}, at("2026-09-01")),
                   ("templates", "t-award", TEMPLATE, at("2026-09-01"))])
    inspected(client, "i-w1a", "w1", 2, "2026-10-10")   # 98
    inspected(client, "i-w1b", "w1", 12, "2026-10-20")  # 88: mean 93
    inspected(client, "i-w2", "w2", 15, "2026-10-12")   # 85: not eligible


def step(d: Device, record: str, values: dict[str, Any]) -> dict[str, Any]:
    """One edit made on the current version (as a workspace list shows it: a supervisor's
    device does not sync awards), so these are not concurrent writes."""
    with closing(sqlite3.connect(d.client.app.state.fs.config.db)) as conn:  # type: ignore[attr-defined]
        row = conn.execute("SELECT version FROM records WHERE collection='awards' AND id=?",
                           (record,)).fetchone()
    [result] = d.sync([d.op("awards", record, values, base=row[0] if row else 0)])["results"]
    return result


def test_awards_nomination_needs_eligibility(client: TestClient, device: Any) -> None:
    setup(client)
    ctr = device("ctr1")
    refused = step(ctr, "a-w2", {**NOMINATED, "window_id": "w2"})
    assert (refused["status"], refused["code"]) == ("rejected", "invalid"), refused
    assert refused["details"]["path"] == "status"
    assert refused["details"]["score"] == 85.0 and refused["details"]["eligible"] is False
    assert refused["details"]["threshold"] == 90
    nothing = step(ctr, "a-none", {**NOMINATED, "period": "2026-09"})  # no inspection at all
    assert nothing["code"] == "invalid" and nothing["details"]["inspections"] == 0
    assert step(ctr, "a-w1", NOMINATED)["status"] == "applied"
    # A quarter counts its months' approved inspections; Q3 has none.
    assert step(ctr, "a-q4", {**NOMINATED, "period": "2026-Q4"})["status"] == "applied"
    assert step(ctr, "a-q3", {**NOMINATED, "period": "2026-Q3"})["code"] == "invalid"


def walk_to_notice(ctr: Device, sup: Device, record: str, started: int) -> None:
    assert step(ctr, record, NOMINATED)["status"] == "applied"
    for d, values in ((ctr, {"status": "leader_signed", "leader.by": "u-leader"}),
                      (sup, {"status": "supervision_reviewed", "supervision.by": "u-sup"}),
                      (sup, {"status": "group_reviewed", "group.by": "u-group"}),
                      (sup, {"status": "decided", "decision.by": "u-lead"}),
                      (sup, {"status": "notice", "notice_started_at": started})):
        res = step(d, record, values)
        assert res["status"] == "applied", res


def test_awards_title_only_after_the_notice_and_no_open_objection(client: TestClient,
                                                                   device: Any) -> None:
    setup(client)
    ctr, sup = device("ctr1"), device("sup1")
    now = ctr.clock()
    walk_to_notice(ctr, sup, "a-early", now)
    early = step(sup, "a-early", {"status": "awarded", "awarded_at": now})
    assert (early["status"], early["code"]) == ("rejected", "invalid_transition"), early
    assert early["details"]["from"] == "notice" and early["details"]["notice_ends_at"] > now

    walk_to_notice(ctr, sup, "a-late", at("2026-11-02"))
    assert step(sup, "a-late", {"objections.o1.content": "该窗口曾推诿群众",
                                "objections.o1.at": at("2026-11-03")})["status"] == "applied"
    held = step(sup, "a-late", {"status": "awarded", "awarded_at": now})
    assert held["code"] == "invalid_transition" and held["details"]["objections"] == ["o1"]
    assert step(sup, "a-late", {"objections.o1.resolution": "经核查不属实",
                                "objections.o1.upheld": False})["status"] == "applied"
    done = step(sup, "a-late", {"status": "awarded", "awarded_at": now})
    assert done["status"] == "applied", done

    # A failed re-check withdraws the title: refused unless the op withdraws it too.
    failed = step(sup, "a-late", {"recheck.passed": False, "recheck.at": now})
    assert failed["code"] == "invalid" and failed["details"]["path"] == "status", failed
    gone = step(sup, "a-late", {"recheck.passed": False, "recheck.at": now,
                                "status": "withdrawn", "withdrawn_reason": "复查未通过"})
    assert gone["status"] == "applied", gone


def test_awards_recheck_board_lists_titles_near_expiry(client: TestClient, device: Any) -> None:
    """The two-year re-check reminder: a board row from 60 days before the title expires."""
    setup(client)
    ctr, sup = device("ctr1"), device("sup1")
    now = ctr.clock()
    day = 86_400_000
    for record, awarded in (("a-old", now - (2 * 365 - 30) * day), ("a-new", now - 10 * day)):
        walk_to_notice(ctr, sup, record, at("2026-11-02"))
        assert step(sup, record, {"status": "awarded", "awarded_at": awarded})["status"] \
            == "applied"
    r = client.get("/api/v1/boards/awards-recheck", headers=sup.headers)
    assert r.status_code == 200, r.text
    [row] = r.json()["items"]
    assert row["id"] == "a-old" and row["overdue"] is False
    assert row["due"] == row["data"]["expires_at"] and row["data"]["recheck_due"] is True
    assert 25 * day < row["due"] - now < 35 * day
    assert client.get("/api/v1/boards/awards-recheck", params={"within_days": 0},
                      headers=sup.headers).json()["items"] == []
    assert client.get("/api/v1/boards/awards-recheck", headers=device("sup2").headers) \
        .json()["items"] == []  # another county's centre
