"""The path clocks of a record as stored in ``records.meta``: encode and decode.

The merge engine (``sync.merge``) keeps a clock ``(version, stamp, device, op)`` per leaf
path, and for a path two devices wrote the same value without seeing each other, the
co-writers' clocks beside it (``RecordState.agree``). One op writes all its paths with
the same clock, so the clocks are stored once each and the paths name them by index:

    [[[version, stamp, device, op], ...], {path: i, path: [i, j, k], ...}]

``i`` is the path's clock; ``[i, j, k]`` its clock then its co-writers'. A 30-item
inspection's clocks take ~2 KB this way instead of ~11 KB.

A record one op wrote whole (a new record: every path the same clock, no co-writers,
not deleted) whose document alone says which leaves it has (``paths.unflatten_whole``;
its computed fields set aside) is stored without its paths: ``[[[version, stamp, device,
op]]]``, every leaf of the stored document (``data``) holding that clock. A 30-item
inspection's clocks take ~80 bytes this way, and encoding them costs nothing per path.

Rows written before these formats hold an object instead (``{path: [version, stamp,
device, op]}``, a fifth item listing the co-writers' clocks); ``decode`` reads all three,
so an existing database needs no migration: a record takes the newer format on its next
write. The clocks never leave the server (the pull sends ``data`` only).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from itertools import repeat
from operator import is_
from typing import Any

from sync import paths as leafpaths
from sync.merge import DELETED, Clock, RecordState
from sync.schema import load

from ..jsoncodec import dumps as _dumps
from ..jsoncodec import loads as _loads


def decode(meta: str, doc: Mapping[str, Any] | None = None,
           computed: Collection[str] = ()) -> tuple[dict[str, Clock], dict[str, tuple[Clock, ...]]]:
    """``(clocks, agree)`` of a stored ``meta`` (any format), in stored path order (a
    record stored whole: the order of its document's leaves). ``doc`` is the stored
    document and ``computed`` its collection's computed fields: a record stored whole
    needs them (its paths are its document's leaves but those)."""
    return _decode(_loads(meta), doc, computed)[:2]


def _decode(stored: Any, doc: Mapping[str, Any] | None, computed: Collection[str]) -> tuple[
        dict[str, Clock], dict[str, tuple[Clock, ...]], dict[str, Any] | None]:
    """``decode``, and for a record stored whole its leaves (read from ``doc`` on the way)."""
    if isinstance(stored, list) and len(stored) == 1:  # stored whole
        if doc is None:
            raise ValueError("the path clocks of a record stored whole are read with its document")
        w = stored[0][0]
        own = {k: v for k, v in doc.items() if k not in computed} if computed else doc
        leaves = dict(leafpaths.iter_leaves(own))
        return dict.fromkeys(leaves, (w[0], w[1], w[2], w[3])), {}, leaves
    if isinstance(stored, dict):  # the format of rows written before the writers table
        clocks: dict[str, Clock] = {p: (c[0], c[1], c[2], c[3]) for p, c in stored.items()}
        agree = {p: tuple((a[0], a[1], a[2], a[3]) for a in c[4])
                 for p, c in stored.items() if len(c) > 4 and c[4]}
        return clocks, agree, None
    writers: list[Clock] = [(w[0], w[1], w[2], w[3]) for w in stored[0]]
    clocks, agree = {}, {}
    for p, ix in stored[1].items():
        if isinstance(ix, int):
            clocks[p] = writers[ix]
        else:
            clocks[p] = writers[ix[0]]
            agree[p] = tuple(writers[j] for j in ix[1:])
    return clocks, agree, None


def encode(clocks: Mapping[str, Clock], agree: Mapping[str, tuple[Clock, ...]], *,
           whole: bool = False) -> str:
    """``meta`` as stored for these path clocks and co-writers (see the module's doc).

    ``whole``: the stored document alone gives back these paths (they are its leaves, its
    computed fields set aside): when one clock holds them all, they are not stored."""
    if not agree and clocks:
        first = next(iter(clocks.values()))
        if all(map(is_, clocks.values(), repeat(first))):
            # One op wrote every path (a new record).
            if whole and DELETED not in clocks:
                return _dumps([[list(first)]])
            return _dumps([[list(first)], dict.fromkeys(clocks, 0)])  # the loop's, in C
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


def encode_one(written: Mapping[str, Any], clock: Clock, collection: str = "",
               whole: bool | None = None) -> str:
    """``meta`` of a new record of ``collection`` (one without computed fields when not
    named) whose leaves ``written`` one op wrote with ``clock``. ``whole``: whether its
    stored document gives back exactly ``written`` (``paths.unflatten_whole`` and ``own``),
    when the caller already knows; found here otherwise."""
    if written and DELETED not in written:
        if whole is None:
            data, whole = leafpaths.unflatten_whole(written)
            whole = whole and own(collection, data)
        if whole:
            return _dumps([[list(clock)]])
    out = dict.fromkeys(written, 0)
    return _dumps([[list(clock)] if out else [], out])


def state(coll: str, rid: str, version: int, deleted: int, doc: dict[str, Any],
          meta: str) -> RecordState:
    """A stored record as the merge engine sees it: its leaves (read from ``doc``, the
    stored document) at the paths ``meta`` holds clocks for, with those clocks."""
    clocks, agree, whole = _decode(_loads(meta), doc, _computed(coll))
    leaves = whole if whole is not None else {
        p: leafpaths.get(doc, p) for p in clocks if p != DELETED}
    if DELETED in clocks:
        leaves[DELETED] = bool(deleted)
    return RecordState(coll, rid, version, leaves, clocks, agree)


def meta(state: RecordState, whole: bool = False) -> str:
    """A record's path clocks as stored (``encode`` of its clocks and co-writers).

    ``whole``: its stored document, computed fields set aside, gives back exactly its
    leaves (built by ``paths.unflatten_whole`` saying so, none of its fields computed:
    ``own``)."""
    return encode(state.clocks, state.agree, whole=whole)


def own(collection: str, data: Mapping[str, Any], fields: Collection[str] = ()) -> bool:
    """Whether the document ``data`` (before its computed fields ``fields`` are added)
    and those fields can be told apart by ``collection``'s computed fields: none of its
    own fields is one, and each of ``fields`` is one."""
    computed = _computed(collection)
    return computed.isdisjoint(data) and computed.issuperset(fields)


def _computed(coll: str) -> frozenset[str]:
    """The computed fields of a collection (none for one the schemas do not know)."""
    found = load().collections.get(coll)
    return found.computed if found is not None else frozenset()
