"""``rubric.most``: the most the items of a template can reach together (a re-inspection's
maximum, ``most(subset(...))``). No answers score above it, and answering every item at its
best reaches it exactly (hypothesis); hand-computed figures on the contract's template."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync import rubric
from tests.support.budget import examples
from tests.support.rubrics import load
from tests.test_rubric_properties import answered

TEMPLATE = load("rubric-vectors.json")["template"]


def best_answers(template: dict[str, Any]) -> dict[str, Any]:
    """Each item's best answer: no lapse, very satisfied, the target met, the top tier, the
    largest count."""
    out: dict[str, Any] = {}
    for iid, item in rubric.items_of(template).items():
        rule = item["rule"]
        if rule in rubric.DEDUCT:
            out[iid] = {"count": 0}
        elif rule == "proportional":
            out[iid] = {"value": item["target"]}
        elif rule == "rating":
            out[iid] = {"rating": "very_satisfied"}
        elif rule == "bonus" and "tiers" in item:
            top = max(item["tiers"], key=lambda t: t["add"])
            out[iid] = {"value": top["min"]}
        elif rule == "bonus":
            out[iid] = {"count": rubric.MAX_COUNT}
        else:
            out[iid] = {"vetoed": False}
    return out


def test_rubric_most_by_hand_on_the_contract_template() -> None:
    assert rubric.total(TEMPLATE) == 100.0
    # S6 (bonus, 20): b1 top tier 1 + b2 capped 2.5 + honours group capped 5 = 8.5 of 20
    assert rubric.most(TEMPLATE) == 88.5
    sub = rubric.subset
    assert rubric.most(sub(TEMPLATE, ["e1", "s2"])) == 25.0  # deduct sections: their points
    assert rubric.most(sub(TEMPLATE, ["q1"])) == 5.0  # one 5-point item of the 15-point S5
    assert rubric.total(sub(TEMPLATE, ["q1"])) == 15.0
    assert rubric.most(sub(TEMPLATE, ["q1", "r1"])) == 25.0
    assert rubric.most(sub(TEMPLATE, ["b3", "b4"])) == 5.0  # the honours cap
    assert rubric.most(sub(TEMPLATE, ["v1"])) == 0.0


@settings(max_examples=examples(300), deadline=None)
@given(answered(), st.data())
def test_rubric_most_bounds_every_score_and_is_reached(case: tuple[dict[str, Any], dict[str, Any]],
                                                      data: st.DataObject) -> None:
    template, answers = case
    ids = list(rubric.items_of(template))
    chosen = data.draw(st.lists(st.sampled_from(ids), unique=True)) if ids else []
    reduced = rubric.subset(template, chosen)
    top = rubric.most(reduced)
    assert 0 <= top <= rubric.total(reduced)
    assert rubric.score_subset(template, answers, chosen)["score"] <= top
    assert rubric.score_subset(template, best_answers(template), chosen)["score"] == top
    assert rubric.score(template, best_answers(template))["score"] == rubric.most(template)
