"""A grouped notification in the inbox, in Chromium against a real server: the sweep turns
twelve of a field worker's cases overdue at once and tells them once; the phone's inbox shows
"12 件工作已超期" with "等 12 件", and the item opens the list of its twelve cases
(#/inbox/<id>), not one case. A case overdue alone still links to that case; a supervisor's group opens the
workspace's boards. axe clean at 360 px."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from server.jobs.sweep import sweep
from server.system import system_write
from server.writer import Writer
from tests.support.axe import assert_accessible
from tests.support.county import COUNTY
from tests.support.pwa import db_rows, phone, sync_now

pytestmark = pytest.mark.browser
DAY = 86_400_000


def test_pwa_inbox_grouped_overdue_opens_the_overdue_list(chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    [(field1,)] = db_rows(db, "SELECT id FROM users WHERE username='field1'")
    [(field3,)] = db_rows(db, "SELECT id FROM users WHERE username='field3'")
    [(super1,)] = db_rows(db, "SELECT id FROM users WHERE username='super1'")
    now = int(time.time() * 1000)
    case = {"matter_id": "m-one-day", "status": "accepted", "accepted_at": now - 20 * DAY,
            "applicant": {"name": "王五", "phone": "13800000000"}}
    writer = Writer(str(db))
    try:
        writer.run(lambda conn: system_write(conn, [
            ("matters", "m-one-day", {"name": "临时救助", "county_id": COUNTY, "kind": "time_limited",
                                      "time_limit_days": 1}, now)]
            + [("cases", f"g-{i:02d}", {**case, "centre_id": "c-shiqiao", "handler_id": field1}, now)
               for i in range(12)]
            + [("cases", "g-solo", {**case, "centre_id": "c-liulin", "handler_id": field3}, now)]
            # a supervisor named as the handler: the workspace opens its boards
            + [("cases", f"g-s{i}", {**case, "centre_id": "c-liulin", "handler_id": super1}, now)
               for i in range(2)]))
        counts = sweep(writer, now)
    finally:
        writer.close()
    assert counts["accountability"] == 15, counts

    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        page.goto(base + "/#/inbox")
        items = page.get_by_role("list", name="通知列表").get_by_role("listitem")
        expect(items).to_have_count(1)
        link = items.first.get_by_role("link")
        expect(link).to_have_text("12 件工作已超期（办件等 12 件）")
        assert (link.get_attribute("href") or "").startswith("#/inbox/n-")
        assert "王五" not in items.first.inner_text()
        assert_accessible(page, "inbox with a grouped notification (field, 360 px)")
        link.click()
        expect(page.get_by_role("heading", name="12 件工作已超期")).to_be_visible()
        expect(page.get_by_text("共 12 件")).to_be_visible()
        expect(page.get_by_role("list", name="办件列表").get_by_role("link")).to_have_count(12)
    finally:
        ctx.close()

    ctx, page = phone(chromium, base, "field3")
    try:
        sync_now(page)
        page.goto(base + "/#/inbox")
        items = page.get_by_role("list", name="通知列表").get_by_role("listitem")
        expect(items).to_have_count(1)
        link = items.first.get_by_role("link")
        expect(link).to_have_text("有事项已超期（办件）")
        assert link.get_attribute("href") == "#/case/g-solo"
    finally:
        ctx.close()

    ctx, page = phone(chromium, base, "super1")
    try:
        sync_now(page)
        page.goto(base + "/#/inbox")
        items = page.get_by_role("list", name="通知列表").get_by_role("listitem")
        expect(items).to_have_count(1)
        link = items.first.get_by_role("link")
        expect(link).to_have_text("2 件工作已超期（办件等 2 件）")
        assert link.get_attribute("href") == "#/ws/boards"
    finally:
        ctx.close()
