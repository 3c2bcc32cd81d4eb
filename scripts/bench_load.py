"""fieldsync load and slow-link benchmarks (run by ``scripts/bench``, or on their own).

Starts its own ``fieldsync serve`` on a fresh database made in-process (centres, field users
sharing one password hash, a few preseeded records per centre), then:

a) **load**: N simulated devices (default 500), each on its own connection, log in and take a
   first sync (not timed). Then, for each period P in ``--load-periods``, every device syncs
   every P seconds at a random phase, open loop (a sync starts on schedule whatever the
   server's latency; one late is timed from when it was due): a push of 1–5 new or edited
   records plus the pull since its cursor, following ``more``. Last, a burst: every device
   syncs at the same instant. Each phase reports p50/p95/p99/max latency, errors (transport,
   non-200, rejected ops), requests/s, ops/s and CPU per request (server, this client, and
   what other processes took meanwhile: the machine is shared). Then every op acknowledged
   must be stored, with one change-log row.
b) **slow link**: a fresh device's first sync of V visits through :class:`SlowLink` (250
   kbit/s, 300 ms each way, one round trip per new connection): seconds, requests and bytes
   on the wire, against the bandwidth minimum ``gzip-6 size of the data ÷ rate + 1 RTT``.

``python -m scripts.bench_load --help`` lists the knobs (the same flags ``scripts/bench`` takes).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import random
import sqlite3
import ssl
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scripts.benchkit import ENCODINGS
from server.auth import add_user, hash_password
from server.system import init_db, system_write
from server.writer import Writer
from tests.support.chaos import SlowLink
from tests.support.devicesim import SimDevice, flatten, make_record, random_changes
from tests.support.server import ServerHandle, free_port

ROOT = Path(__file__).resolve().parents[1]

Json = dict[str, Any]
Report = Callable[..., None]
COUNTY = "k-load"
PASSWORD = "Load-pass-2026"
SLOW_CENTRE = "c-slow"
SCOPED = ("visits", "cases", "complaints")


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The load and slow-link flags (shared with ``scripts/bench.py``)."""
    g = p.add_argument_group("load (500 devices)")
    g.add_argument("--load-devices", type=int, default=500, help="simulated devices (0 skips)")
    g.add_argument("--load-periods", default="30,10,5,2.5,2",
                   help="seconds between one device's syncs; a comma list runs a steady phase at each")
    g.add_argument("--load-seconds", type=float, default=20, help="length of each steady phase")
    g.add_argument("--load-burst", action=argparse.BooleanOptionalAction, default=True,
                   help="end with every device syncing at the same instant")
    g.add_argument("--load-centres", type=int, default=20, help="centres the devices belong to")
    g.add_argument("--load-users", type=int, default=100, help="field users (devices share them)")
    g.add_argument("--load-preseed", type=int, default=100, help="records per centre before the run")
    g.add_argument("--load-encoding", default="zstd", help="Accept-Encoding of the load devices")
    g = p.add_argument_group("slow link (first sync at 250 kbit/s, 600 ms RTT)")
    g.add_argument("--slow-visits", type=int, default=2000, help="visits in the first sync (0 skips)")
    g.add_argument("--slow-notes", type=int, default=300, help="bytes of notes per visit")
    g.add_argument("--slow-kbps", type=float, default=250, help="link rate, kbit/s each way")
    g.add_argument("--slow-rtt-ms", type=float, default=600, help="round-trip time, ms")
    g.add_argument("--slow-limit", default="500,5000",
                   help="changes per page the device asks for; a comma list syncs a new device at each")


