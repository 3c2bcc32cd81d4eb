"""Chaos on the wire: the same schedule through a breaking proxy and through a clean link.

A seeded schedule of offline edits and syncs by five devices (two centres, a centre user and
a supervisor; clocks off by up to two hours; a few deliberately invalid ops) is played twice
against two servers started from one database file:

- *clean*: devices talk to server A directly;
- *chaos*: devices talk to server B through :class:`ChaosProxy`, which breaks about a third
  of all exchanges (login included): closes before forwarding, cuts the request head or
  body, half-closes mid-body, forwards a truncated body with a matching length, or lets the
  server answer and then drops, cuts or truncates the response. A device treats every
  broken exchange as "no answer": its ops stay queued and go again with the same ids
  (:func:`reliably`), so after each step it knows what it would have known without chaos.

Edits read a scripted clock (:class:`ScheduledDevice`), one minute of it per step, so both
runs make byte-identical ops (ids, bases, ``at``) and the server stamps each at
``virtual time − skew + latency``; latency (milliseconds) never reorders edits a minute
apart, so both servers pick the same winners. After both runs settle:

- the two servers hold the same records (data with computed fields, tombstones, versions),
  the same conflicts as (collection, record, path, value), the same op outcomes (status and
  version) and the same quarantine. Versions must match too: both runs apply the same ops in
  the same order, and a retry only ever meets ``duplicate`` (a truncated request is refused
  whole), so nothing else may move the version counter;
- on each server the convergence checks hold (devices' copies == server scope; every op
  once in ``ops`` or ``quarantine``; statuses and versions as reported; losers kept; no
  value lost), each op made at most one change-log row, and no op exists that no device made;
- the proxy saw no 5xx, and the server answered every truncated request with a 4xx.

``pytest tests/test_chaos.py --long`` plays many more schedules (``FIELDSYNC_CHAOS_SCHEDULES``,
``FIELDSYNC_CHAOS_SEED``, ``FIELDSYNC_CHAOS_STEPS``, ``FIELDSYNC_CHAOS_RATE`` override).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from tests.support.chaos import FAULTS, ChaosProxy, ScheduledDevice, VirtualClock
from tests.support.devicesim import Faults, SimDevice, SyncFailed, matter_ids
from tests.support.server import COUNTY, PASSWORD, USERS, ServerHandle, free_port, make_db, running_server
from tests.test_convergence import World, check_ops, check_scopes, remember, rows

T = TypeVar("T")
HOUR = 3_600_000
DAY = 24 * HOUR
STEP_MS = 60_000  # scripted time per schedule step: far above any request's latency
ATTEMPTS = 100  # per exchange; P(all broken) at rate 0.35 is ~1e-46
SETTLE_ROUNDS = 20
PER_PAIR = 15  # schedules played on one pair of servers before fresh ones
NAMES = ("field1", "field2", "field3", "centre1", "super1")
# What a device may see instead of an answer: a dead or cut connection, a body that does
# not decode, or an error status (a truncated request is refused with 400).
NO_ANSWER = (httpx.HTTPError, SyncFailed, json.JSONDecodeError, UnicodeDecodeError)


@dataclass
class Side:
    """One of the two runs: its server, where its devices connect, what they did."""

    name: str
    server: ServerHandle
    url: str
    world: World
    failures: Counter[str] = field(default_factory=Counter)
    devices: list[ScheduledDevice] = field(default_factory=list)


def reliably(side: Side, fn: Callable[[], T]) -> T:
    """Call ``fn`` until it gets an answer; each failure counts as 'no answer'."""
    for _ in range(ATTEMPTS):
        try:
            return fn()
        except NO_ANSWER as e:
            side.failures[type(e).__name__] += 1
    raise AssertionError(f"{side.name}: no answer after {ATTEMPTS} attempts ({dict(side.failures)})")


def connect(side: Side, d: ScheduledDevice) -> None:
    """Log in (through the side's link), retrying; a lost answer just makes another device."""
    client = httpx.Client(timeout=30.0)
    reliably(side, lambda: d.connect(side.url, client))


def new_world(server: ServerHandle) -> World:
    """An empty record of what ``server``'s devices sent, with the default users."""
    return World(server, {u.username: u.centres for u in USERS}, {u.username: u.role for u in USERS},
                 {}, {})


@contextmanager
def server_pair(tmp_path: Path, seed: int, rate: float) -> Iterator[tuple[Side, Side, ChaosProxy]]:
    """Two servers on copies of one fresh database; the second behind a chaos proxy."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    make_db(tmp_path / "template.db")
    with ExitStack() as stack:
        handles = []
        for name in ("clean", "chaos"):
            (tmp_path / name).mkdir()
            db = tmp_path / name / "fieldsync.db"
            shutil.copyfile(tmp_path / "template.db", db)
            h = ServerHandle(db=db, port=free_port(), log_path=tmp_path / name / "server.log")
            stack.callback(h.stop)
            h.start()
            handles.append(h)
        proxy = stack.enter_context(ChaosProxy(handles[1].port, seed=seed, rate=rate))
        yield (Side("clean", handles[0], handles[0].base_url, new_world(handles[0])),
               Side("chaos", handles[1], proxy.base_url, new_world(handles[1])), proxy)


def prelude(side: Side, vclock: VirtualClock) -> None:
    """The county's matters, made by the supervisor (cases' deadlines need them)."""
    sup = ScheduledDevice("super1", PASSWORD, county_id=COUNTY, seed=1, vclock=vclock)
    connect(side, sup)
    for i, mid in enumerate(matter_ids()):
        sup.create("matters", {"name": f"事项{i}", "county_id": COUNTY, "kind": "time_limited",
                               "time_limit_days": 5 + i}, record=mid)
    reliably(side, sup.sync)
    assert not sup.outbox
    remember(side.world, sup)
    sup.client.close()


def play(side: Side, seed: int, steps: int, vclock: VirtualClock) -> list[ScheduledDevice]:
    """One seeded schedule (offline edit bursts and syncs), then settle; returns the devices."""
    rng = random.Random(seed)
    fleet = []
    for name in NAMES:
        d = ScheduledDevice(name, PASSWORD, skew_ms=rng.randint(-2 * HOUR, 2 * HOUR),
                            faults=Faults(gzip=rng.random() < 0.5), county_id=COUNTY,
                            seed=rng.getrandbits(64), bad_ops=0.03, vclock=vclock)
        connect(side, d)
        fleet.append(d)
    for _ in range(steps):
        vclock.advance(STEP_MS)
        d = rng.choice(fleet)
        if rng.random() < 0.6:
            for _ in range(rng.randint(1, 4)):
                d.random_edit()
        else:
            reliably(side, d.sync)
    settle(side, fleet)
    for d in fleet:
        remember(side.world, d)
    return fleet


def settle(side: Side, fleet: list[ScheduledDevice]) -> None:
    """Sync every device until a whole round moves nothing (retrying every exchange).

    "Moved" is judged from the device's state, not from the summary of the attempt that
    got through: an earlier, broken attempt may already have pushed the ops or pulled the
    pages, so the successful retry alone can look idle. Counting any failure as "busy"
    instead would rarely let a round at a 35 % fault rate finish clean.
    """
    for _ in range(SETTLE_ROUNDS):
        busy = False
        for d in fleet:
            cursor, pending = d.cursor, len(d.outbox)
            reliably(side, d.sync)
            busy |= bool(pending or d.outbox) or d.cursor != cursor
        if not busy:
            return
    raise AssertionError(f"{side.name}: fleet did not settle in {SETTLE_ROUNDS} rounds")


def snapshot(side: Side) -> dict[str, Any]:
    """What must be equal between the runs: data, tombstones, conflicts, outcomes."""
    db = side.server.db
    return {
        "records": {(r["collection"], r["id"]): (json.loads(r["data"]), bool(r["deleted"]), r["version"])
                    for r in rows(db, "SELECT collection, id, data, deleted, version FROM records")},
        "conflicts": {(c["collection"], c["record"], c["path"],
                       json.dumps(json.loads(c["value"]), sort_keys=True, ensure_ascii=False))
                      for c in rows(db, "SELECT * FROM conflicts")},
        "ops": {r["id"]: (r["status"], r["version"])
                for r in rows(db, "SELECT id, status, version FROM ops")},
        "quarantine": {r["op_id"]: r["code"] for r in rows(db, "SELECT op_id, code FROM quarantine")},
    }


def check_side(side: Side, fleet: list[ScheduledDevice]) -> None:
    """Convergence checks, plus: one change-log row per op at most; no op nobody made."""
    devices: list[SimDevice] = list(fleet)  # check_scopes takes a list of the base class
    check_scopes(side.world, devices)
    check_ops(side.world)
    db = side.server.db
    twice = rows(db, "SELECT op, count(*) AS n FROM changes WHERE op IS NOT NULL"
                     " GROUP BY op HAVING n > 1")
    assert not twice, f"{side.name}: ops with several change-log rows: {[tuple(r) for r in twice][:5]}"
    made = set(side.world.sent)
    stored = {r["id"] for r in rows(db, "SELECT id FROM ops WHERE device != 'system'")} | \
        {r["op_id"] for r in rows(db, "SELECT op_id FROM quarantine")}
    assert stored == made, (f"{side.name}: stored but never made {sorted(stored - made)[:5]}, "
                            f"made but not stored {sorted(made - stored)[:5]}")
    for d in fleet:
        assert not d.outbox, (side.name, d.username, "ops left unsent")
        for op_id, s in d.sent.items():  # acknowledged means stored, as acknowledged
            if s.reports:
                assert op_id in stored, (side.name, d.username, op_id, s.status)


# Times the server fills in from an op's corrected stamp (a case's acceptance and completion
# when the phone leaves them out, its pauses, its notices' dates by kind; a complaint's
# receipt, reply, reopening and new reply): the stamp includes the request's latency, so the
# two runs may differ there by milliseconds, never by more.
SERVER_STAMPED = frozenset({"accepted_at", "completed_at", "from", "to", "at", "received_at", "replied_at",
                            "reopened_at", "answered_at", "acceptance", "refusal", "supplement",
                            "return"})
STAMP_SLACK_MS = 10_000


def same(a: Any, b: Any, key: str = "") -> bool:
    """Equal, but server-stamped times need only agree to within ``STAMP_SLACK_MS``."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k], k) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y, key) for x, y in zip(a, b, strict=True))
    if key in SERVER_STAMPED and isinstance(a, int) and isinstance(b, int):
        return abs(a - b) <= STAMP_SLACK_MS
    return bool(a == b)


