"""Unit tests of the pure merge engine (sync.merge)."""

from __future__ import annotations

import pytest

from sync.errors import Invalid
from sync.merge import DELETED, Op, RecordState, apply


def op(oid: str, *, dev: str = "A", stamp: int = 100, base: int = 0, delete: bool | None = None,
       **values: object) -> Op:
    return Op(oid, "visits", "r1", base, stamp, dev, {k.replace("__", "."): v for k, v in values.items()},
              delete)


def run(*ops: Op) -> tuple[RecordState, list[str]]:
    state: RecordState | None = None
    statuses = []
    for version, o in enumerate(ops, start=1):
        out = apply(state, o, version)
        state = out.state
        statuses.append(out.status)
    assert state is not None
    return state, statuses


def test_merge_creates_record_with_clock_per_path() -> None:
    state, statuses = run(op("o1", centre_id="c1", kind="home_service", location__lat=30.5))
    assert statuses == ["applied"]
    assert state.data() == {"centre_id": "c1", "kind": "home_service", "location.lat": 30.5}
    assert state.clocks["location.lat"] == (1, 100, "A", "o1")
    assert state.version == 1


def test_merge_disjoint_paths_from_two_devices_both_apply() -> None:
    state, statuses = run(op("o1", notes="x", location__lat=1.0),
                          op("o2", dev="B", stamp=50, location__lon=2.0))
    assert statuses == ["applied", "applied"]
    assert state.leaves["location.lat"] == 1.0 and state.leaves["location.lon"] == 2.0


def test_merge_concurrent_same_path_later_time_wins_and_loser_kept() -> None:
    first = apply(None, op("o1", stamp=100, notes="early"), 1).state
    out = apply(first, op("o2", dev="B", stamp=200, base=0, notes="late"), 2)
    assert out.status == "conflict"
    assert out.state.leaves["notes"] == "late"
    (loser,) = out.losers
    assert (loser.path, loser.value, loser.device, loser.op) == ("notes", "early", "A", "o1")


def test_merge_concurrent_earlier_write_loses_but_is_kept() -> None:
    first = apply(None, op("o1", stamp=300, notes="later"), 1).state
    out = apply(first, op("o2", dev="B", stamp=200, notes="earlier"), 2)
    assert out.status == "conflict"
    assert out.state.leaves["notes"] == "later"
    assert out.losers[0].value == "earlier" and out.losers[0].op == "o2"
    assert out.changed  # the record carries a new conflict, so devices must see it


def test_merge_write_that_saw_the_stored_value_supersedes_without_conflict() -> None:
    first = apply(None, op("o1", stamp=300, notes="a"), 1).state
    out = apply(first, op("o2", dev="B", stamp=10, base=1, notes="b"), 2)
    assert out.status == "applied" and out.state.leaves["notes"] == "b"
    # Its stamp never goes back, so a later concurrent comparison stays fair.
    assert out.state.clocks["notes"][1] == 301


def test_merge_same_device_later_write_supersedes_its_own() -> None:
    first = apply(None, op("o1", stamp=300, notes="a"), 1).state
    out = apply(first, op("o2", stamp=400, base=0, notes="b"), 2)
    assert out.status == "applied" and out.state.leaves["notes"] == "b"


def test_merge_concurrent_equal_values_are_not_a_conflict() -> None:
    first = apply(None, op("o1", stamp=100, notes="same"), 1).state
    out = apply(first, op("o2", dev="B", stamp=200, notes="same"), 2)
    assert out.status == "applied" and not out.losers


def test_merge_tie_on_time_broken_by_device_then_op() -> None:
    first = apply(None, op("o1", dev="A", stamp=100, notes="a"), 1).state
    out = apply(first, op("o2", dev="B", stamp=100, notes="b"), 2)
    assert out.state.leaves["notes"] == "b"  # "B" > "A"


def test_merge_delete_makes_tombstone_and_edit_after_delete_is_kept_as_conflict() -> None:
    state, statuses = run(op("o1", centre_id="c1", kind="home_service", notes="x"),
                          op("o2", dev="B", stamp=200, base=1, delete=True),
                          op("o3", dev="C", stamp=300, base=1, notes="edited"))
    assert state.deleted
    assert state.leaves["notes"] == "edited"  # nothing lost: restoring brings it back
    assert statuses == ["applied", "applied", "conflict"]


def test_merge_delete_concurrent_with_edits_records_a_deletion_conflict() -> None:
    s1 = apply(None, op("o1", centre_id="c1", kind="home_service"), 1).state
    s2 = apply(s1, op("o2", dev="B", stamp=200, base=1, notes="edit"), 2).state
    out = apply(s2, op("o3", dev="C", stamp=300, base=1, delete=True), 3)
    assert out.state.deleted
    assert [(lo.path, lo.value, lo.device) for lo in out.losers] == [(DELETED, False, "B")]