def make_database(db: Path, a: argparse.Namespace, rng: random.Random) -> list[tuple[str, str]]:
    """Centres, field users and preseeded records; returns (username, centre) of the load users."""
    init_db(str(db))
    centres = [f"c-load-{i:02d}" for i in range(a.load_centres)] + [SLOW_CENTRE]
    users = [(f"load{i:03d}", centres[i % a.load_centres]) for i in range(a.load_users)]
    pw_hash = hash_password(PASSWORD)  # one hash for all: building the database stays fast
    now = int(time.time() * 1000)
    writer = Writer(str(db), synchronous="NORMAL")
    try:
        writer.run(lambda conn: system_write(conn, [
            ("centres", c, {"name": f"负载测试中心{i}", "county_id": COUNTY}, now)
            for i, c in enumerate(centres)]))
        for c in centres[:-1]:
            items = [(coll, str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                      flatten(make_record(rng, coll, c, now)), now)
                     for coll in (rng.choice(SCOPED) for _ in range(a.load_preseed))]
            for i in range(0, len(items), 500):
                writer.run(lambda conn, part=items[i:i + 500]: system_write(conn, part))

        def people(conn: sqlite3.Connection) -> None:
            for name, c in [*users, ("slowpush", SLOW_CENTRE), ("slowfresh", SLOW_CENTRE)]:
                add_user(conn, username=name, password=PASSWORD, role="field", centre_ids=(c,),
                         password_hash=pw_hash)
        writer.run(people)
    finally:
        writer.close()
    return users


@dataclass
class Dev:
    """One load device: its token, centre, cursor and the records it knows (for edits).

    Record payloads are made before the timed phase (:meth:`prepare`), so the figures are the
    server's, not the time this process spends inventing Chinese notes.
    """

    username: str
    centre: str
    rng: random.Random
    token: str = ""
    cursor: str | None = None
    known: dict[str, tuple[str, int]] = field(default_factory=dict)  # record -> (collection, version)
    creates: list[tuple[str, Json]] = field(default_factory=list)
    edits: dict[str, list[Json]] = field(default_factory=dict)
    client: httpx.AsyncClient | None = None  # its own connection, made in setup()

    def prepare(self, rounds: int) -> None:
        """Make the records and edits for ``rounds`` more syncs (1–5 ops each)."""
        now = int(time.time() * 1000)
        for _ in range(rounds * 5):
            coll = self.rng.choice(SCOPED)
            self.creates.append((coll, flatten(make_record(self.rng, coll, self.centre, now))))
        self.edits = {c: [random_changes(self.rng, c) for _ in range(rounds * 5)] for c in SCOPED}

    def ops(self) -> list[Json]:
        """The next push: 1–5 ops, edits of known records (60 %) or new records."""
        now = int(time.time() * 1000)
        out = []
        for _ in range(self.rng.randint(1, 5)):
            if (self.known and self.rng.random() < 0.6) or not self.creates:
                rec = self.rng.choice(list(self.known))
                coll, version = self.known[rec]
                changes, base = self.edits[coll].pop(), version
            else:
                (coll, changes), base = self.creates.pop(), 0
                rec = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
            out.append({"id": str(uuid.UUID(int=self.rng.getrandbits(128), version=4)), "collection": coll,
                        "record": rec, "base": base, "at": now, "set": changes, "delete": False})
        return out

    def absorb(self, page: Json) -> None:
        """Take a sync answer's changes (for later edits' bases) and its cursor."""
        for ch in page["changes"]:
            if ch["collection"] in SCOPED:
                if ch["deleted"]:
                    self.known.pop(ch["record"], None)
                else:
                    self.known[ch["record"]] = (ch["collection"], int(ch["version"]))
        if len(self.known) > 300:  # phones edit recent work; keep the newest few hundred
            for rec in list(self.known)[:-300]:
                del self.known[rec]
        self.cursor = page["cursor"]


