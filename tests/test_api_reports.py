"""Reports: the contract's overview figures per centre and month, the trend, scope and bad input."""

from __future__ import annotations

import datetime as dt
from typing import Any

from starlette.testclient import TestClient

from server.assessment import month_bounds
from server.system import system_write
from tests.conftest import Device

CST = dt.timezone(dt.timedelta(hours=8))
OVERVIEW = "/api/v1/reports/overview"
TREND = "/api/v1/reports/trend"


def at(day: str, hour: int = 10) -> int:
    """Epoch ms of ``day`` (YYYY-MM-DD) at ``hour`` o'clock China time."""
    d = dt.date.fromisoformat(day)
    return int(dt.datetime(d.year, d.month, d.day, hour, tzinfo=CST).timestamp() * 1000)


def write(client: TestClient, items: list[tuple[str, str, dict[str, Any], int]]) -> None:
    """Store records as the system (as the demo and CLI do), through the writer."""
    fs = client.app.state.fs  # type: ignore[attr-defined]
    fs.writer.run(lambda conn: system_write(conn, items))


def october(client: TestClient) -> None:
    """A month of work in c1 (k1) and a little in c2 and c3 (k2)."""
    m = {"name": "营业执照", "county_id": "k1", "kind": "time_limited", "time_limit_days": 5}
    write(client, [("matters", "m1", m, at("2026-09-01")),
                   ("matters", "m3", {**m, "county_id": "k2"}, at("2026-09-01"))])
    case = {"centre_id": "c1", "matter_id": "m1", "channel": "window"}
    write(client, [
        # on time: accepted Mon 5 Oct (a holiday week: due counts working days), done the 9th
        ("cases", "on-time", {**case, "status": "completed", "accepted_at": at("2026-10-12"),
                              "completed_at": at("2026-10-14")}, at("2026-10-14")),
        ("cases", "late", {**case, "status": "completed", "accepted_at": at("2026-10-12"),
                           "completed_at": at("2026-10-30")}, at("2026-10-30")),
        # the last instant of October in China time is still October
        ("cases", "midnight", {**case, "status": "completed", "accepted_at": at("2026-10-28"),
                               "completed_at": at("2026-11-01", 0) - 1}, at("2026-11-01", 0) - 1),
        # completed 1 November 00:00 China time (31 October in UTC): November's
        ("cases", "november", {**case, "status": "completed", "accepted_at": at("2026-10-28"),
                               "completed_at": at("2026-11-01", 0)}, at("2026-11-01")),
        ("cases", "open-late", {**case, "status": "handling", "accepted_at": at("2026-10-12")},
         at("2026-10-12")),
        ("cases", "open-fresh", {**case, "status": "handling", "accepted_at": at("2026-10-30")},
         at("2026-10-30")),
        ("cases", "c2-case", {**case, "centre_id": "c2", "status": "completed",
                              "accepted_at": at("2026-10-12"), "completed_at": at("2026-10-13")},
         at("2026-10-13")),
        ("cases", "c3-case", {**case, "centre_id": "c3", "matter_id": "m3", "status": "completed",
                              "accepted_at": at("2026-10-12"), "completed_at": at("2026-10-13")},
         at("2026-10-13")),
        ("visits", "v-home", {"centre_id": "c1", "kind": "home_service", "status": "done",
                              "started_at": at("2026-10-15"), "ended_at": at("2026-10-15", 11)},
         at("2026-10-15")),
        ("visits", "v-survey", {"centre_id": "c1", "kind": "site_survey", "status": "done",
                                "started_at": at("2026-10-15"), "ended_at": at("2026-10-15", 11)},
         at("2026-10-15")),
        ("visits", "v-planned", {"centre_id": "c1", "kind": "home_service", "status": "planned",
                                 "planned_at": at("2026-10-20")}, at("2026-10-15")),
        ("evaluations", "e1", {"centre_id": "c1", "rating": "very_satisfied", "at": at("2026-10-15")},
         at("2026-10-15")),
        ("evaluations", "e2", {"centre_id": "c1", "rating": "fairly_satisfied",
                               "at": at("2026-10-16")}, at("2026-10-16")),
        ("evaluations", "e3", {"centre_id": "c1", "rating": "average", "at": at("2026-10-17")},
         at("2026-10-17")),
        ("evaluations", "e-sep", {"centre_id": "c1", "rating": "dissatisfied", "at": at("2026-09-17")},
         at("2026-09-17")),
        ("complaints", "late-reply", {"centre_id": "c1", "content": "窗口无人", "status": "open",
                                      "received_at": at("2026-10-12")}, at("2026-10-12")),
        ("complaints", "answered", {"centre_id": "c1", "content": "态度差", "status": "replied",
                                    "received_at": at("2026-10-12"), "reply": "已整改",
                                    "replied_at": at("2026-10-13")}, at("2026-10-13")),
        # due_at is computed: five working days after the order (Oct 13 -> Oct 20)
        ("rectifications", "r-open", {"centre_id": "c1", "inspection_id": "i-x", "status": "open",
                                      "due_days": 5}, at("2026-10-13")),
        ("rectifications", "r-done", {"centre_id": "c1", "inspection_id": "i-x",
                                      "status": "verified", "due_days": 5},
         at("2026-10-13")),
    ])


