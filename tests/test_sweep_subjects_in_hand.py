"""The sweep's second step takes what it records of the subjects it has just turned overdue
from the documents it wrote (``Batch.refresh``'s ``written``), and reads only the others: the
subjects, their fields and their order are exactly those of ``store.unaccounted`` (one query
over the records' JSON), whichever of them are in hand and whatever the fields hold."""

from __future__ import annotations

import json
from contextlib import closing
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from server.jobs.sweep import _unaccounted, accountability_id
from server.store import sweep as store
from tests.support.plans import plans
from tests.test_sweep_facts_queries import SWEPT, new_db, put

_ABSENT = object()
# Values of every JSON kind where the sweep expects a time or an id (json_extract gives a
# boolean as 1/0, an object or array as its JSON text, text only up to a NUL).
_VALUE = st.one_of(st.sampled_from(["u1", "u2", "u\x00x", "张三", None, _ABSENT, True, False]),
                   st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=False, allow_infinity=False),
                   st.lists(st.integers(0, 3), max_size=2),
                   st.dictionaries(st.sampled_from(["a", "b"]), st.integers(0, 3), max_size=2))
_RECORD = st.tuples(
    st.sampled_from(SWEPT), st.sampled_from(["c1", "c2", "c10", None]),
    st.sampled_from([False, False, True]),  # deleted
    st.sampled_from([True, True, False]),  # overdue
    st.booleans(),  # accounted for already
    st.booleans(),  # in hand
    st.fixed_dictionaries({"due_at": _VALUE, "reply_due": _VALUE, "handler_id": _VALUE,
                           "first_asked_by": _VALUE, "staff_id": _VALUE}))


@settings(max_examples=200, deadline=None)
@given(records=st.lists(_RECORD, min_size=1, max_size=30), long_ids=st.booleans())
def test_sweep_subjects_in_hand_are_what_unaccounted_reads(
        records: list[tuple[str, str | None, bool, bool, bool, bool, dict[str, Any]]],
        long_ids: bool) -> None:
    known: dict[str, dict[str, tuple[str | None, dict[str, Any]]]] = {c: {} for c in SWEPT}
    with closing(new_db()) as conn:
        for i, (coll, centre, deleted, overdue, accounted, in_hand, fields) in enumerate(records):
            rid = f"r{i:02d}" + ("x" * 90 if long_ids and i % 2 else "")
            doc = {k: v for k, v in fields.items() if v is not _ABSENT}
            doc.update(status="handling", overdue=overdue)
            put(conn, coll, rid, centre, doc, deleted)
            if accounted:
                put(conn, "accountability", accountability_id(coll, rid), centre, {}, False)
            if in_hand and not deleted:  # as written: the document as stored
                (data,) = conn.execute("SELECT data FROM records WHERE id = ?", (rid,)).fetchone()
                known[coll][rid] = store.subject_fields(coll, centre, json.loads(data))
        for coll in SWEPT:
            want = typed(store.unaccounted(conn, coll, accountability_id(coll, "")))
            assert typed(_unaccounted(conn, coll, known[coll])) == want
            assert typed(_unaccounted(conn, coll, {})) == want


def typed(rows: list[tuple[str, str | None, dict[str, Any]]]) -> list[Any]:
    """The rows with each value's type beside it (``True == 1`` in Python; not in a document)."""
    return [(rid, centre, sorted((k, type(v).__name__, repr(v)) for k, v in fields.items()))
            for rid, centre, fields in rows]


def test_sweep_subjects_in_hand_ids_by_index_facts_overdue() -> None:
    """The ids alone: ``facts_overdue`` walked, each looked up in ``accountability``; no sort,
    no read of the records."""
    with closing(new_db()) as conn:
        for i in range(40):
            put(conn, "cases", f"k{i:02d}", f"c{i % 3}", {"status": "handling", "due_at": i,
                                                         "overdue": i % 4 == 0}, i == 8)
        put(conn, "accountability", "acc-cases-k04", "c1", {"status": "open"}, False)
        conn.execute("ANALYZE")
        (plan,) = plans(conn, lambda c: store.unaccounted_ids(c, "cases", "acc-cases-"))
        assert plan.startswith("SEARCH f USING INDEX facts_overdue (collection=?)"), plan
        assert "SCAN" not in plan and "TEMP B-TREE" not in plan and " r " not in plan, plan
        assert store.unaccounted_ids(conn, "cases", "acc-cases-") == [
            f"k{i:02d}" for i in range(0, 40, 4) if i not in (4, 8)]
