"""Rubric templates' lifecycle on the server: a supervisor previews a draft (sample answers
scored exactly as inspections are), publishes it, and then it never changes (``immutable``);
a new version is a new record superseding it with version + 1; inspections stay scored by the
version they name."""

from __future__ import annotations

import json
from typing import Any

from tests.support import records
from tests.support.rubrics import load

VECTORS = load("rubric-vectors.json")
DRAFT = {**VECTORS["template"], "county_id": "k1", "status": "draft"}


def stored(db: str, collection: str, record: str) -> dict[str, Any]:
    data = records.stored(db, collection, record)
    assert data is not None, f"{collection}/{record} not stored"
    return data


def test_template_preview_scores_like_an_inspection(client: Any, device: Any) -> None:
    sup = device("sup1")
    sup.sync([sup.op("templates", "t1", DRAFT)])
    case = VECTORS["cases"][1]
    r = client.post("/api/v1/templates/t1/preview", json={"items": case["answers"]}, headers=sup.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert {k: body[k] for k in ("score", "vetoed", "sections")} == case["expect"]
    assert body["status"] == "draft" and body["total"] == 100.0
    r = client.post("/api/v1/templates/t1/preview", json={"items": {"e1": {"count": 1}}, "item_ids": ["e1"]},
                    headers=sup.headers)
    assert r.status_code == 200 and list(r.json()["sections"]) == ["S1"]


def test_template_preview_item_ids_reports_the_chosen_items_maximum(client: Any, device: Any) -> None:
    """A preview of some items (a re-inspection's) is out of what those items can reach
    (``rubric.most`` of the template reduced to them, as the phone's ``maxScore``), never the
    whole template's 100."""
    sup = device("sup1")
    sup.sync([sup.op("templates", "t1", DRAFT)])

    def preview(items: dict[str, Any], item_ids: list[str]) -> dict[str, Any]:
        r = client.post("/api/v1/templates/t1/preview", json={"items": items, "item_ids": item_ids},
                        headers=sup.headers)
        assert r.status_code == 200, r.text
        return dict(r.json())

    # e1 in S1 (deduct, 5) and s2 in S2 (deduct, 20, capped at 5): 5 − 1 + 20 − 5 = 19 of 25
    body = preview({"e1": {"count": 1}, "s2": {"count": 7}}, ["e1", "s2"])
    assert (body["score"], body["total"], body["sections"]) == (19.0, 25.0, {"S1": 4.0, "S2": 15.0})
    # p1 in S3 (deduct, 20) and r1 in S4 (earn, 20): 20 − 4 + 20 × 18/20 = 34 of 40
    body = preview({"p1": {"count": 1}, "r1": {"rating": "satisfied"}}, ["p1", "r1"])
    assert (body["score"], body["total"]) == (34.0, 40.0)
    # q1 (proportional, 5 points, target 100) is one item of S5 (earn, 15): 50 % → 2.5 of 5
    body = preview({"q1": {"value": 50}}, ["q1"])
    assert (body["score"], body["total"], body["sections"]) == (2.5, 5.0, {"S5": 2.5})
    # the honours group (b3 + b4, capped at 5) of S6 (bonus, 20): 1 + 3 = 4 of 5
    body = preview({"b3": {"count": 1}, "b4": {"count": 1}}, ["b3", "b4"])
    assert (body["score"], body["total"]) == (4.0, 5.0)
    # the veto section is worth 0: vetoed, 0 of 0
    body = preview({"v1": {"vetoed": True}}, ["v1"])
    assert (body["score"], body["total"], body["vetoed"]) == (0.0, 0.0, True)
    # without item_ids, still the template's total
    assert client.post("/api/v1/templates/t1/preview", json={"items": {}},
                       headers=sup.headers).json()["total"] == 100.0


def test_template_preview_bad_answers_and_scope(client: Any, device: Any) -> None:
    sup, other = device("sup1"), device("sup2")
    sup.sync([sup.op("templates", "t1", DRAFT)])
    r = client.post("/api/v1/templates/t1/preview", json={"items": {"e1": {"rating": "satisfied"}}},
                    headers=sup.headers)
    assert r.status_code == 422 and r.json()["error"]["details"]["path"] == "items.e1.rating"
    r = client.post("/api/v1/templates/t1/preview", json={"items": {}, "item_ids": ["nope"]},
                    headers=sup.headers)
    assert r.status_code == 422 and r.json()["error"]["details"]["path"] == "item_ids"
    r = client.post("/api/v1/templates/t1/preview", json={"items": {}}, headers=other.headers)
    assert r.status_code == 404
    assert client.post("/api/v1/templates/t1/preview", content=b"[", headers=sup.headers).status_code == 400


def test_template_published_never_changes_new_version_supersedes(device: Any, county_db: str) -> None:
    sup, field = device("sup1"), device("f1")
    sup.sync([sup.op("templates", "t1", DRAFT)])
    edited = json.loads(json.dumps(DRAFT["sections"]))
    edited[0]["items"][0]["per"] = 2
    # a draft is edited freely
    res = sup.sync([sup.op("templates", "t1", {"sections": edited})])["results"][0]
    assert res["status"] == "applied", res
    sup.sync([sup.op("templates", "t1", {"status": "published"})])
    field.sync_all()
    field.sync([field.op("inspections", "i1", {"centre_id": "c1", "template_id": "t1", "template_version": 1,
                                               "items": {"e1": {"count": 1}}})])
    assert stored(county_db, "inspections", "i1")["sections"]["S1"] == 3.0  # 5 - 1×2
    # published: its sections never change again (frozen in schemas.json)
    res = sup.sync([sup.op("templates", "t1", {"sections": DRAFT["sections"]})])["results"][0]
    assert (res["status"], res.get("code")) == ("rejected", "immutable"), res
    assert stored(county_db, "templates", "t1")["sections"][0]["items"][0]["per"] == 2
    # a new version: supersedes t1, version 2 (3 is refused), another county's is refused
    v2 = {**DRAFT, "status": "published", "supersedes": "t1"}
    for bad, path in (({**v2, "version": 3}, "version"),
                      ({**v2, "version": 2, "supersedes": "t9"}, "supersedes")):
        res = sup.sync([sup.op("templates", "t1-v-bad", bad)])["results"][0]
        assert (res["status"], res["code"], res["details"]["path"]) == ("rejected", "invalid", path)
    res = sup.sync([sup.op("templates", "t1-v2", {**v2, "version": 2})])["results"][0]
    assert res["status"] == "applied"
    # the old inspection is still scored by version 1 when it is written again
    field.sync_all()
    field.sync([field.op("inspections", "i1", {"items.e2.count": 1})])
    assert stored(county_db, "inspections", "i1")["sections"]["S1"] == 2.0
