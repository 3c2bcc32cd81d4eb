"""``sync.paths.unflatten`` builds the same nested data as the plain walk from the root for
every leaf (its definition), whatever the paths, overlapping or odd ones included."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.paths import unflatten
from tests.support.budget import examples


def walked(leaves: Mapping[str, Any]) -> dict[str, Any]:
    """The definition: each leaf, in sorted order, placed by walking from the root."""
    out: dict[str, Any] = {}
    for path in sorted(leaves):
        node = out
        parts = path.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = leaves[path]
    return out


SEGMENT = st.sampled_from(["", "a", "b", "items", "e1", "count", "note", "x"])
PATHS = st.lists(SEGMENT, min_size=1, max_size=4).map(".".join)


LEAF_VALUES = st.one_of(st.integers(), st.none(), st.lists(st.integers(), max_size=2), st.text(max_size=2))


@settings(max_examples=examples(1000), deadline=None)
@given(st.dictionaries(PATHS, LEAF_VALUES, max_size=12))
def test_paths_unflatten_equals_the_walk_from_the_root(leaves: dict[str, Any]) -> None:
    got = unflatten(leaves)
    assert got == walked(leaves)
    assert json.dumps(got) == json.dumps(walked(leaves))  # the same key order: the same stored text


def test_paths_unflatten_an_inspections_items() -> None:
    leaves = {"items.e2.count": 1, "items.e1.note": "n", "items.e1.count": 0, "centre_id": "c", ".x": 1}
    assert unflatten(leaves) == {"": {"x": 1}, "centre_id": "c",
                                 "items": {"e1": {"count": 0, "note": "n"}, "e2": {"count": 1}}}