@dataclass
class Tally:
    """What one phase of the load run saw."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    acked: set[str] = field(default_factory=set)
    requests: int = 0
    changes: int = 0
    wall: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    other_cpu: float = 0.0  # CPU seconds the rest of the machine used meanwhile
    retried: Counter[str] = field(default_factory=Counter)  # stale keep-alive connections


async def sync_round(client: httpx.AsyncClient, dev: Dev, ops: list[Json], tally: Tally | None,
                     encoding: str, due: float | None = None) -> None:
    """One push + pull, following ``more`` (at most 50 pages); timed into ``tally`` if given.

    The first request is timed from ``due`` (when the device meant to sync) if given, so a
    server that falls behind is charged for the wait too, not only for the request it
    finally takes (no coordinated omission).
    """
    headers = {"Authorization": f"Bearer {dev.token}", "Content-Type": "application/json",
               "Accept-Encoding": encoding}
    for _ in range(50):
        raw = json.dumps({"cursor": dev.cursor, "clock": int(time.time() * 1000), "ops": ops,
                          "limit": 500, "status": {"pending": len(ops), "app_version": "2026.11.1"}},
                         ensure_ascii=False, separators=(",", ":")).encode()
        start = time.perf_counter() if due is None else min(due, time.perf_counter())
        due = None
        try:
            r = await post_once_more(client, raw, headers, tally)
        except httpx.HTTPError as e:
            if tally is not None:
                tally.errors[type(e).__name__] += 1
            return
        elapsed = time.perf_counter() - start
        if tally is not None:
            tally.requests += 1
            tally.latencies.append(elapsed)
        if r.status_code != 200:
            if tally is not None:
                tally.errors[f"HTTP {r.status_code} {r.text[:80]}"] += 1
            return
        page = r.json()
        if tally is not None:
            for res in page["results"]:
                tally.statuses[res["status"]] += 1
                if res["status"] in ("applied", "conflict", "duplicate"):
                    tally.acked.add(res["op"])
                else:
                    tally.errors[f"op {res['status']}: {res.get('code')}"] += 1
            tally.changes += len(page["changes"])
        dev.absorb(page)
        ops = []
        if not page["more"]:
            return


async def post_once_more(client: httpx.AsyncClient, raw: bytes, headers: dict[str, str],
                          tally: Tally | None) -> httpx.Response:
    """POST a sync; if the connection breaks before an answer, try once more on a new one.

    uvicorn closes a keep-alive connection after 5 idle seconds; a device that syncs about
    that often races the close and its request meets a dead socket. Browsers resend a request
    that failed that way on a reused connection, and a sync may be resent (op ids make it
    idempotent), so the bench does too, and counts it; a second failure is an error.
    """
    try:
        return await client.post("/api/v1/sync", content=raw, headers=headers)
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError) as e:
        if tally is not None:
            tally.retried[type(e).__name__] += 1
        return await client.post("/api/v1/sync", content=raw, headers=headers)


def cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of process ``pid`` so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def machine_cpu_seconds() -> float:
    """Busy CPU seconds of the whole machine so far, all cores (Linux /proc; NaN elsewhere)."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return float("nan")
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


class Meter:
    """CPU of the server, of this process and of everything else, over one phase."""

    def __init__(self, server_pid: int) -> None:
        self.pid = server_pid
        self.server, self.client = cpu_seconds(server_pid), time.process_time()
        self.machine, self.start = machine_cpu_seconds(), time.perf_counter()

    def stop(self, tally: Tally) -> None:
        """Write wall time and CPU shares into ``tally``."""
        tally.wall = time.perf_counter() - self.start
        tally.server_cpu = cpu_seconds(self.pid) - self.server
        tally.client_cpu = time.process_time() - self.client
        tally.other_cpu = max(0.0, machine_cpu_seconds() - self.machine - tally.server_cpu - tally.client_cpu)


_TLS = ssl.create_default_context()  # never used (plain http), but httpx makes one per client


def device_client(base: str) -> httpx.AsyncClient:
    """A device's own connection, as a phone has (one shared httpx pool costs this process
    ~10 ms of CPU per request at a few dozen connections: it scans the pool on every event).

    Made before any timed phase: each new client would otherwise load the CA store again
    (~20 ms of this process's CPU), and a schedule's syncs would wait for that.
    """
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    return httpx.AsyncClient(base_url=base, timeout=120.0, limits=limits, verify=_TLS)


