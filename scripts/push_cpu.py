"""CPU seconds of a push, in one process: the figure a busy, shared machine measures best.

``scripts.bench`` times a push against a real server by the wall clock, which the other
work on a shared 2-core machine moves by ±50 %. This runs the same push (``--visits`` new
visits of ``scripts.bench.make_ops``, batches of 500, cursor carried, as ``field1``) through
Starlette's TestClient on a fresh county and reports the process's CPU seconds
(``resource.getrusage``: the app, its writer thread and the client's small part), which
moves far less. ``--assign-colleague`` makes every visit name ``field2`` in ``staff_ids``
(one ``assigned`` notification each), as ``scripts.bench --assign-colleague`` does.

``--mark-pull`` puts the callgrind markers (``os.getppid``/``os.getpgrp``, see below) around
field2's first sync instead of the push, to count the instructions of a pull.

Run ``python -m scripts.push_cpu 4000 [--assign-colleague] [--mark-pull]``. Given ``PYTHONPATH=.`` it
imports the tree of the current directory, so it measures an older tree too:

    cd /path/to/old/tree && PYTHONPATH=. /path/to/.venv/bin/python /path/to/scripts/push_cpu.py 4000

Its instructions (callgrind): dump at both markers and read part 2, the timed push of every
thread (the app's event loop and its writer run the push, this thread the client):

    PYTHONHASHSEED=0 PYTHONPATH=. valgrind --tool=callgrind --dump-before=os_getppid \\
        --dump-before=os_getpgrp --callgrind-out-file=/tmp/cg.out /path/to/.venv/bin/python \\
        /path/to/scripts/push_cpu.py 1000
    grep summary /tmp/cg.out.2

Not ``--zero-before=os_getppid`` (then part 1): that zeroes the counts of the calling thread
only, so part 1 also holds everything the app's other threads did before the push (its
start, the migration, the logins: 580 M instructions for main at 7b8ed77, 260 M for 46bc99d).
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from scripts.bench import make_ops
from server.app import create_app
from server.config import Config
from tests.support.server import make_db

PASSWORD = "Test-pass-2026"


def main(argv: list[str]) -> None:
    """Push and print wall and CPU seconds."""
    n = int(argv[0]) if argv and argv[0].isdigit() else 4000
    colleague = "--assign-colleague" in argv
    mark_pull = "--mark-pull" in argv
    db = Path(tempfile.mkdtemp(prefix="fieldsync-pushcpu-")) / "fieldsync.db"
    make_db(db)
    with TestClient(create_app(Config.from_env(db=str(db)))) as client:
        # Made after the app's start, which freezes what the process holds then (gc.freeze,
        # since s4-push): the client's ops stay in the garbage collector's walks in every tree.
        ops = make_ops(random.Random(7), n, "c-shiqiao", ("visits",))
        def login(username: str) -> dict[str, object]:
            r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD,
                                                         "device_name": "push-cpu"})
            r.raise_for_status()
            return dict(r.json())
        token = login("field1")["token"]
        if colleague:
            other = login("field2")["user"]["id"]  # type: ignore[index]
            for op in ops:
                op["set"]["staff_ids"] = [other]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        bodies = [json.dumps({"cursor": None, "clock": int(time.time() * 1000), "limit": 500,
                              "ops": ops[i:i + 500]}, ensure_ascii=False).encode()
                  for i in range(0, n, 500)]
        if not mark_pull:
            os.getppid()  # callgrind --dump-before=os_getppid: the timed push starts (see above)
        before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        cursor = None
        for raw in bodies:
            if cursor is not None:
                raw = raw.replace(b'"cursor": null', json.dumps({"cursor": cursor})[1:-1].encode(), 1)
            r = client.post("/api/v1/sync", content=raw, headers=headers)
            r.raise_for_status()
            page = r.json()
            cursor = page["cursor"]
            if any(x["status"] != "applied" for x in page["results"]):
                raise SystemExit(f"unexpected results {page['results'][:2]}")
        wall = time.perf_counter() - start
        if not mark_pull:
            os.getpgrp()  # callgrind --dump-before=os_getpgrp: the timed push ends
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        print(f"push {n} visits{' (each names a colleague)' if colleague else ''}: CPU {cpu:.2f} s"
              f" = {n / cpu:,.0f} ops per CPU second; wall {wall:.2f} s = {n / wall:,.0f} ops/s")
        # field2's first sync of them, pages of 5,000 (uncompressed: the TestClient asks for none)
        headers = {"Authorization": f"Bearer {login('field2')['token']}"}
        if mark_pull:
            os.getppid()
        before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
        cursor, got, more = None, 0, True
        while more:
            r = client.post("/api/v1/sync", json={"cursor": cursor, "clock": int(time.time() * 1000),
                                                  "ops": [], "limit": 5000}, headers=headers)
            r.raise_for_status()
            page = r.json()
            cursor, more, got = page["cursor"], page["more"], got + len(page["changes"])
        wall = time.perf_counter() - start
        if mark_pull:
            os.getpgrp()
        after = resource.getrusage(resource.RUSAGE_SELF)
        cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
        print(f"first sync of field2, {got} changes: CPU {cpu:.2f} s; wall {wall:.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
