"""fieldsync offline PWA benchmark: shell size, cold offline start, a 10,000-visit list.

Starts its own ``fieldsync serve`` on a fresh database (``tests/support/server.py``) and a
headless Debian Chromium (``/usr/bin/chromium``, phone-sized profile on disk), then:

a) **shell size**: every file the service worker precaches (``SHELL`` in ``pwa/sw/shell.js``)
   fetched from the server per Accept-Encoding (what the server serves, bytes as received),
   plus the service worker scripts themselves; for reference the same files at gzip -9,
   brotli 11 and zstd 19 (what precompressed files would cost); and the inspection pack
   (``INSPECTION``), which only inspectors', centres' and the county's devices keep;
b) **cold offline start**: after one online visit (log in, service worker installed, first
   sync done) the server is stopped and the browser set offline; then a new tab with the
   main thread throttled 4x (CDP ``Emulation.setCPUThrottlingRate``) opens ``/``. Measured
   inside the page, from navigation start to the app's ready marker (``body[data-ready='1']``,
   set once the first view is rendered from IndexedDB) and to the next frame after it.
   Variants: new tab with the service worker still running; new tab after stopping it
   (``ServiceWorker.stopAllWorkers``); browser restart (profile closed and relaunched offline);
c) **10,000 local visits**: written into the app's IndexedDB through its own store module
   (``store.settle``, as a sync page would), then the visits list (``#/visits``) is opened
   from another screen: time from the hash change until its rows are in the DOM and until
   the next frame, unthrottled and 4x; and a browser-restart cold start with them on the device.

Run it with ``scripts/bench --pwa`` (bootstraps .venv) or ``python -m scripts.pwa_bench --help``.
"""

from __future__ import annotations

import argparse
import gzip
import os
import random
import re
import sys
import tempfile
import time
import uuid
from pathlib import Path
from statistics import median
from typing import Any

import brotli
import httpx
import zstandard
from playwright.sync_api import BrowserContext, Page, Playwright, sync_playwright

from scripts.benchkit import ENCODINGS, print_table, report
from tests.support.devicesim import make_record
from tests.support.pwa import CHROMIUM, idb, login, persistent, poll, wait_controlled
from tests.support.server import PASSWORD, ServerHandle, running_server

ROOT = Path(__file__).resolve().parents[1]

USER = "field1"
CENTRE = "c-shiqiao"
PWA_DIR = ROOT / "pwa"
SW_SCRIPTS = ("/sw.js", "/sw/shell.js", "/sw/background.js")
SHELL_TARGET_KB = 100
START_TARGET_MS = 1000
RENDER_TARGET_MS = 200
Json = dict[str, Any]

# Installed in every page before its own scripts: records when the app says it is ready
# (body[data-ready='1']) and the frame after that, in performance.now() ms, i.e. since
# navigation start. Injected over CDP, so the page's CSP does not apply to it.
PROBE = """(() => {
  const b = window.__bench = {};
  const check = () => {
    if (b.ready || !document.body || document.body.dataset.ready !== '1') return;
    b.ready = performance.now();
    const h1 = document.querySelector('#view h1');
    b.heading = h1 ? h1.textContent : '';
    b.view = document.body.dataset.view || '';
    requestAnimationFrame(() => setTimeout(() => { b.painted = performance.now(); }, 0));
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true,
                                                 attributeFilter: ['data-ready']});
})();"""

# Resolves once the app is ready and the next frame has run; with the page's own timings.
STARTUP = r"""() => new Promise((resolve) => {
  const done = () => {
    const b = window.__bench || {};
    if (!b.painted) return false;
    const nav = performance.getEntriesByType('navigation')[0] || {};
    const mark = (n) => { const m = performance.getEntriesByName(n)[0]; return m ? m.startTime : null; };
    const fcp = performance.getEntriesByName('first-contentful-paint')[0];
    const mods = performance.getEntriesByType('resource').filter((e) => /\/app\/.*\.js$/.test(e.name));
    resolve({ready: b.ready, painted: b.painted, heading: b.heading, view: b.view,
             workerStart: nav.workerStart || 0, responseEnd: nav.responseEnd || 0,
             domInteractive: nav.domInteractive || 0, boot: mark('boot'), status: mark('status'),
             firstView: mark('first-view'),
             fcp: fcp ? fcp.startTime : null, modules: mods.length,
             modulesEnd: Math.max(0, ...mods.map((e) => e.responseEnd)),
             controlled: !!navigator.serviceWorker.controller});
    return true;
  };
  if (!done()) { const t = setInterval(() => { if (done()) clearInterval(t); }, 10); }
})"""

