"""Convergence of a fleet of simulated devices against a real server.

Devices in two centres plus a county supervisor edit offline (creates, updates of nested
paths, deletes), with clocks off by up to two hours, while the network loses responses,
duplicates, replays and reorders pushes. After everyone has synced to quiescence:

- every device's synced copy equals the server's view of its scope (``records`` table),
  with each record's open conflicts (``conflicts`` rows not yet resolved);
- every op id ever sent is in ``ops`` (applied/conflict) or ``quarantine``, exactly once;
- every op reported ``conflict`` has its loser kept in ``conflicts``;
- no value is lost: each value an op set is the final value, or kept as a conflict (same
  op), or was causally superseded (a later op of the same device on that path, or an op
  on that path whose ``base`` ≥ this op's version, or whose device had seen this very
  value there before overwriting it: rewriting an unchanged value moves no path clock).

``pytest tests/test_convergence.py --long`` runs thousands of schedules instead of a few.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import random
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from server.scope import WORKSPACE_SYNC
from tests.support.devicesim import Faults, SentOp, SimDevice, flatten, matter_ids, run_fleet
from tests.support.server import COUNTY, USERS, ServerHandle, running_server

HOUR = 3_600_000
PER_SERVER = 40
COUNTY_SCOPED = ("centres", "matters", "templates")
DELETED = "_deleted"
MISSING = object()
Key = tuple[str, str]


def schedules(config: pytest.Config) -> int:
    """How many random schedules to run: a few in CI, thousands with ``--long``."""
    if os.environ.get("FIELDSYNC_SCHEDULES"):
        return int(os.environ["FIELDSYNC_SCHEDULES"])
    return 2000 if config.getoption("--long", default=False) else 3


@dataclass
class World:
    """Everything one server has seen: devices and the ops they sent."""

    server: ServerHandle
    centres: dict[str, tuple[str, ...]]  # username -> centre ids
    roles: dict[str, str]
    sent: dict[str, tuple[SimDevice, SentOp]]
    seq: dict[str, int]  # op id -> position in its device's sending order
    bad: set[str] = dataclasses.field(default_factory=set)  # deliberately invalid op ids


@contextlib.contextmanager
def new_world(tmp_path: Path) -> Iterator[World]:
    """A fresh server whose supervisor has created the county's matters."""
    with running_server(tmp_path) as server:
        w = World(server, {u.username: u.centres for u in USERS},
                  {u.username: u.role for u in USERS}, {}, {})
        sup = sim_device(w, "super1", random.Random(0))
        sup.connect(server.base_url)
        for i, mid in enumerate(matter_ids()):
            sup.create("matters", {"name": f"事项{i}", "county_id": COUNTY, "kind": "time_limited",
                                   "time_limit_days": 5 + i}, record=mid)
        sup.sync()
        assert not sup.outbox
        remember(w, sup)
        yield w


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    """A fresh server whose supervisor has created the county's matters."""
    with new_world(tmp_path) as w:
        yield w


def sim_device(w: World, username: str, rng: random.Random, faults: Faults | None = None,
               skew: int = 0, bad_ops: float = 0.0) -> SimDevice:
    """A not yet connected simulated device for ``username``."""
    password = next(u.password for u in USERS if u.username == username)
    return SimDevice(username, password, skew_ms=skew, faults=faults or Faults(),
                     county_id=COUNTY, seed=rng.getrandbits(64), bad_ops=bad_ops)


def remember(w: World, d: SimDevice) -> None:
    """Add a device's sent ops (in its sending order) to the world's log."""
    order = {op["id"]: i for i, op in enumerate(d.made)}
    for op_id, s in d.sent.items():
        w.sent[op_id] = (d, s)
        w.seq[op_id] = order.get(op_id, -1)
    w.bad |= d.bad


def one_schedule(w: World, seed: int, steps: int) -> list[SimDevice]:
    """Run one random schedule with faults, to quiescence; return its devices."""
    rng = random.Random(seed)
    names = ["field1", "field2", "field3", "centre1", "super1"]
    fleet = []
    for name in names:
        faults = Faults(drop_response=rng.choice([0.0, 0.1, 0.25]),
                        duplicate=rng.choice([0.0, 0.1, 0.25]),
                        replay=rng.choice([0.0, 0.1, 0.25]),
                        shuffle=rng.random() < 0.7, gzip=rng.random() < 0.5)
        fleet.append(sim_device(w, name, rng, faults, skew=rng.randint(-2 * HOUR, 2 * HOUR),
                                bad_ops=0.03))
    run_fleet(w.server.base_url, fleet, steps, rng)
    for d in fleet:
        remember(w, d)
    return fleet


