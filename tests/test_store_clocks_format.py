"""The stored path-clock format (``server.store.clocks``): each clock stored once, paths
naming it by index. Any clocks and co-writers round-trip exactly (path order included);
rows in the format written before (a clock per path) read back the same; a record stored
in the old format merges, conflicts included, exactly as in the new one, and takes the new
format when written again."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.store import clocks
from server.store.records import Actor, Batch, load_records
from server.store.sqlite import connect
from sync.merge import DELETED, Clock, Op, RecordState, apply
from sync.ops import check_op
from sync.paths import unflatten_whole
from sync.schema import load
from tests.support.budget import examples
from tests.support.server import make_db

NOW = 1_790_000_000_000

CLOCK = st.tuples(st.integers(1, 10**6), st.integers(0, 2**53), st.sampled_from(["d-a", "d-b", "系统", ""]),
                  st.text(max_size=8))
PATH = st.one_of(st.sampled_from(["notes", "items.e1.count", "items.e1.photos", DELETED, "a.b.c"]),
                 st.text(min_size=1, max_size=12))


@st.composite
def clock_maps(draw: Any) -> tuple[dict[str, Clock], dict[str, tuple[Clock, ...]]]:
    """Path clocks drawn from a few clocks (so paths share them, as one op's paths do) and
    co-writers on some paths (never empty: the engine keeps none)."""
    pool = draw(st.lists(CLOCK, min_size=1, max_size=4))
    by_path = draw(st.dictionaries(PATH, st.sampled_from(pool), max_size=12))
    agree = {p: tuple(draw(st.lists(st.one_of(st.sampled_from(pool), CLOCK), min_size=1, max_size=3)))
             for p in by_path if draw(st.booleans())}
    return by_path, agree


def old_meta(by_path: dict[str, Clock], agree: dict[str, tuple[Clock, ...]]) -> str:
    """``meta`` as written before this format (the code that wrote it, verbatim)."""
    out: dict[str, list[Any]] = {}
    for p, c in by_path.items():
        co = agree.get(p)
        out[p] = [*c, [list(a) for a in co]] if co else list(c)
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


@settings(max_examples=examples(300), deadline=None)
@given(clock_maps())
def test_clocks_encode_decode_round_trips_any_clocks_in_order(maps: Any) -> None:
    by_path, agree = maps
    got_clocks, got_agree = clocks.decode(clocks.encode(by_path, agree))
    assert list(got_clocks.items()) == list(by_path.items())
    assert got_agree == agree
    assert all(type(c) is tuple for c in got_clocks.values())


@settings(max_examples=examples(300), deadline=None)
@given(clock_maps())
def test_clocks_old_format_decodes_to_the_same_clocks(maps: Any) -> None:
    by_path, agree = maps
    old = old_meta(by_path, agree)
    assert clocks.decode(old) == clocks.decode(clocks.encode(by_path, agree))
    assert list(clocks.decode(old)[0]) == list(by_path)


OPS = st.lists(st.tuples(st.sampled_from(["d1", "d2", "d3"]), st.integers(0, 6),
                         st.dictionaries(st.sampled_from(["notes", "outcome", "location.lat"]),
                                         st.sampled_from([1, 2, "甲"]), max_size=3),
                         st.sampled_from([None, None, True, False])), min_size=1, max_size=8)


@settings(max_examples=examples(200), deadline=None)
@given(OPS)
def test_clocks_state_round_trips_what_the_merge_engine_makes(ops: Any) -> None:
    """States the engine reaches (concurrent writers, co-writers, deletes) read back equal."""
    state: RecordState | None = None
    for i, (device, base, sets, delete) in enumerate(ops):
        version = i + 1
        op = Op(f"op{i}", "visits", "r1", min(base, version - 1), 1000 + i * 7 % 5, device,
                {"centre_id": "c1", **sets}, delete if state is not None else None)
        state = apply(state, op, version).state
    assert state is not None
    doc = {k: v for k, v in state.data().items() if "." not in k}
    if "location.lat" in state.leaves:
        doc["location"] = {"lat": state.leaves["location.lat"]}
    back = clocks.state("visits", "r1", state.version, int(state.deleted), doc, clocks.meta(state))
    assert back == state
    assert clocks.state("visits", "r1", state.version, int(state.deleted), doc,
                        old_meta(state.clocks, state.agree)) == state


def test_clocks_encode_one_is_encode_of_a_new_records_single_op() -> None:
    sets = {"centre_id": "c1", "items.e1.count": 2, "items.e1.note": "记录", "notes": None}
    state = apply(None, Op("op-1", "inspections", "r1", 0, 55, "d-9", sets), 7).state
    data, whole = unflatten_whole(state.data())
    assert whole
    one = clocks.encode_one(sets, (7, 55, "d-9", "op-1"), "inspections")
    assert one == clocks.meta(state, whole and clocks.own("inspections", data)) == '[[[7,55,"d-9","op-1"]]]'
    assert clocks.encode_one({}, (7, 55, "d-9", "op-1")) == clocks.encode({}, {})
    # leaves the document would not give back keep their paths
    for odd in ({"a": 1, "a.b": 2}, {"a": {"x": 1}}, {"score": 3, "notes": "x"}):
        state = apply(None, Op("op-1", "inspections", "r1", 0, 55, "d-9", odd), 7).state
        data, whole = unflatten_whole(state.data())
        meta = clocks.meta(state, whole and clocks.own("inspections", data))
        assert meta == clocks.encode_one(odd, (7, 55, "d-9", "op-1"), "inspections") == clocks.encode(
            state.clocks, {})
        assert json.loads(meta)[1] == dict.fromkeys(odd, 0)


def test_clocks_store_an_inspections_op_clock_once() -> None:
    """The point of the format: 97 paths written by one op hold one clock, not 97."""
    sets = {f"items.s{i}.{k}": 1 for i in range(30) for k in ("count", "note", "photos")}
    clock = (12345, NOW, "d-" + uuid.uuid4().hex, str(uuid.uuid4()))
    by_path = dict.fromkeys(sets, clock)
    new, old = clocks.encode(by_path, {}), old_meta(by_path, {})
    assert new.count(clock[3]) == 1 and old.count(clock[3]) == 90
    assert len(new) * 4 < len(old)


# -- a database holding rows in the old format ------------------------------------------


@contextmanager
def batch(db: Path, device: str) -> Iterator[Batch]:
    conn = connect(db)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield Batch(conn, Actor("system", device, "system", None), NOW)
        conn.execute("COMMIT")
    finally:
        conn.close()


def push(db: Path, device: str, op: dict[str, Any]) -> dict[str, Any]:
    with batch(db, device) as b:
        return b.run([check_op(op, load())], [op["at"]])[0]


def row(db: Path, rid: str) -> tuple[Any, ...]:
    with closing(sqlite3.connect(db)) as conn:
        found: tuple[Any, ...] = conn.execute(
            "SELECT version, data, meta FROM records WHERE collection='visits' AND id=?", (rid,)).fetchone()
        return found


def to_old_format(db: Path, rid: str) -> None:
    """Rewrite a record's stored clocks as rows written before this format held them."""
    by_path, agree = clocks.decode(row(db, rid)[2], json.loads(row(db, rid)[1]), ("callback_due",))
    with closing(sqlite3.connect(db)) as conn, conn:
        conn.execute("UPDATE records SET meta=? WHERE collection='visits' AND id=?",
                     (old_meta(by_path, agree), rid))


def conflict_rows(db: Path) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db)) as conn:
        return conn.execute("SELECT record, path, value, device, op, at, version FROM conflicts"
                            " ORDER BY record, path, device").fetchall()