def compare(clean: Side, chaos: Side, seed: int) -> None:
    """The chaos server's state must equal the clean one's (see :func:`snapshot`)."""
    a, b = snapshot(clean), snapshot(chaos)
    for what in ("ops", "quarantine", "conflicts"):
        if a[what] != b[what]:
            x, y = set(a[what].items() if isinstance(a[what], dict) else a[what]), \
                set(b[what].items() if isinstance(b[what], dict) else b[what])
            raise AssertionError(f"seed {seed}: {what} differ: only clean {sorted(x - y)[:3]}, "
                                 f"only chaos {sorted(y - x)[:3]}")
    ra, rb = a["records"], b["records"]
    assert set(ra) == set(rb), f"seed {seed}: record sets differ: {sorted(set(ra) ^ set(rb))[:5]}"
    differ = [(k, ra[k], rb[k]) for k in ra if not same(ra[k], rb[k])]
    assert not differ, f"seed {seed}: {len(differ)} records differ, e.g. {differ[:2]}"


def server_errors(log: str) -> Counter[str]:
    """The exceptions in a server log's tracebacks (their last line), counted."""
    out: Counter[str] = Counter()
    lines = log.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback (most recent call last):"):
            end = next((ln for ln in lines[i + 1:] if ln and not ln.startswith(" ")), "?")
            out[end.split(":", 1)[0]] += 1
    return out


