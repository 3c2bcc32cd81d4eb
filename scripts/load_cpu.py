"""CPU of the load bench's request mix, in one process (and its instruction count).

``scripts.bench_load`` measures a real server's CPU per sync while 500 devices sync, which
a busy shared machine moves by ±30 %. This runs the same mix through Starlette's
TestClient: bench_load's database (``--users`` field users over ``--centres`` centres,
records preseeded), every device logs in and takes its first sync, then ``rounds`` syncs go
round the devices, each a push of 1–5 ops (edits of known records or new ones, as
bench_load's ``Dev.ops``) and the pull since its cursor (Accept-Encoding ``br, gzip``).
Prints the process's CPU per sync: overall and the min / quartile / median of chunks of 50.

Given ``PYTHONPATH=.`` it imports the tree of the current directory, so it measures an older
tree too (``PYTHONPATH=.:scripts`` for ``46bc99d``, whose scripts import one another so).
The timed part sits between ``os.getppid()`` and ``os.getpgrp()``, so valgrind can
count its instructions, a figure the machine's load does not move:

    cd /path/to/tree && PYTHONHASHSEED=0 PYTHONPATH=.:scripts valgrind --tool=callgrind \\
        --dump-before=os_getppid --dump-before=os_getpgrp --callgrind-out-file=/tmp/cg.out \\
        /path/to/.venv/bin/python /path/to/scripts/load_cpu.py 200
    grep summary /tmp/cg.out.2

(Not ``--zero-before=os_getppid`` and part 1: that zeroes the calling thread's counts only,
so the app's other threads' work before the timed part, its start included, is counted too;
see ``push_cpu.py``.)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

try:
    from scripts import bench_load as bl
except ImportError:  # an older tree (46bc99d): run it with PYTHONPATH=.:scripts
    import bench_load as bl  # type: ignore[no-redef]

from server.app import create_app
from server.config import Config


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv: list[str]) -> None:
    """Build, log in, sync ``rounds`` times; print CPU per sync."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("rounds", type=int, nargs="?", default=600)
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--centres", type=int, default=10)
    p.add_argument("--preseed", type=int, default=200)
    a = p.parse_args(argv)
    opts = argparse.ArgumentParser()
    bl.add_arguments(opts)
    load = opts.parse_args([])
    load.load_users, load.load_centres, load.load_preseed = a.users, a.centres, a.preseed
    db = Path(tempfile.mkdtemp(prefix="fieldsync-loadcpu-")) / "fieldsync.db"
    users = bl.make_database(db, load, random.Random(3))
    with TestClient(create_app(Config.from_env(db=str(db)))) as client:
        devs = []
        for name, centre in users:
            dev = bl.Dev(name, centre, random.Random(sum(map(ord, name))))
            dev.prepare(a.rounds // len(users) + 3)
            r = client.post("/api/v1/auth/login", json={"username": name, "password": bl.PASSWORD,
                                                         "device_name": name})
            dev.token = r.json()["token"]
            devs.append(dev)

        def sync(dev: Any, ops: list[dict[str, Any]]) -> None:
            for _ in range(50):
                raw = json.dumps({"cursor": dev.cursor, "clock": int(time.time() * 1000), "ops": ops,
                                  "limit": 500, "status": {"pending": len(ops), "app_version": "2026.11.1"}},
                                 ensure_ascii=False, separators=(",", ":")).encode()
                r = client.post("/api/v1/sync", content=raw, headers={
                    "Authorization": f"Bearer {dev.token}", "Content-Type": "application/json",
                    "Accept-Encoding": "br, gzip"})
                r.raise_for_status()
                page = r.json()
                dev.absorb(page)
                ops = []
                if not page["more"]:
                    return

        for dev in devs:
            sync(dev, [])
        order = [devs[i % len(devs)] for i in range(a.rounds)]
        chunks: list[float] = []
        os.getppid()  # callgrind --dump-before=os_getppid: the timed part starts
        start, wall = _cpu(), time.perf_counter()
        for k in range(0, len(order), 50):
            c0 = _cpu()
            for dev in order[k:k + 50]:
                sync(dev, dev.ops())
            chunks.append((_cpu() - c0) / len(order[k:k + 50]) * 1e3)
        os.getpgrp()  # callgrind --dump-before=os_getpgrp: the timed part ends
        cpu, wall = _cpu() - start, time.perf_counter() - wall
    chunks.sort()
    print(f"{a.rounds} syncs: CPU {cpu:.2f} s = {cpu / a.rounds * 1e3:.2f} ms/sync (chunks of 50: min"
          f" {chunks[0]:.2f}, q25 {chunks[len(chunks) // 4]:.2f}, median {chunks[len(chunks) // 2]:.2f});"
          f" wall {wall:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