async def setup(base: str, devs: list[Dev], encoding: str) -> None:
    """Give every device its client, log it in and take its first sync (not timed), eight
    devices at a time (logins are argon2 hashes: a burst of them is not what is measured)."""
    line: asyncio.Queue[Dev] = asyncio.Queue()
    for d in devs:
        d.client = device_client(base)
        line.put_nowait(d)

    async def worker() -> None:
        while not line.empty():
            d = line.get_nowait()
            assert d.client is not None
            r = await d.client.post("/api/v1/auth/login", json={
                "username": d.username, "password": PASSWORD, "device_name": "load-device"})
            r.raise_for_status()
            d.token = r.json()["token"]
            await sync_round(d.client, d, [], None, encoding)

    await asyncio.gather(*(worker() for _ in range(8)))


async def steady(devs: list[Dev], period: float, seconds: float, encoding: str,
                 server_pid: int, rng: random.Random) -> Tally:
    """Every device syncs every ``period`` seconds (random phase) for ``seconds``, open loop:
    syncs start on schedule whatever the server's latency, as phones do, each device on its
    own connection; a device never runs two syncs at once (a late one starts at once)."""
    seconds = max(seconds, period)  # every device syncs at least once
    phases = {id(d): rng.uniform(0, period) for d in devs}
    rounds = {i: len(range(0, int((seconds - phase) * 1000), int(period * 1000)))
              for i, phase in phases.items()}
    for d in devs:
        d.prepare(rounds[id(d)])
    tally = Tally()
    t0 = time.perf_counter() + 0.5  # let every task reach its first sleep

    async def device(d: Dev) -> None:
        assert d.client is not None
        for k in range(rounds[id(d)]):
            due = t0 + phases[id(d)] + k * period
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            await sync_round(d.client, d, d.ops(), tally, encoding, due)

    meter = Meter(server_pid)
    await asyncio.gather(*(device(d) for d in devs))
    meter.stop(tally)
    return tally


async def connect(client: httpx.AsyncClient) -> None:
    """Open (or re-open) the client's connection: a kept-alive one the server closed after
    its idle timeout fails once (see ``post_once_more``), and the retry makes a new one."""
    try:
        await client.get("/healthz")
    except (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError):
        await client.get("/healthz")


async def burst(devs: list[Dev], encoding: str, server_pid: int) -> Tally:
    """Every device starts a sync (with a push) at the same instant, each on its own connection
    (say, after a push message asked the whole county to sync)."""
    for d in devs:
        d.prepare(1)
    tally = Tally()
    clients = [d.client for d in devs if d.client is not None]
    # Connect first, so the figure is the server's work, not 500 TCP handshakes at once.
    await asyncio.gather(*(connect(c) for c in clients))
    meter = Meter(server_pid)
    due = time.perf_counter()
    await asyncio.gather(*(sync_round(c, d, d.ops(), tally, encoding, due)
                           for c, d in zip(clients, devs, strict=True)))
    meter.stop(tally)
    return tally


async def run_load(base: str, devs: list[Dev], a: argparse.Namespace, server_pid: int,
                   rng: random.Random) -> list[tuple[str, Tally]]:
    """Setup, then each steady phase, then the burst, in one event loop (clients are bound to it)."""
    n = len(devs)
    t0 = time.perf_counter()
    try:
        await setup(base, devs, a.load_encoding)
        print(f"  load setup: {n} logins and first syncs in {time.perf_counter() - t0:.1f} s"
              " (not timed)", flush=True)
        out = []
        for period in (float(x) for x in str(a.load_periods).split(",") if x.strip()):
            tally = await steady(devs, period, a.load_seconds, a.load_encoding, server_pid, rng)
            out.append((f"load: {n} devices, each syncing every {period:g} s"
                        f" (~{n / period:,.0f} syncs/s offered)", tally))
        if a.load_burst:
            out.append((f"load: {n} devices syncing at the same instant (burst)",
                        await burst(devs, a.load_encoding, server_pid)))
        return out
    finally:
        await asyncio.gather(*(d.client.aclose() for d in devs if d.client is not None))


def quantile(xs: list[float], q: float) -> float:
    """The ``q`` quantile of ``xs`` (inclusive method)."""
    if len(xs) < 2:
        return xs[0] if xs else float("nan")
    return statistics.quantiles(xs, n=1000, method="inclusive")[int(q * 1000) - 1]


