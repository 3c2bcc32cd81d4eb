"""Review rules of the inspection loop on the server: nobody returns or approves an inspection
they inspected (``forbidden``, quarantined, nothing changed); the history of reviews stays on
the record beside the latest; a rectification's ``reinspection_id`` must name an inspection of
its centre that re-inspects exactly the rectification's items."""

from __future__ import annotations

from typing import Any

from tests.support.records import stored
from tests.support.rubrics import load

VECTORS = load("rubric-vectors.json")
TEMPLATE = {**VECTORS["template"], "county_id": "k1"}


def submitted(inspectors: list[str]) -> dict[str, Any]:
    return {"centre_id": "c1", "template_id": "t1", "template_version": 1, "status": "submitted",
            "inspector_ids": inspectors, "items": {"e1": {"count": 1}}}


def test_inspection_review_by_its_own_inspector_forbidden(device: Any, county_db: str) -> None:
    sup = device("sup1")
    sup.sync([sup.op("templates", "t1", TEMPLATE)])
    sup.sync([sup.op("inspections", "i1", submitted([sup.user["id"]]))])
    for change in ({"status": "approved"}, {"status": "returned", "review.comment": "重拍"},
                   {"review.comment": "看过"}):
        doc = sup.sync([sup.op("inspections", "i1", change)])
        res = doc["results"][0]
        assert (res["status"], res["code"]) == ("rejected", "forbidden"), change
    data = stored(county_db, "inspections", "i1")
    assert data is not None and data["status"] == "submitted" and "review" not in data
    # another supervisor of the county may (sup1 inspected; sup2 is k2's: out of scope, so use admin)
    admin = device("admin")
    admin.sync_all()
    res = admin.sync([admin.op("inspections", "i1", {"status": "approved", "review.by": admin.user["id"]})])
    assert res["results"][0]["status"] == "applied"


def test_inspection_reviews_history_kept_beside_latest(device: Any, county_db: str) -> None:
    sup, field = device("sup1"), device("f1")
    sup.sync([sup.op("templates", "t1", TEMPLATE)])
    field.sync([field.op("inspections", "i1", submitted([field.user["id"]]))])
    first = {"by": sup.user["id"], "at": 1, "decision": "returned", "comment": "照片不清", "item_ids": ["e1"]}
    sup.sync_all()
    res = sup.sync([sup.op("inspections", "i1",
                           {"status": "returned", "review": first, "reviews.r1": first})])
    assert res["results"][0]["status"] == "applied"
    field.sync_all()
    field.sync([field.op("inspections", "i1", {"status": "submitted", "items.e1.count": 0})])
    sup.sync_all()
    second = {"by": sup.user["id"], "at": 2, "decision": "approved", "comment": "", "item_ids": []}
    sup.sync([sup.op("inspections", "i1", {"status": "approved", "review": second, "reviews.r2": second})])
    data = stored(county_db, "inspections", "i1")
    assert data is not None and data["status"] == "approved"
    assert data["review"]["decision"] == "approved"
    # approved: closed, every later edit immutable
    field.sync_all()
    res = field.sync([field.op("inspections", "i1", {"items.e1.count": 3})])["results"][0]
    assert (res["status"], res.get("code")) == ("rejected", "immutable")
    assert data["reviews"]["r1"]["comment"] == "照片不清" and data["reviews"]["r1"]["item_ids"] == ["e1"]


def test_rectification_reinspection_must_cover_its_items(device: Any, county_db: str) -> None:
    sup, field = device("sup1"), device("f1")
    sup.sync([sup.op("templates", "t1", TEMPLATE)])
    field.sync([field.op("inspections", "i1", submitted([field.user["id"]]))])
    field.sync([field.op("rectifications", "r1", {"centre_id": "c1", "inspection_id": "i1",
                                                  "item_ids": ["e1"], "status": "open"})])
    field.sync([field.op("inspections", "re-bad", {"centre_id": "c1", "template_id": "t1",
                                                   "template_version": 1, "item_ids": ["e1", "e2"]}),
                field.op("inspections", "re-ok", {"centre_id": "c1", "template_id": "t1",
                                                  "template_version": 1, "item_ids": ["e1"],
                                                  "items": {"e1": {"count": 0}}})])
    sup.sync_all()  # re-inspections are linked by inspectors and supervisors (schemas.json rights)
    for rid in ("re-bad", "nothing-here"):
        res = sup.sync([sup.op("rectifications", "r1", {"reinspection_id": rid})])["results"][0]
        assert (res["status"], res["code"]) == ("rejected", "invalid")
        assert res["details"]["path"] == "reinspection_id"
    data = stored(county_db, "rectifications", "r1")
    assert data is not None and "reinspection_id" not in data
    res = sup.sync([sup.op("rectifications", "r1", {"reinspection_id": "re-ok"})])["results"][0]
    assert res["status"] == "applied"
    reinspected = stored(county_db, "inspections", "re-ok")
    assert reinspected is not None and list(reinspected["sections"]) == ["S1"]
