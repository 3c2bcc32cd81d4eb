"""A new record merges in one step built in C (``merge.apply`` of no stored state): against
the plain definition (the path-by-path merge of the op into an empty record), any op makes
the same state, clocks (one clock object shared by its paths), version and outcome; and
``RecordState.data`` copies the leaves as the filtering definition does."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sync.errors import Invalid
from sync.merge import DELETED, Op, RecordState, apply
from tests.support.budget import examples

VALUES = st.one_of(st.none(), st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2))
SETS = st.dictionaries(st.sampled_from(["notes", "items.e1.count", "a.b", "centre_id", "x"]), VALUES,
                       max_size=5)


@settings(max_examples=examples(500), deadline=None)
@given(SETS, st.sampled_from([None, False]), st.integers(1, 10**6), st.integers(0, 2**40))
def test_merge_new_record_is_the_merge_into_an_empty_record(sets: dict[str, Any], delete: bool | None,
                                                            version: int, stamp: int) -> None:
    op = Op("op-1", "visits", "r1", 0, stamp, "d1", sets, delete)
    got = apply(None, op, version)
    want = apply(RecordState("visits", "r1", 0, {}, {}), op, version)
    assert got == want
    assert list(got.state.leaves) == list(want.state.leaves)
    assert list(got.state.clocks) == list(want.state.clocks)
    assert len({id(c) for c in got.state.clocks.values()}) <= 1  # one op: one clock object


def test_merge_new_record_cannot_be_deleted() -> None:
    with pytest.raises(Invalid):
        apply(None, Op("op-1", "visits", "r1", 0, 1, "d1", {"notes": "x"}, True), 3)


@given(st.dictionaries(st.sampled_from(["notes", DELETED, "a.b"]), st.one_of(st.booleans(), st.integers()),
                       max_size=3))
def test_merge_state_data_is_the_leaves_but_the_tombstone(leaves: dict[str, Any]) -> None:
    data = RecordState("visits", "r1", 1, leaves, {}).data()
    assert list(data.items()) == [(k, v) for k, v in leaves.items() if k != DELETED]
    assert data is not leaves
