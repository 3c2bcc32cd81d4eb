"""``sync.paths.leaves_of`` (a stored document's leaves, some top-level fields left out) is its
definition, ``dict(iter_leaves(...))`` of the document without those fields, in the same order."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.paths import iter_leaves, leaves_of
from tests.support.budget import examples

_KEYS = st.sampled_from(["a", "b", "due_at", "overdue", "x.y", "", "items"])
_DOCS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=3) | st.lists(st.integers(), max_size=2),
    lambda inner: st.dictionaries(_KEYS, inner, max_size=4), max_leaves=20)


@settings(max_examples=examples(400), deadline=None)
@given(doc=st.dictionaries(_KEYS, _DOCS, max_size=6),
       skip=st.frozensets(_KEYS, max_size=3))
def test_paths_leaves_of_is_iter_leaves_without_the_skipped_fields(doc: dict[str, Any],
                                                                   skip: frozenset[str]) -> None:
    want = dict(iter_leaves({k: v for k, v in doc.items() if k not in skip}))
    got = leaves_of(doc, skip)
    assert got == want and list(got) == list(want)
