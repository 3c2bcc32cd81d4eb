"""Properties of the rubric scorer (hypothesis): a score stays within [0, total], more lapses
never raise it, rounding is half-up at the item, the validator rejects each kind of mistake at
its path, and no template or answer crashes the scorer (it scores or raises Invalid)."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sync import rubric
from sync.errors import Invalid
from tests.support.budget import examples
from tests.support.rubrics import mutate, random_answers, random_template

hundredths = st.integers(0, 3000).map(lambda h: h / 100)
small = st.integers(0, 1000).map(lambda h: h / 100)


@st.composite
def items(draw: st.DrawFn, iid: str, groups: list[str]) -> dict[str, Any]:
    rule = draw(st.sampled_from(rubric.RULES))
    item: dict[str, Any] = {"id": iid, "text": "项", "rule": rule}
    if rule in rubric.DEDUCT:
        if draw(st.booleans()):
            item["per"] = draw(small)
        if draw(st.booleans()):
            item["cap"] = draw(hundredths)
    elif rule == "proportional":
        item["points"] = draw(hundredths)
        item["target"] = draw(st.sampled_from([1, 3, 7, 100, 0.5, 33.3, 1000]))
    elif rule == "rating":
        item["points"] = draw(hundredths)
    elif rule == "bonus":
        if draw(st.booleans()):
            mins = sorted(draw(st.sets(st.integers(0, 10000), min_size=1, max_size=4)))
            item["tiers"] = [{"min": m, "add": draw(small)} for m in mins]
        else:
            item["per"] = draw(small)
            if draw(st.booleans()):
                item["cap"] = draw(hundredths)
    if groups and rule != "veto" and draw(st.booleans()):
        item["group"] = draw(st.sampled_from(groups))
    return item


@st.composite
def templates(draw: st.DrawFn) -> dict[str, Any]:
    sections = []
    n = 0
    for s in range(draw(st.integers(1, 4))):
        caps = {g: draw(hundredths) for g in draw(st.lists(st.sampled_from("ghk"), unique=True, max_size=2))}
        its = []
        for _ in range(draw(st.integers(0, 5))):
            n += 1
            its.append(draw(items(f"i{n}", list(caps))))
        sec: dict[str, Any] = {"id": f"S{s}", "name": "部分", "mode": draw(st.sampled_from(rubric.MODES)),
                               "points": draw(hundredths), "items": its}
        if caps:
            sec["group_caps"] = caps
        sections.append(sec)
    return {"name": "随机", "sections": sections}


@st.composite
def answered(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    template = draw(templates())
    out: dict[str, Any] = {}
    for item in rubric.items_of(template).values():
        if not draw(st.booleans()):
            continue
        rule = item["rule"]
        if rule in rubric.DEDUCT:
            na = draw(st.integers(0, 9)) == 0
            out[item["id"]] = {"na": True} if na else {"count": draw(st.integers(0, 30))}
        elif rule == "proportional" or "tiers" in item:
            out[item["id"]] = {"value": draw(st.integers(0, 2_000_000).map(lambda v: v / 1000))}
        elif rule == "rating":
            out[item["id"]] = {"rating": draw(st.sampled_from(list(rubric.RATINGS)))}
        elif rule == "bonus":
            out[item["id"]] = {"count": draw(st.integers(0, 30))}
        else:
            out[item["id"]] = {"vetoed": draw(st.booleans())}
    return template, out


@settings(max_examples=examples(300), deadline=None)
@given(answered())
def test_rubric_score_stays_within_zero_and_total(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    template, answers = case
    result = rubric.score(template, answers)
    assert 0 <= result["score"] <= rubric.total(template)
    for sec in template["sections"]:
        assert 0 <= result["sections"][sec["id"]] <= sec["points"]
    # sections are exact hundredths and add up to the score exactly
    parts = [Decimal(repr(v)) for v in result["sections"].values()]
    assert all(p == p.quantize(Decimal("0.01")) for p in parts)
    assert sum(parts, Decimal(0)) == Decimal(repr(result["score"]))
    vetoes = [i for i in rubric.items_of(template).values() if i["rule"] == "veto"]
    assert result["vetoed"] == any(answers.get(i["id"], {}).get("vetoed") is True for i in vetoes)
    assert result["unanswered"] == [i for i in rubric.items_of(template) if i not in answers]


@settings(max_examples=examples(300), deadline=None)
@given(answered(), st.data())
def test_rubric_more_lapses_never_raise_the_score(case: tuple[dict[str, Any], dict[str, Any]],
                                                  data: st.DataObject) -> None:
    template, answers = case
    deductions = [i for i in rubric.items_of(template).values() if i["rule"] in rubric.DEDUCT]
    if not deductions:
        return
    item = data.draw(st.sampled_from(deductions))
    before = rubric.score(template, answers)
    count = answers.get(item["id"], {}).get("count", 0)
    more = {**answers, item["id"]: {"count": count + data.draw(st.integers(1, 20))}}
    after = rubric.score(template, more)
    assert after["score"] <= before["score"]
    # and fewer bonus units or a lower rating never raise it either
    for other in rubric.items_of(template).values():
        if other["rule"] == "rating" and other["id"] in answers:
            worse = {**answers, other["id"]: {"rating": "dissatisfied"}}
            assert rubric.score(template, worse)["score"] <= before["score"]


@settings(max_examples=examples(300), deadline=None)
@given(st.integers(0, 2000))
def test_rubric_rounds_half_up_at_the_item(n: int) -> None:
    # 1 point x n/1000: every thousandth, so every "…5" is a half to round up
    template = {"sections": [{"id": "S", "name": "s", "mode": "earn", "points": 5, "items": [
        {"id": "a", "text": "a", "rule": "proportional", "points": 1, "target": 1000},
        {"id": "b", "text": "b", "rule": "proportional", "points": 1, "target": 1000}]}]}
    got = rubric.score(template, {"a": {"value": n}, "b": {"value": n}})
    each = (Decimal(min(n, 1000)) / 1000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert got["score"] == float(2 * each)  # rounded per item, then summed (not round(sum))


@settings(max_examples=examples(200), deadline=None)
@given(answered())
def test_rubric_subset_of_every_item_is_the_whole_score(case: tuple[dict[str, Any], dict[str, Any]]) -> None:
    template, answers = case
    ids = list(rubric.items_of(template))
    whole = rubric.score(template, answers)
    part = rubric.score_subset(template, answers, ids)
    kept = {s["id"] for s in template["sections"] if s["items"]}
    assert part["sections"] == {k: v for k, v in whole["sections"].items() if k in kept}
    assert part["unanswered"] == whole["unanswered"] and part["vetoed"] == whole["vetoed"]


FAULTS: list[tuple[str, Any]] = [
    ("rule", "deduct_everything"), ("rule", None), ("id", "a b"), ("text", 3),
    ("per", -1), ("cap", -0.5), ("points", -2), ("target", 0), ("group", "nowhere"), ("extra", 1),
]


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(templates(), st.data())
def test_rubric_validator_rejects_each_mistake_at_its_path(template: dict[str, Any],
                                                          data: st.DataObject) -> None:
    rubric.validate_template(template)
    spots = [(i, j) for i, s in enumerate(template["sections"]) for j in range(len(s["items"]))]
    if not spots:
        with pytest.raises(Invalid) as err:
            rubric.validate_template(mutate(template, {"sections.0.points": -1}))
        assert err.value.path == "sections.0.points"
        return
    i, j = data.draw(st.sampled_from(spots))
    key, value = data.draw(st.sampled_from(FAULTS))
    where = f"sections.{i}.items.{j}"
    bad = mutate(template, {f"{where}.{key}": value})  # None: the key removed
    # a bad value, or a field the item's rule does not take, is named at that field
    with pytest.raises(Invalid) as err:
        rubric.validate_template(bad)
    assert err.value.path == f"{where}.{key}"
    # a duplicate id anywhere later in the template is named where it repeats
    if len(spots) > 1:
        (i1, j1), (i2, j2) = spots[0], spots[-1]
        first = template["sections"][i1]["items"][j1]["id"]
        with pytest.raises(Invalid) as err:
            rubric.validate_template(mutate(template, {f"sections.{i2}.items.{j2}.id": first}))
        assert err.value.path == f"sections.{i2}.items.{j2}.id"


def test_rubric_never_crashes_on_random_input() -> None:
    r = random.Random(20261201)
    outcomes = {"scored": 0, "invalid": 0}
    for _ in range(3000):
        template = random_template(r, faults=0.05)
        answers = random_answers(r, template, faults=0.05)
        try:
            rubric.score(template, answers)
            outcomes["scored"] += 1
        except Invalid as err:
            assert isinstance(err.path, str)
            outcomes["invalid"] += 1
    assert outcomes["scored"] > 300 and outcomes["invalid"] > 300, outcomes


@pytest.mark.parametrize("huge", [10**400, -(10**400), float("inf"), float("nan")])
def test_rubric_huge_or_odd_numbers_are_invalid_not_a_crash(huge: Any) -> None:
    template = {"sections": [{"id": "S", "name": "s", "mode": "earn", "points": 5, "items": [
        {"id": "a", "text": "t", "rule": "proportional", "points": 5, "target": 3},
        {"id": "b", "text": "t", "rule": "deduct_each"}]}]}
    with pytest.raises(Invalid) as err:
        rubric.validate_template(mutate(template, {"sections.0.points": huge}))
    assert err.value.path == "sections.0.points"
    for answers, path in (({"a": {"value": huge}}, "items.a.value"),
                          ({"b": {"count": huge}}, "items.b.count")):
        with pytest.raises(Invalid) as err:
            rubric.score(template, answers)
        assert err.value.path == path


def _variants(template: dict[str, Any], answers: dict[str, Any], r: random.Random) -> list[Any]:
    """The answers, the same with whole counts written as floats and N/A beside a count (a
    concurrent edit), and random answer sets to the same template."""
    floats = {k: {**v, "count": float(v["count"])} if "count" in v else v for k, v in answers.items()}
    both = {k: {**v, "count": 3} if v.get("na") is True else v for k, v in answers.items()}
    counted = {k: {"count": 3} if v.get("na") is True else v for k, v in answers.items()}
    return [answers, floats, both, counted, *(random_answers(r, template, faults=0.0) for _ in range(6)),
            answers]


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answered(), st.randoms(use_true_random=False))
def test_rubric_scoring_plan_equals_the_template_walk(case: tuple[dict[str, Any], dict[str, Any]],
                                                      r: random.Random) -> None:
    """``score_checked`` scores by the template's compiled plan, reusing contributions worked
    out for earlier inspections: every result equals the walk of the template itself."""
    template, answers = case
    checked = rubric.check_template(template)
    for variant in _variants(template, answers, r):
        try:
            rubric.check_answers(template, variant)
        except Invalid:
            with pytest.raises(Invalid):
                rubric.score_checked(checked, variant)
            continue
        want = rubric._score(template, {k: v for k, v in variant.items() if v is not None})
        got = rubric.score_checked(checked, variant)
        assert got == want
        assert repr(got) == repr(want)  # same figures, same order


def test_rubric_answer_keys_are_checked_in_one_order() -> None:
    """An answer's fields are judged in ANSWER_KEYS order (the first error is the one the
    phone shows too): check_answers walks an answer's keys sorted, so the order is sorted."""
    assert list(rubric.ANSWER_KEYS) == sorted(rubric.ANSWER_KEYS)
    template = {"sections": [{"id": "S", "name": "s", "mode": "deduct", "points": 10, "items": [
        {"id": "e1", "text": "t", "rule": "deduct_each", "per": 1}]}]}
    with pytest.raises(Invalid) as err:  # rating (not this rule's) and note (not text) both wrong
        rubric.check_answers(template, {"e1": {"vetoed": True, "note": 5, "rating": "satisfied"}})
    assert err.value.path == "items.e1.note"
