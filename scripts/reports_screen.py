"""The supervisor's first screen in desktop Chromium with a cold cache (issue #12's number:
interactive in at most 1.5 s on the 200,000-case county). Part of ``scripts/bench --reports``.

Each run is a fresh browser profile (nothing cached, no service worker) at 1280 x 800: open
``/``, wait for the login form, type the supervisor's name and password, press 登录, and wait
for the overview's table. Timed inside the page (``performance.now()``, from navigation start):

- ``form``: the login form is drawn and the app says it is ready (cold load of the shell);
- ``table``: after the submit, the overview's table has its rows and its sort buttons;
- ``painted``: the frame after that;
- ``interactive``: the later of ``painted`` and the end of the last long task (> 50 ms) of
  the main thread, so a click on the table is answered at once.

``first screen`` = form + (interactive − submit): the typing in between is the person's time.
"""

from __future__ import annotations

import statistics
import tempfile
from typing import Any

from playwright.sync_api import sync_playwright

from tests.support.pwa import ARGS, CHROMIUM, poll

# Installed before the app's scripts (over CDP, so the page's CSP does not apply).
PROBE = """(() => {
  const b = window.__bench = {long: []};
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) b.long.push([e.startTime, e.startTime + e.duration]);
  }).observe({type: 'longtask', buffered: true});
  document.addEventListener('submit', () => { b.submit = performance.now(); }, true);
  const check = () => {
    if (!b.form && document.body && document.body.dataset.ready === '1'
        && document.querySelector('form.login input[name=username]')) b.form = performance.now();
    if (b.submit && !b.table) {
      const t = document.querySelector('#view table.ws-table');
      if (t && t.querySelector('tbody th') && t.querySelector('button.th-sort')) {
        b.table = performance.now();
        b.rows = t.querySelectorAll('tbody tr').length;
        requestAnimationFrame(() => setTimeout(() => { b.painted = performance.now(); }, 0));
      }
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true});
})();"""


def first_screen(base: str, username: str, password: str, runs: int = 3) -> dict[str, Any]:
    """Median timings (ms) of ``runs`` cold first screens; prints each run."""
    results: list[dict[str, float]] = []
    with sync_playwright() as pw:
        for i in range(runs):
            with tempfile.TemporaryDirectory(prefix="fieldsync-screen-") as profile:
                ctx = pw.chromium.launch_persistent_context(
                    profile, executable_path=CHROMIUM, args=ARGS, viewport={"width": 1280, "height": 800},
                    locale="zh-CN", timezone_id="Asia/Shanghai")
                try:
                    page = ctx.new_page()
                    page.add_init_script(PROBE)
                    page.goto(base + "/")
                    poll(page, "() => window.__bench.form", timeout=30)
                    page.get_by_label("用户名").fill(username)
                    page.get_by_label("密码").fill(password)
                    page.get_by_role("button", name="登录").click()
                    b = poll(page, "() => window.__bench.painted && window.__bench", timeout=60)
                    page.wait_for_timeout(1000)  # long tasks still running show up meanwhile
                    b = page.evaluate("() => window.__bench")
                finally:
                    ctx.close()
            after = [end for start, end in b["long"] if end > b["submit"]]
            interactive = max([b["painted"], *after])
            run = {"form": b["form"], "login_to_table": b["table"] - b["submit"],
                   "login_to_interactive": interactive - b["submit"],
                   "first_screen": b["form"] + interactive - b["submit"],
                   "long_tasks_after_submit": len(after), "rows": b["rows"]}
            results.append(run)
            print(f"   run {i + 1}: form {run['form']:.0f} ms; login → table {run['login_to_table']:.0f} ms,"
                  f" → interactive {run['login_to_interactive']:.0f} ms ({len(after)} long tasks);"
                  f" first screen {run['first_screen']:.0f} ms; {b['rows']} rows", flush=True)
    return {k: statistics.median(r[k] for r in results) for k in results[0]}
