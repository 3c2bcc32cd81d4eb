"""``sync.made.Maker``: the server's own ops (the sweep's accountability records),
checked as ``check_op`` checks any op, each path's rules looked up once. Whatever the
values, and in whatever order one maker meets them, it gives what ``check_op`` gives."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.made import Maker
from sync.ops import CheckedOp, check_op
from sync.schema import load
from tests.support.budget import examples

NOW = 1_790_000_000_000


def seen(op: CheckedOp) -> tuple[Any, ...]:
    """An op as the store sees it (an error by its code, words and details)."""
    err = None if op.error is None else (op.error.code, str(op.error), op.error.details)
    return (op.id, op.collection, op.record, op.base, op.at, dict(op.set), list(op.set),
            op.delete, op.restore, dict(op.sent), err)


good_ids = st.sampled_from(["case-000001", "c-01", "u-c-01", "x" * 100, "k1"])
ids = st.one_of(good_ids, st.sampled_from(["x" * 101, "bad id", "", "__proto__", "a.b"]))
anything = st.one_of(st.none(), st.booleans(), st.integers(-5, 2**54), st.floats(allow_nan=True),
                     st.text(max_size=12), ids, st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.sampled_from(["collection", "record", "x"]), ids, max_size=2))
FIELDS = {
    "accountability": ["centre_id", "subject.collection", "subject.record", "subject", "kind",
                       "detected_at", "status", "due_at", "staff_id", "explanation", "nope"],
    "notifications": ["user_id", "kind", "subject.collection", "subject.record",
                      "subject.centre_id", "subject", "title", "at", "read_at", "nope"],
}
GOOD = {"kind": st.sampled_from(["overdue_case", "overdue_complaint", "overdue", "due_soon"]),
        "status": st.sampled_from(["open", "explained", "closed"]),
        "subject.collection": st.sampled_from(["cases", "complaints"]),
        "detected_at": st.just(NOW), "due_at": st.just(NOW), "at": st.just(NOW),
        "title": st.just("有事项已超期")}


@st.composite
def op_docs(draw: st.DrawFn) -> tuple[str, str, int, dict[str, Any]]:
    coll = draw(st.sampled_from(sorted(FIELDS)))
    paths = draw(st.lists(st.sampled_from(FIELDS[coll]), min_size=1, max_size=6, unique=True))
    # Mostly values the schema takes, so a refused one is not hidden behind another.
    values = {p: draw(GOOD.get(p, good_ids) if draw(st.integers(0, 3)) else anything)
              for p in paths}
    record = draw(good_ids if draw(st.integers(0, 5)) else ids)
    return coll, record, draw(st.sampled_from([NOW, NOW, NOW, -1, 2**60])), values


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(op_docs(), min_size=1, max_size=25))
def test_made_op_equals_check_op_in_any_order(docs: list[tuple[str, str, int, dict[str, Any]]]) -> None:
    schemas = load()
    maker = Maker(schemas)  # one maker for the whole run: what it remembers must not leak
    for n, (coll, record, at, values) in enumerate(docs):
        want = check_op({"id": f"op-{n}", "collection": coll, "record": record, "base": 0,
                         "at": at, "set": values}, schemas)
        assert seen(maker.op(f"op-{n}", coll, record, at, values)) == seen(want)


def test_made_op_of_the_sweep_is_applied_as_checked() -> None:
    maker, schemas = Maker(load()), load()
    values = {"centre_id": "c1", "subject.collection": "cases", "subject.record": "case-1",
              "kind": "overdue_case", "detected_at": NOW, "status": "open", "due_at": NOW - 1}
    first = maker.op("sweep-acc-cases-case-1", "accountability", "acc-cases-case-1", NOW, values)
    assert first.error is None and dict(first.set) == values
    # The same paths again with a value the schema refuses: refused as check_op refuses it.
    bad = maker.op("sweep-2", "accountability", "acc-2", NOW, {**values, "status": "gone"})
    want = check_op({"id": "sweep-2", "collection": "accountability", "record": "acc-2",
                     "base": 0, "at": NOW, "set": {**values, "status": "gone"}}, schemas)
    assert bad.error is not None and seen(bad) == seen(want)
