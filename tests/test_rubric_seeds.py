"""The seed rubrics in server/demo/rubrics: valid templates, scored on a hand-worked sample,
loaded by the demo and shipped as package data."""

from __future__ import annotations

import tomllib
from pathlib import Path

from server.demo.data import COUNTY_ID, build_demo, rubrics
from sync import rubric
from sync.schema import validate_record

ROOT = Path(__file__).resolve().parents[1]


def test_rubric_seeds_are_valid_templates() -> None:
    seeds = rubrics()
    assert set(seeds) == {"tpl-window-standard", "tpl-hall-best", "tpl-township-special"}
    for template in seeds.values():
        rubric.validate_template(template)
        validate_record("templates", {**template, "county_id": "k1"})
        assert template["total"] == rubric.total(template)
    assert rubric.total(seeds["tpl-hall-best"]) == 100 and rubric.total(seeds["tpl-window-standard"]) == 100
    vetoes = [i for i in rubric.items_of(seeds["tpl-hall-best"]).values() if i["rule"] == "veto"]
    assert len(vetoes) == 7


def test_rubric_seeds_score_the_window_sample() -> None:
    answers = {"s1": {"count": 1}, "p1": {"count": 1}, "r1": {"rating": "satisfied"},
               "b1": {"value": 5200}, "h1": {"count": 2}, "h2": {"count": 1},
               "n1": {"count": 3}, "n2": {"count": 2}, "n4": {"count": 1},
               "l1": {"count": 1}, "l2": {"count": 1}, "k1": {"count": 2}, "k2": {"count": 1},
               "m1": {"value": 92.5}, **{f"v{i}": {"vetoed": False} for i in range(1, 8)}}
    got = rubric.score(rubrics()["tpl-window-standard"], answers)
    # S1 20-10; S2 20-4; S3 20*18/20; S4 0.5 + min(5, 2+3) + min(2.5, 1.5+0.2+2) + min(1.5, 0.5+1)
    # + min(10, 2+1) = 12.5; S5 20*92.5/100 = 18.5
    assert got["sections"] == {"S1": 10.0, "S2": 16.0, "S3": 18.0, "S4": 12.5, "S5": 18.5, "V": 0.0}
    assert got["score"] == 75.0 and got["vetoed"] is False
    assert got["unanswered"] == ["h3", "n3", "k3", "k4", "k5"]


def test_rubric_seeds_score_the_hall_sample() -> None:
    answers = {"r1": {"value": 87.5}, "r2": {"count": 2}, "r3": {"count": 1}, "k1": {"count": 0},
               "k2": {"value": 93}, "k3": {"na": True}, "k4": {"count": 3},
               "s1": {"count": 1}, "s2": {"count": 0}, "s3": {"count": 6}, "s4": {"count": 2},
               "s5": {"count": 0}, "i1": {"count": 1}, "i2": {"count": 2}, "i3": {"count": 3},
               "i4": {"count": 1}, "i6": {"count": 1}, "m1": {"value": 96}, "v3": {"vetoed": True}}
    got = rubric.score(rubrics()["tpl-hall-best"], answers)
    assert got["sections"] == {"R1": 4.38, "R2": 3.0, "R3": 9.0, "K1": 5.0, "K2": 4.65, "K3": 5.0,
                               "K4": 3.0, "S": 17.0, "I": 12.0, "M": 19.2, "V": 0.0}
    assert got["score"] == 82.23 and got["vetoed"] is True


def test_rubric_seeds_township_checklist_records_lapses_without_points() -> None:
    got = rubric.score(rubrics()["tpl-township-special"], {"a1": {"count": 2}, "d1": {"count": 1}})
    assert got == {"score": 0.0, "vetoed": False, "sections": {"A": 0.0, "B": 0.0, "C": 0.0, "D": 0.0},
                   "unanswered": ["b1", "c1"]}


def test_rubric_seeds_are_in_the_demo_and_the_package() -> None:
    county = build_demo(now_ms=1_764_000_000_000, months=1)
    templates = {r.id: r.data for r in county.records if r.collection == "templates"}
    assert set(templates) == set(rubrics())
    assert all(t["county_id"] == COUNTY_ID for t in templates.values())
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "rubrics/*.json" in data["server.demo"]
    assert len(list((ROOT / "server" / "demo" / "rubrics").glob("*.json"))) == 3
