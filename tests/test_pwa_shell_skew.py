"""A deploy never mixes two app versions in one page, in real Chromium against a real server.

The county workspace's modules are cached on first use (``fieldsync-ws-<version>``), so a
page of an installed version can ask its worker for a module the device does not hold after
the server already serves a newer version. The worker must not hand that newer module to
the older page (an old main.js running a new workspace screen): it refuses a file of another
version (the server names each file's version, ``X-Fieldsync-Shell``), looks for its update,
and the page moves to the new version as a whole and opens the screen there.

The server serves a copy of pwa/ (FIELDSYNC_PWA_DIR); each document records, from main.js
and from the workspace module, the version it ran (a console line per module per document).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, expect

from tests.support.axe import desktop_context
from tests.support.pwa import PWA_DIR, login, poll, wait_controlled, wait_ready
from tests.support.server import PASSWORD, running_server
from tests.test_pwa_shell import js_list

pytestmark = pytest.mark.browser

VERSION = re.compile(r"self\.FIELDSYNC_VERSION = '([^']+)';")
WORKSPACE = js_list("WORKSPACE")
MARKED = {"main": "app/main.js", "ledgers": "app/views/ws/ledgers.js"}


def release(pwa: Path, version: str) -> None:
    """Publish ``version``: the worker's version bumped, and the marked modules (as changed
    files of a release) say which version they are."""
    for name in ("sw.js", "sw-classic.js"):
        text, n = VERSION.subn(f"self.FIELDSYNC_VERSION = '{version}';", (pwa / name).read_text())
        assert n == 1
        (pwa / name).write_text(text)
    for module, rel in MARKED.items():
        text = (PWA_DIR / rel).read_text()
        (pwa / rel).write_text(f"{text}\nconsole.info('fieldsync-ran', '{module}', '{version}',"
                               " String(performance.timeOrigin));\n")


def test_pwa_shell_skew_old_page_never_runs_a_new_workspace_module(chromium: Browser,
                                                                   tmp_path: Path) -> None:
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    release(pwa, "skew-1")
    ran: dict[str, set[str]] = {}  # document (time origin) -> "module:version" it ran

    def record(msg: ConsoleMessage) -> None:
        if msg.text.startswith("fieldsync-ran"):
            _, module, version, document = msg.text.split(" ")
            ran.setdefault(document, set()).add(f"{module}:{version}")

    with running_server(tmp_path / "srv", env={"FIELDSYNC_PWA_DIR": str(pwa)}) as server:
        ctx = desktop_context(chromium)
        page = ctx.new_page()
        page.on("console", record)
        try:
            login(page, server.base_url, "super1", PASSWORD)
            wait_controlled(page)
            page.reload()  # the installed app, version 1, everything from its worker
            wait_ready(page)
            expect(page.locator("#view h1").first).to_contain_text("全县总览")
            ws_cache = "fieldsync-ws-skew-1"
            poll(page, f"""async () => (await caches.has('{ws_cache}'))
                && (await (await caches.open('{ws_cache}')).keys()).length === {len(WORKSPACE)}""")
            # The device lacks one workspace module (evicted, or its fill was cut short); this
            # page asked for the fill once already, and asks no more.
            assert page.evaluate(f"async () => (await caches.open('{ws_cache}'))"
                                 ".delete('/app/views/ws/ledgers.js')")
            # The page's own look for an update at start is over (and found nothing new).
            assert page.evaluate("""async () => { const r = await navigator.serviceWorker.getRegistration();
                await r.update(); return !r.waiting && !r.installing; }""")

            release(pwa, "skew-2")  # deployed while the page stays open
            page.evaluate("() => { location.hash = '#/ws/ledgers'; }")  # 台账
            # The screen opens, in one version as a whole: the new one.
            expect(page.locator("#view h1").first).to_contain_text("台账导出", timeout=30_000)
            shown = page.evaluate("() => String(performance.timeOrigin)")
            for _ in range(200):  # the console line of the module that drew it, then judge
                if any(m.startswith("ledgers:") for m in ran.get(shown, ())):
                    break
                page.wait_for_timeout(50)
            for document, modules in ran.items():
                versions = {m.split(":")[1] for m in modules}
                assert len(versions) == 1, f"one page ran two versions: {sorted(modules)} ({document})"
            assert ran.get(shown) == {"main:skew-2", "ledgers:skew-2"}, ran
            assert poll(page, "async () => !(await caches.keys()).includes('fieldsync-ws-skew-1')")
        finally:
            ctx.close()
