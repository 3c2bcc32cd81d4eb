"""A new app version never strands unsent work: with ops pending it waits (the person may
agree to update at once; the outbox survives the new version), and with an empty outbox it
takes over by itself. The server serves a copy of pwa/ (FIELDSYNC_PWA_DIR) whose service
worker cache version the test bumps."""

from __future__ import annotations

import json
import re
import shutil
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from tests.support.pwa import (
    PWA_DIR,
    db_rows,
    expect_unsent,
    login,
    new_context,
    poll,
    save_visit,
    sync_now,
    wait_controlled,
    wait_ready,
)
from tests.support.server import PASSWORD, running_server

pytestmark = pytest.mark.browser
VERSION = re.compile(r"self.FIELDSYNC_VERSION = '([^']+)';")


def bump(pwa: Path, version: str) -> None:
    """Publish a new version the way a release does: the version in both workers' main scripts."""
    for name in ("sw.js", "sw-classic.js"):
        worker = pwa / name
        text, n = VERSION.subn(f"self.FIELDSYNC_VERSION = '{version}';", worker.read_text())
        assert n == 1
        worker.write_text(text)


def shell_caches(page: Page) -> list[str]:
    caches: list[str] = page.evaluate(
        "async () => (await caches.keys()).filter(k => k.startsWith('fieldsync-shell-'))")
    return sorted(caches)


def test_new_version_waits_for_the_outbox_and_keeps_it(chromium: Browser, tmp_path: Path) -> None:
    pwa = tmp_path / "pwa"
    shutil.copytree(PWA_DIR, pwa)
    bump(pwa, "test-1")
    with running_server(tmp_path / "srv", env={"FIELDSYNC_PWA_DIR": str(pwa)}) as server:
        ctx = new_context(chromium)
        page = ctx.new_page()
        login(page, server.base_url, "field1", PASSWORD)
        wait_controlled(page)
        assert shell_caches(page) == ["fieldsync-shell-test-1"]

        # A poor link: the app's files still load, but no sync gets through.
        def no_sync(route: Route) -> None:
            route.abort("connectionreset")
        ctx.route("**/api/v1/sync", no_sync)
        notes = f"升级前保存的走访 {uuid.uuid4().hex[:6]}"
        save_visit(page, notes)

        # Version 2 is published: it installs and waits, because one change is unsent.
        bump(pwa, "test-2")
        page.reload()
        wait_ready(page)
        banner = page.locator("#banner")
        expect(banner).to_contain_text("还有 1 项更改未同步", timeout=15_000)
        assert poll(page, "async () => !!(await navigator.serviceWorker.getRegistration()).waiting")
        expect_unsent(page, 1)

        # The person agrees to update now: the new version takes over; the outbox is kept.
        page.once("dialog", lambda d: d.accept())
        with page.expect_event("load"):
            banner.get_by_role("button", name="立即更新").click()
        wait_ready(page)
        poll(page, "async () => (await caches.keys()).join() === 'fieldsync-shell-test-2'")
        expect_unsent(page, 1)
        expect(page.get_by_text(notes)).to_be_visible()

        # The link comes back: the change made under version 1 is sent by version 2.
        ctx.unroute("**/api/v1/sync")
        sync_now(page)
        expect_unsent(page, 0)
        rows = db_rows(server.db, "SELECT data FROM records WHERE collection='visits'")
        assert [r for r in rows if json.loads(r[0]).get("notes") == notes]

        # Version 3 with nothing unsent: it takes over without asking.
        bump(pwa, "test-3")
        with page.expect_event("load", timeout=20_000):
            page.reload()
            poll(page, "async () => (await caches.keys()).includes('fieldsync-shell-test-3')")
        wait_ready(page)
        poll(page, "async () => (await caches.keys()).join() === 'fieldsync-shell-test-3'")
        expect(page.locator("#banner")).to_be_hidden()
        ctx.close()