def schedules(config: pytest.Config) -> int:
    """How many schedules to play: 10 by default (~15 s), 150 with ``--long`` (~3 min)."""
    if os.environ.get("FIELDSYNC_CHAOS_SCHEDULES"):
        return int(os.environ["FIELDSYNC_CHAOS_SCHEDULES"])
    return 150 if config.getoption("--long", default=False) else 10


def test_chaos_matches_clean_run(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    """Seeded schedules through the chaos proxy end exactly as without it (module docstring)."""
    n = schedules(request.config)
    base_seed = int(os.environ.get("FIELDSYNC_CHAOS_SEED", "20261123"))
    steps = int(os.environ.get("FIELDSYNC_CHAOS_STEPS", "120"))
    rate = float(os.environ.get("FIELDSYNC_CHAOS_RATE", "0.35"))
    # Edit times: 90 days ago, so every computed deadline lies well in the past for both runs.
    start = (int(time.time() * 1000) // DAY - 90) * DAY
    faults: Counter[str] = Counter()
    statuses: Counter[tuple[str, int | None]] = Counter()
    done, exchanges = 0, 0
    while done < n:
        with server_pair(tmp_path / f"pair{done}", base_seed + done, rate) as (clean, chaos, proxy):
            clocks = {s.name: VirtualClock(start) for s in (clean, chaos)}
            for side in (clean, chaos):
                prelude(side, clocks[side.name])
            for i in range(done, min(n, done + PER_PAIR)):
                seed = base_seed + i
                fleets = {side.name: play(side, seed, steps, clocks[side.name]) for side in (clean, chaos)}
                try:
                    # Server invariants first: their messages name the fault (e.g. an op
                    # applied twice), while a diverged server also makes the devices' later
                    # ops differ (their bases), which says only that something went wrong.
                    for side in (clean, chaos):
                        check_side(side, fleets[side.name])
                    compare(clean, chaos, seed)
                    made = [{d.username: d.made for d in fleets[side.name]} for side in (clean, chaos)]
                    assert made[0] == made[1], "the schedule made different ops under chaos"
                except AssertionError as e:
                    raise AssertionError(f"schedule seed {seed} (FIELDSYNC_CHAOS_SEED={seed} "
                                         f"FIELDSYNC_CHAOS_SCHEDULES=1 to replay): {e}") from e
                finally:
                    for fleet in fleets.values():
                        for d in fleet:
                            d.client.close()
                done += 1
            assert not clean.failures.get("SyncFailed"), f"clean run got error answers: {clean.failures}"
            assert sum(chaos.failures.values()) > 0
            faults += proxy.faults
            statuses.update((e.fault, e.status) for e in proxy.log)
            exchanges += len(proxy.log)
            for side in (clean, chaos):
                errors = set(server_errors(side.server.log()))
                assert not errors, f"{side.name} server logged {errors}:\n{side.server.log()[-3000:]}"
    bad = {k: v for k, v in statuses.items() if k[1] is not None and k[1] >= 500}
    assert not bad, f"the server answered 5xx: {bad}"
    truncated = {k: v for k, v in statuses.items() if k[0] == "truncate_request" and not (
        k[1] is not None and 400 <= k[1] < 500)}
    assert not truncated, f"truncated requests not refused with a 4xx: {truncated}"
    missing = set(FAULTS) - set(faults)
    assert not missing, f"fault kinds never drawn: {missing} ({exchanges} exchanges)"
    print(f"\nchaos: {n} schedules, {exchanges} exchanges, faults {dict(faults)}")


def test_cut_upload_is_not_an_error(tmp_path: Path) -> None:
    """A phone losing signal mid-upload is routine: the server must neither apply anything
    nor treat it as an internal error (no traceback in its log)."""
    with running_server(tmp_path) as server, \
            ChaosProxy(server.port, seed=1, rate=1.0, kinds=("cut_body", "eof_body")) as proxy, \
            httpx.Client(timeout=30.0) as client:
        token = client.post(f"{server.base_url}/api/v1/auth/login", json={
            "username": "field1", "password": PASSWORD, "device_name": "t"}).json()["token"]
        op = {"id": "op-cut-1", "collection": "visits", "record": "rec-cut-1", "base": 0,
              "at": int(time.time() * 1000), "set": {"centre_id": "c-shiqiao", "kind": "home_service"}}
        for _ in range(6):
            with pytest.raises(httpx.HTTPError):
                client.post(f"{proxy.base_url}/api/v1/sync", headers={"Authorization": f"Bearer {token}"},
                            json={"cursor": None, "clock": int(time.time() * 1000), "ops": [op]})
        assert {e.fault for e in proxy.log} == {"cut_body", "eof_body"}
        # A graceful stop lets the server finish every request it had, logging included.
        server.stop()
        assert not rows(server.db, "SELECT id FROM ops WHERE id='op-cut-1'")
        assert not server_errors(server.log()), server.log()[-2000:]
