"""The validated-template cache of the write path (``server.store.rubrics.checked_template``)
never serves a stale rubric: a draft edited between pushes, or earlier in the same push,
scores the inspections written after the edit by the edited rubric; an inspection written in
the same push before an edit is scored, as before the cache, by the template as the push
leaves it. A stored text is validated once and reused, and an invalid stored template is
remembered as invalid (its inspections stay unscored, never crash)."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

from server.store import rubrics
from sync.errors import Invalid
from tests.support.rubrics import load

TEMPLATE = {**load("rubric-vectors.json")["template"], "county_id": "k1"}
DRAFT = {**TEMPLATE, "status": "draft"}


def stored(db: str, collection: str, record: str) -> dict[str, Any]:
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT data FROM records WHERE collection=? AND id=?",
                           (collection, record)).fetchone()
    assert row is not None, f"{collection}/{record} not stored"
    data: dict[str, Any] = json.loads(row[0])
    return data


def inspection(**items: Any) -> dict[str, Any]:
    return {"centre_id": "c1", "template_id": "t1", "template_version": 1, "items": items}


def with_per(per: int) -> list[dict[str, Any]]:
    """The draft's sections with item e1 (S1: 5 points, deduct each) costing ``per``."""
    sections: list[dict[str, Any]] = json.loads(json.dumps(DRAFT["sections"]))
    sections[0]["items"][0]["per"] = per
    return sections


def test_store_template_cache_draft_edited_between_pushes(device: Any, county_db: str) -> None:
    sup, field = device("sup1"), device("f1")
    assert sup.sync([sup.op("templates", "t1", DRAFT)])["results"][0]["status"] == "applied"
    field.sync([field.op("inspections", "i1", inspection(e1={"count": 1}))])
    assert stored(county_db, "inspections", "i1")["sections"]["S1"] == 4.0  # 5 - 1×1
    # the draft changes: the next inspection is scored by the edit, not the rubric seen before
    assert sup.sync([sup.op("templates", "t1", {"sections": with_per(3)})])["results"][0]["status"] \
        == "applied"
    field.sync([field.op("inspections", "i2", inspection(e1={"count": 1}))])
    assert stored(county_db, "inspections", "i2")["sections"]["S1"] == 2.0  # 5 - 1×3
    # and the first one, written again, is rescored by it too
    field.sync([field.op("inspections", "i1", {"items.e2.count": 1})])
    assert stored(county_db, "inspections", "i1")["sections"]["S1"] == 1.0  # 5 - 3 - 1
    # editing it back to a text seen before is that rubric again
    sup.sync([sup.op("templates", "t1", {"sections": DRAFT["sections"]})])
    field.sync([field.op("inspections", "i3", inspection(e1={"count": 1}))])
    assert stored(county_db, "inspections", "i3")["sections"]["S1"] == 4.0


def test_store_template_cache_draft_edited_within_one_push(device: Any, county_db: str) -> None:
    sup = device("sup1")
    sup.sync([sup.op("templates", "t1", DRAFT)])
    doc = sup.sync([
        sup.op("inspections", "i-before", inspection(e1={"count": 1})),
        sup.op("templates", "t1", {"sections": with_per(2)}),
        sup.op("inspections", "i-after", inspection(e1={"count": 1})),
        # an answer the edited rubric refuses: e1 (deduct each) is answered by a count only
        sup.op("inspections", "i-bad", inspection(e1={"rating": "satisfied"})),
    ])
    assert [r["status"] for r in doc["results"]] == ["applied", "applied", "applied", "rejected"]
    assert doc["results"][3]["details"]["path"] == "items.e1.rating"
    assert stored(county_db, "inspections", "i-after")["sections"]["S1"] == 3.0
    # written before the edit in the same push: scored as the push leaves the template
    assert stored(county_db, "inspections", "i-before")["sections"]["S1"] == 3.0


def test_store_template_cache_validates_a_text_once() -> None:
    text = json.dumps(TEMPLATE, ensure_ascii=False)
    first = rubrics.checked_template(text)
    assert first.error is None and first.template["sections"][0]["id"] == "S1"
    assert rubrics.checked_template(text) is first
    # another text (an edited draft) is another entry, validated on its own
    edited = json.dumps({**TEMPLATE, "sections": with_per(2)}, ensure_ascii=False)
    assert rubrics.checked_template(edited) is not first
    assert rubrics.checked_template(edited).template["sections"][0]["items"][0]["per"] == 2
    # an invalid one is remembered with its error (an inspection of it stays unscored)
    bad = rubrics.checked_template(json.dumps({**TEMPLATE, "sections": [{"id": "S1"}]}))
    assert isinstance(bad.error, Invalid) and bad.error.path == "sections.0.name"