# Opens `hash` from the current screen; resolves when the list's rows are in #view and
# when the frame after that has run (ms since the hash change).
RENDER = """(hash) => new Promise((resolve) => {
  const view = document.getElementById('view');
  const before = view.firstElementChild;
  let dom = 0;
  const finish = () => {
    const screen = view.firstElementChild;
    const hint = screen.querySelector('p.hint');
    resolve({dom, painted: performance.now() - t0, rows: screen.querySelectorAll('ul.list > li').length,
             count: hint ? hint.textContent : '', viewMs: Number(screen.dataset.renderMs || -1)});
  };
  const mo = new MutationObserver(() => {
    const screen = view.firstElementChild;
    if (screen === before || !screen.querySelector('ul.list > li')) return;
    mo.disconnect();
    dom = performance.now() - t0;
    requestAnimationFrame(() => setTimeout(finish, 0));
  });
  mo.observe(view, {childList: true});
  const t0 = performance.now();
  location.hash = hash;
})"""

# A fixed amount of main-thread work (ms): checks that the CPU throttling is in effect.
SPIN = """() => { const t = performance.now(); let x = 0;
  for (let i = 0; i < 3e7; i++) x = (x + i * 7) % 1000003;
  return [performance.now() - t, x]; }"""


def shell_files(pwa_dir: Path, name: str = "SHELL") -> list[str]:
    """The URLs the service worker precaches, read from ``SHELL`` in ``<pwa_dir>/sw/shell.js``
    (or another of its lists: ``INSPECTION``, the pack kept for inspectors; [] if absent)."""
    shell_js = pwa_dir / "sw" / "shell.js"
    text = shell_js.read_text(encoding="utf-8")
    m = re.search(rf"var {name} = \[(.*?)\];", text, re.S)
    if not m:
        if name != "SHELL":
            return []
        raise RuntimeError(f"no SHELL list in {shell_js}")
    return re.findall(r"'([^']+)'", m.group(1))


def fetch_sizes(base: str, paths: list[str], accept: str) -> tuple[int, int, set[str]]:
    """Bytes as received (body, compressed as served) and decoded bytes of ``paths``."""
    wire = plain = 0
    used: set[str] = set()
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in paths:
            r = client.get(path, headers={"Accept-Encoding": accept})
            r.raise_for_status()
            wire += r.num_bytes_downloaded
            plain += len(r.content)
            used.add(r.headers.get("content-encoding", "identity"))
    return wire, plain, used


def reference_sizes(base: str, paths: list[str]) -> dict[str, int]:
    """Sum of each file compressed on its own with gzip -9, brotli 11 and zstd 19."""
    out = {"gzip -9": 0, "brotli 11": 0, "zstd 19": 0}
    zc = zstandard.ZstdCompressor(level=19)
    with httpx.Client(base_url=base, timeout=30) as client:
        for path in paths:
            body = client.get(path, headers={"Accept-Encoding": "identity"}).content
            out["gzip -9"] += len(gzip.compress(body, compresslevel=9, mtime=0))
            out["brotli 11"] += len(brotli.compress(body, quality=11))
            out["zstd 19"] += len(zc.compress(body))
    return out


