"""Monthly assessment (standardisation scores, vetoes, eligibility) and the award flow's data:
notice end in working days, two-year expiry, re-check reminder, transitions as data."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from server.assessment import standing
from sync.computed import Context, compute
from sync.schema import load
from tests.test_api_reports import at, write

ASSESSMENT = "/api/v1/reports/assessment"


def test_assessment_standing_needs_ninety_and_no_veto() -> None:
    assert standing([(92.0, False), (90.0, False)]) == {
        "inspections": 2, "score": 91.0, "vetoed": False, "eligible": True}
    assert standing([(95.0, False), (84.0, False)])["eligible"] is False  # mean 89.5
    assert standing([(99.0, False), (98.0, True)])["eligible"] is False  # a veto
    assert standing([]) == {"inspections": 0, "score": None, "vetoed": False, "eligible": False}
    assert standing([(None, False)])["eligible"] is False


def test_assessment_lists_centres_and_windows_in_scope(client: TestClient, device: Any) -> None:
    write(client, [("centres", "c1", {"name": "城关镇", "county_id": "k1",
                                      "windows": {"w1": {"name": "综合受理窗口"}}}, at("2026-09-01"))])
    base = {"centre_id": "c1", "template_id": "t1", "template_version": 1}
    write(client, [
        ("inspections", "i1", {**base, "status": "approved", "started_at": at("2026-10-10"),
                               "target": {"kind": "window", "window_id": "w1"}}, at("2026-10-10")),
        ("inspections", "i2", {**base, "status": "submitted", "started_at": at("2026-10-11")},
         at("2026-10-11")),
        ("inspections", "i3", {**base, "status": "approved", "started_at": at("2026-09-11")},
         at("2026-09-11")),
    ])
    sup = device("sup1")
    r = client.get(ASSESSMENT, params={"month": "2026-10"}, headers=sup.headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["month"] == "2026-10" and doc["threshold"] == 90
    c1 = next(c for c in doc["centres"] if c["centre_id"] == "c1")
    assert c1["inspections"] == 1  # approved and in October only
    assert [w["window_id"] for w in c1["windows"]] == ["w1"]
    assert c1["windows"][0]["name"] == "综合受理窗口" and c1["windows"][0]["inspections"] == 1
    assert {c["centre_id"] for c in doc["centres"]} == {"c1", "c2"}
    assert client.get(ASSESSMENT, params={"month": "2026-10", "centre_id": "c3"},
                      headers=sup.headers).status_code == 403
    assert client.get(ASSESSMENT, params={"month": "bad"}, headers=sup.headers).status_code == 400


def test_awards_schema_carries_the_flow_as_data() -> None:
    raw = load().raw["collections"]["awards"]
    flow = raw["transitions"]["status"]
    path, state = [], ""
    while state in flow and state != "awarded":
        state = flow[state][0]
        path.append(state)
    assert path == ["nominated", "leader_signed", "supervision_reviewed", "group_reviewed",
                    "decided", "notice", "awarded"]
    assert flow["awarded"] == ["withdrawn"]
    assert raw["rights"]["status"]["values"]["awarded"] == ["supervisor", "admin"]
    assert raw["requires"]["status"]["withdrawn"] == ["withdrawn_reason"]
    assert "centre" in raw["writers"] and "field" not in raw["writers"]


def test_awards_notice_ends_after_three_working_days_and_titles_expire() -> None:
    # Notice from Friday 25 September 2026: the National Day holiday (1–8 October) and the
    # weekend pass; 27 September (Sunday) is a make-up working day (调休).
    started = at("2026-09-25")
    out = compute("awards", {"status": "notice", "notice_started_at": started}, Context(now=started))
    assert out["notice_ends_at"] is not None and out["notice_ends_at"] > at("2026-09-28")
    monday = at("2026-11-02")
    out = compute("awards", {"status": "notice", "notice_started_at": monday}, Context(now=monday))
    assert out["notice_ends_at"] == at("2026-11-06", 0) - 1  # end of Thursday 5 November
    awarded = at("2026-11-10")
    out = compute("awards", {"status": "awarded", "awarded_at": awarded}, Context(now=awarded))
    assert out["expires_at"] == at("2028-11-10") and out["recheck_due"] is False
    later = at("2028-10-01")
    assert compute("awards", {"status": "awarded", "awarded_at": awarded},
                   Context(now=later))["recheck_due"] is True
    assert compute("awards", {"status": "awarded", "awarded_at": awarded, "recheck.at": later},
                   Context(now=later))["recheck_due"] is False


def test_awards_sync_and_list_with_computed_dates(client: TestClient, device: Any) -> None:
    from tests.test_awards_rules import setup
    setup(client)  # window w1 is eligible for October (server/store/awards.py)
    ctr, sup = device("ctr1"), device("sup1")
    nominated = {"centre_id": "c1", "kind": "civilised_window", "period": "2026-10",
                 "window_id": "w1", "status": "nominated",
                 "nomination": {"reason": "月度考评平均 95 分", "at": at("2026-11-02")}}
    res = ctr.sync([ctr.op("awards", "a1", nominated)])["results"][0]
    assert res["status"] == "applied", res
    # The award flow's transitions are enforced (sync/rights.py): walk it step by step.
    version = res["version"]
    for d, values in ((ctr, {"status": "leader_signed", "leader.by": "u-leader"}),
                      (sup, {"status": "supervision_reviewed", "supervision.by": "u-sup"}),
                      (sup, {"status": "group_reviewed", "group.by": "u-group"}),
                      (sup, {"status": "decided", "decision.by": "u-lead"}),
                      (sup, {"status": "notice", "notice_started_at": at("2026-11-02")})):
        step = d.sync([d.op("awards", "a1", values, base=version)])["results"][0]
        assert step["status"] == "applied", step
        version = step["version"]
    r = client.get("/api/v1/records/awards", headers=sup.headers)
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    assert item["data"]["notice_ends_at"] == at("2026-11-06", 0) - 1
    assert item["centre_name"] == "城关镇"
    f1 = device("f1")
    refused = f1.sync([f1.op("awards", "a2", {**nominated})])["results"][0]
    assert refused["status"] == "rejected" and refused["code"] == "forbidden"


def test_assessment_and_overview_use_the_servers_inspection_scores(client: TestClient,
                                                                    device: Any) -> None:
    from tests.support.rubrics import load as vectors

    v = vectors("rubric-vectors.json")
    full, mixed, vetoed = (c["answers"] for c in v["cases"])
    write(client, [("templates", "t1", {**v["template"], "county_id": "k1"}, at("2026-09-01"))])
    base = {"centre_id": "c1", "template_id": "t1", "template_version": 1, "status": "approved"}
    write(client, [
        ("inspections", "i1", {**base, "items": full, "started_at": at("2026-10-10")}, at("2026-10-10")),
        ("inspections", "i2", {**base, "items": mixed, "started_at": at("2026-10-12")}, at("2026-10-12")),
        ("inspections", "i3", {**base, "items": vetoed, "started_at": at("2026-11-12")}, at("2026-11-12")),
    ])
    sup = device("sup1")
    october = client.get("/api/v1/reports/overview", params={"month": "2026-10"}, headers=sup.headers)
    c1 = next(c for c in october.json()["centres"] if c["centre_id"] == "c1")
    assert (c1["inspection_score"], c1["vetoed"]) == (round((80.0 + 53.68) / 2, 2), False)
    november = client.get(ASSESSMENT, params={"month": "2026-11"}, headers=sup.headers).json()
    c1 = next(c for c in november["centres"] if c["centre_id"] == "c1")
    assert (c1["score"], c1["vetoed"], c1["eligible"]) == (80.0, True, False)


def test_assessment_and_overview_leave_out_checklist_inspections(client: TestClient,
                                                                 device: Any) -> None:
    """A checklist (every section worth 0 points: the township special inspection) records
    lapses, not a score: its approved inspections do not pull the month's average to 0."""
    import json
    from pathlib import Path

    from tests.support.rubrics import load as vectors

    v = vectors("rubric-vectors.json")
    full = v["cases"][0]["answers"]
    checklist = json.loads((Path(__file__).parent.parent / "server/demo/rubrics/township-special.json")
                           .read_text(encoding="utf-8"))
    write(client, [("templates", "t1", {**v["template"], "county_id": "k1"}, at("2026-09-01")),
                   ("templates", "t9", {**checklist, "county_id": "k1"}, at("2026-09-01"))])
    write(client, [
        ("inspections", "i1", {"centre_id": "c1", "template_id": "t1", "template_version": 1,
                               "status": "approved", "items": full, "started_at": at("2026-10-10")},
         at("2026-10-10")),
        ("inspections", "i9", {"centre_id": "c1", "template_id": "t9", "template_version": 1,
                               "status": "approved", "items": {}, "started_at": at("2026-10-12")},
         at("2026-10-12")),
    ])
    sup = device("sup1")
    overview = client.get("/api/v1/reports/overview", params={"month": "2026-10"}, headers=sup.headers)
    c1 = next(c for c in overview.json()["centres"] if c["centre_id"] == "c1")
    assert c1["inspection_score"] == 80.0
    assessed = client.get(ASSESSMENT, params={"month": "2026-10"}, headers=sup.headers).json()
    c1 = next(c for c in assessed["centres"] if c["centre_id"] == "c1")
    assert (c1["inspections"], c1["score"]) == (1, 80.0)
