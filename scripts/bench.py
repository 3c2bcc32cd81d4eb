"""fieldsync benchmark: push throughput, first sync, incremental sync, against a real server.

Starts its own server on a fresh database (``tests/support/server.py``), then measures:

a) push: N new-visit ops (~2.4 KB each) in batches of 500, round trips as a device makes them
   (cursor carried, pull limit 500), as ops/s; the same rows written by raw sqlite3 (WAL,
   synchronous=FULL, one transaction per 500); and the cost of an empty sync from cursor null;
b) a fresh device's first sync of those visits, and of M mixed ~2.4 KB records in another
   centre: seconds, requests, bytes on the wire (compressed, as received) against the
   gzip-6 size of the JSON of the changes, for Accept-Encoding zstd, br and gzip;
c) bytes both ways of an incremental sync: one record changed elsewhere; one local edit;
d) load: 500 simulated devices syncing, steadily at several rates and then all at once
   (p50/p99 latency, errors), and a first sync through a throttled link (250 kbit/s, 600 ms
   round trips): ``scripts/bench_load.py``, on a server of its own. ``--skip-backbone``,
   ``--skip-load`` and ``--skip-slow`` leave parts out.

Run it with ``scripts/bench`` (bootstraps .venv) or ``python -m scripts.bench --help`` from the
repository root.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from scripts import bench_load
from scripts.benchkit import ENCODINGS, print_table, report
from tests.support.county import PASSWORD
from tests.support.devicesim import SimDevice, flatten, make_record
from tests.support.server import running_server

CENTRE_A, CENTRE_B = "c-shiqiao", "c-liulin"
NOTES_BYTES = 1750  # notes of this size make a visit op ~2.4 KB of JSON
Json = dict[str, Any]


def make_ops(rng: random.Random, n: int, centre: str, collections: tuple[str, ...]) -> list[Json]:
    """``n`` create ops of realistic records (device-made UUIDs, dotted leaf paths)."""
    now = int(time.time() * 1000)
    return [{"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "collection": coll,
             "record": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "base": 0,
             "at": now, "delete": False,
             "set": flatten(make_record(rng, coll, centre, now, NOTES_BYTES))}
            for coll in (rng.choice(collections) for _ in range(n))]


def login(client: httpx.Client, base: str, username: str) -> str:
    """A bearer token for a new device of ``username``."""
    r = client.post(f"{base}/api/v1/auth/login", json={
        "username": username, "password": PASSWORD, "device_name": f"bench-{uuid.uuid4().hex[:6]}"})
    r.raise_for_status()
    return str(r.json()["token"])


def user_id(base: str, username: str) -> str:
    """The id of ``username`` (from a login's answer)."""
    with httpx.Client(timeout=120) as client:
        r = client.post(f"{base}/api/v1/auth/login", json={
            "username": username, "password": PASSWORD, "device_name": "bench-lookup"})
        r.raise_for_status()
        return str(r.json()["user"]["id"])


def push(base: str, username: str, ops: list[Json], batch: int) -> float:
    """Push ``ops`` in batches as a device does (cursor carried, pull limit = batch); ops/s.

    Bodies are prepared beforehand (plain JSON; the cursor is spliced in) so the figure is
    the server's, not the client's JSON and gzip work.
    """
    with httpx.Client(timeout=120) as client:
        token = login(client, base, username)
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        bodies = [json.dumps({"cursor": None, "clock": int(time.time() * 1000), "limit": batch,
                              "ops": ops[i:i + batch]}, ensure_ascii=False).encode()
                  for i in range(0, len(ops), batch)]
        cursor: str | None = None
        start = time.perf_counter()
        for raw in bodies:
            if cursor is not None:
                raw = raw.replace(b'"cursor": null', json.dumps({"cursor": cursor})[1:-1].encode(), 1)
            r = client.post(f"{base}/api/v1/sync", content=raw, headers=headers)
            r.raise_for_status()
            page = r.json()
            cursor = page["cursor"]
            bad = [x for x in page["results"] if x["status"] != "applied"]
            if bad:
                raise SystemExit(f"push: unexpected results {bad[:3]}")
        return len(ops) / (time.perf_counter() - start)


def empty_pull(base: str, username: str) -> float:
    """Seconds for a sync with no ops, cursor null and limit 1 (cost of finding a page)."""
    with httpx.Client(timeout=120) as client:
        headers = {"Authorization": f"Bearer {login(client, base, username)}"}
        start = time.perf_counter()
        client.post(f"{base}/api/v1/sync", headers=headers, json={
            "cursor": None, "clock": int(time.time() * 1000), "ops": [], "limit": 1}).raise_for_status()
        return time.perf_counter() - start


def raw_sqlite(path: Path, ops: list[Json], batch: int) -> float:
    """The same records inserted by plain sqlite3 (WAL, synchronous=FULL); returns rows/s."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE records (collection TEXT, id TEXT, centre_id TEXT, version INT,"
                 " data TEXT, PRIMARY KEY (collection, id)) WITHOUT ROWID")
    start = time.perf_counter()
    for i in range(0, len(ops), batch):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO records VALUES (?, ?, ?, ?, ?)", [
            (op["collection"], op["record"], op["set"]["centre_id"], i + k,
             json.dumps(op["set"], ensure_ascii=False)) for k, op in enumerate(ops[i:i + batch])])
        conn.execute("COMMIT")
    rate = len(ops) / (time.perf_counter() - start)
    conn.close()
    return rate


def first_sync(base: str, username: str, encoding: str, limit: int) -> tuple[SimDevice, Json]:
    """A fresh device's complete first sync; returns the device and its figures."""
    d = SimDevice(username, PASSWORD, accept_encoding=encoding, limit=limit, seed=1, trace=[])
    d.connect(base)
    start = time.perf_counter()
    d.sync()
    secs = time.perf_counter() - start
    server = sum(r.elapsed.total_seconds() for r in d.trace or [])
    changes = sorted(d.local.values(), key=lambda c: int(c["version"]))
    plain = json.dumps(changes, ensure_ascii=False, separators=(",", ":")).encode()
    return d, {"secs": secs, "server": server, "requests": d.requests, "wire": d.bytes_down,
               "gzip6": len(gzip.compress(plain, 6)), "json": len(plain), "records": len(changes)}


def wire_bytes(r: httpx.Response) -> tuple[int, int]:
    """Bytes of the last exchange, headers included: (sent, received)."""
    req = r.request
    up = len(f"POST {req.url.raw_path.decode()} HTTP/1.1\r\n") + 2 + len(req.content) + sum(
        len(k) + len(v) + 4 for k, v in req.headers.raw)
    down = len("HTTP/1.1 200 OK\r\n") + 2 + r.num_bytes_downloaded + sum(
        len(k) + len(v) + 4 for k, v in r.headers.raw)
    return up, down


def incremental(base: str, d: SimDevice, other: str) -> None:
    """Bytes and requests of a sync after one remote change, then after one local edit."""
    key = next(k for k in sorted(d.local) if k[0] == "visits" and not d.local[k]["deleted"])
    op = {"id": str(uuid.uuid4()), "collection": key[0], "record": key[1],
          "base": d.local[key]["version"], "at": int(time.time() * 1000), "delete": False,
          "set": {"location.lat": 28.123456, "notes": "复核后补充：申请人已在手机上签字确认。"}}
    push(base, other, [op], 1)
    d.trace = []
    for label, edit in (("one record changed elsewhere", False), ("one local edit", True)):
        if edit:
            d.update(*key, {"applicant.phone": "13900001111"})
        d.trace.clear()
        d.sync()
        ups, downs = zip(*(wire_bytes(r) for r in d.trace), strict=True)
        n = len(d.trace)
        report(f"incremental sync, {label}", f"{n} request(s), {sum(ups)} B up, {sum(downs)} B "
               "down (headers incl.)", "target: 1 request", n == 1)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--visits", type=int, default=20_000, help="visit ops pushed (centre A)")
    p.add_argument("--records", type=int, default=10_000, help="mixed records (centre B)")
    p.add_argument("--batch", type=int, default=500, help="ops per push request")
    p.add_argument("--limit", type=int, default=5000, help="changes per page on first sync")
    p.add_argument("--encodings", default="zstd,br,gzip,browser",
                   help=f"Accept-Encodings to try for first syncs, from {sorted(ENCODINGS)}")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--assign-colleague", action="store_true",
                   help="every pushed visit names a real colleague (field2) in staff_ids, so each"
                        " makes an 'assigned' notification; by default visits name ids u1..u40,"
                        " which are no users and get none")
    p.add_argument("--skip-backbone", action="store_true", help="leave out push/first/incremental sync")
    p.add_argument("--skip-load", action="store_true", help="leave out the 500-device load run")
    p.add_argument("--skip-slow", action="store_true", help="leave out the throttled-link first sync")
    bench_load.add_arguments(p)
    a = p.parse_args(argv)
    if not a.skip_backbone:
        backbone(a)
    if a.skip_load:
        a.load_devices = 0
    if a.skip_slow:
        a.slow_visits = 0
    bench_load.run(a, report)  # its own server and database, so the figures stay apart
    print_table()


