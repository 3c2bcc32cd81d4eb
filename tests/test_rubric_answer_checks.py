"""``check_answers``' fast path (``Checked.answer_checks``: each item's fields with a test of
their value) against the plain definition (every check, field by field): over random
templates (``na: false`` items, every rule) and answers that are right, wrong for their
item's rule, of the wrong type, null, with unknown fields, and of unknown items, it raises
the same error (message, path) or passes exactly when the plain checks do."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from sync import rubric
from sync.errors import Invalid
from tests.support.budget import examples
from tests.support.rubrics import random_answers, random_template

ODD: tuple[Any, ...] = (None, 0, 1, -1, 2.0, 2.5, 10_001, 1e7, float("inf"), "satisfied", "bad", "", True,
                        False, ["a" * 64], [], {"x": 1}, "备注")


def verdict(*args: Any) -> Any:
    try:
        rubric.check_answers(*args)
    except Invalid as err:
        return (err.message, err.path, err.details)
    return "ok"


@settings(max_examples=examples(1500), deadline=None)
@given(st.integers(0, 10**9), st.lists(st.tuples(st.sampled_from([*rubric.ANSWER_KEYS, "bogus"]),
                                                 st.sampled_from(ODD)), max_size=4), st.booleans())
@example(7, [("bogus", None)], False)
@example(7, [("rating", None)], False)
@example(7, [("na", True)], False)
def test_rubric_check_answers_fast_path_is_the_plain_checks(seed: int, changes: list[tuple[str, Any]],
                                                            na_false: bool) -> None:
    r = random.Random(seed)
    template = random_template(r, faults=0.0)
    if na_false:
        for sec in template["sections"]:
            for item in sec["items"]:
                if item["rule"] in rubric.DEDUCT:
                    item["na"] = False
    checked = rubric.check_template(template)
    assert checked.error is None
    answers = random_answers(r, template, faults=0.2)
    if isinstance(answers, dict) and answers:
        for key, value in changes:  # a field of one answer set to something odd
            iid = r.choice(sorted(answers))
            if isinstance(answers[iid], dict):
                answers[iid][key] = value
    fast = verdict(template, answers, checked.items, checked.answer_checks)
    assert fast == verdict(template, answers, checked.items)
    assert fast == verdict(template, answers)
