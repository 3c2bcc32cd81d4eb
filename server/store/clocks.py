"""The path clocks of a record as stored in ``records.meta``: encode and decode.

The merge engine (``sync.merge``) keeps a clock ``(version, stamp, device, op)`` per leaf
path, and for a path two devices wrote the same value without seeing each other, the
co-writers' clocks beside it (``RecordState.agree``). One op writes all its paths with
the same clock, so the clocks are stored once each and the paths name them by index:

    [[[version, stamp, device, op], ...], {path: i, path: [i, j, k], ...}]

``i`` is the path's clock; ``[i, j, k]`` its clock then its co-writers'. A 30-item
inspection's clocks take ~2 KB this way instead of ~11 KB.

Rows written before this format hold an object instead (``{path: [version, stamp,
device, op]}``, a fifth item listing the co-writers' clocks); ``decode`` reads both, so
an existing database needs no migration: a record takes the new format on its next write.
The clocks never leave the server (the pull sends ``data`` only).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from itertools import repeat
from operator import is_
from typing import Any

from sync import paths as leafpaths
from sync.merge import DELETED, Clock, RecordState

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def decode(meta: str) -> tuple[dict[str, Clock], dict[str, tuple[Clock, ...]]]:
    """``(clocks, agree)`` of a stored ``meta`` (either format), in stored path order."""
    stored = json.loads(meta)
    if isinstance(stored, dict):  # the format of rows written before the writers table
        clocks: dict[str, Clock] = {p: (c[0], c[1], c[2], c[3]) for p, c in stored.items()}
        agree = {p: tuple((a[0], a[1], a[2], a[3]) for a in c[4])
                 for p, c in stored.items() if len(c) > 4 and c[4]}
        return clocks, agree
    writers: list[Clock] = [(w[0], w[1], w[2], w[3]) for w in stored[0]]
    clocks, agree = {}, {}
    for p, ix in stored[1].items():
        if isinstance(ix, int):
            clocks[p] = writers[ix]
        else:
            clocks[p] = writers[ix[0]]
            agree[p] = tuple(writers[j] for j in ix[1:])
    return clocks, agree


def encode(clocks: Mapping[str, Clock], agree: Mapping[str, tuple[Clock, ...]]) -> str:
    """``meta`` as stored for these path clocks and co-writers (see the module's doc)."""
    if not agree and clocks:
        first = next(iter(clocks.values()))
        if all(map(is_, clocks.values(), repeat(first))):
            # One op wrote every path (a new record): what the loop below makes, built in C.
            return _dumps([[list(first)], dict.fromkeys(clocks, 0)])
    index: dict[Clock, int] = {}
    out: dict[str, int | list[int]] = {}
    last: Clock | None = None
    i = 0
    for p, c in clocks.items():
        if c is not last:  # an op's paths share one clock: look it up once per run of them
            found = index.get(c)
            i = index[c] = len(index) if found is None else found
            last = c
        co = agree.get(p) if agree else None
        out[p] = [i, *(index.setdefault(a, len(index)) for a in co)] if co else i
    return _dumps([[list(c) for c in index], out])


def encode_one(written: Iterable[str], clock: Clock) -> str:
    """``encode`` of a new record whose paths ``written`` one op wrote with ``clock``."""
    out = dict.fromkeys(written, 0)
    return _dumps([[list(clock)] if out else [], out])


def state(coll: str, rid: str, version: int, deleted: int, doc: dict[str, Any],
          meta: str) -> RecordState:
    """A stored record as the merge engine sees it: its leaves (read from ``doc``, the
    stored document) at the paths ``meta`` holds clocks for, with those clocks."""
    clocks, agree = decode(meta)
    leaves = {p: leafpaths.get(doc, p) for p in clocks if p != DELETED}
    if DELETED in clocks:
        leaves[DELETED] = bool(deleted)
    return RecordState(coll, rid, version, leaves, clocks, agree)


def meta(state: RecordState) -> str:
    """A record's path clocks as stored (``encode`` of its clocks and co-writers)."""
    return encode(state.clocks, state.agree)
