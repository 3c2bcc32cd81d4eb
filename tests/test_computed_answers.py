"""An inspection's answers as scored (``sync.computed._answers``) are the ``items`` subtree
of its leaves, exactly as ``unflatten`` builds it, whatever the paths."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.computed import _answers
from sync.paths import unflatten
from tests.support.budget import examples

SEGMENT = st.sampled_from(["items", "e1", "e2", "count", "note", "photos", "status", ""])
PATHS = st.lists(SEGMENT, min_size=1, max_size=4).map(".".join)
VALUES = st.one_of(st.integers(0, 3), st.none(), st.text(max_size=2), st.lists(st.integers(), max_size=2))


@settings(max_examples=examples(1000), deadline=None)
@given(st.dictionaries(PATHS, VALUES, max_size=10))
def test_computed_answers_are_the_items_subtree(leaves: dict[str, Any]) -> None:
    want = unflatten({p: v for p, v in leaves.items() if p.startswith("items.")}).get("items", {})
    assert _answers(leaves) == want


def test_computed_answers_of_an_inspection() -> None:
    leaves = {"status": "draft", "items.e2.count": 1, "items.e1.note": "n", "items.e1.photos": ["a"]}
    assert _answers(leaves) == {"e1": {"note": "n", "photos": ["a"]}, "e2": {"count": 1}}
