"""The sweep, before and after, on one county: CPU seconds and wall time, runnable against an
older tree (the steadier figures on a shared machine).

Build a county once per schema with this tree (or the older one) and sweep a fresh copy of
it with whichever tree is first on ``PYTHONPATH``::

    .venv/bin/python -m scripts.sweep_ab build /tmp/sw/county.db
    git worktree add --detach /tmp/old cd0f5a5
    (cd /tmp/old && PYTHONPATH=. $OLDPWD/.venv/bin/python $OLDPWD/scripts/sweep_ab.py run /tmp/sw/old.db old)
    .venv/bin/python -m scripts.sweep_ab run /tmp/sw/county.db new

``build`` writes the county of ``scripts/bench_sweep.py`` (200,000 cases, 20,000 complaints,
22,000 turning overdue, 50 centres whose staff handle the cases) and its moment beside it
(``<db>.now``). ``run`` copies it, sweeps at that moment + 14 days twice (as ``scripts/bench
--sweep`` does) and prints the first sweep's wall and CPU seconds (``getrusage``, the writer's
thread included), its wall time turning work overdue (``_mark``) and making accountability
records and notifications (``_account``), and whether the second sweep wrote anything. Run
old and new alternately, with ``uptime`` beside each, and compare CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

DAY = 86_400_000


def build(db: Path) -> None:
    """The bench's county, and its moment in ``<db>.now``."""
    from scripts.bench_sweep import build as make
    now = int(time.time() * 1000)
    make(db, argparse.Namespace(cases=200_000, complaints=20_000, overdue=20_000,
                                overdue_complaints=2_000, centres=50), now)
    Path(f"{db}.now").write_text(str(now))


def cpu_s() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def run(src: Path, tag: str) -> None:
    """Sweep a fresh copy of ``src`` twice; print one line of figures."""
    import server.jobs.sweep as sweeping  # the tree first on PYTHONPATH
    from server.writer import Writer

    now = int(Path(f"{src}.now").read_text())
    db = src.with_name(f"ab-{os.getpid()}.db")
    for suffix in ("", "-wal", "-shm", ".vapid.pem"):
        if Path(f"{src}{suffix}").exists():
            shutil.copy(f"{src}{suffix}", f"{db}{suffix}")
    spent: dict[str, float] = {}

    def timed(name: str) -> None:
        make = getattr(sweeping, name)

        def outer(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
            fn = make(*args, **kwargs)

            def inner(conn: Any) -> Any:
                t = time.perf_counter()
                try:
                    return fn(conn)
                finally:
                    spent[name] = spent.get(name, 0.0) + time.perf_counter() - t
            return inner
        setattr(sweeping, name, outer)

    for name in ("_mark", "_account"):
        timed(name)

    def newest() -> int:
        conn = sqlite3.connect(db)
        try:
            return int(conn.execute("SELECT max(version) FROM changes").fetchone()[0])
        finally:
            conn.close()

    writer = Writer(str(db))
    try:
        cpu0, t0 = cpu_s(), time.perf_counter()
        first = sweeping.sweep(writer, now + 14 * DAY)
        t1, cpu1 = time.perf_counter(), cpu_s()
        before = newest()
        sweeping.sweep(writer, now + 14 * DAY)
        t2 = time.perf_counter()
    finally:
        writer.close()
    print(f"{tag} load={os.getloadavg()[0]:.1f} first {t1 - t0:.2f} s wall, {cpu1 - cpu0:.2f} s CPU"
          f" (_mark {spent.get('_mark', 0):.2f} s, _account {spent.get('_account', 0):.2f} s);"
          f" second {t2 - t1:.2f} s, versions written {newest() - before};"
          f" {first['overdue']} overdue, {first['accountability']} accountability")
    for suffix in ("", "-wal", "-shm", ".vapid.pem"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


def main() -> None:
    """``build DB`` or ``run DB TAG``."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("build").add_argument("db", type=Path)
    r = sub.add_parser("run")
    r.add_argument("db", type=Path)
    r.add_argument("tag", nargs="?", default="")
    a = p.parse_args()
    if a.command == "build":
        build(a.db)
    else:
        run(a.db, a.tag)


if __name__ == "__main__":
    main()
