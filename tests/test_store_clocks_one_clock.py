"""``clocks.encode`` of a record one op wrote whole (every path the same clock, no
co-writers: a new record) takes a shortcut built in C: against the plain definition (the
loop over the paths), any paths sharing one clock object, equal clocks that are distinct
objects, and maps with co-writers or a second clock encode to the same text."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.store import clocks
from sync.merge import Clock
from tests.support.budget import examples

CLOCK = st.tuples(st.integers(1, 10**6), st.integers(0, 2**53), st.sampled_from(["d-a", "系统", ""]),
                  st.text(max_size=8))
PATHS = st.lists(st.text(min_size=1, max_size=12), min_size=0, max_size=40, unique=True)


def plain_encode(by_path: Mapping[str, Clock], agree: Mapping[str, tuple[Clock, ...]]) -> str:
    """``encode`` as first written: each path in turn."""
    index: dict[Clock, int] = {}
    out: dict[str, int | list[int]] = {}
    last: Clock | None = None
    i = 0
    for p, c in by_path.items():
        if c is not last:
            found = index.get(c)
            i = index[c] = len(index) if found is None else found
            last = c
        co = agree.get(p) if agree else None
        out[p] = [i, *(index.setdefault(a, len(index)) for a in co)] if co else i
    return json.dumps([[list(c) for c in index], out], ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=examples(500), deadline=None)
@given(PATHS, CLOCK, st.sampled_from(["same", "equal", "second", "agree"]), st.data())
def test_clocks_encode_of_one_clock_is_the_plain_encode(paths: list[str], clock: Clock, kind: str,
                                                        data: Any) -> None:
    by_path: dict[str, Clock] = dict.fromkeys(paths, clock)
    agree: dict[str, tuple[Clock, ...]] = {}
    if paths and kind == "equal":  # equal clocks, not the same object
        by_path[paths[-1]] = tuple(list(clock))  # type: ignore[assignment]
    elif paths and kind == "second":
        by_path[data.draw(st.sampled_from(paths))] = data.draw(CLOCK)
    elif paths and kind == "agree":
        agree[data.draw(st.sampled_from(paths))] = (data.draw(CLOCK),)
    assert clocks.encode(by_path, agree) == plain_encode(by_path, agree)
    assert clocks.decode(clocks.encode(by_path, agree)) == (by_path, agree)
