"""A photo that will not upload (a server error, a timeout on 2G) holds back only the visit
that needs it: every other change still goes out, the photo's reason is shown, and once the
server takes it the visit follows."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.support.pwa import (
    db_rows,
    draw_signature,
    expect_unsent,
    fill_visit_needs,
    phone,
    save_visit,
    sync_now,
)

pytestmark = pytest.mark.browser


def visit_notes(db: Any) -> set[str]:
    rows = db_rows(db, "SELECT data FROM records WHERE collection='visits'")
    return {json.loads(r[0]).get("notes") for r in rows}


def test_failing_photo_upload_holds_back_only_its_own_visit(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    ctx, page = phone(chromium, base, "field1")

    def broken(route: Route) -> None:
        route.fulfill(status=500, content_type="application/json",
                      body='{"error": {"code": "internal", "message": "internal error"}}')
    ctx.route("**/api/v1/attachments/**", broken)

    ctx.set_offline(True)  # both visits are made before any sync runs
    signed = f"有签名的走访 {uuid.uuid4().hex[:6]}"
    page.get_by_role("button", name="新建上门服务").click()
    fill_visit_needs(page)
    page.get_by_label("备注").fill(signed)
    draw_signature(page)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(signed)).to_be_visible()
    plain = f"没有照片的走访 {uuid.uuid4().hex[:6]}"
    save_visit(page, plain, unsent=2)

    ctx.set_offline(False)
    sync_now(page)
    expect_unsent(page, 1)  # the plain visit went; the signed one waits for its signature
    expect(page.get_by_role("status")).to_contain_text("待传照片 1")
    notes = visit_notes(pwa_server.db)
    assert plain in notes and signed not in notes
    page.goto(base + "/#/sync")
    expect(page.get_by_text("服务器暂时不可用（500）")).to_be_visible()

    ctx.unroute("**/api/v1/attachments/**")
    sync_now(page)
    expect_unsent(page, 0)
    expect(page.get_by_role("status")).not_to_contain_text("待传照片")
    assert signed in visit_notes(pwa_server.db)
    ctx.close()
