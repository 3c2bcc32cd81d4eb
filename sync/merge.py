"""Field-path merging with causal conflict detection.

The unit of merging is a leaf path (``applicant.phone``). Each stored path keeps a
clock ``(version, stamp, device, op)``: the server version that last wrote it, the
skew-corrected real time of that write, and who made it.

An incoming write to a path *conflicts* with the stored one when it was made without
having seen it (``op.base < version``), by another device, with a different value.
Among conflicting writes the later stamp wins (ties: device id, then op id), and
the loser is returned so it can be kept and shown. Everything here is pure: the
caller supplies the next version number and persists the outcome.

Two devices may write the same value without seeing each other: no conflict, but both
writes stay on record (the path's *co-writers*, ``RecordState.agree``). Otherwise a
third write that saw only one of them would silently replace the other's value: it must
still be judged against the write it did not see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import Invalid

DELETED = "_deleted"

Clock = tuple[int, int, str, str]  # version, stamp, device, op


# Built once or more per op of every push: plain slotted dataclasses, not frozen ones (a
# frozen dataclass's __init__ sets each field through object.__setattr__, about four times
# the cost). Treated as values all the same: nothing assigns to their fields after __init__.
@dataclass(slots=True)
class Op:
    """One checked write: leaf paths already validated, ``stamp`` already corrected."""

    id: str
    collection: str
    record: str
    base: int
    stamp: int
    device: str
    set: dict[str, Any]
    delete: bool | None = None  # True deletes, False restores, None leaves as is


@dataclass(slots=True)
class RecordState:
    """A record as the engine sees it: leaf values plus a clock per path."""

    collection: str
    id: str
    version: int
    leaves: dict[str, Any]
    clocks: dict[str, Clock]
    agree: dict[str, tuple[Clock, ...]] = field(default_factory=dict)  # same value, unseen by clocks[p]

    def writers(self, path: str) -> list[Clock]:
        """Every write that holds the path's current value: its clock, then co-writers."""
        cur = self.clocks.get(path)
        return [] if cur is None else [cur, *self.agree.get(path, ())]

    @property
    def deleted(self) -> bool:
        """Whether the record is a tombstone."""
        return bool(self.leaves.get(DELETED, False))

    def data(self) -> dict[str, Any]:
        """The user-visible leaves (without the tombstone flag)."""
        if DELETED not in self.leaves:
            return dict(self.leaves)  # the same, copied in C (a record's ~100 leaves)
        return {k: v for k, v in self.leaves.items() if k != DELETED}


@dataclass(slots=True)
class Loser:
    """A value that lost a concurrent write; kept so people can see and restore it."""

    path: str
    value: Any
    device: str
    stamp: int
    op: str


@dataclass(slots=True)
class Outcome:
    """What one op did to one record."""

    state: RecordState
    changed: bool  # leaves or clocks changed: the record gets a new version
    losers: tuple[Loser, ...] = field(default=())

    @property
    def status(self) -> str:
        """``applied`` or ``conflict`` (a loser was recorded, whoever won)."""
        return "conflict" if self.losers else "applied"


def _rank(stamp: int, device: str, op: str) -> tuple[int, str, str]:
    return (stamp, device, op)


def _clock_rank(c: Clock) -> tuple[int, str, str]:
    return _rank(c[1], c[2], c[3])