def rows(db: Path, sql: str, *args: Any) -> list[sqlite3.Row]:
    """Read-only query against the server's database."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def check_scopes(w: World, fleet: list[SimDevice]) -> None:
    """Each device's synced copy is exactly the server's records in its scope."""
    records = rows(w.server.db, "SELECT * FROM records")
    open_conflicts: dict[Key, set[str]] = defaultdict(set)
    for c in rows(w.server.db, "SELECT * FROM conflicts WHERE resolved_version IS NULL"):
        open_conflicts[(c["collection"], c["record"])].add(c["id"])
    for d in fleet:
        role, centres = w.roles[d.username], w.centres[d.username]

        def visible(r: sqlite3.Row, role: str = role, centres: tuple[str, ...] = centres) -> bool:
            if role in ("supervisor", "admin"):
                # Their devices sync reference data and the county's inspections,
                # rectifications and accountability; figures and lists come from the server (issue 12).
                return bool(r["county_id"] == COUNTY and (
                    r["centre_id"] is None or r["collection"] in WORKSPACE_SYNC))
            if r["collection"] in COUNTY_SCOPED:
                return bool(r["county_id"] == COUNTY)
            return r["centre_id"] in centres

        want = {(r["collection"], r["id"]): r for r in records if visible(r)}
        got = d.local
        assert set(got) == set(want), (
            f"{d.username}: missing {sorted(set(want) - set(got))[:5]}, "
            f"extra {sorted(set(got) - set(want))[:5]}")
        for key, r in want.items():
            entry = got[key]
            assert entry["version"] == r["version"], (d.username, key)
            assert bool(entry["deleted"]) == bool(r["deleted"]), (d.username, key)
            assert entry["data"] == json.loads(r["data"]), (d.username, key)
            got_conflicts = {c["id"] for c in entry.get("conflicts") or []}
            assert got_conflicts == open_conflicts.get(key, set()), (d.username, key, "conflicts")


def check_ops(w: World) -> None:
    """Ops exactly once; reported statuses agree; conflicts keep their losers; nothing lost."""
    db = w.server.db
    ops = {r["id"]: r for r in rows(db, "SELECT * FROM ops")}
    quarantined = {r["op_id"]: r for r in rows(db, "SELECT * FROM quarantine")}
    conflicts = rows(db, "SELECT * FROM conflicts")
    by_record: dict[Key, list[sqlite3.Row]] = defaultdict(list)
    for c in conflicts:
        by_record[(c["collection"], c["record"])].append(c)
    final = {(r["collection"], r["id"]): r for r in rows(db, "SELECT * FROM records")}

    both = set(ops) & set(quarantined)
    assert not both, f"ops both applied and quarantined: {sorted(both)[:5]}"
    missing = [i for i in w.sent if i not in ops and i not in quarantined]
    assert not missing, f"{len(missing)} sent ops unknown to the server, e.g. {missing[:5]}"
    odd = {i: r["status"] for i, r in ops.items() if r["status"] not in ("applied", "conflict")}
    assert not odd, f"ops with odd stored status: {list(odd.items())[:5]}"
    accepted_bad = sorted(w.bad & set(ops))
    assert not accepted_bad, f"invalid ops were applied: {accepted_bad[:5]}"
    tainted = {(w.sent[i][1].op["collection"], w.sent[i][1].op["record"]) for i in w.bad}
    wrongly = [(i, quarantined[i]["code"], quarantined[i]["message"]) for i in quarantined
               if i in w.sent and i not in w.bad
               and (w.sent[i][1].op["collection"], w.sent[i][1].op["record"]) not in tainted]
    assert not wrongly, f"valid ops quarantined: {wrongly[:5]}"

    for op_id, (d, s) in w.sent.items():
        st = s.status
        if st in ("applied", "conflict"):
            assert op_id in ops and ops[op_id]["status"] == st, (d.username, op_id, st)
            assert s.version == ops[op_id]["version"], (d.username, op_id, s.version)
        elif st == "rejected":
            assert op_id in quarantined, (d.username, op_id)

    for op_id, r in ops.items():
        if r["status"] != "conflict" or op_id not in w.sent:
            continue
        op = w.sent[op_id][1].op
        paths = set(op["set"]) | {DELETED}
        kept = [c for c in by_record[(op["collection"], op["record"])]
                if c["path"] in paths and c["version"] == r["version"]]
        assert kept, f"op {op_id} reported conflict but no loser kept on {sorted(paths)} at v{r['version']}"

    # Who wrote each path of each record, to judge causal supersession.
    writers: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for op_id, (_, s) in w.sent.items():
        if op_id in ops:
            for p in written(s.op):
                writers[(s.op["collection"], s.op["record"], p)].append(op_id)

    lost = []
    for op_id, (d, s) in w.sent.items():
        if op_id not in ops:
            continue
        op, version = s.op, ops[op_id]["version"]
        rec = final.get((op["collection"], op["record"]))
        leaves = flatten(json.loads(rec["data"])) if rec else {}
        if rec:
            leaves[DELETED] = bool(rec["deleted"])
        for p, v in written(op).items():
            if p in leaves and leaves[p] == v:
                continue
            if any(c["path"] == p and c["op"] == op_id and json.loads(c["value"]) == v
                   for c in by_record[(op["collection"], op["record"])]):
                continue
            later = [o for o in writers[(op["collection"], op["record"], p)] if o != op_id and (
                (w.sent[o][0] is d and w.seq[o] > w.seq[op_id])
                or w.sent[o][1].op["base"] >= version
                or w.sent[o][0].seen.get(o, {}).get(p, MISSING) == v)]
            if later:
                continue
            lost.append((d.username, op_id, op["collection"], op["record"], p, v,
                         leaves.get(p)))
    assert not lost, f"{len(lost)} values lost, e.g. {lost[:3]}"


def written(op: dict[str, Any]) -> dict[str, Any]:
    """The leaf paths an op wrote (a delete writes the tombstone flag)."""
    out = dict(op["set"])
    if op.get("delete"):
        out[DELETED] = True
    return out


def test_fleet_converges(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Random faulty schedules, each to quiescence, then every invariant holds.

    Schedules share a server (so later ones meet earlier data); a fresh one every
    ``PER_SERVER`` schedules keeps long runs from slowing down.
    """
    n = schedules(request.config)
    base_seed = int(os.environ.get("FIELDSYNC_SEED", "20261122"))
    steps = int(os.environ.get("FIELDSYNC_STEPS", 50 if n > 10 else 150))
    done, quarantined = 0, 0
    while done < n:
        with new_world(tmp_path / f"server{done}") as world:
            first = done  # this server's first schedule: replays must start there
            for i in range(done, min(n, done + PER_SERVER)):
                seed = base_seed + i
                fleet = one_schedule(world, seed, steps)
                try:
                    check_scopes(world, fleet)
                    if i % 10 == 9:
                        check_ops(world)
                except AssertionError as e:
                    raise AssertionError(
                        f"schedule seed {seed}; replay with FIELDSYNC_SEED={base_seed + first}"
                        f" FIELDSYNC_SCHEDULES={i - first + 1} FIELDSYNC_STEPS={steps}: {e}") from e
                finally:
                    for d in fleet:
                        d.client.close()
                done += 1
            check_ops(world)
            quarantined += len(rows(world.server.db, "SELECT op_id FROM quarantine"))
            assert len(world.sent) > 100
    assert quarantined > 0


