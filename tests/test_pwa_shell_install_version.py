"""A deploy in the middle of an install never leaves a cache mixing two app versions, in real
Chromium against a real server.

The server names the version of every file it serves (``X-Fieldsync-Shell``, read from the
served folder's sw.js). A phone runs version 1; version 2 is deployed and its worker starts
installing; while it fetches its shell, version 3 is deployed, so one file comes back named
version 3. The install must fail (nothing of version 2 kept, the old worker still in control,
the app still opening offline), and the next update installs version 3 whole. The server
serves a copy of pwa/ (FIELDSYNC_PWA_DIR); the test deploys by rewriting its workers'
version, the way a release does, from inside the request of that one file. The same holds
for the pack a supervisor's desk carries over to the new version (the workspace's modules).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route
from playwright.sync_api import Error as PlaywrightError

from tests.support.axe import desktop_context
from tests.support.pwa import PWA_DIR, login, new_context, poll, wait_controlled, wait_ready
from tests.support.server import PASSWORD, running_server
from tests.test_pwa_shell import js_list
from tests.test_pwa_update import bump, shell_caches

pytestmark = pytest.mark.browser

SHELL = js_list("SHELL")
WORKSPACE = js_list("WORKSPACE")
MIDWAY = "/app/ui.js"  # a file of the shell, fetched by the install
PACK_MIDWAY = "/app/views/ws/kit.js"  # a file of the workspace pack the install carries over

# Ask the registration for an update and wait for the new worker's install to end: the
# state it ends in ('installed', 'activated' …, or 'redundant' when the install failed), or
# 'gone' when it had failed before this page could look at it. (Chromium may settle
# update() before the new worker is installing: its updatefound is awaited.)
INSTALL = """async () => {
  const r = await navigator.serviceWorker.getRegistration();
  const later = (ms) => new Promise((done) => setTimeout(() => done(null), ms));
  const found = new Promise((done) => r.addEventListener('updatefound', () => done(r.installing),
                                                         { once: true }));
  let w = null;
  // An update check the browser settled without looking (a busy machine) is asked again.
  for (let i = 0; i < 3 && !w; i += 1) {
    await r.update();
    w = r.installing || r.waiting || await Promise.race([found, later(10000)]);
  }
  if (w && w.state === 'installing') {
    await Promise.race([later(60000), new Promise((done) => w.addEventListener('statechange', () => {
      if (w.state !== 'installing') done();
    }))]);
  }
  return w ? w.state : 'gone';
}"""
FAILED = ("redundant", "gone")

NONE_WAITING = "async () => !(await navigator.serviceWorker.getRegistration()).waiting"
RUNNING = """async () => new Promise((done) => {
  navigator.serviceWorker.addEventListener('message', (e) => {
    if (e.data && e.data.type === 'VERSION') done(e.data.version);
  });
  navigator.serviceWorker.controller.postMessage({ type: 'GET_VERSION' });
})"""


def update_whole(page: Page) -> None:
    """Look for the update again: it installs and (nothing unsent) the page reloads into it,
    which may end this evaluation."""
    try:
        page.evaluate(INSTALL)
    except PlaywrightError as err:
        if "context was destroyed" not in str(err) and "navigat" not in str(err):
            raise


def cached_versions(page: Page, cache: str) -> dict[str, str | None]:
    """Path -> the version header kept with it, for every file in ``cache``."""
    found: dict[str, str | None] = page.evaluate("""async (name) => {
      const cache = await caches.open(name);
      const out = {};
      for (const req of await cache.keys()) {
        out[new URL(req.url).pathname] = (await cache.match(req)).headers.get('X-Fieldsync-Shell');
      }
      return out; }""", cache)
    return found


def test_pwa_shell_install_refuses_a_file_of_another_version(chromium: Browser, tmp_path: Path) -> None:
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    bump(pwa, "mix-1")
    with running_server(tmp_path / "srv", env={"FIELDSYNC_PWA_DIR": str(pwa)}) as server:
        ctx = new_context(chromium)
        page = ctx.new_page()
        try:
            login(page, server.base_url, "field1", PASSWORD)
            wait_controlled(page)
            assert shell_caches(page) == ["fieldsync-shell-mix-1"]

            deployed: list[str] = []

            def deploy_midway(route: Route) -> None:
                # Version 2's install is fetching its shell: version 3 is deployed now, so
                # the server names this file (and any fetched after it) version 3.
                if not deployed:
                    bump(pwa, "mix-3")
                    deployed.append(route.request.url)
                route.continue_()

            ctx.route(f"**{MIDWAY}", deploy_midway)
            bump(pwa, "mix-2")
            assert page.evaluate(INSTALL) in FAILED  # the install failed
            assert deployed == [f"{server.base_url}{MIDWAY}"]  # the deploy did come midway
            ctx.unroute(f"**{MIDWAY}")

            # Nothing of version 2 kept; version 1 still in control, and it opens offline.
            assert shell_caches(page) == ["fieldsync-shell-mix-1"]
            assert page.evaluate(NONE_WAITING) and page.evaluate(RUNNING) == "mix-1"
            ctx.set_offline(True)
            page.reload()
            wait_ready(page)
            assert page.evaluate(RUNNING) == "mix-1"
            ctx.set_offline(False)

            # The next look for an update finds version 3, whole: it installs and (nothing
            # unsent) takes over; every file it keeps is of version 3.
            update_whole(page)
            poll(page, "async () => (await caches.keys()).filter(k => k.startsWith('fieldsync-shell-'))"
                       ".join() === 'fieldsync-shell-mix-3'", timeout=30.0)
            wait_ready(page)
            assert page.evaluate(RUNNING) == "mix-3"
            assert cached_versions(page, "fieldsync-shell-mix-3") == dict.fromkeys(SHELL, "mix-3")
        finally:
            ctx.close()


def test_pwa_shell_install_refuses_a_pack_file_of_another_version(chromium: Browser, tmp_path: Path) -> None:
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    bump(pwa, "pack-1")
    with running_server(tmp_path / "srv", env={"FIELDSYNC_PWA_DIR": str(pwa)}) as server:
        ctx = desktop_context(chromium)
        page = ctx.new_page()
        try:
            login(page, server.base_url, "super1", PASSWORD)
            wait_controlled(page)
            # The desk holds the whole workspace pack of version 1 before anything is deployed.
            poll(page, f"""async () => (await caches.has('fieldsync-ws-pack-1'))
                && (await (await caches.open('fieldsync-ws-pack-1')).keys()).length === {len(WORKSPACE)}""")
            deployed: list[str] = []

            def deploy_midway(route: Route) -> None:
                if not deployed:  # version 2's install carries the pack over: 3 is deployed now
                    bump(pwa, "pack-3")
                    deployed.append(route.request.url)
                route.continue_()

            ctx.route(f"**{PACK_MIDWAY}", deploy_midway)
            bump(pwa, "pack-2")
            assert page.evaluate(INSTALL) in FAILED
            assert deployed == [f"{server.base_url}{PACK_MIDWAY}"]
            ctx.unroute(f"**{PACK_MIDWAY}")
            assert page.evaluate(NONE_WAITING) and page.evaluate(RUNNING) == "pack-1"
            # Version 2's shell came back whole, yet nothing of version 2 is kept: the install
            # keeps nothing until every file of the shell and of the packs has been checked.
            assert page.evaluate("async () => (await caches.keys()).filter(k => k.startsWith('fieldsync-'))"
                                 ".sort()") == ["fieldsync-insp-pack-1", "fieldsync-shell-pack-1",
                                                "fieldsync-ws-pack-1"]

            update_whole(page)  # version 3, whole, with its pack
            poll(page, "async () => (await caches.keys()).filter(k => k.startsWith('fieldsync-ws-'))"
                       ".join() === 'fieldsync-ws-pack-3'", timeout=30.0)
            wait_ready(page)
            assert page.evaluate(RUNNING) == "pack-3"
            assert cached_versions(page, "fieldsync-ws-pack-3") == dict.fromkeys(WORKSPACE, "pack-3")
        finally:
            ctx.close()
