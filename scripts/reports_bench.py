"""fieldsync reports benchmark: the county workspace on a county of benchmark size.

Builds (once, kept at ``--db``) a county of 30 centres with ``--cases`` cases, a tenth as many
visits, a hundredth as many inspections and a fifth as many evaluations over twelve months
(``fieldsync demo --scale N``), starts a real server on it, and measures:

a) ``GET /api/v1/reports/overview`` for the latest full month: p50/p90 of ``--runs`` requests
   (after one warm-up), as the county's supervisor;
b) ``GET /api/v1/reports/trend`` (12 months), the first page of ``/records/cases`` and of
   ``/boards/overdue``: one timing each (median of three);
c) an XLSX export of the cases of ``--export-months`` months (about ``--cases``/2 at the
   default six): seconds, rows, bytes, and the server's resident memory before, at its peak
   and after, with the export worker process's peak beside it; meanwhile a device's empty
   syncs, p50/p99, against the same before it;
d) the supervisor's first screen in desktop Chromium with a cold cache (``--screen-runs``
   fresh profiles; ``scripts/reports_screen.py``): login form, then login to the overview's
   table shown and interactive.

Run it with ``scripts/bench --reports`` or ``python -m scripts.reports_bench --help``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from server.demo import seed_scaled
from tests.support.server import free_port

CST = dt.timezone(dt.timedelta(hours=8))
ROOT = Path(__file__).resolve().parents[1]


def rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of a process, in kB."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                  if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def children(pid: int) -> list[int]:
    """The pids of a process's children (the export workers of the server)."""
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def tree_rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS of the process and its children together, VmRSS of the children alone), in kB."""
    kids = 0
    for child in children(pid):
        try:
            kids += rss_kb(child)[0]
        except (OSError, KeyError):  # gone meanwhile
            continue
    return rss_kb(pid)[0] + kids, kids


def timed(client: httpx.Client, url: str, **params: str) -> float:
    start = time.perf_counter()
    r = client.get(url, params=params)
    r.raise_for_status()
    return (time.perf_counter() - start) * 1000


def month_back(n: int) -> tuple[str, str, str]:
    """(YYYY-MM, first day, last day) of the month ``n`` months before this one (China time)."""
    today = dt.datetime.now(CST).date().replace(day=1)
    index = today.year * 12 + today.month - 1 - n
    first = dt.date(index // 12, index % 12 + 1, 1)
    nxt = dt.date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return f"{first:%Y-%m}", first.isoformat(), (nxt - dt.timedelta(days=1)).isoformat()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--db", default="data/bench-county.db", help="kept between runs (built if missing)")
    p.add_argument("--cases", type=int, default=200_000)
    p.add_argument("--runs", type=int, default=30, help="overview requests timed")
    p.add_argument("--export-months", type=int, default=6)
    p.add_argument("--screen-runs", type=int, default=3, help="cold first screens in Chromium (0: none)")
    p.add_argument("--skip-export", action="store_true")
    a = p.parse_args(argv)
    db = Path(a.db)
    if not db.exists():
        t0 = time.perf_counter()
        n = seed_scaled(str(db), a.cases)
        print(f"built {db}: {n} records in {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"load average before: {os.getloadavg()}", flush=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "server.cli", "serve", "--db", str(db),
                               "--port", str(port)], cwd=ROOT, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        token = httpx.post(f"{base}/api/v1/auth/login", json={
            "username": "bench-sup", "password": "demo1234", "device_name": "bench"}).json()["token"]
        client = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=300)
        month, _first, _last = month_back(1)
        doc = client.get("/api/v1/reports/overview", params={"month": month}).json()
        print(f"overview {month}: {len(doc['centres'])} centres, e.g. {doc['centres'][0]}")
        times = sorted(timed(client, "/api/v1/reports/overview", month=month) for _ in range(a.runs))
        print(f"a) overview p50 {statistics.median(times):.1f} ms, p90 "
              f"{times[int(len(times) * 0.9) - 1]:.1f} ms, min {times[0]:.1f} ms ({a.runs} runs)")
        for label, url, params in (("trend (12 months)", "/api/v1/reports/trend", {}),
                                   ("records/cases first page", "/api/v1/records/cases", {}),
                                   ("records/cases overdue", "/api/v1/records/cases", {"overdue": "1"}),
                                   ("boards/overdue", "/api/v1/boards/overdue", {})):
            t = statistics.median(timed(client, url, **params) for _ in range(3))
            print(f"b) {label}: {t:.1f} ms")
        if a.screen_runs:
            from scripts.reports_screen import first_screen

            m = first_screen(base, "bench-sup", "demo1234", a.screen_runs)
            print(f"d) first screen (median of {a.screen_runs}): login form {m['form']:.0f} ms;"
                  f" login → table {m['login_to_table']:.0f} ms, → interactive"
                  f" {m['login_to_interactive']:.0f} ms; first screen {m['first_screen']:.0f} ms", flush=True)
        if a.skip_export:
            return
        _m, first, _l = month_back(a.export_months)
        _m, _f, last = month_back(1)

        # A device that is caught up (as a supervisor's is between syncs): its empty sync
        # asks only for what is new.
        doc = client.post("/api/v1/sync", json={"cursor": None, "limit": 1000}).json()
        while doc["more"]:
            doc = client.post("/api/v1/sync", json={"cursor": doc["cursor"], "limit": 1000}).json()
        cursor = doc["cursor"]

        def pulls(out: list[float], stop: threading.Event) -> None:
            with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                              timeout=60) as c:
                while not stop.is_set():
                    start = time.perf_counter()
                    c.post("/api/v1/sync", json={"cursor": cursor, "ops": [], "limit": 1})
                    out.append((time.perf_counter() - start) * 1000)
                    time.sleep(0.05)

        before: list[float] = []
        stop = threading.Event()
        t = threading.Thread(target=pulls, args=(before, stop))
        t.start()
        time.sleep(5)
        stop.set()
        t.join()
        during: list[float] = []
        stop = threading.Event()
        t = threading.Thread(target=pulls, args=(during, stop))
        rss0, _kids0 = tree_rss_kb(server.pid)
        peak = [rss0]
        worker_peak = [0]
        watching = threading.Event()

        def watch() -> None:
            # The server and its export worker together: the worker's memory is the export's too.
            while not watching.is_set():
                both, kids = tree_rss_kb(server.pid)
                peak.append(both)
                worker_peak.append(kids)
                time.sleep(0.05)

        w = threading.Thread(target=watch)
        w.start()
        t.start()
        start = time.perf_counter()
        size = 0
        with client.stream("GET", "/api/v1/exports/cases.xlsx", params={"from": first, "to": last}) as r:
            r.raise_for_status()
            rows = r.headers.get("x-rows")
            for chunk in r.iter_bytes():
                size += len(chunk)
        took = time.perf_counter() - start
        stop.set()
        watching.set()
        t.join()
        w.join()
        rss1, _kids1 = tree_rss_kb(server.pid)

        def pct(xs: list[float], q: float) -> float:
            xs = sorted(xs)
            return xs[min(len(xs) - 1, int(len(xs) * q))] if xs else float("nan")

        print(f"c) export cases.xlsx {first}..{last}: {rows} rows, {size / 1e6:.1f} MB in {took:.1f} s;"
              f" server RSS (with its export worker) {rss0 / 1024:.0f} MB before, peak"
              f" {max(peak) / 1024:.0f} MB (+{(max(peak) - rss0) / 1024:.0f} MB; the worker alone at most"
              f" {max(worker_peak) / 1024:.0f} MB), {rss1 / 1024:.0f} MB after")
        print(f"   empty sync before: p50 {pct(before, 0.5):.1f} ms p99 {pct(before, 0.99):.1f} ms"
              f" ({len(before)}); during the export: p50 {pct(during, 0.5):.1f} ms"
              f" p99 {pct(during, 0.99):.1f} ms ({len(during)})")
        print(f"load average after: {os.getloadavg()}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
