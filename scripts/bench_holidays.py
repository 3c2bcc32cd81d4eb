"""Holidays benchmark: ``fieldsync holidays`` over the sweep benchmark's county.

Builds the county of ``scripts.bench_sweep`` (cases accepted yesterday: the 40-day ones walk
into next year, so a schedule for next year moves nearly all of them), then loads a
schedule for next year with one extra weekday off (its 1 January) and times it: the
store, the scan for open work whose walk crosses the year, and the correction of every
record whose deadline moved (``Batch.refresh`` in chunks). A second load of the same file
must write nothing (the change log's newest version is unchanged).

With ``--completed N`` the county also holds N completed cases, their completions spread
over the past year, a call-back made for every other one: call-backs not yet made whose
walk may cross next year are found by the completion time (index ``facts_ended``), so the
year's other completed work is not read and the load costs what it did without them.

Run: ``.venv/bin/python -m scripts.bench_holidays --cases 200000 --complaints 20000``
(defaults: 20,000 cases, 2,000 complaints, no completed cases). Figures go in
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from server.holidays import load_holidays_cmd
from server.system import system_write
from server.writer import Writer
from sync.deadlines import CST

from .bench_sweep import build, cpu_s, newest

DAY = 86_400_000


def add_completed(db: Path, n: int, now: int) -> None:
    """``n`` completed cases, completed over the year before ``now`` (newest last), with a
    call-back made for every other one."""
    writer = Writer(str(db), synchronous="NORMAL")
    try:
        items: list[tuple[str, str, dict[str, object], int]] = []
        for i in range(n):
            done = now - (n - i) * 365 * DAY // max(1, n)
            items.append(("cases", f"done-{i:06d}", {
                "centre_id": f"c-{i % 50:02d}", "matter_id": "m-short", "status": "completed",
                "accepted_at": done - DAY, "completed_at": done}, done))
            if i % 2:
                items.append(("evaluations", f"cb-{i:06d}", {
                    "centre_id": f"c-{i % 50:02d}", "case_id": f"done-{i:06d}", "source": "callback",
                    "rating": "satisfied", "at": done + DAY}, done + DAY))
        for i in range(0, len(items), 5000):
            part = items[i:i + 5000]
            writer.run(lambda c: system_write(c, part, now))  # noqa: B023  (run at once)
    finally:
        writer.close()


def main(argv: list[str] | None = None) -> None:
    """Build, load a schedule twice, print the figures."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=20_000)
    p.add_argument("--complaints", type=int, default=2_000)
    p.add_argument("--overdue", type=int, default=2_000, help="cases on the 5-day matter")
    p.add_argument("--overdue-complaints", type=int, default=200)
    p.add_argument("--centres", type=int, default=50)
    p.add_argument("--chunk", type=int, default=5000)
    p.add_argument("--completed", type=int, default=0, help="completed cases (call-backs)")
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "holidays.db"
        now = int(time.time() * 1000)
        t0 = time.perf_counter()
        build(db, a, now)
        add_completed(db, a.completed, now)
        print(f"built {a.cases} cases, {a.complaints} complaints, {a.completed} completed cases"
              f" in {time.perf_counter() - t0:.1f} s")
        year = dt.datetime.fromtimestamp(now / 1000, CST).year + 1
        # 1 January and the first Monday after it: a weekday off for sure.
        first = dt.date(year, 1, 1)
        monday = first + dt.timedelta(days=(7 - first.weekday()) % 7 or 7)
        file = Path(tmp) / "schedule.json"
        file.write_text(json.dumps({"year": year, "holidays": [first.isoformat(), monday.isoformat()]}))
        cpu0, t0 = cpu_s(), time.perf_counter()
        loaded = load_holidays_cmd(str(db), year, str(file), a.chunk)
        t1, cpu1 = time.perf_counter(), cpu_s()
        before = newest(db)
        again = load_holidays_cmd(str(db), year, str(file), a.chunk)
        t2, cpu2 = time.perf_counter(), cpu_s()
        print(f"first load: {t1 - t0:.2f} s ({cpu1 - cpu0:.2f} s CPU) corrected {loaded.corrected}")
        print(f"second load: {t2 - t1:.2f} s ({cpu2 - cpu1:.2f} s CPU) corrected {again.corrected},"
              f" change-log versions written: {newest(db) - before}")


if __name__ == "__main__":
    main()