def figures(doc: dict[str, Any], centre: str) -> dict[str, Any]:
    [row] = [c for c in doc["centres"] if c["centre_id"] == centre]
    return dict(row)


def test_reports_overview_figures_follow_the_contract(client: TestClient, device: Any) -> None:
    october(client)
    sup = device("sup1")
    r = client.get(OVERVIEW, params={"month": "2026-10"}, headers=sup.headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["month"] == "2026-10"
    assert [c["centre_id"] for c in doc["centres"]] == ["c1", "c2"]  # k1 only
    c1 = figures(doc, "c1")
    assert set(c1) == {"centre_id", "name", "cases_completed", "on_time_rate", "overdue_open",
                       "home_visits", "satisfaction_rate", "inspection_score", "vetoed",
                       "open_rectifications", "complaints_overdue"}
    assert c1["name"] == "城关镇"
    assert c1["cases_completed"] == 3  # on-time, late, midnight; not november
    assert c1["on_time_rate"] == round(2 / 3, 4)
    # at October's end: open-late (due 19 Oct) and november (due 4 Nov: not yet) -> 1
    assert c1["overdue_open"] == 1
    assert c1["home_visits"] == 1
    assert c1["satisfaction_rate"] == round(2 / 3, 4)
    assert c1["inspection_score"] is None and c1["vetoed"] is False
    assert c1["open_rectifications"] == 1
    assert c1["complaints_overdue"] == 1
    c2 = figures(doc, "c2")
    assert (c2["cases_completed"], c2["on_time_rate"], c2["satisfaction_rate"]) == (1, 1.0, None)
    nov = client.get(OVERVIEW, params={"month": "2026-11"}, headers=sup.headers).json()
    assert figures(nov, "c1")["cases_completed"] == 1


def test_reports_overview_is_scoped(client: TestClient, device: Any) -> None:
    october(client)
    ctr1, sup2, admin = device("ctr1"), device("sup2"), device("admin")
    mine = client.get(OVERVIEW, params={"month": "2026-10"}, headers=ctr1.headers).json()
    assert [c["centre_id"] for c in mine["centres"]] == ["c1"]
    k2 = client.get(OVERVIEW, params={"month": "2026-10"}, headers=sup2.headers).json()
    assert [c["centre_id"] for c in k2["centres"]] == ["c3"]
    every = client.get(OVERVIEW, params={"month": "2026-10"}, headers=admin.headers).json()
    assert [c["centre_id"] for c in every["centres"]] == ["c1", "c2", "c3"]
    r = client.get(OVERVIEW, params={"month": "2026-10", "centre_id": "c1"}, headers=sup2.headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert client.get(OVERVIEW).status_code == 401


def test_reports_overview_refuses_bad_months(client: TestClient, device: Any) -> None:
    sup = device("sup1")
    for bad in ("2026-13", "2026-00", "26-10", "2026/10", "1999-12", "", "2026-1"):
        r = client.get(OVERVIEW, params={"month": bad}, headers=sup.headers)
        assert r.status_code == 400, bad
        assert r.json()["error"]["details"] == {"field": "month"}
    r = client.get(TREND, params={"months": "0"}, headers=sup.headers)
    assert r.status_code == 400
    r = client.get(TREND, params={"months": "x"}, headers=sup.headers)
    assert r.status_code == 400


def test_reports_trend_gives_each_month_oldest_first(client: TestClient, device: Any) -> None:
    october(client)
    sup: Device = device("sup1")
    r = client.get(TREND, params={"month": "2026-11", "months": "3", "centre_id": "c1"},
                   headers=sup.headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["months"] == ["2026-09", "2026-10", "2026-11"]
    [c1] = doc["centres"]
    assert c1["centre_id"] == "c1"
    assert c1["series"]["cases_completed"] == [0, 3, 1]
    assert c1["series"]["satisfaction_rate"] == [0.0, round(2 / 3, 4), None]
    default = client.get(TREND, headers=sup.headers).json()
    assert len(default["months"]) == 12 and len(default["centres"]) == 2


def test_reports_month_bounds_are_china_time() -> None:
    start, end = month_bounds(2026, 12)
    assert start == at("2026-12-01", 0) and end == at("2027-01-01", 0)
    assert dt.datetime.fromtimestamp(start / 1000, dt.UTC).hour == 16  # the 30th, UTC
