"""The sync response is written as UTF-8 bytes from the start (``server.wire``): the
records' stored text is read as bytes (``sqlite.text_bytes``) and spliced in, never decoded
to a str. The body is byte for byte what the str form, encoded, was."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server import jsoncodec
from server.store.pages import Change, Page
from server.wire import change, sync_body
from tests.support.budget import examples

_dumps = jsoncodec.dumps


def str_change(ch: Change, data: str) -> str:
    """``server.wire.change`` as it was, on str."""
    collection, record, version, deleted, _data, found = ch
    conflicts = ",".join('{"id":%s,"path":%s,"value":%s,"device":%s,"at":%d}' % (
        _dumps(cid), _dumps(path), value, _dumps(device), at)
        for cid, path, value, device, at in found)
    return '{"collection":%s,"record":%s,"version":%d,"deleted":%s,"data":%s,"conflicts":[%s]}' % (
        _dumps(collection), _dumps(record), version, "true" if deleted else "false",
        data, conflicts)


def str_body(results: list[dict[str, Any]], changes: list[tuple[Change, str]], more: bool,
             cursor: str, reset: bool) -> bytes:
    return ('{"results":%s,"changes":[%s],"cursor":%s,"more":%s,"reset":%s}' % (
        _dumps(list(results)), ",".join(str_change(ch, data) for ch, data in changes),
        _dumps(cursor), "true" if more else "false", "true" if reset else "false")).encode()


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12) | st.sampled_from(
    ["走访记录", "c1", 'a"b\\c', "\u2028", "\x00x", "😀"])
JSONS = st.recursive(st.none() | st.booleans() | st.integers(-2**60, 2**60) | TEXT
                     | st.floats(allow_nan=False, allow_infinity=False),
                     lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(TEXT, inner, max_size=3), max_leaves=12)
CONFLICT = st.tuples(TEXT, TEXT, JSONS.map(_dumps), TEXT, st.integers(0, 2**50))


@settings(max_examples=examples(300), deadline=None)
@given(rows=st.lists(st.tuples(TEXT, TEXT, st.integers(0, 2**40), st.booleans(),
                               st.dictionaries(TEXT, JSONS, max_size=4),
                               st.lists(CONFLICT, max_size=2)), max_size=5),
       results=st.lists(st.dictionaries(TEXT, JSONS, max_size=3), max_size=3),
       cursor=TEXT, more=st.booleans(), reset=st.booleans())
def test_wire_bytes_body_is_the_str_form_encoded(rows: list[Any], results: list[dict[str, Any]],
                                                 cursor: str, more: bool, reset: bool) -> None:
    changes = []
    for coll, rec, version, deleted, doc, conflicts in rows:
        data = _dumps(doc)
        ch: Change = (coll, rec, version, deleted, data.encode(), conflicts)
        changes.append((ch, data))
    body = sync_body(results, Page([ch for ch, _ in changes], 7, more), cursor, reset)
    assert body == str_body(results, changes, more, cursor, reset)
    assert json.loads(body)["changes"] == [json.loads(str_change(ch, data)) for ch, data in changes]
    assert [change(ch) for ch, _ in changes] == [str_change(ch, data).encode() for ch, data in changes]


def test_wire_bytes_pulled_data_is_the_stored_text(client: Any, device: Any, county_db: str) -> None:
    f1, f1b = device("f1"), device("f1b")
    res = f1.sync([f1.op("visits", "w-1", {"centre_id": "c1", "kind": "home_service",
                                           "notes": "入户走访😀 \"引号\" \\ \u2028 完",
                                           "location": {"lat": 27.5, "lon": 107.25}})])
    assert res["results"][0]["status"] == "applied", res
    r = f1b.client.post("/api/v1/sync", json={"cursor": None, "clock": f1b.clock(), "ops": []},
                        headers=f1b.headers)
    r.raise_for_status()
    with closing(sqlite3.connect(county_db)) as conn:
        (stored,) = conn.execute("SELECT data FROM records WHERE id = 'w-1'").fetchone()
    raw = r.content.decode("utf-8")
    assert '"record":"w-1","version":' in raw and f',"data":{stored},"conflicts":[' in raw
    [got] = [c for c in r.json()["changes"] if c["record"] == "w-1"]
    assert got["data"] == json.loads(stored)
    assert got["data"]["notes"] == "入户走访😀 \"引号\" \\ \u2028 完"
