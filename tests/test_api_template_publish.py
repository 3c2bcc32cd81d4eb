"""Publishing a rubric template version on the server: a draft becomes published (never back),
only a complete rubric is published, a template's versions stay one line (two drafts of the
next version cannot both be published), and only supervisors and admins write templates."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

from tests.support.rubrics import load

VECTORS = load("rubric-vectors.json")
V1 = {**VECTORS["template"], "county_id": "k1", "status": "published", "version": 1}


def sections() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = json.loads(json.dumps(V1["sections"]))
    return out


def draft_of(old: str, version: int = 2) -> dict[str, Any]:
    return {**V1, "status": "draft", "version": version, "supersedes": old, "sections": sections()}


def result(dev: Any, collection: str, record: str, values: dict[str, Any]) -> dict[str, Any]:
    res: dict[str, Any] = dev.sync([dev.op(collection, record, values)])["results"][0]
    return res


def quarantined(db: str, record: str) -> list[str]:
    with closing(sqlite3.connect(db)) as conn:
        return [code for (code,) in conn.execute(
            "SELECT code FROM quarantine WHERE record=? ORDER BY rowid", (record,))]


def stored(db: str, record: str) -> dict[str, Any]:
    with closing(sqlite3.connect(db)) as conn:
        (data,) = conn.execute("SELECT data FROM records WHERE collection='templates' AND id=?",
                               (record,)).fetchone()
    out: dict[str, Any] = json.loads(data)
    return out


def test_template_publish_is_one_way(device: Any, county_db: str) -> None:
    sup = device("sup1")
    assert result(sup, "templates", "t1", V1)["status"] == "applied"
    res = result(sup, "templates", "t1", {"status": "draft"})
    assert (res["status"], res["code"]) == ("rejected", "invalid_transition"), res
    assert res["details"]["allowed"] == ["retired"]
    # with the status unchanged, the sections stay frozen
    res = result(sup, "templates", "t1", {"sections": []})
    assert (res["status"], res["code"]) == ("rejected", "immutable"), res
    assert stored(county_db, "t1")["status"] == "published"
    assert quarantined(county_db, "t1") == ["invalid_transition", "immutable"]
    assert result(sup, "templates", "t1", {"status": "retired"})["status"] == "applied"
    res = result(sup, "templates", "t1", {"status": "published"})
    assert (res["status"], res["code"]) == ("rejected", "invalid_transition"), res


def test_template_publish_needs_a_complete_rubric(device: Any, county_db: str) -> None:
    sup = device("sup1")
    empty = {"name": "新考评细则", "county_id": "k1", "version": 1, "status": "draft"}
    assert result(sup, "templates", "t2", empty)["status"] == "applied"
    res = result(sup, "templates", "t2", {"status": "published"})
    assert (res["status"], res["code"], res["details"]["path"]) == ("rejected", "invalid", "sections")
    hollow = [{"id": "S1", "name": "服务规范", "mode": "deduct", "points": 10, "items": []}]
    assert result(sup, "templates", "t2", {"sections": hollow})["status"] == "applied"
    res = result(sup, "templates", "t2", {"status": "published"})
    assert (res["status"], res["code"], res["details"]["path"]) == (
        "rejected", "invalid", "sections.0.items")
    # a bad value in a draft is refused at the item, and the draft keeps its last good state
    bad = sections()
    bad[0]["items"][0]["per"] = 1.234
    res = result(sup, "templates", "t2", {"sections": bad})
    assert (res["status"], res["code"], res["details"]["path"]) == (
        "rejected", "invalid", "sections.0.items.0.per")
    assert stored(county_db, "t2")["sections"] == hollow
    assert result(sup, "templates", "t2", {"sections": sections()})["status"] == "applied"
    assert result(sup, "templates", "t2", {"status": "published"})["status"] == "applied"
    assert stored(county_db, "t2")["status"] == "published"


def test_template_versions_stay_one_line(device: Any, county_db: str) -> None:
    sup = device("sup1")
    assert result(sup, "templates", "t1", V1)["status"] == "applied"
    for rid in ("t1-a", "t1-b"):
        assert result(sup, "templates", rid, draft_of("t1"))["status"] == "applied"
    assert result(sup, "templates", "t1-a", {"status": "published"})["status"] == "applied"
    res = result(sup, "templates", "t1-b", {"status": "published"})
    assert (res["status"], res["code"], res["details"]["path"]) == ("rejected", "invalid", "supersedes")
    assert res["details"]["superseded_by"] == "t1-a"
    assert stored(county_db, "t1-b")["status"] == "draft"
    # the next version follows the newest one; both drafts published in one push: one wins
    ops = [sup.op("templates", rid, {**draft_of("t1-a", 3), "status": "published"})
           for rid in ("t1-c", "t1-d")]
    got = [(r["status"], r.get("code")) for r in sup.sync(ops)["results"]]
    assert got == [("applied", None), ("rejected", "invalid")], got


def test_template_only_supervisors_write_templates(device: Any, county_db: str) -> None:
    sup, field, centre = device("sup1"), device("f1"), device("ctr1")
    assert result(sup, "templates", "t1", V1)["status"] == "applied"
    for dev in (field, centre):
        res = result(dev, "templates", "t1-x", draft_of("t1"))
        assert (res["status"], res["code"]) == ("rejected", "forbidden"), res
    assert quarantined(county_db, "t1-x") == ["forbidden", "forbidden"]


def test_template_item_that_always_applies_refuses_na(device: Any, county_db: str) -> None:
    sup, field = device("sup1"), device("f1")
    strict = sections()
    strict[0]["items"][0]["na"] = False  # e1 always applies
    assert result(sup, "templates", "t1", {**V1, "sections": strict})["status"] == "applied"
    field.sync_all()
    base = {"centre_id": "c1", "template_id": "t1", "template_version": 1}
    res = result(field, "inspections", "i1", {**base, "items": {"e1": {"na": True}}})
    assert (res["status"], res["code"], res["details"]["path"]) == ("rejected", "invalid", "items.e1.na")
    res = result(field, "inspections", "i2", {**base, "items": {"e1": {"count": 2}, "e2": {"na": True}}})
    assert res["status"] == "applied", res
    with closing(sqlite3.connect(county_db)) as conn:
        (data,) = conn.execute("SELECT data FROM records WHERE id='i2'").fetchone()
    assert json.loads(data)["sections"]["S1"] == 3.0  # 5 - 2, e2 not applicable
    # na is a deduction item's parameter only, and a yes or no
    rating = sections()
    rating[3]["items"][0]["na"] = False
    res = result(sup, "templates", "t2", {**V1, "sections": rating})
    assert (res["code"], res["details"]["path"]) == ("invalid", "sections.3.items.0.na")
