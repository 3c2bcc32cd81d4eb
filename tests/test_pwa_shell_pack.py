"""The inspection screens are a per-role pack, in real Chromium against a real server.

They are not precached (a field phone never opens them: 26 KB gzip off every phone's
install); the page of a role that uses them (inspector, supervisor, admin, centre) asks the
service worker to keep the whole pack in its versioned cache ``fieldsync-insp-<version>``.
So: a field user's device never holds the pack, not even after opening an inspection
address online; an inspector who logged in once online opens the inspection screens
offline after a browser restart; a new version's install replaces the pack (new files,
old cache gone) and the screens still open offline after the update.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Playwright, expect
from playwright.sync_api import Error as PlaywrightError

from tests.support.inspections import INSPECTOR, county_users, inspector_phone, seed_template
from tests.support.pwa import (
    PWA_DIR,
    persistent,
    phone,
    poll,
    sw_list,
    wait_controlled,
    wait_inspection_pack,
    wait_ready,
)
from tests.support.server import PASSWORD, running_server
from tests.test_pwa_shell_lazy import cached
from tests.test_pwa_update import bump

pytestmark = pytest.mark.browser

PACK = sw_list("INSPECTION")
SHELL = sw_list("SHELL")


def worker_round_trip(page: Page) -> None:
    """Ask the active worker its version and wait for the answer: every message this page
    sent it before (a CACHE_INSPECTION too) has been handled by then."""
    page.evaluate("""() => new Promise((resolve) => {
        navigator.serviceWorker.addEventListener('message', (e) => {
            if (e.data && e.data.type === 'VERSION') resolve(e.data.version);
        });
        navigator.serviceWorker.ready.then((reg) => reg.active.postMessage({type: 'GET_VERSION'}));
    })""")


def open_walk_offline(page: Page) -> None:
    """From the inspector's home (检查考评), start a new inspection: its walk screen loads."""
    expect(page.get_by_role("heading", level=1, name="检查考评")).to_be_visible()
    page.get_by_role("button", name="新建检查").click()
    page.get_by_label("被检查的服务中心").select_option("c-shiqiao")
    page.get_by_role("button", name="开始检查").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("检查评分"))).to_be_visible()
    expect(page.locator("[data-unloaded]")).to_have_count(0)


def test_pwa_shell_pack_never_on_a_field_phone(chromium: Browser, pwa_server: Any) -> None:
    ctx, page = phone(chromium, pwa_server.base_url, "field1")
    try:
        assert set(PACK) & set(SHELL) == set()
        # Typed in online, an inspection address opens from the network, and is not kept.
        page.goto(pwa_server.base_url + "/#/inspections")
        expect(page.get_by_role("heading", level=1, name="检查考评")).to_be_visible()
        page.reload()
        wait_ready(page)
        worker_round_trip(page)
        caches = cached(page)
        assert [k for k in caches if k.startswith("fieldsync-insp-")] == [], caches.keys()
        held = {p for paths in caches.values() for p in paths}
        assert held & set(PACK) == set(), sorted(held & set(PACK))
        assert held >= set(SHELL)  # the shell itself is there: the check looked at the right caches
    finally:
        ctx.close()


