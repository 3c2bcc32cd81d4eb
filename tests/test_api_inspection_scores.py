"""The server scores inspections on every write (score, vetoed, sections, unanswered, by the
template version the inspection names), validates rubric templates when they are written, and
checks answers against their item's rule; refusals are ``invalid`` with the path, quarantined,
and change nothing else."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from typing import Any

import pytest

from tests.support.records import stored
from tests.support.rubrics import load, mutate

VECTORS = load("rubric-vectors.json")
TEMPLATE = {**VECTORS["template"], "county_id": "k1"}


def quarantined(db: str) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT record, code FROM quarantine ORDER BY received_at").fetchall()


def inspection(template_id: str = "t1", items: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"centre_id": "c1", "template_id": template_id, "template_version": 1,
            "items": items or {}, **extra}


def result(doc: dict[str, Any], i: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = doc["results"][i]
    return out


def test_api_inspection_scored_on_every_write(device: Any, county_db: str) -> None:
    sup, field = device("sup1"), device("f1")
    assert result(sup.sync([sup.op("templates", "t1", TEMPLATE)]))["status"] == "applied"
    case = VECTORS["cases"][1]
    assert result(field.sync([field.op("inspections", "i1", inspection(items=case["answers"]))]))["status"] \
        == "applied"
    data = stored(county_db, "inspections", "i1")
    assert data is not None
    assert {k: data[k] for k in ("score", "vetoed", "sections")} == case["expect"]
    assert data["unanswered"] == ["v1", "v2"]
    # a later answer rescores (the vector's veto)
    field.sync([field.op("inspections", "i1", {"items.v1.vetoed": True, "items.v2.vetoed": False})])
    data = stored(county_db, "inspections", "i1")
    assert data is not None and data["vetoed"] is True and data["unanswered"] == [] and data["score"] == 53.68
    # the pulled record carries the same computed fields
    pulled = next(c for c in device("sup1").sync_all()[0]["changes"] if c["record"] == "i1")["data"]
    assert pulled["score"] == 53.68 and pulled["sections"]["S5"] == 13.68


def test_api_template_and_inspection_in_one_push(device: Any, county_db: str) -> None:
    sup = device("sup1")
    doc = sup.sync([sup.op("templates", "t1", TEMPLATE),
                    sup.op("inspections", "i1", inspection(items={"e1": {"count": 2}}))])
    assert [r["status"] for r in doc["results"]] == ["applied", "applied"]
    data = stored(county_db, "inspections", "i1")
    assert data is not None and data["sections"]["S1"] == 3.0 and data["score"] == 43.0


@pytest.mark.parametrize(("change", "path"), [
    ({"sections.0.items.0.rule": "deduct_all"}, "sections.0.items.0.rule"),
    ({"sections.3.items.0.points": -1}, "sections.3.items.0.points"),
    ({"sections.5.items.0.tiers": [{"min": 5000, "add": 0.5}, {"min": 1500, "add": 0.3}]},
     "sections.5.items.0.tiers.1.min"),
    ({"sections.5.items.2.group": "prizes"}, "sections.5.items.2.group"),
    ({"sections.1.items.0.id": "e1"}, "sections.1.items.0.id"),
    ({"sections.4.items.0.target": None}, "sections.4.items.0.target"),
    ({"sections.5.items.1.per": None, "sections.5.items.1.cap": None}, "sections.5.items.1.per"),
])
def test_api_invalid_template_rejected_with_path(device: Any, county_db: str, change: dict[str, Any],
                                                 path: str) -> None:
    sup = device("sup1")
    res = result(sup.sync([sup.op("templates", "bad", mutate(TEMPLATE, change))]))
    assert res["status"] == "rejected" and res["code"] == "invalid"
    assert res["details"]["path"] == path
    assert stored(county_db, "templates", "bad") is None
    assert quarantined(county_db) == [("bad", "invalid")]


def test_api_invalid_template_edit_changes_nothing(device: Any, county_db: str) -> None:
    sup = device("sup1")
    sup.sync([sup.op("templates", "t1", {**TEMPLATE, "status": "draft"})])
    before = stored(county_db, "templates", "t1")
    broken = mutate(TEMPLATE, {"sections.0.mode": "subtract"})["sections"]
    res = result(sup.sync([sup.op("templates", "t1", {"sections": broken})]))
    assert res["status"] == "rejected" and res["details"]["path"] == "sections.0.mode"
    assert stored(county_db, "templates", "t1") == before


def test_api_template_draft_without_sections_is_taken(device: Any, county_db: str) -> None:
    sup = device("sup1")
    res = result(sup.sync([sup.op("templates", "t2", {"name": "草稿", "county_id": "k1", "version": 1,
                                                      "status": "draft"})]))
    assert res["status"] == "applied"


@pytest.mark.parametrize(("items", "path"), [
    ({"e1": {"rating": "satisfied"}}, "items.e1.rating"),
    ({"r1": {"na": True}}, "items.r1.na"),
    ({"b2": {"value": 3}}, "items.b2.value"),
    ({"zz": {"count": 1}}, "items.zz"),
    ({"q1": {"count": 3}}, "items.q1.count"),
])
def test_api_answers_checked_against_their_rule(device: Any, county_db: str, items: dict[str, Any],
                                                path: str) -> None:
    sup, field = device("sup1"), device("f1")
    sup.sync([sup.op("templates", "t1", TEMPLATE)])
    field.sync([field.op("inspections", "i1", inspection(items={"e1": {"count": 1}}))])
    before = stored(county_db, "inspections", "i1")
    res = result(field.sync([field.op("inspections", "i1", {"items": items})]))
    assert res["status"] == "rejected" and res["code"] == "invalid" and res["details"]["path"] == path
    assert stored(county_db, "inspections", "i1") == before
    assert quarantined(county_db)[-1][1] == "invalid"


def test_api_inspection_names_the_template_version_it_is_scored_by(device: Any, county_db: str) -> None:
    sup, field = device("sup1"), device("f1")
    sup.sync([sup.op("templates", "t1", TEMPLATE)])
    res = result(field.sync([field.op("inspections", "i1", {**inspection(), "template_version": 2})]))
    assert res["status"] == "rejected" and res["details"]["path"] == "template_version"
    assert stored(county_db, "inspections", "i1") is None


def test_api_inspection_by_another_countys_template_is_refused(device: Any, county_db: str) -> None:
    other = device("sup2")  # county k2
    other.sync([other.op("templates", "t-k2", {**TEMPLATE, "county_id": "k2"})])
    field = device("f1")  # centre c1 of county k1
    res = result(field.sync([field.op("inspections", "i1", inspection("t-k2"))]))
    assert res["status"] == "rejected" and res["details"]["path"] == "template_id"
    assert stored(county_db, "inspections", "i1") is None


def test_api_inspection_of_unknown_template_has_no_score(device: Any, county_db: str) -> None:
    field = device("f1")
    res = result(field.sync([field.op("inspections", "i1", inspection("nope", {"x": {"count": 2}}))]))
    assert res["status"] == "applied"
    data = stored(county_db, "inspections", "i1")
    assert data is not None
    assert (data["score"], data["vetoed"], data["sections"], data["unanswered"]) == (None, None, None, None)


def test_api_inspection_keeps_the_version_it_names(device: Any, county_db: str) -> None:
    sup, field = device("sup1"), device("f1")
    sup.sync([sup.op("templates", "t1", TEMPLATE)])
    field.sync([field.op("inspections", "i1", inspection(items={"e1": {"count": 1}}))])
    harsher = mutate(TEMPLATE, {"sections.0.items.0.per": 3, "version": 2, "supersedes": "t1"})
    assert result(sup.sync([sup.op("templates", "t2", harsher)]))["status"] == "applied"
    field.sync([field.op("inspections", "i1", {"items.e1.note": "已整改"})])
    data = stored(county_db, "inspections", "i1")
    assert data is not None and data["sections"]["S1"] == 4.0  # by t1: 1 point per lapse
    field.sync([field.op("inspections", "i2", inspection("t2", {"e1": {"count": 1}}, template_version=2))])
    data = stored(county_db, "inspections", "i2")
    assert data is not None and data["sections"]["S1"] == 2.0


def test_api_reinspection_scores_only_its_items(device: Any, county_db: str) -> None:
    sup, field = device("sup1"), device("f1")
    sup.sync([sup.op("templates", "t1", TEMPLATE)])
    res = result(field.sync([field.op("inspections", "re1", inspection(
        items={"s2": {"count": 2}, "q1": {"value": 50}}, item_ids=["s2", "q1"]))]))
    assert res["status"] == "applied"
    data = stored(county_db, "inspections", "re1")
    assert data is not None
    assert data["sections"] == {"S2": 18.0, "S5": 2.5} and data["score"] == 20.5
    bad = result(field.sync([field.op("inspections", "re2", inspection(item_ids=["nope"]))]))
    assert bad["status"] == "rejected" and bad["details"]["path"] == "item_ids"


def test_api_computed_scores_are_not_client_writable(device: Any, county_db: str) -> None:
    sup, field = device("sup1"), device("f1")
    sup.sync([sup.op("templates", "t1", TEMPLATE)])
    for values in ({"score": 100}, {"sections.S1": 5}, {"unanswered": []}, {"vetoed": False}):
        res = result(field.sync([field.op("inspections", "i9", inspection(**values))]))
        assert res["status"] == "rejected", values
    assert stored(county_db, "inspections", "i9") is None