def new_visit(record: str) -> dict[str, Any]:
    """A create op of a visit, as a phone sends it."""
    return {"id": f"op-new-{record}", "collection": "visits", "record": record, "base": 0, "at": NOW,
            "delete": False, "set": {"centre_id": "c-shiqiao", "kind": "home_service", "status": "planned",
                                     "address": "新店镇西坪村", "location.lat": 28.6, "location.lon": 107.8,
                                     "notes": "初访", "applicant.name": "董玲"}}


def run_story(db: Path, old: bool, create: dict[str, Any]) -> tuple[list[Any], list[Any], str]:
    """A visit made by d1, the same value written by d2 and d3 unseen (co-writers), then
    an edit by d4 that saw none of it: a conflict against every unseen write."""
    rid = create["record"]
    first = push(db, "d1", {**create, "at": NOW})
    results = [first["status"]]
    if old:
        to_old_format(db, rid)
    for i, (device, value) in enumerate([("d2", "一致"), ("d3", "一致"), ("d4", "不同")]):
        results.append(push(db, device, {"id": f"op-{device}-{i}", "collection": "visits", "record": rid,
                                         "base": first["version"], "at": NOW + 10 * (i + 1),
                                         "set": {"notes": value}})["status"])
        if old:
            to_old_format(db, rid)
    with closing(connect(db)) as conn:
        st_ = load_records(conn, [("visits", rid)])[("visits", rid)].state
    return results, [*conflict_rows(db), sorted(st_.leaves.items()), st_.clocks, st_.agree], row(db, rid)[1]



def test_clocks_old_format_rows_merge_exactly_as_new_ones(tmp_path: Path) -> None:
    new_db, old_db = tmp_path / "new.db", tmp_path / "old.db"
    make_db(new_db)
    make_db(old_db)
    create = new_visit("v-story")
    new_results, new_outcome, new_data = run_story(new_db, False, create)
    old_results, old_outcome, old_data = run_story(old_db, True, create)
    assert new_results == ["applied", "applied", "applied", "conflict"]
    assert old_results == new_results
    conflicts = new_outcome[0:2]
    assert [(r[1], r[2], r[3]) for r in conflicts] == [("notes", '"一致"', "d2"), ("notes", '"一致"', "d3")]
    assert old_outcome == new_outcome
    assert old_data == new_data


def test_clocks_an_old_format_row_takes_the_new_format_when_written(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    make_db(db)
    create = new_visit("v-format")
    base = push(db, "d1", {**create, "at": NOW})["version"]
    rid = create["record"]
    to_old_format(db, rid)
    assert isinstance(json.loads(row(db, rid)[2]), dict)
    before = clocks.decode(row(db, rid)[2])[0]
    doc = json.loads(row(db, rid)[1])
    version = push(db, "d1", {"id": "op-2", "collection": "visits", "record": rid, "base": base,
                              "at": NOW + 5, "set": {"notes": "再次"}})["version"]
    stored = json.loads(row(db, rid)[2])
    assert isinstance(stored, list)
    after = clocks.decode(row(db, rid)[2], doc)[0]
    assert after["notes"][3] == "op-2" and after["notes"][0] == version
    unchanged = {p: c for p, c in before.items() if p != "notes"}
    assert {p: c for p, c in after.items() if p != "notes"} == unchanged