def test_pwa_shell_pack_inspector_opens_it_offline_after_a_restart(
    playwright: Playwright, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp("pack-restart")
    with running_server(tmp / "srv", users=county_users()) as server:
        seed_template(server.base_url)
        profile = tmp / "profile"
        ctx = persistent(playwright, profile)
        try:
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.goto(server.base_url + "/")
            wait_ready(page)
            page.get_by_label("用户名").fill(INSPECTOR)
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", level=1, name="检查考评")).to_be_visible(timeout=15_000)
            wait_controlled(page)
            wait_inspection_pack(page)
            caches = cached(page)
            (pack_cache,) = [k for k in caches if k.startswith("fieldsync-insp-")]
            assert sorted(caches[pack_cache]) == sorted(PACK)
            (shell_cache,) = [k for k in caches if k.startswith("fieldsync-shell-")]
            assert set(caches[shell_cache]) == set(SHELL)  # the pack is not in the precache
        finally:
            ctx.close()
        server.stop()
        ctx = persistent(playwright, profile, offline=True)  # a browser restart without a link
        try:
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.goto(server.base_url + "/")
            wait_ready(page)
            open_walk_offline(page)
        finally:
            ctx.close()


def test_pwa_shell_pack_replaced_by_a_new_version(chromium: Browser, tmp_path: Path) -> None:
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    bump(pwa, "test-1")
    env = {"FIELDSYNC_PWA_DIR": str(pwa)}
    with running_server(tmp_path / "srv", users=county_users(), env=env) as server:
        seed_template(server.base_url)
        ctx, page = inspector_phone(chromium, server.base_url)
        try:
            assert "fieldsync-insp-test-1" in cached(page)
            # An inspection started on a poor link: its changes are unsent, so the next
            # version will install and wait (the page never talks to a waiting worker).
            ctx.route("**/api/v1/sync", lambda route: route.abort("connectionreset"))
            open_walk_offline(page)
            page.goto(server.base_url + "/#/inspections")
            expect(page.get_by_role("heading", level=1, name="检查考评")).to_be_visible()
            # Version 2 changes an inspection screen; the inspector's page is online.
            walk = pwa / "app" / "views" / "inspection-walk.js"
            walk.write_text(walk.read_text() + "\n// version 2 of the walk\n")
            bump(pwa, "test-2")
            page.reload()
            wait_ready(page)
            expect(page.locator("#banner")).to_contain_text("项更改未同步", timeout=15_000)
            assert poll(page, "async () => !!(await navigator.serviceWorker.getRegistration()).waiting")
            # The waiting version brought the pack along in its own install, new files and all.
            caches = cached(page)
            assert sorted(caches["fieldsync-insp-test-2"]) == sorted(PACK)
            assert "fieldsync-insp-test-1" in caches  # the running version's, until it goes
            body = page.evaluate("async () => (await (await caches.open('fieldsync-insp-test-2'))"
                                 ".match('/app/views/inspection-walk.js')).text()")
            assert body.endswith("// version 2 of the walk\n")
            # The person updates now: the old version's caches go, the new pack stays.
            page.once("dialog", lambda d: d.accept())
            with page.expect_event("load"):
                page.locator("#banner").get_by_role("button", name="立即更新").click()
            wait_ready(page)
            poll(page, "async () => (await caches.keys()).sort().join() ==="
                       " 'fieldsync-insp-test-2,fieldsync-shell-test-2'")
            ctx.set_offline(True)
            try:
                page.reload()
            except PlaywrightError as err:
                # Seen once (full run, 21:58): a navigation of the app's own (the update's
                # reload) took the frame as ours began. Either load is an offline one.
                if "ERR_ABORTED" not in str(err):
                    raise
            wait_ready(page)
            open_walk_offline(page)
        finally:
            ctx.close()


def test_pwa_shell_pack_dropped_when_a_field_user_takes_the_phone(
    chromium: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with running_server(tmp_path_factory.mktemp("pack-handover"), users=county_users()) as server:
        seed_template(server.base_url)
        ctx, page = inspector_phone(chromium, server.base_url)
        try:
            page.goto(server.base_url + "/#/sync")
            page.get_by_role("button", name="退出登录").click()  # nothing unsent: the device is wiped
            expect(page.get_by_label("用户名")).to_be_visible()
            assert [k for k in cached(page) if k.startswith("fieldsync-insp-")]  # still there, until...
            page.get_by_label("用户名").fill("field1")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", name="今日")).to_be_visible(timeout=15_000)
            # ...a field user signs in: the pack goes, the shell stays.
            poll(page, "async () => !(await caches.keys()).some(k => k.startsWith('fieldsync-insp-'))")
            held = {p for paths in cached(page).values() for p in paths}
            assert held >= set(SHELL) and held & set(PACK) == set()
        finally:
            ctx.close()