def test_skewed_concurrent_edits_keep_loser(world: World) -> None:
    """Two devices edit the same nested path offline, clocks 2 h apart: one wins, one is kept."""
    rng = random.Random(7)
    a = sim_device(world, "field1", rng, skew=2 * HOUR)
    b = sim_device(world, "field2", rng, skew=-2 * HOUR)
    for d in (a, b):
        d.connect(world.server.base_url)
    op = a.create("visits")
    a.sync()
    b.sync()
    rec = op["record"]
    a.update("visits", rec, {"location.lat": 28.5, "applicant.phone": "13900000001"})
    time.sleep(0.2)
    b.update("visits", rec, {"location.lat": 26.25, "notes": "乙的记录"})
    b.sync()  # b edited later in real time but its clock reads 4 h earlier
    a.sync()
    b.sync()
    for d in (a, b):
        remember(world, d)
    entry = a.local[("visits", rec)]
    assert entry == b.local[("visits", rec)]
    assert entry["data"]["location"]["lat"] == 26.25  # the later real-time edit wins
    assert entry["data"]["applicant"]["phone"] == "13900000001"
    assert entry["data"]["notes"] == "乙的记录"
    assert {c["path"] for c in entry.get("conflicts", [])} == {"location.lat"}
    check_ops(world)


def test_reset_replaces_synced_copy(world: World) -> None:
    """A cursor the server no longer honours brings ``reset``: the copy is rebuilt, ops kept."""
    d = sim_device(world, "field3", random.Random(11))
    d.connect(world.server.base_url)
    d.create("visits")
    d.sync()
    d.local[("visits", "ghost-record")] = {"collection": "visits", "record": "ghost-record",
                                           "version": 1, "deleted": False, "data": {}}
    pending = d.create("complaints")
    d.cursor = "bm90LWEtY3Vyc29y"  # not one this server issued
    d.trace = []
    d.sync()
    assert d.trace[0].json()["reset"] is True
    assert pending["id"] in {r["op"] for r in d.trace[0].json()["results"]}
    remember(world, d)
    check_scopes(world, [d])
    check_ops(world)
