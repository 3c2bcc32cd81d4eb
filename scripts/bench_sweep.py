"""Sweep benchmark: ``fieldsync sweep`` over a county of many open cases and complaints.

Builds a fresh database (cases and complaints written as the system, through the store,
as phones' ops would be), then times, at a moment when ``--overdue`` cases and
``--overdue-complaints`` complaints have just passed their deadlines:

1. the first sweep (turns them overdue, makes one accountability record and one
   notification for each: a case's to its handler, a complaint's to its centre's staff),
   with its wall time by step and its CPU seconds;
2. a second sweep at the same moment, which must write nothing (the change log's newest
   version is unchanged).

Run: ``.venv/bin/python -m scripts.bench_sweep`` (defaults: 200,000 cases, 20,000
complaints, 20,000 + 2,000 turning overdue). Figures go in docs/benchmarks.md.

A/B pairs on one county: ``--built FILE`` builds the county into FILE once (at a fixed
``now``; a later run finds it there), and each run sweeps a fresh copy of it. A county built
by one tree carries that tree's schema: build one per tree, or let the newer tree's start
migrate the older one (in the copy, before the timed sweep).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from server.app import freeze_startup_heap
from server.auth import add_user, hash_password
from server.jobs.sweep import sweep
from server.system import init_db, system_write
from server.writer import Writer

DAY = 86_400_000
BUILT_NOW = 1_764_633_600_000  # 2025-12-02 00:00 UTC: the fixed ``now`` of ``--built`` counties
COUNTY = "k-bench"


def build(db: Path, a: argparse.Namespace, now: int) -> None:
    """Centres with one staff member each (the cases' handler, who is told of an overdue),
    two matters and the cases and complaints."""
    init_db(str(db))
    writer = Writer(str(db), synchronous="NORMAL")
    centres = [f"c-{i:02d}" for i in range(a.centres)]
    digest = hash_password("Test-pass-2026")  # one argon2 hash for every staff member
    try:
        writer.run(lambda c: system_write(c, [
            ("centres", cid, {"name": f"测试中心{i}", "county_id": COUNTY}, now)
            for i, cid in enumerate(centres)] + [
            ("matters", "m-short", {"name": "短时限事项", "county_id": COUNTY,
                                    "kind": "time_limited", "time_limit_days": 5}, now),
            ("matters", "m-long", {"name": "长时限事项", "county_id": COUNTY,
                                   "kind": "time_limited", "time_limit_days": 40}, now)]))
        writer.run(lambda c: [add_user(c, username=f"staff-{cid}", password="", role="centre",
                                       centre_ids=(cid,), password_hash=digest,
                                       user_id=f"u-{cid}") for cid in centres])
        items = []
        for i in range(a.cases):
            cid = centres[i % len(centres)]
            items.append(("cases", f"case-{i:06d}", {
                "centre_id": cid, "matter_id": "m-short" if i < a.overdue else "m-long",
                "status": "accepted" if i % 2 else "handling", "accepted_at": now - DAY,
                "handler_id": f"u-{cid}", "applicant": {"name": "张三", "phone": "13800000000"}},
                now))
        for i in range(a.complaints):
            cid = centres[i % len(centres)]
            doc = {"centre_id": cid, "content": "窗口排队时间过长", "channel": "hotline",
                   "received_at": now - DAY, "status": "open"}
            if i >= a.overdue_complaints:
                doc.update(status="replied", reply="已整改", replied_at=now)
            items.append(("complaints", f"cp-{i:06d}", doc, now))
        for i in range(0, len(items), 5000):
            writer.run(lambda c, part=items[i:i + 5000]: system_write(c, part, now))
    finally:
        writer.close()


def cpu_s() -> float:
    """CPU seconds of this process so far (the writer's thread included)."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def settle(db: Path) -> None:
    """Put the copy on disk before the clock starts: the sweep's first fsync of the database
    would otherwise wait for the kernel to write the whole fresh copy (a few hundred MB)."""
    with open(db, "rb+") as f:
        os.fsync(f.fileno())


def newest(db: Path) -> int:
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("SELECT max(version) FROM changes").fetchone()[0])
    finally:
        conn.close()


def main(argv: list[str] | None = None) -> None:
    """Build, sweep twice, print the figures."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=200_000)
    p.add_argument("--complaints", type=int, default=20_000)
    p.add_argument("--overdue", type=int, default=20_000, help="cases turning overdue")
    p.add_argument("--overdue-complaints", type=int, default=2_000)
    p.add_argument("--centres", type=int, default=50)
    p.add_argument("--db", help="keep the database here (default: a temporary folder)")
    p.add_argument("--built", help="build the county into this file once (fixed now), sweep a copy")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(a.db) if a.db else Path(tmp) / "sweep.db"
        now = BUILT_NOW if a.built else int(time.time() * 1000)
        t0 = time.perf_counter()
        if a.built and Path(a.built).exists():
            shutil.copy(a.built, db)
            print(f"copied {a.built}")
        else:
            build(Path(a.built) if a.built else db, a, now)
            if a.built:
                shutil.copy(a.built, db)
            print(f"built {a.cases} cases, {a.complaints} complaints in {time.perf_counter() - t0:.1f} s")
        settle(db)
        when = now + 14 * DAY  # past the 5-day limit, well inside the 40-day one
        writer = Writer(str(db))  # the server's default: synchronous FULL
        # As in the server (and `fieldsync sweep`): what the process holds once started is out
        # of the full collections' walk (``server.app.freeze_startup_heap``).
        freeze_startup_heap()
        steps: dict[str, float] = {}
        try:
            cpu0, t0 = cpu_s(), time.perf_counter()
            first = sweep(writer, when, timings=steps)
            t1, cpu1 = time.perf_counter(), cpu_s()
            before = newest(db)
            second = sweep(writer, when)
            t2 = time.perf_counter()
        finally:
            writer.close()
        wrote = newest(db) - before
        print(f"first sweep: {t1 - t0:.2f} s ({cpu1 - cpu0:.2f} s CPU, both threads) {first}")
        print("  by step (wall / CPU): " + ", ".join(
            f"{k} {v:.2f} / {steps[k + ' cpu']:.2f} s" for k, v in steps.items()
            if not k.endswith(" cpu")))
        print(f"second sweep: {t2 - t1:.2f} s {second}, change-log versions written: {wrote}")


if __name__ == "__main__":
    main()
