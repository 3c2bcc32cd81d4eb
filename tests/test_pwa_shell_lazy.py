"""The county workspace loads on demand, in real Chromium against a real server.

A field phone's start fetches no workspace module and its service worker caches none; a
supervisor's first visit to the workspace fills the worker's workspace cache, and the
screens then open offline (saying that their figures need the network); a workspace screen
whose module is not on the device says so clearly offline instead of failing. The inspection
screens load on first use too, from the inspection pack an inspector's device keeps: an
inspector starts offline on them (tests/test_pwa_shell_pack.py has the rest of the pack).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.axe import desktop_context
from tests.support.inspections import county_users, inspector_phone, seed_template
from tests.support.pwa import PWA_DIR, login, phone, poll, wait_controlled, wait_ready
from tests.support.server import PASSWORD, running_server
from tests.test_pwa_shell import VERSION, js_list, shell_list

pytestmark = pytest.mark.browser

WORKSPACE = js_list("WORKSPACE")
SHELL_VERSION = VERSION.findall((PWA_DIR / "sw.js").read_text())[0]


def loaded_modules(page: Page) -> list[str]:
    """Paths of the app's files this page load fetched (from the worker or the network)."""
    return list(page.evaluate(
        "() => performance.getEntriesByType('resource').map(e => new URL(e.name).pathname)"
        ".filter(p => p.startsWith('/app/'))"))


def cached(page: Page) -> dict[str, list[str]]:
    """Every cache of the origin -> the paths it holds."""
    return dict(page.evaluate("""async () => {
        const out = {};
        for (const name of await caches.keys()) {
            const c = await caches.open(name);
            out[name] = (await c.keys()).map(r => new URL(r.url).pathname);
        }
        return out;
    }"""))


def test_pwa_shell_lazy_field_start_loads_no_workspace_module(chromium: Browser, pwa_server: Any) -> None:
    ctx, page = phone(chromium, pwa_server.base_url, "field1")
    try:
        page.reload()  # the cold start of an installed app: everything from the worker
        wait_ready(page)
        expect(page.get_by_role("heading", name="今日")).to_be_visible()
        mods = loaded_modules(page)
        assert "/app/main.js" in mods and "/app/views/visits.js" in mods, mods  # the entries are real
        assert [m for m in mods if m.startswith("/app/views/ws/")] == []
        # Nor the inspection screens, which a field phone does not use (nor hold: see below).
        assert [m for m in mods if "/inspection" in m or "/rubric" in m] == []
        # A field user who types a workspace address is told it is not theirs: still no module.
        page.goto(pwa_server.base_url + "/#/ws/overview")
        expect(page.get_by_role("alert")).to_contain_text("仅供县级督查人员使用")
        assert [m for m in loaded_modules(page) if m.startswith("/app/views/ws/")] == []
        caches = cached(page)
        shell = caches[f"fieldsync-shell-{SHELL_VERSION}"]
        assert set(shell) == set(shell_list()), "the install precaches exactly the shell list"
        assert [p for paths in caches.values() for p in paths if p.startswith("/app/views/ws/")] == []
        assert [k for k in caches if k.startswith("fieldsync-insp-")] == []
    finally:
        ctx.close()


def test_pwa_shell_lazy_workspace_cached_on_first_use_and_opens_offline(
    chromium: Browser, pwa_server: Any
) -> None:
    base = pwa_server.base_url
    ctx = desktop_context(chromium)
    page = ctx.new_page()
    try:
        login(page, base, "super1", PASSWORD)  # opens on 全县总览: the first workspace module
        wait_controlled(page)
        assert "/app/views/ws/overview.js" in loaded_modules(page)
        ws_cache = f"fieldsync-ws-{SHELL_VERSION}"
        # The first use fills the versioned workspace cache with the whole workspace, though
        # this first screen came from the network (the worker did not control the page yet).
        poll(page, f"""async () => (await caches.has('{ws_cache}'))
            && (await (await caches.open('{ws_cache}')).keys()).length === {len(WORKSPACE)}""")
        assert sorted(cached(page)[ws_cache]) == sorted(WORKSPACE)
        # A screen whose module the device lost (an evicted entry) says so offline.
        page.evaluate(f"async () => (await caches.open('{ws_cache}')).delete('/app/views/ws/ledgers.js')")
        ctx.set_offline(True)
        page.reload()  # the link is gone: the app still opens on the workspace
        expect(page.locator("#view h1").first).to_contain_text("全县总览")
        expect(page.locator(".need-online").first).to_contain_text("需要联网")
        page.get_by_role("link", name="看板").click()
        expect(page.locator("#view h1").first).to_contain_text("督办看板")
        expect(page.locator(".need-online").first).to_be_visible()
        page.get_by_role("link", name="台账").click()
        expect(page.locator("[data-unloaded]")).to_contain_text(re.compile("当前离线.*联网后打开一次"))
        # Back online the same screen loads (the failed load is not remembered).
        ctx.set_offline(False)
        page.evaluate("() => window.dispatchEvent(new HashChangeEvent('hashchange'))")
        expect(page.locator("#view h1").first).to_contain_text("台账导出")
    finally:
        ctx.close()


def test_pwa_shell_lazy_inspector_starts_offline_on_the_pack(
    chromium: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with running_server(tmp_path_factory.mktemp("lazy-inspect"), users=county_users()) as server:
        seed_template(server.base_url)
        ctx, page = inspector_phone(chromium, server.base_url)
        try:
            ctx.set_offline(True)
            page.reload()  # a cold start without a link, on the inspector's home
            expect(page.get_by_role("heading", level=1, name="检查考评")).to_be_visible()
            assert "/app/views/inspections.js" in loaded_modules(page)
            page.get_by_role("button", name="新建检查").click()
            page.get_by_label("被检查的服务中心").select_option("c-shiqiao")
            page.get_by_role("button", name="开始检查").click()  # the walk: loaded now, offline
            expect(page.get_by_role("heading", level=1, name=re.compile("检查评分"))).to_be_visible()
            assert "/app/views/inspection-walk.js" in loaded_modules(page)
        finally:
            ctx.close()