def shell_size(base: str, pwa_dir: Path) -> None:
    """Report the app shell's size per Accept-Encoding, as served, and reference sizes."""
    shell = shell_files(pwa_dir)
    kb = lambda n: f"{n / 1024:.1f} KB"  # noqa: E731
    print(f"shell: {len(shell)} precached files + {len(SW_SCRIPTS)} service worker scripts")
    for name, accept in ENCODINGS.items():
        wire, plain, used = fetch_sizes(base, shell, accept)
        sw_wire, _, _ = fetch_sizes(base, list(SW_SCRIPTS), accept)
        judged = name == "browser"
        report(f"app shell, Accept-Encoding {name}",
               f"{kb(wire)} (served as {'/'.join(sorted(used))}; {kb(plain)} decoded;"
               f" + {kb(sw_wire)} service worker scripts)",
               f"target: <= {SHELL_TARGET_KB} KB" if judged else "",
               wire <= SHELL_TARGET_KB * 1024 if judged else None)
    ref = reference_sizes(base, shell)
    report("app shell, each file precompressed (reference)",
           ", ".join(f"{k} {kb(v)}" for k, v in ref.items()))
    pack = shell_files(pwa_dir, "INSPECTION")
    if pack:
        wire, plain, _ = fetch_sizes(base, pack, ENCODINGS["browser"])
        report("inspection pack (inspector, centre, county devices only; not precached)",
               f"{kb(wire)} as served to the browser, {len(pack)} files ({kb(plain)} decoded)")


# -- browser helpers ---------------------------------------------------------------------------

def throttle(ctx: BrowserContext, page: Page, rate: float) -> None:
    """Throttle the page's main thread ``rate`` times (CDP), 1 = off."""
    ctx.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": rate})


def spin_ms(page: Page) -> float:
    """Milliseconds the page needs for a fixed loop (to check the throttling)."""
    return float(page.evaluate(SPIN)[0])


def open_app(page: Page, url: str) -> Json:
    """Navigate to ``url``; wait for the app's ready marker and the next frame; page timings."""
    page.goto(url, wait_until="commit", timeout=60_000)
    timings: Json = page.evaluate(STARTUP)
    return timings


def check_start(t: Json) -> None:
    """Fail loudly if the app did not open as the logged-in, service-worker-served app."""
    if not t["controlled"] or t["view"] != "today" or "今日" not in (t["heading"] or ""):
        raise RuntimeError(f"app did not open the 今日 screen from the service worker: {t}")


def spread(xs: list[float]) -> str:
    """Every run's figure, in order (the spread matters on a shared machine)."""
    return "/".join(f"{x:.0f}" for x in xs)


def startup_line(ts: list[Json]) -> str:
    """Median and best of ready / next frame, with the median breakdown."""
    ready = [t["ready"] for t in ts]
    painted = [t["painted"] for t in ts]
    return (f"median {median(ready):.0f} ms (best {min(ready):.0f}; all {spread(ready)}); next frame median"
            f" {median(painted):.0f} ms; breakdown (median): index.html from the service worker"
            f" {median([t['responseEnd'] for t in ts]):.0f} ms, last of {ts[0]['modules']} modules"
            f" {median([t['modulesEnd'] for t in ts]):.0f} ms, main.js runs"
            f" {median([t['boot'] or 0 for t in ts]):.0f} ms"
            + (f", status drawn {median([t['status'] for t in ts]):.0f} ms, first screen drawn"
               f" {median([t['firstView'] for t in ts]):.0f} ms"
               if all(t.get("firstView") for t in ts) else "")
            + f", n={len(ts)}")


def cold_starts(ctx: BrowserContext, base: str, runs: int, rate: float, stop_sw: bool) -> list[Json]:
    """``runs`` new tabs opening ``/`` offline at ``rate``x CPU; optionally stop the SW first."""
    out = []
    for i in range(runs):
        for p in ctx.pages:
            p.close()
        page = ctx.new_page()
        if stop_sw:
            cdp = ctx.new_cdp_session(page)
            cdp.send("ServiceWorker.enable")
            cdp.send("ServiceWorker.stopAllWorkers")
            time.sleep(0.3)
        throttle(ctx, page, rate)
        t = open_app(page, f"{base}/?run={i}")
        check_start(t)
        out.append(t)
    return out


def restart_starts(pw: Playwright, profile: Path, base: str, runs: int,
                   rate: float) -> tuple[list[Json], float]:
    """``runs`` browser restarts (profile on disk), each opening ``/`` offline at ``rate``x CPU.

    Returns the timings and the throttled spin time of the last run.
    """
    out = []
    spin = 0.0
    for _ in range(runs):
        ctx = launch(pw, profile, offline=True)
        try:
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            throttle(ctx, page, rate)
            t = open_app(page, f"{base}/")
            check_start(t)
            out.append(t)
            spin = spin_ms(page)
        finally:
            ctx.close()
    return out, spin