def tally_report(label: str, tally: Tally, report: Report) -> None:
    """Latency, throughput/CPU and error lines for one phase."""
    lat = sorted(tally.latencies)
    n_err = sum(tally.errors.values())
    p50, p95, p99 = (quantile(lat, q) * 1000 for q in (0.5, 0.95, 0.99))
    report(f"{label}: sync latency",
           f"p50 {p50:.0f} ms, p95 {p95:.0f} ms, p99 {p99:.0f} ms, max {lat[-1] * 1000:.0f} ms"
           if lat else "no requests", "target: p99 < 300 ms", bool(lat) and p99 < 300)
    ops_acked = tally.statuses["applied"] + tally.statuses["conflict"]
    per = max(tally.requests, 1)
    report(f"{label}: throughput",
           f"{tally.requests / tally.wall:,.0f} requests/s, {ops_acked / tally.wall:,.0f} ops/s"
           f" ({tally.requests} requests, {ops_acked} ops, {tally.changes:,} changes pulled,"
           f" {tally.wall:.1f} s); CPU per request: server {tally.server_cpu / per * 1000:.1f} ms,"
           f" load client {tally.client_cpu / per * 1000:.1f} ms; other processes used"
           f" {tally.other_cpu / tally.wall:.2f} of 2 cores meanwhile")
    retried = sum(tally.retried.values())
    report(f"{label}: errors", f"{n_err}" + (f" {dict(tally.errors.most_common(5))}" if n_err else "")
           + f"; op results {dict(tally.statuses)}"
           + (f"; {retried} request(s) resent once after the server closed an idle connection"
              f" {dict(tally.retried)}" if retried else ""), "target: 0", n_err == 0)


def load_section(server: ServerHandle, users: list[tuple[str, str]], a: argparse.Namespace,
                 report: Report, rng: random.Random) -> None:
    """Setup, the steady levels, the burst; then every acknowledged op must be stored once."""
    devs = [Dev(users[i % len(users)][0], users[i % len(users)][1], random.Random(rng.getrandbits(64)))
            for i in range(a.load_devices)]
    assert server.proc is not None
    n = a.load_devices
    acked: set[str] = set()
    for label, tally in asyncio.run(run_load(server.base_url, devs, a, server.proc.pid, rng)):
        tally_report(label, tally, report)
        acked |= tally.acked
    conn = sqlite3.connect(f"file:{server.db}?mode=ro", uri=True)
    try:
        stored = {r[0] for r in conn.execute("SELECT id FROM ops WHERE device != 'system'")}
        twice = conn.execute("SELECT count(*) FROM (SELECT op FROM changes WHERE op IS NOT NULL"
                             " GROUP BY op HAVING count(*) > 1)").fetchone()[0]
    finally:
        conn.close()
    report(f"load: {n} devices, acknowledged ops stored",
           f"{len(acked & stored)}/{len(acked)}, {twice} with >1 change-log row", "target: all, 0",
           acked <= stored and twice == 0)


def push_visits(base: str, username: str, n: int, notes: int, rng: random.Random) -> None:
    """``n`` new visits in the slow centre, pushed directly (not timed)."""
    now = int(time.time() * 1000)
    ops = [{"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "collection": "visits",
            "record": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "base": 0, "at": now,
            "delete": False, "set": flatten(make_record(rng, "visits", SLOW_CENTRE, now, notes))}
           for _ in range(n)]
    with httpx.Client(base_url=base, timeout=120) as client:
        r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD,
                                                    "device_name": "slowpush"})
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['token']}"}
        for i in range(0, n, 500):
            r = client.post("/api/v1/sync", headers=headers, json={
                "cursor": None, "clock": int(time.time() * 1000), "ops": ops[i:i + 500], "limit": 1})
            r.raise_for_status()
            bad = [x for x in r.json()["results"] if x["status"] != "applied"]
            if bad:
                raise SystemExit(f"slow link: push failed {bad[:3]}")