def test_merge_restore_undeletes() -> None:
    s1 = apply(None, op("o1", notes="x"), 1).state
    s2 = apply(s1, op("o2", base=1, stamp=200, delete=True), 2).state
    s3 = apply(s2, op("o3", base=2, stamp=300, delete=False), 3).state
    assert not s3.deleted and s3.leaves["notes"] == "x"


def test_merge_refuses_deleting_unknown_record() -> None:
    with pytest.raises(Invalid) as exc:
        apply(None, op("o1", delete=True), 1)
    assert exc.value.path == DELETED


def test_merge_refuses_record_of_other_collection() -> None:
    s1 = apply(None, op("o1", notes="x"), 1).state
    other = Op("o2", "cases", "r1", 1, 200, "A", {"notes": "y"})
    with pytest.raises(Invalid):
        apply(s1, other, 2)


def test_merge_does_not_mutate_input_state() -> None:
    s1 = apply(None, op("o1", notes="x"), 1).state
    before = (dict(s1.leaves), dict(s1.clocks))
    apply(s1, op("o2", dev="B", stamp=500, notes="y"), 2)
    assert (s1.leaves, s1.clocks) == before


def test_merge_rewriting_same_value_moves_the_clock_on() -> None:
    s1 = apply(None, op("o1", notes="x"), 1).state
    out = apply(s1, op("o2", base=1, stamp=200, notes="x"), 2)
    assert out.state.leaves["notes"] == "x" and out.state.clocks["notes"] == (2, 200, "A", "o2")
    # so a concurrent write stamped between the two loses, as it would in any order
    later = apply(out.state, op("o3", dev="B", stamp=150, notes="y"), 3)
    assert later.state.leaves["notes"] == "x"


def test_merge_older_write_from_same_device_with_same_value_changes_nothing() -> None:
    s1 = apply(None, op("o1", stamp=300, notes="x"), 1).state
    out = apply(s1, op("o2", base=1, stamp=200, notes="x"), 2)
    assert not out.changed and out.state.version == 1


def run_losers(*ops: Op) -> tuple[RecordState, list[list[tuple[str, object, str]]]]:
    """Like ``run``, with each op's losers as (path, value, op)."""
    state: RecordState | None = None
    losers = []
    for version, o in enumerate(ops, start=1):
        out = apply(state, o, version)
        state = out.state
        losers.append([(lo.path, lo.value, lo.op) for lo in out.losers])
    assert state is not None
    return state, losers


@pytest.mark.parametrize("b_first", [False, True])
def test_merge_equal_concurrent_write_keeps_both_writers(b_first: bool) -> None:
    """A and B set status=handling without seeing each other; B, still without seeing A's
    write, changes it to completed. A's write was not seen by B's second edit: it is judged
    against it (B's later stamp wins here), and A's value is kept as the loser, whichever of
    the two equal writes arrived first (found by the convergence test's long run)."""
    create = op("o0", stamp=10, centre_id="c1", status="accepted")
    a = op("a1", dev="A", stamp=200, base=1, status="handling")
    b1 = op("b1", dev="B", stamp=300, base=1, status="handling")
    b2 = op("b2", dev="B", stamp=400, base=1, status="completed")
    first, second = (b1, a) if b_first else (a, b1)
    state, losers = run_losers(create, first, second, b2)
    assert state.leaves["status"] == "completed"
    assert losers[1] == [] and losers[2] == []  # equal values: no conflict
    assert ("status", "handling", "a1") in losers[3]


def test_merge_equal_concurrent_write_unseen_writer_can_still_win() -> None:
    """Same start, but A's write is the later one: B's edit, which never saw it, loses."""
    create = op("o0", stamp=10, centre_id="c1", status="accepted")
    a = op("a1", dev="A", stamp=500, base=1, status="handling")
    b1 = op("b1", dev="B", stamp=300, base=1, status="handling")
    b2 = op("b2", dev="B", stamp=400, base=1, status="completed")
    state, losers = run_losers(create, b1, a, b2)
    assert state.leaves["status"] == "handling"
    assert losers[3] == [("status", "completed", "b2")]
    # A device that saw everything supersedes both writers at once.
    state2, losers2 = run_losers(create, b1, a, op("c1", dev="C", stamp=50, base=3, status="done"))
    assert state2.leaves["status"] == "done" and losers2[3] == [] and "status" not in state2.agree
