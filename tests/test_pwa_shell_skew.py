"""A deploy never mixes two app versions in one page, in real Chromium against a real server.

The county workspace's modules are cached on first use (``fieldsync-ws-<version>``), so a
page of an installed version can ask its worker for a module the device does not hold after
the server already serves a newer version. The worker must not hand that newer module to
the older page (an old main.js running a new workspace screen): it refuses a file of another
version (the server names each file's version, ``X-Fieldsync-Shell``), looks for its update,
and the page moves to the new version as a whole and opens the screen there: at once, or,
with unsent work, once the person agrees (the screen says why it cannot open meanwhile).

The server serves a copy of pwa/ (FIELDSYNC_PWA_DIR); each document records, from main.js
and from the workspace module, the version it ran (a console line per module per document).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route, expect

from tests.support.axe import desktop_context
from tests.support.pwa import PWA_DIR, expect_unsent, login, poll, wait_controlled, wait_ready
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


@dataclass
class Desk:
    """A supervisor's desk on version 1 of a served copy of pwa/, lacking one workspace module."""

    pwa: Path
    page: Page
    ran: dict[str, set[str]] = field(default_factory=dict)  # document -> "module:version"

    def record(self, msg: ConsoleMessage) -> None:
        if msg.text.startswith("fieldsync-ran"):
            _, module, version, document = msg.text.split(" ")
            self.ran.setdefault(document, set()).add(f"{module}:{version}")

    def never_mixed(self) -> None:
        assert self.ran, "no module recorded its version: the test saw nothing"
        for document, modules in self.ran.items():
            versions = {m.split(":")[1] for m in modules}
            assert len(versions) == 1, f"one page ran two versions: {sorted(modules)} ({document})"

    def shows_ledgers_in(self, version: str) -> None:
        """The 台账 screen is on show, drawn by a document that ran only ``version``."""
        expect(self.page.locator("#view h1").first).to_contain_text("台账导出", timeout=30_000)
        shown = self.page.evaluate("() => String(performance.timeOrigin)")
        for _ in range(200):  # the console line of the module that drew it, then judge
            if any(m.startswith("ledgers:") for m in self.ran.get(shown, ())):
                break
            self.page.wait_for_timeout(50)
        self.never_mixed()
        assert self.ran.get(shown) == {f"main:{version}", f"ledgers:{version}"}, self.ran


@pytest.fixture
def desk(chromium: Browser, tmp_path: Path) -> Iterator[Desk]:
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    release(pwa, "skew-1")
    with running_server(tmp_path / "srv", env={"FIELDSYNC_PWA_DIR": str(pwa)}) as server:
        ctx = desktop_context(chromium)
        page = ctx.new_page()
        d = Desk(pwa, page)
        page.on("console", d.record)
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
            yield d
        finally:
            ctx.close()


def test_pwa_shell_skew_old_page_never_runs_a_new_workspace_module(desk: Desk) -> None:
    release(desk.pwa, "skew-2")  # deployed while the page stays open
    desk.page.evaluate("() => { location.hash = '#/ws/ledgers'; }")  # 台账
    desk.shows_ledgers_in("skew-2")  # nothing unsent: the page took the new version at once
    assert poll(desk.page, "async () => !(await caches.keys()).includes('fieldsync-ws-skew-1')")


def test_pwa_shell_skew_with_unsent_work_waits_and_says_why(desk: Desk) -> None:
    page = desk.page

    def no_sync(route: Route) -> None:
        route.abort("connectionreset")
    page.context.route("**/api/v1/sync", no_sync)  # a poor link: the edit stays unsent
    page.evaluate("""async () => (await import('/app/store.js')).edit('visits', 'skew-visit',
        {centre_id: 'c1', kind: 'follow_up', status: 'planned', reason: '回访'})""")
    expect_unsent(page, 1)

    release(desk.pwa, "skew-2")
    page.evaluate("() => { location.hash = '#/ws/ledgers'; }")
    # The old page does not run the new module: it says a new version is on its way.
    expect(page.locator("[data-unloaded='update']")).to_contain_text("应用已有新版本", timeout=30_000)
    banner = page.locator("#banner")
    expect(banner).to_contain_text("还有 1 项更改未同步")
    desk.never_mixed()
    # The person agrees: the new version takes over, opens the screen, keeps the outbox.
    page.once("dialog", lambda d: d.accept())
    banner.get_by_role("button", name="立即更新").click()
    desk.shows_ledgers_in("skew-2")
    expect(page.locator("#status")).to_contain_text(re.compile(r"待同步 1(?!\d)"))
