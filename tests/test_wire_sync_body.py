"""The sync body encoder (``server.wire``) writes what the plain definition would.

``sync_body`` splices the stored records' JSON text into the response instead of parsing
and dumping it again, and writes each entry inline from the page's tuples (a call or an
object per record cost more than the entry's encoding, docs/benchmarks.md). Whatever it
writes must read back as ``json.dumps`` of the documented structure, and ``change`` (one
entry) must agree with the entries of the whole body.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.store.pages import Change, Page
from server.wire import change, sync_body
from tests.support.budget import examples

_TEXT = st.text() | st.sampled_from(["visits", "走访记录", '"\\', "\u2028", "\x00", "😀"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**53, 2**53) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)
_CONFLICTS = st.lists(st.tuples(_TEXT, _TEXT, _JSON.map(lambda v: json.dumps(v, ensure_ascii=False)),
                                _TEXT, st.integers(0, 2**53)), max_size=3)
_CHANGES = st.lists(st.tuples(_TEXT, _TEXT, st.integers(0, 2**53), st.booleans(),
                              _JSON.map(lambda v: json.dumps(v, ensure_ascii=False).encode()), _CONFLICTS),
                    max_size=6)
_RESULTS = st.lists(st.dictionaries(st.text(max_size=8), _JSON, max_size=4), max_size=3)


def plain_entry(ch: Change) -> dict[str, Any]:
    """One entry as the contract describes it (docs/contract.md)."""
    collection, record, version, deleted, data, conflicts = ch
    return {"collection": collection, "record": record, "version": version, "deleted": deleted,
            "data": json.loads(data),
            "conflicts": [{"id": cid, "path": path, "value": json.loads(value), "device": device,
                           "at": at} for cid, path, value, device, at in conflicts]}


@settings(max_examples=examples(300), deadline=None)
@given(_RESULTS, _CHANGES, _TEXT, st.booleans(), st.booleans())
def test_sync_body_means_the_plain_structure(results: list[dict[str, Any]], changes: list[Change],
                                             cursor: str, more: bool, reset: bool) -> None:
    page = Page(changes, max((c[2] for c in changes), default=0), more)
    body = json.loads(sync_body(results, page, cursor, reset))
    assert body == {"results": results, "changes": [plain_entry(ch) for ch in changes],
                    "cursor": cursor, "more": more, "reset": reset}
    # One entry alone is the same text as the body's entry
    for ch, entry in zip(changes, body["changes"], strict=True):
        assert json.loads(change(ch)) == entry
    assert list(body) == ["results", "changes", "cursor", "more", "reset"]
