"""The Python scorer against every vector: the contract's (rubric-vectors.json, also checked
to be the copy in ../shared when that is present) and our own hand-worked ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.rubrics import DATA, contract_cases, expected, extra_cases, run_python, same

SHARED = Path(__file__).resolve().parents[2] / "shared" / "rubric-vectors.json"  # beside the clone


@pytest.mark.parametrize("case", contract_cases(), ids=lambda c: c["name"])
def test_rubric_contract_vectors(case: dict[str, Any]) -> None:
    assert same(run_python(case), expected(case))


@pytest.mark.parametrize("case", extra_cases(), ids=lambda c: c["name"])
def test_rubric_extra_vectors(case: dict[str, Any]) -> None:
    got = run_python(case)
    assert got == expected(case), case.get("worked", "")


def test_rubric_extra_vectors_cover_every_rule_and_mode() -> None:
    cases = extra_cases()
    rules = {i["rule"] for c in cases for s in c["template"]["sections"] if isinstance(s, dict)
             for i in s["items"]}
    modes = {s.get("mode") for c in cases for s in c["template"]["sections"] if isinstance(s, dict)}
    assert {"deduct_each", "deduct_per_incident", "proportional", "rating", "bonus", "veto"} <= rules
    assert {"deduct", "earn", "bonus"} <= modes
    assert sum("reject" in c for c in cases) >= 40 and sum("expect" in c for c in cases) >= 20


def test_rubric_contract_copy_is_current() -> None:
    if not SHARED.exists():  # outside the workspace the copy in tests/data is the contract
        return
    assert json.loads(SHARED.read_text()) == json.loads((DATA / "rubric-vectors.json").read_text())


def test_rubric_ratings_match_the_schemas() -> None:
    from sync import rubric
    from sync.schema import load
    assert {k: v["points"] for k, v in load().ratings.items()} == rubric.RATINGS