def launch(pw: Playwright, profile: Path, offline: bool = False) -> BrowserContext:
    """Chromium on the profile ``profile`` with the timing probe installed in every page."""
    ctx = persistent(pw, profile, offline=offline)
    ctx.add_init_script(PROBE)
    return ctx


# -- 10,000 visits ----------------------------------------------------------------------------

def seed_visits(page: Page, n: int, seed: int, chunk: int = 2000) -> str:
    """Write ``n`` synced visits of this user into IndexedDB with ``store.settle``; the user id."""
    me = str(idb(page, "return (await store.getMeta('session')).user.id;"))
    rng = random.Random(seed)
    now = int(time.time() * 1000)
    for start in range(0, n, chunk):
        changes = []
        for _ in range(min(chunk, n - start)):
            data = make_record(rng, "visits", CENTRE, now - 3 * 86_400_000)
            data["staff_ids"] = [me]
            record = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            changes.append({"collection": "visits", "record": record, "version": rng.randint(1, 10**6),
                            "deleted": False, "data": data, "conflicts": []})
        page.evaluate("async (changes) => { const store = await import('/app/store.js');"
                      " await store.settle({changes}, []); }", changes)
    count = idb(page, "return (await store.list('visits')).length;")
    if count < n:
        raise RuntimeError(f"only {count} visits in IndexedDB after seeding {n}")
    return me


def render_runs(page: Page, base: str, runs: int, n: int) -> tuple[list[Json], list[Json]]:
    """Open ``#/visits`` from ``#/cases`` after a fresh load (cold), then again (warm), ``runs`` times."""
    cold, warm = [], []
    for i in range(runs):
        open_app(page, f"{base}/?r={i}#/cases")
        first: Json = page.evaluate(RENDER, "#/visits")
        page.evaluate("() => { location.hash = '#/cases'; }")
        time.sleep(0.3)
        again: Json = page.evaluate(RENDER, f"#/visits?r={i}")
        for r in (first, again):
            if r["rows"] < 1 or str(n) not in r["count"].replace(",", ""):
                raise RuntimeError(f"visits list did not show {n} visits: {r}")
        again["listMs"] = idb(page, "const t = performance.now(); await store.list('visits');"
                                    " return performance.now() - t;")
        cold.append(first)
        warm.append(again)
    return cold, warm


def render_line(rs: list[Json]) -> str:
    """Median and best of a list render, with rows shown and the view's own timing."""
    painted = [r["painted"] for r in rs]
    return (f"median {median(painted):.0f} ms to the next frame (best {min(painted):.0f};"
            f" all {spread(painted)});"
            f" rows in DOM median {median([r['dom'] for r in rs]):.0f} ms;"
            f" view's own time (data-render-ms: read + build)"
            f" median {median([r['viewMs'] for r in rs]):.0f} ms;"
            + (f" store.list('visits') alone median {median([r['listMs'] for r in rs]):.0f} ms;"
               if "listMs" in rs[0] else "")
            + f" {rs[0]['rows']} rows drawn, '{rs[0]['count']}', n={len(rs)}")


# -- the run ------------------------------------------------------------------------------------