def backbone(a: argparse.Namespace) -> None:
    """Sections a) to c), on a server over a fresh database."""
    rng = random.Random(a.seed)
    visits = make_ops(rng, a.visits, CENTRE_A, ("visits",))
    mixed = make_ops(rng, a.records, CENTRE_B, ("visits", "cases", "complaints"))
    size = sum(len(json.dumps(op, ensure_ascii=False).encode()) for op in visits) / len(visits)
    print(f"fieldsync bench: {a.visits} visit ops (avg {size:.0f} B JSON), {a.records} mixed")
    with tempfile.TemporaryDirectory(prefix="fieldsync-bench-") as tmp, \
            running_server(Path(tmp) / "server") as server:
        base = server.base_url
        if a.assign_colleague:
            colleague = user_id(base, "field2")
            for op in visits:
                op["set"]["staff_ids"] = [colleague]
            print(f"every visit names {colleague} (field2): one 'assigned' notification each")
        ops_s = push(base, "field1", visits, a.batch)
        raw_s = raw_sqlite(Path(tmp) / "raw.db", visits, a.batch)
        report("push, batches of %d" % a.batch, f"{ops_s:,.0f} ops/s", "target: >= 5,000",
               ops_s >= 5000)
        report("raw sqlite3 insert, same rows", f"{raw_s:,.0f} rows/s")
        report("push / raw", f"{ops_s / raw_s:.2f}x", "target: >= 0.3x", ops_s / raw_s >= 0.3)
        mixed_s = push(base, "field3", mixed, a.batch)
        report("push, mixed records", f"{mixed_s:,.0f} ops/s")
        report("empty sync, cursor null, limit 1", f"{empty_pull(base, 'field3') * 1000:.0f} ms"
               f" (field user; {a.visits + a.records:,} records in the county)")
        synced: SimDevice | None = None
        for user, n, label in (("field2", a.visits, "visits"), ("field3", a.records, "records")):
            for enc in a.encodings.split(","):
                d, f = first_sync(base, user, ENCODINGS[enc], a.limit)
                judged = label == "records" and enc == "browser"
                target = "target: <= 1 s, <= 11 requests, <= gzip-6" if judged else ""
                ok = (f["secs"] <= 1 and f["requests"] <= 11 and f["wire"] <= f["gzip6"]
                      ) if judged else None
                report(f"first sync {n:,} {label}, {enc}",
                       f"{f['secs']:.2f} s ({f['server']:.2f} s in HTTP), {f['requests']} req,"
                       f" wire {f['wire'] / 1e6:.2f} MB"
                       f" vs gzip-6 {f['gzip6'] / 1e6:.2f} MB (json {f['json'] / 1e6:.1f} MB,"
                       f" {f['records']} records)", target, ok)
                if user == "field3" and synced is None:
                    synced = d
                else:
                    d.client.close()
        if synced is not None:
            incremental(base, synced, "field3")


if __name__ == "__main__":
    main()
