"""A finished ``Batch`` goes as soon as its last reference does, by reference counting alone.

A batch holds every record it wrote (documents and path clocks); its templates read those
records back. Had that link been a closure over the batch, every batch would be a reference
cycle, left for Python's cyclic collector: a push of 500 visits then kept its 500 records
alive until a full collection, which made each full collection (and so the push) slower.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from contextlib import closing

import pytest

from server.store.records import Actor, Batch
from server.store.sqlite import connect
from sync.ops import check_op
from sync.schema import load

NOW = 1_790_000_000_000


@pytest.fixture
def no_cyclic_gc() -> Iterator[None]:
    """The cyclic collector off: only reference counting frees anything meanwhile."""
    was = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def visit(i: int) -> dict[str, object]:
    return {"id": f"op-free-{i}", "collection": "visits", "record": f"v-free-{i}", "base": 0,
            "at": NOW, "set": {"centre_id": "c1", "kind": "home_service", "status": "planned",
                               "planned_at": NOW + i}}


def test_store_batch_freed_by_reference_counting(county_db: str, no_cyclic_gc: None) -> None:
    with closing(connect(county_db)) as conn:
        user = conn.execute("SELECT id FROM users WHERE username='f1'").fetchone()[0]
        conn.execute("BEGIN IMMEDIATE")
        batch = Batch(conn, Actor(user, "d-free", "field", None), NOW)
        ops = [check_op(visit(i), load()) for i in range(3)]
        results = batch.run(ops, [NOW] * len(ops))
        assert [r["status"] for r in results] == ["applied"] * 3, results
        batch.ctx()  # the computed fields' context holds the templates too
        # while the batch lives, its templates see the records it wrote
        assert ("visits", "v-free-0") in batch.templates.pending()
        templates = batch.templates
        gone, records = weakref.ref(batch), weakref.ref(batch.records[("visits", "v-free-0")])
        del batch
        assert gone() is None and records() is None
        # templates kept by someone else outlive the batch and see no records
        assert dict(templates.pending()) == {}
        conn.execute("COMMIT")