def bench(pw: Playwright, server: ServerHandle, tmp: Path, a: argparse.Namespace) -> None:
    """Install the app online, then measure everything offline (server stopped)."""
    base = server.base_url
    profile = tmp / "profile"
    ctx = launch(pw, profile)
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    login(page, base, USER, PASSWORD)
    wait_controlled(page)
    poll(page, "async () => { const store = await import('/app/store.js');"
               " return !!(await store.getMeta('initialDone')); }", timeout=30)
    base_spin = spin_ms(page)
    print(f"installed and synced online; now offline (server stopped), CPU {a.throttle}x")
    server.stop()
    ctx.set_offline(True)

    rate = a.throttle
    ts = cold_starts(ctx, base, a.runs, rate, stop_sw=False)
    spin = spin_ms(ctx.pages[0])
    report(f"cold offline start, new tab, service worker running, {rate:g}x CPU", startup_line(ts),
           f"target: <= {START_TARGET_MS} ms", median([t["ready"] for t in ts]) <= START_TARGET_MS)
    report("CPU throttling check (fixed loop)", f"{spin:.0f} ms throttled vs {base_spin:.0f} ms unthrottled"
           f" = {spin / base_spin:.1f}x")
    ts = cold_starts(ctx, base, a.runs, rate, stop_sw=True)
    report(f"cold offline start, new tab, service worker stopped, {rate:g}x CPU", startup_line(ts),
           f"target: <= {START_TARGET_MS} ms", median([t["ready"] for t in ts]) <= START_TARGET_MS)
    ts = cold_starts(ctx, base, a.runs, 1, stop_sw=True)
    report("cold offline start, new tab, service worker stopped, no throttling", startup_line(ts))
    ctx.close()

    if not a.skip_restart:
        ts, spin = restart_starts(pw, profile, base, a.runs, rate)
        report(f"cold offline start, browser restart, {rate:g}x CPU", startup_line(ts),
               f"target: <= {START_TARGET_MS} ms", median([t["ready"] for t in ts]) <= START_TARGET_MS)
        report("CPU throttling check after restart (fixed loop)",
               f"{spin:.0f} ms vs {base_spin:.0f} ms unthrottled = {spin / base_spin:.1f}x")

    if a.skip_list:
        return
    ctx = launch(pw, profile, offline=True)
    try:
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        open_app(page, f"{base}/#/cases")
        t0 = time.monotonic()
        seed_visits(page, a.records, a.seed)
        print(f"seeded {a.records:,} visits into IndexedDB in {time.monotonic() - t0:.1f} s")
        for r in (1.0, rate):
            if r != 1:
                throttle(ctx, page, r)
            cold, warm = render_runs(page, base, a.runs, a.records)
            label = "no throttling" if r == 1 else f"{r:g}x CPU"
            report(f"visits list of {a.records:,} local records, fresh page, {label}", render_line(cold),
                   f"target: <= {RENDER_TARGET_MS} ms",
                   median([x["painted"] for x in cold]) <= RENDER_TARGET_MS)
            report(f"visits list of {a.records:,} local records, shown again, {label}", render_line(warm),
                   f"target: <= {RENDER_TARGET_MS} ms",
                   median([x["painted"] for x in warm]) <= RENDER_TARGET_MS)
    finally:
        ctx.close()
    if not a.skip_restart:
        ts, _ = restart_starts(pw, profile, base, a.runs, rate)
        report(f"cold offline start, browser restart, {rate:g}x CPU, {a.records:,} visits on the device",
               startup_line(ts), f"target: <= {START_TARGET_MS} ms",
               median([t["ready"] for t in ts]) <= START_TARGET_MS)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print the table."""
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    p.add_argument("--runs", type=int, default=7, help="repetitions of each timing (median reported)")
    p.add_argument("--records", type=int, default=10_000, help="visits written to IndexedDB for the list")
    p.add_argument("--throttle", type=float, default=4, help="CPU slowdown (CDP setCPUThrottlingRate)")
    p.add_argument("--skip-restart", action="store_true", help="skip the browser-restart variants")
    p.add_argument("--skip-list", action="store_true", help="skip the 10,000-visit part")
    p.add_argument("--shell-only", action="store_true", help="only measure the shell size (no browser)")
    p.add_argument("--pwa-dir", type=Path, default=PWA_DIR,
                   help="PWA folder to serve (FIELDSYNC_PWA_DIR), e.g. a patched copy to compare")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args(argv)
    a.pwa_dir = a.pwa_dir.resolve()
    if not a.shell_only and not Path(CHROMIUM).exists():
        sys.exit(f"{CHROMIUM} is missing (apt-get install chromium)")
    started = time.monotonic()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="fieldsync-pwa-bench-") as tmp, \
            running_server(Path(tmp) / "server", env={"FIELDSYNC_PWA_DIR": str(a.pwa_dir)}) as server:
        print(f"fieldsync PWA bench: serving {a.pwa_dir}")
        shell_size(server.base_url, a.pwa_dir)
        if not a.shell_only:
            with sync_playwright() as pw:
                bench(pw, server, Path(tmp), a)
    print_table(started, f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after,"
                         f" {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
