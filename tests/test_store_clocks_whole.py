"""Path clocks of a record one op wrote whole (a new record) are stored without their paths
(``[[clock]]``): the stored document gives them back. ``unflatten_whole`` says so only when
it does (hypothesis: any leaves, overlapping paths and object values included); such a
record reads back as the very state the merge engine made; and in a database holding rows
of all three formats (a path per clock, a clock per path, stored whole), the same edits
merge alike, conflicts included, and a record stored whole takes the indexed format when
a second op writes it."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.store import clocks
from server.store.records import load_records
from server.store.sqlite import connect
from sync.merge import Op, apply
from sync.paths import iter_leaves, unflatten, unflatten_whole
from tests.support.budget import examples
from tests.support.server import make_db
from tests.test_store_clocks_format import NOW, conflict_rows, new_visit, old_meta, push, row

SEGMENT = st.sampled_from(["a", "b", "items", "e1", "count", "", "x-y"])
PATHS = st.lists(SEGMENT, min_size=1, max_size=3).map(".".join)
VALUES = st.one_of(st.integers(0, 3), st.none(), st.text(max_size=2), st.lists(st.integers(), max_size=2),
                   st.dictionaries(st.sampled_from(["k", "count"]), st.integers(0, 2), max_size=2))


@settings(max_examples=examples(1500), deadline=None)
@given(st.dictionaries(PATHS, VALUES, max_size=8))
def test_clocks_whole_only_when_the_document_gives_the_leaves_back(leaves: dict[str, Any]) -> None:
    data, whole = unflatten_whole(leaves)
    assert json.dumps(data) == json.dumps(unflatten(leaves))  # the same document, key order too
    back = list(iter_leaves(data))
    if whole:
        assert dict(back) == leaves and len(back) == len(leaves)
    plain = not any(isinstance(v, dict) for v in leaves.values()) and not any(
        q != p and q.startswith(p + ".") for p in leaves for q in leaves)
    assert whole == plain


def test_clocks_whole_inspection_reads_back_as_the_engine_made_it(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    make_db(db)
    sets = {"centre_id": "c-shiqiao", "template_id": "t-none", "template_version": 1, "status": "draft",
            "items.e1.count": 1, "items.e1.photos": ["a" * 64], "items.e1.note": None,
            "target.kind": "centre"}
    op = {"id": "op-w", "collection": "inspections", "record": "i-w", "base": 0, "at": NOW, "set": sets}
    version = push(db, "d1", op)["version"]
    with closing(sqlite3.connect(db)) as conn:
        data, meta = conn.execute("SELECT data, meta FROM records WHERE id='i-w'").fetchone()
    assert json.loads(meta) == [[[version, NOW, "d1", "op-w"]]]
    assert set(json.loads(data)) >= {"score", "sections", "unanswered", "vetoed"}
    with closing(connect(db)) as conn:
        got = load_records(conn, [("inspections", "i-w")])[("inspections", "i-w")].state
    made = apply(None, Op("op-w", "inspections", "i-w", 0, NOW, "d1", sets), version).state
    assert got == made


def as_indexed(db: Path, rid: str) -> None:
    """Rewrite a record stored whole as the indexed format held it (a path per index)."""
    data, meta = row(db, rid)[1:]
    by_path, agree = clocks.decode(meta, json.loads(data), ("callback_due",))
    indexed = clocks.encode(by_path, agree)
    assert len(json.loads(indexed)) == 2
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE records SET meta=? WHERE collection='visits' AND id=?", (indexed, rid))


def as_per_path(db: Path, rid: str) -> None:
    data, meta = row(db, rid)[1:]
    by_path, agree = clocks.decode(meta, json.loads(data), ("callback_due",))
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE records SET meta=? WHERE collection='visits' AND id=?",
                     (old_meta(by_path, agree), rid))


def story(db: Path, rewrite: Any) -> list[Any]:
    """A visit created whole by d1 (its row then rewritten in an older format, or not),
    the same value written by d2 unseen (a co-writer), then d3's edit that saw neither."""
    create = new_visit("v-whole")
    first = push(db, "d1", create)
    stored_whole = json.loads(row(db, "v-whole")[2])
    if rewrite is not None:
        rewrite(db, "v-whole")
    results = [first["status"]]
    for i, (device, value) in enumerate([("d2", "初访"), ("d3", "复访")]):
        results.append(push(db, device, {"id": f"op-{device}", "collection": "visits", "record": "v-whole",
                                         "base": first["version"], "at": NOW + 10 * (i + 1),
                                         "set": {"notes": value}})["status"])
    with closing(connect(db)) as conn:
        st_ = load_records(conn, [("visits", "v-whole")])[("visits", "v-whole")].state
    meta = json.loads(row(db, "v-whole")[2])
    return [stored_whole, results, conflict_rows(db), sorted(st_.leaves.items()), st_.clocks, st_.agree,
            row(db, "v-whole")[:2], len(meta)]


def test_clocks_rows_of_every_format_merge_alike(tmp_path: Path) -> None:
    outcomes = []
    for name, rewrite in (("whole", None), ("indexed", as_indexed), ("per-path", as_per_path)):
        db = tmp_path / f"{name}.db"
        make_db(db)
        outcomes.append(story(db, rewrite))
    whole = outcomes[0]
    assert len(whole[0]) == 1  # the create was stored whole
    assert whole[1] == ["applied", "applied", "conflict"]
    assert [(r[1], r[3]) for r in whole[2]] == [("notes", "d2")]  # d1 it saw; d2 it did not
    assert whole[7] == 2  # written again by other ops: the indexed format
    assert outcomes[1] == outcomes[0] and outcomes[2] == outcomes[0]
