"""A centre's own work against the clock, reached from 今日 on the phone (Chromium against a
real server): its accountability records (问责) waiting for an explanation in one list, each
naming and opening the overdue work; complaints whose reply is late or due; and the inbox
naming what each notification is about (as the phone holds it; the title itself carries no
personal data); a 问责 sent back shows why, a closed one the county's conclusion. axe-clean
at 360 px."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible
from tests.support.pwa import phone, server_write, sync_now
from tests.test_pwa_accountability_extension import DAY, _cases

pytestmark = pytest.mark.browser


def test_pwa_today_centre_work_accountability_complaints_and_named_notices(
        chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    now = int(time.time() * 1000)
    late, _ = _cases(db, now)  # 陶桂英's case, overdue: its 问责 record opened by the sweep
    complaint = f"cp-{uuid.uuid4().hex[:8]}"
    server_write(db, [("complaints", complaint, {
        "centre_id": "c-shiqiao", "status": "open", "channel": "hotline",
        "content": "热线反映低保审批进度无人告知", "received_at": now - 20 * DAY}, now)])

    ctx, page = phone(chromium, base, "centre1")
    try:
        sync_now(page)
        page.goto(f"{base}/#/today")
        link = page.get_by_role("link", name="问责待说明", exact=False)
        expect(link).to_contain_text("请填写情况说明")
        owed = page.get_by_role("region", name="待答复投诉")
        expect(owed).to_contain_text("热线反映低保审批进度无人告知")
        expect(owed).to_contain_text("已超期")
        assert_accessible(page, "今日 with 问责 and complaints (centre, 360 px)")

        link.click()
        expect(page.get_by_role("heading", name="问责")).to_be_visible()
        rows = page.get_by_role("list", name="问责记录")
        row = rows.get_by_role("link").filter(has_text="陶桂英")
        expect(row).to_contain_text("临时救助")
        expect(row).to_contain_text("待说明")
        assert_accessible(page, "the centre's 问责 list (360 px)")
        row.first.click()
        expect(page.get_by_role("region", name="问责")).to_contain_text("待说明")

        # The overdue notification (the centre explains, so it is told) names the case here.
        page.goto(f"{base}/#/inbox")
        item = page.get_by_role("list", name="通知列表").get_by_role("listitem").filter(has_text="陶桂英")
        expect(item.first).to_contain_text("已超期")
        expect(item.first).to_contain_text("临时救助")
        assert_accessible(page, "inbox naming its subjects (360 px)")
    finally:
        ctx.close()

    # Sent back by the county, then closed: the centre reads why, then the conclusion.
    acc = f"acc-cases-{late}"
    for values in ({"status": "explained", "explanation": "材料在外地公证"},
                   {"status": "open", "send_back_reason": "未写明改进措施"}):
        server_write(db, [("accountability", acc, values, now)])
    ctx, page = phone(chromium, base, "field1")
    try:  # a field worker sees what waits, and that the centre writes it
        sync_now(page)
        page.goto(f"{base}/#/accountability")
        expect(page.get_by_text("情况说明由中心工作人员填写", exact=False)).to_be_visible()
        page.goto(f"{base}/#/case/{late}")
        section = page.get_by_role("region", name="问责")
        expect(section).to_contain_text("退回原因")
        expect(section).to_contain_text("未写明改进措施")
        server_write(db, [("accountability", acc, {
            "status": "closed", "conclusion": "说明理由成立，予以结案"}, now + 1)])
        sync_now(page)
        expect(section).to_contain_text("结案意见")
        expect(section).to_contain_text("说明理由成立，予以结案")
        expect(section).not_to_contain_text("未写明改进措施")
    finally:
        ctx.close()
