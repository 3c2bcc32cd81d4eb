"""The PWA offline: one online visit installs it; it then opens with no network (also after
the browser restarts), keeps a visit with a photo and a signature through closing and
reopening, and sends all of it (attachments first) when the link returns."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Playwright, expect

from tests.support.pwa import (
    api_login,
    db_rows,
    draw_signature,
    expect_unsent,
    idb,
    login,
    make_png,
    persistent,
    status,
    wait_controlled,
    wait_ready,
)
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser


def test_offline_visit_with_photo_and_signature_survives_restart_then_syncs(
        playwright: Playwright, pwa_server: Any, tmp_path: Path) -> None:
    base = pwa_server.base_url
    profile = tmp_path / "profile"
    notes = f"老人行动不便，上门办理养老保险资格认证 {uuid.uuid4().hex[:6]}"

    ctx = persistent(playwright, profile)
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    login(page, base, "field1", PASSWORD)
    wait_controlled(page)
    expect_unsent(page, 0)

    # No network at all from here: the app still opens.
    ctx.set_offline(True)
    page.reload()
    wait_ready(page)
    expect(page.get_by_role("heading", name="今日")).to_be_visible()

    page.get_by_role("button", name="新建上门服务").click()
    page.get_by_label("申请人姓名").fill("王秀英")
    page.get_by_label("事由").fill("养老保险资格认证")
    page.get_by_label("备注").fill(notes)
    page.set_input_files("#photo-input", files=[
        {"name": "camera.png", "mimeType": "image/png", "buffer": make_png()}])
    expect(page.locator(".thumbs img")).to_have_count(1)
    draw_signature(page)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(notes)).to_be_visible()
    expect_unsent(page, 1)
    expect(status(page)).to_contain_text("待传照片 2")

    # The photo was shrunk on the device to at most 1600 px, as JPEG.
    shot = idb(page, """
        const ops = await store.outbox();
        const b = await store.getBlob(ops[0].set.photos[0]);
        const bmp = await createImageBitmap(new Blob([b.data], {type: b.type}));
        return {type: b.type, w: bmp.width, h: bmp.height, sig: ops[0].set.signature};""")
    assert shot["type"] == "image/jpeg" and max(shot["w"], shot["h"]) == 1600, shot
    assert shot["sig"]

    # Close the tab and open the app again, still offline.
    page.close()
    page = ctx.new_page()
    page.goto(base + "/")
    wait_ready(page)
    expect(page.get_by_text(notes)).to_be_visible()
    expect_unsent(page, 1)

    # Restart the browser itself, offline: cold start from the service worker's cache.
    # The server goes away too: Playwright's offline mode does not cover the service
    # worker's Background Sync, which would otherwise send the visit at browser start.
    ctx.close()
    pwa_server.stop()
    ctx = persistent(playwright, profile, offline=True)
    page = ctx.pages[0] if ctx.pages else ctx.new_page()
    page.goto(base + "/")
    wait_ready(page)
    expect(page.get_by_text(notes)).to_be_visible()
    expect_unsent(page, 1)

    # The link returns: the app notices by itself and sends everything.
    pwa_server.start()
    ctx.set_offline(False)
    expect_unsent(page, 0, timeout=30_000)
    expect(status(page)).not_to_contain_text("待传照片")

    rows = db_rows(pwa_server.db, "SELECT data FROM records WHERE collection='visits'")
    visits = [json.loads(r[0]) for r in rows if json.loads(r[0]).get("notes") == notes]
    assert len(visits) == 1, rows
    visit = visits[0]
    assert visit["kind"] == "home_service" and visit["centre_id"] == "c-shiqiao"
    assert len(visit["photos"]) == 1 and visit["signature"]
    token = api_login(base, "field1")
    for sha in (*visit["photos"], visit["signature"]):
        r = httpx.get(f"{base}/api/v1/attachments/{sha}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, (sha, r.status_code, r.text[:200])
        assert hashlib.sha256(r.content).hexdigest() == sha
    ctx.close()
