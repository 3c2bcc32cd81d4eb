"""Award terms in the workspace, in real Chromium against a real server: a title whose
two-year term ends within 60 days asks for its re-check (待复查, and a notification in the
supervisor's inbox) and a pass renews it; a title
past its expiry is withdrawn by the sweep and says why. axe at 1280 and 360 px."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from server.jobs.sweep import sweep
from server.system import system_write
from server.writer import Writer
from tests.support.axe import assert_accessible, desktop_context
from tests.support.pwa import db_rows, login, sync_now
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser
DAY = 86_400_000


def _award(db: Any, rid: str) -> dict[str, Any]:
    [(data,)] = db_rows(db, "SELECT data FROM records WHERE collection='awards' AND id=?", rid)
    out: dict[str, Any] = json.loads(data)
    return out


def test_ws_award_terms_recheck_renews_and_expiry_withdraws(chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    now = int(time.time() * 1000)
    title = {"centre_id": "c-shiqiao", "kind": "red_flag_window", "period": "2024",
             "status": "awarded", "nomination": {"reason": "年度考评第一"}}
    writer = Writer(str(db))
    try:
        writer.run(lambda conn: system_write(conn, [
            ("awards", "a-due", {**title, "awarded_at": now - (730 - 30) * DAY}, now),
            ("awards", "a-gone", {**title, "period": "2023", "awarded_at": now - 800 * DAY}, now)]))
        counts = sweep(writer, now)
    finally:
        writer.close()
    assert counts["withdrawn"] == 1, counts
    first = _award(db, "a-due")["expires_at"]

    ctx = desktop_context(chromium)
    page = ctx.new_page()
    try:
        login(page, base, "super1", PASSWORD)
        # The reminder reached the supervisor's inbox (a notification record, synced).
        sync_now(page)
        page.goto(f"{base}/#/inbox")
        told = page.get_by_role("link", name="有评优称号需要复查（评优称号）")
        expect(told).to_have_attribute("href", "#/ws/record/awards/a-due")
        page.goto(f"{base}/#/ws/awards")
        due = page.locator('li[data-id="a-due"]')
        expect(due).to_contain_text("待复查")
        gone = page.locator('li[data-id="a-gone"]')
        expect(gone).to_contain_text("已撤销")
        expect(gone).to_contain_text("撤销原因：称号有效期已于")
        assert gone.get_by_role("button").count() == 0  # withdrawn is final
        assert_accessible(page, "awards with terms (1280 px)")
        due.get_by_role("button", name="复查合格").click()
        expect(page.locator('li[data-id="a-due"]')).not_to_contain_text("待复查")
        renewed = _award(db, "a-due")
        assert renewed["recheck"]["passed"] is True and renewed["recheck_due"] is False
        assert renewed["expires_at"] > first + 600 * DAY and renewed["status"] == "awarded"
        expect(page.locator('li[data-id="a-due"]').get_by_role("button", name="复查合格")).to_have_count(0)
        page.set_viewport_size({"width": 360, "height": 740})
        assert_accessible(page, "awards with terms (360 px)")
    finally:
        ctx.close()