def slow_section(server: ServerHandle, a: argparse.Namespace, report: Report, rng: random.Random) -> None:
    """A fresh device's first sync through :class:`SlowLink`, against the bandwidth minimum,
    once per page size in ``--slow-limit`` (500 is what the PWA asks for).

    The minimum is what no client could beat on this link: the gzip-6 size of the data it
    must receive, at the link's rate, plus one round trip (DESIGN.md: a sync is one round
    trip). The login happens on the direct link first (not timed).
    """
    push_visits(server.base_url, "slowpush", a.slow_visits, a.slow_notes, rng)
    rate, rtt = a.slow_kbps * 1000, a.slow_rtt_ms / 1000
    for limit in (int(x) for x in str(a.slow_limit).split(",") if x.strip()):
        d = SimDevice("slowfresh", PASSWORD, accept_encoding=ENCODINGS["browser"], limit=limit, seed=3,
                      trace=[])
        d.connect(server.base_url)
        with SlowLink(server.port, rate_bps=rate, delay_s=rtt / 2) as link, \
                httpx.Client(timeout=600) as client:
            d.client.close()
            d.client, d.base_url = client, link.base_url
            start = time.perf_counter()
            d.sync()
            secs = time.perf_counter() - start
            down, up, conns = link.down.bytes, link.up.bytes, link.connections
        records = len(d.local)
        plain = json.dumps(sorted(d.local.values(), key=lambda c: int(c["version"])), ensure_ascii=False,
                           separators=(",", ":")).encode()
        gz = len(gzip.compress(plain, 6))
        minimum = gz * 8 / rate + rtt
        label = (f"slow link {a.slow_kbps:g} kbit/s, RTT {a.slow_rtt_ms:g} ms: first sync, {records:,}"
                 f" records, pages of {limit}")
        report(f"{label}, time", f"{secs:.1f} s, {d.requests} request(s), {conns} TCP connection(s)")
        report(f"{label}, bytes", f"{down / 1e3:,.0f} kB down, {up / 1e3:,.1f} kB up on the wire"
               f" (headers incl.); gzip-6 of the data {gz / 1e3:,.0f} kB, its JSON {len(plain) / 1e6:.2f} MB")
        report(f"{label}, vs bandwidth minimum",
               f"{secs / minimum:.2f}x the minimum {minimum:.1f} s (gzip-6 bytes {gz * 8 / rate:.1f} s"
               f" + 1 RTT); where the time went: wire bytes {down * 8 / rate:.1f} s, {d.requests}"
               f" request RTT(s) {d.requests * rtt:.1f} s, {conns} TCP handshake(s) {conns * rtt:.1f} s")


def run(a: argparse.Namespace, report: Report) -> None:
    """Both sections on one server over a fresh database (skipped when their size is 0)."""
    if a.load_devices <= 0 and a.slow_visits <= 0:
        return
    rng = random.Random(a.seed)
    with tempfile.TemporaryDirectory(prefix="fieldsync-load-") as tmp:
        db = Path(tmp) / "fieldsync.db"
        users = make_database(db, a, rng)
        server = ServerHandle(db=db, port=free_port(), log_path=Path(tmp) / "server.log")
        server.start()
        try:
            if a.load_devices > 0:
                load_section(server, users, a, report, rng)
            if a.slow_visits > 0:
                slow_section(server, a, report, rng)
        finally:
            server.stop()
        if "Traceback" in server.log():
            print("  server log had tracebacks:\n" + server.log()[-3000:], flush=True)


def main(argv: list[str] | None = None) -> None:
    """Run both sections on their own (``scripts/bench`` runs them after its own)."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_arguments(p)
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args(argv)
    results: list[tuple[str, str, str, str]] = []

    def report(metric: str, value: str, target: str = "", ok: bool | None = None) -> None:
        verdict = "" if ok is None else ("ok" if ok else "MISS")
        results.append((metric, value, target, verdict))
        print(f"  {metric}: {value} {target} {verdict}", flush=True)

    run(a, report)
    for metric, value, target, verdict in results:
        print(f"{metric} | {value} | {target} | {verdict}")


if __name__ == "__main__":
    main()
