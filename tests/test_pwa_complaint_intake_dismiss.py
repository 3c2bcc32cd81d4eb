"""Complaint intake and dismissal on the phone, in Chromium against a real server.

A hotline ticket entered three days late gives its 收到时间: a time in the future is refused
at the field, the earlier one is kept by the server and the reply is due five working days
from it. A complaint is dismissed (不予受理) only with a reason (the reply the contract
requires), shows as dismissed, and is reopened (重新受理) to wait for a reply again; the
controls follow the schemas' rights. axe clean at 360 px; keyboard."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from sync.deadlines import due_ms
from tests.support.axe import assert_accessible
from tests.support.pwa import expect_unsent, phone, sync_now
from tests.support.records import stored

pytestmark = pytest.mark.browser
CHINA = timezone(timedelta(hours=8))


def test_pwa_complaint_received_time_dismiss_and_reopen(chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    ctx, page = phone(chromium, base, "centre1")
    try:
        page.goto(base + "/#/complaint/new")
        expect(page.get_by_role("heading", name="登记投诉")).to_be_visible()
        page.get_by_label("投诉渠道").select_option("hotline")
        page.get_by_label("投诉内容").fill("12345 转来：社保卡补办一直没有回音")
        when = page.get_by_label("收到时间")
        assert when.input_value()  # defaults to now
        tomorrow = datetime.now(CHINA) + timedelta(days=1)
        when.fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_text("收到时间不能晚于现在")).to_be_visible()
        expect_unsent(page, 0)
        assert_accessible(page, "complaint intake with 收到时间 refused (360 px)")

        came = (datetime.now(CHINA) - timedelta(days=3)).replace(hour=9, minute=30, second=0, microsecond=0)
        when.fill(came.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_role("button", name="保存").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("待答复")  # the complaint's page, not the form's 登记投诉
        cid = page.evaluate("location.hash.split('/').pop()")
        assert cid != "new"
        sync_now(page)
        expect_unsent(page, 0)
        server = stored(db, "complaints", cid)
        received = int(came.timestamp() * 1000)
        assert server["received_at"] == received, (server["received_at"], received)
        assert server["reply_due"] == due_ms(received, 5)
        assert server["reply_due"] < due_ms(int(time.time() * 1000), 5)

        # 不予受理: a reason is required; then the complaint shows dismissed.
        page.get_by_text("不予受理", exact=True).click()  # the fold's summary
        dismiss = page.locator("details.fold form")
        dismiss.get_by_role("button", name="保存").click()
        expect(page.get_by_text("不予受理须写明理由")).to_be_visible()
        expect_unsent(page, 0)
        assert_accessible(page, "complaint dismissal without a reason (360 px)")
        page.get_by_label("不予受理理由").fill("不属于本中心受理范围，已告知投诉人向县医保局反映")
        page.get_by_label("不予受理理由").press("Tab")
        dismiss.get_by_role("button", name="保存").press("Enter")
        expect(heading).to_contain_text("不予受理")
        sync_now(page)
        expect_unsent(page, 0)
        server = stored(db, "complaints", cid)
        assert server["status"] == "dismissed" and server["reply"].startswith("不属于本中心受理范围")
        page.goto(base + "/#/complaints?f=dismissed")
        expect(page.get_by_role("list", name="投诉列表").get_by_role("link")).to_have_count(1)
        page.goto(f"{base}/#/complaint/{cid}")
        expect(page.get_by_text("不予受理理由")).to_be_visible()
        expect(page.get_by_role("heading", name="答复", exact=True)).to_have_count(0)

        # 重新受理: back to open, waiting for a reply again.
        reopen = page.get_by_role("button", name="重新受理")
        reopen.focus()
        page.keyboard.press("Enter")
        expect(heading).to_contain_text("待答复")
        expect(page.get_by_role("heading", name="重新答复")).to_be_visible()
        assert_accessible(page, "a reopened complaint (360 px)")
        sync_now(page)
        expect_unsent(page, 0)
        assert stored(db, "complaints", cid)["status"] == "open"
        page.goto(base + "/#/complaints?f=waiting")
        waiting = page.get_by_role("list", name="投诉列表")
        expect(waiting.locator(f'a[href="#/complaint/{cid}"]')).to_have_count(1)

        # The controls follow the schemas' rights (a role that may not write complaints: none).
        may = page.evaluate("""async () => { const m = await import('/app/views/complaints.js');
            return [m.maySet('complaints', 'status', 'centre', 'dismissed', 'open'),
                    m.maySet('complaints', 'status', 'inspector', 'dismissed', 'open'),
                    m.maySet('complaints', 'status', 'centre', 'open', 'dismissed')]; }""")
        assert may == [True, False, True]
    finally:
        ctx.close()
