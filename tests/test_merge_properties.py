"""Property tests of the merge engine (hypothesis).

Devices write concurrently (none has seen the others' writes); each device's own
ops arrive in the order it made them, interleaved with the others' in any order.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from sync import clock
from sync.merge import DELETED, Op, RecordState, apply
from tests.support.budget import examples

PATHS = ["notes", "outcome", "location.lat", "location.lon", "applicant.name"]
VALUES = st.one_of(st.integers(-3, 3), st.sampled_from(["甲", "乙", "丙"]), st.none())


@st.composite
def device_ops(draw: Any, device: str) -> list[Op]:
    """One device's ops, in the order it made them, with raw (possibly jumpy) times."""
    n = draw(st.integers(0, 5))
    ats = draw(st.lists(st.integers(0, 1000), min_size=n, max_size=n))
    skew = draw(st.integers(-7_200_000, 7_200_000))
    stamps, _ = clock.stamps([at + skew for at in ats], skew, 10**9, 0)
    ops = []
    for i, stamp in enumerate(stamps):
        sets = draw(st.dictionaries(st.sampled_from(PATHS), VALUES, min_size=0, max_size=3))
        delete = draw(st.sampled_from([None, None, None, True]))
        ops.append(Op(f"{device}-{i}", "visits", "r1", 0, stamp, device, sets, delete))
    return ops


@st.composite
def schedules(draw: Any) -> tuple[list[list[Op]], list[int], list[int]]:
    """Ops of 2-4 devices and two different interleavings of them."""
    devices = [draw(device_ops(f"dev{i}")) for i in range(draw(st.integers(2, 4)))]
    tags = [i for i, ops in enumerate(devices) for _ in ops]
    return devices, draw(st.permutations(tags)), draw(st.permutations(tags))


def deliver(devices: list[list[Op]], order: list[int],
            creator: Op) -> tuple[RecordState, list[Any], list[str]]:
    state = apply(None, creator, 1).state
    cursors = [0] * len(devices)
    losers: list[Any] = []
    statuses = []
    version = 1
    for tag in order:
        o = devices[tag][cursors[tag]]
        cursors[tag] += 1
        version += 1
        out = apply(state, o, version)
        state = out.state
        losers.extend(out.losers)
        statuses.append(out.status)
    return state, losers, statuses


CREATOR = Op("create", "visits", "r1", 0, 0, "origin", {"kind": "home_service", "notes": "原"})


@settings(max_examples=examples(300), deadline=None)
@given(schedules())
def test_merge_property_any_delivery_order_gives_same_state(sched: Any) -> None:
    devices, order_a, order_b = sched
    a, _, _ = deliver(devices, order_a, CREATOR)
    b, _, _ = deliver(devices, order_b, CREATOR)
    assert a.leaves == b.leaves
    assert a.deleted == b.deleted


@settings(max_examples=examples(300), deadline=None)
@given(schedules())
def test_merge_property_latest_write_per_path_wins(sched: Any) -> None:
    devices, order, _ = sched
    state, _, _ = deliver(devices, order, CREATOR)
    best: dict[str, tuple[tuple[int, str, str], Any]] = {}
    for ops in devices:
        for o in ops:
            writes = dict(o.set)
            if o.delete is not None:
                writes[DELETED] = o.delete
            for path, value in writes.items():
                rank = (o.stamp, o.device, o.id)
                if path not in best or rank > best[path][0]:
                    best[path] = (rank, value)
    for path, (_rank, value) in best.items():
        assert state.leaves[path] == value


@settings(max_examples=examples(300), deadline=None)
@given(schedules())
def test_merge_property_every_concurrent_value_is_final_or_kept(sched: Any) -> None:
    """Every device's last write of a path is the final value or kept as a loser *of that
    op*: here no op saw another (base 0), so only a device's own later write supersedes it.
    (Keeping the value under another device's op is not enough: two devices may write the
    same value, and a third write that saw neither must not drop one of them silently.)"""
    devices, order, _ = sched
    state, losers, _ = deliver(devices, order, CREATOR)
    kept = {(lo.path, repr(lo.value), lo.op) for lo in losers}
    for ops in devices:
        last_per_path: dict[str, Op] = {}
        for o in ops:  # a device's own later write supersedes its earlier one: not lost
            for path in o.set:
                last_per_path[path] = o
        for path, o in last_per_path.items():
            value = o.set[path]
            assert state.leaves.get(path) == value or (path, repr(value), o.id) in kept, (path, o.id)


@settings(max_examples=examples(200), deadline=None)
@given(schedules())
def test_merge_property_replay_changes_nothing(sched: Any) -> None:
    """Re-applying an op that already landed (same device, seen everything) is a no-op."""
    devices, order, _ = sched
    state, _, _ = deliver(devices, order, CREATOR)
    for ops in devices:
        if ops:
            last = ops[-1]
            replay = Op(last.id, last.collection, last.record, state.version, last.stamp,
                        last.device, {p: state.leaves.get(p) for p in last.set
                                      if state.clocks[p][2] == last.device}, None)
            out = apply(state, replay, state.version + 1)
            assert out.state.leaves == state.leaves
            assert not out.losers


@settings(max_examples=examples(200), deadline=None)
@given(schedules())
def test_merge_property_deterministic(sched: Any) -> None:
    devices, order, _ = sched
    assert deliver(devices, order, CREATOR)[0] == deliver(devices, order, CREATOR)[0]