def apply(state: RecordState | None, op: Op, version: int) -> Outcome:
    """Merge ``op`` into ``state`` (None for a new record) at server ``version``.

    Raises ``Invalid`` for writes the engine itself cannot make (deleting an unknown
    record, a record of another collection). Everything else about the op was checked
    before (``sync.ops``); required fields are the caller's check, on the returned state.
    """
    if state is None:
        if op.delete:
            raise Invalid("cannot delete a record the server does not have", path=DELETED)
        # A new record is its op: every path written with the op's clock (what the loop
        # below makes of an empty record, built in C).
        made = dict(op.set)
        if op.delete is not None:
            made[DELETED] = op.delete
        written = (version, op.stamp, op.device, op.id)
        return Outcome(RecordState(op.collection, op.record, version if made else 0, made,
                                   dict.fromkeys(made, written), {}), bool(made))
    elif state.collection != op.collection:
        raise Invalid(f"record {op.record} belongs to {state.collection}, not {op.collection}",
                      path="record")

    writes: dict[str, Any] = dict(op.set)
    if op.delete is not None:
        writes[DELETED] = op.delete

    leaves = dict(state.leaves)
    clocks = dict(state.clocks)
    agree = dict(state.agree)
    losers: list[Loser] = []
    changed = False
    mine = _rank(op.stamp, op.device, op.id)
    written = (version, op.stamp, op.device, op.id)  # the clock of every path this op wins

    for path, value in writes.items():
        cur = clocks.get(path)
        if cur is None:
            leaves[path] = value
            clocks[path] = written
            changed = True
            continue
        writers = state.writers(path)  # each path is written once per op: state's are current
        # The writes this op did not see; it supersedes the others (and its own device's).
        unseen = [w for w in writers if w[0] > op.base and w[2] != op.device]
        if not unseen:
            if leaves.get(path) == value and len(writers) == 1 and cur[2] == op.device and op.stamp <= cur[1]:
                continue  # nothing newer than what is stored
            # Even an unchanged value moves the clock on, or a concurrent writer stamped
            # in between would win or lose depending on arrival order. The stamp never goes
            # back, so a later concurrent writer is still compared fairly.
            leaves[path] = value
            clocks[path] = (version, max(op.stamp, max(w[1] for w in writers) + 1), op.device, op.id)
            agree.pop(path, None)
            changed = True
            continue
        unseen.sort(key=_clock_rank, reverse=True)
        if leaves.get(path) == value:
            # Same value written concurrently: no conflict. The highest clock leads (so the
            # outcome does not depend on arrival order); the other unseen writes stay beside it.
            group = sorted([*unseen, written], key=_clock_rank, reverse=True)
            clocks[path], agree[path] = group[0], tuple(group[1:])
            changed = True
            continue
        if mine > _clock_rank(unseen[0]):
            # Every write of the value being replaced that this op did not see is a loser.
            losers.extend(Loser(path, leaves.get(path), w[2], w[1], w[3]) for w in unseen)
            leaves[path] = value
            clocks[path] = written
            agree.pop(path, None)
            changed = True
        else:
            losers.append(Loser(path, value, op.device, op.stamp, op.id))

    losers.extend(_delete_edit_conflicts(state, op))
    new = RecordState(op.collection, op.record, version if (changed or losers) else state.version,
                      leaves, clocks, {p: a for p, a in agree.items() if a})
    return Outcome(new, changed or bool(losers), tuple(losers))


def _delete_edit_conflicts(state: RecordState, op: Op) -> list[Loser]:
    """A delete and an edit made without seeing each other: keep the edit visible.

    The merged leaves are already right (both were applied); this records that someone
    edited a record someone else deleted, as a resolvable conflict on ``_deleted``.
    """
    if not state.clocks:
        return []
    if op.delete:
        editors: dict[str, tuple[int, str]] = {}
        for p in state.clocks:
            if p == DELETED:
                continue
            for cv, cs, cd, cop in state.writers(p):
                if cv > op.base and cd != op.device:
                    editors[cd] = max(editors.get(cd, (cs, cop)), (cs, cop))
        return [Loser(DELETED, False, dev, cs, cop) for dev, (cs, cop) in sorted(editors.items())]
    if op.set and state.deleted and any(cv > op.base and cd != op.device
                                        for cv, _cs, cd, _cop in state.writers(DELETED)):
        return [Loser(DELETED, False, op.device, op.stamp, op.id)]
    return []
