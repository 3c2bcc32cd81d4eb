"""``jsoncodec._non_finite`` (is a NaN or infinity anywhere in a value: then orjson's output,
which writes them as null, is not used) tells plain types by their exact type first; it
answers what the plain walk by ``isinstance`` answers, subclasses and tuples included, and
``dumps`` of such a value is the standard library's."""

from __future__ import annotations

import json
import math
from collections import OrderedDict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server import jsoncodec


def plain(value: Any) -> bool:
    """The walk as first written."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


class MyFloat(float):
    pass


class MyList(list):  # type: ignore[type-arg]
    pass


SCALARS = (st.none() | st.booleans() | st.integers() | st.text(max_size=3)
           | st.floats() | st.floats().map(MyFloat))
VALUES = st.recursive(SCALARS, lambda inner: (
    st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple)
    | st.lists(inner, max_size=4).map(MyList)
    | st.dictionaries(st.text(max_size=3), inner, max_size=4)
    | st.dictionaries(st.text(max_size=3), inner, max_size=4).map(OrderedDict)), max_leaves=30)


@settings(max_examples=500, deadline=None)
@given(value=VALUES)
def test_jsoncodec_non_finite_answers_as_the_plain_walk(value: Any) -> None:
    assert jsoncodec._non_finite(value) is plain(value)


@settings(max_examples=200, deadline=None)
@given(value=VALUES)
def test_jsoncodec_non_finite_values_dump_as_the_standard_library(value: Any) -> None:
    doc = {"callback_due": None, "v": value}
    std = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    if plain(doc):
        assert jsoncodec.dumps(doc) == std(doc)
        assert jsoncodec.dumps_bytes(doc) == std(doc).encode("utf-8")
    assert jsoncodec.dumps(doc) == jsoncodec.dumps_bytes(doc).decode("utf-8")
