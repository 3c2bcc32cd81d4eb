"""Printable notices in Chromium against a real server: a case accepted at the centre has a
受理通知书 with the server's number once synced; one made offline prints "待编号"; a refusal
prints its reason; on paper (print media) only the sheet shows; axe-clean at 360 px."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible
from tests.support.pwa import api_push, idb, new_op, phone, sync_now, user_login

pytestmark = pytest.mark.browser


#: 2026-11-09 10:00 China time: accepted after the fact, weeks before the notice prints
ACCEPTED_AT = 1_794_189_600_000


def test_pwa_notices_numbered_by_the_server_and_pending_offline(chromium: Browser,
                                                               pwa_server: Any) -> None:
    base = pwa_server.base_url
    centre_token, _ = user_login(base, "centre1")
    accepted, refused = f"case-{uuid.uuid4().hex[:8]}", f"case-{uuid.uuid4().hex[:8]}"
    made = api_push(base, centre_token, [
        new_op("cases", accepted, {"centre_id": "c-shiqiao", "matter_id": "m-yanglao",
                                   "status": "accepted", "applicant.name": "王秀英",
                                   "accepted_at": ACCEPTED_AT}),
        new_op("cases", refused, {"centre_id": "c-shiqiao", "matter_id": "m-yanglao",
                                  "status": "refused", "applicant.name": "赵建国",
                                  "refusal_reason": "不属于本中心受理范围，请到县政务服务中心办理"})])
    assert {r["status"] for r in made["results"]} == {"applied"}, made
    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        page.goto(f"{base}/#/case/{accepted}")
        link = page.get_by_role("link", name="受理通知书")
        expect(link).to_be_visible()
        link.click()
        expect(page.get_by_role("heading", name="受理通知书")).to_be_visible()
        expect(page.get_by_text(re.compile(r"编号：.+-受-\d{4}-\d{4}"))).to_be_visible()
        expect(page.get_by_text("王秀英", exact=False).first).to_be_visible()
        # dated the day it was accepted (China time), not the day it prints
        expect(page.locator(".notice-date")).to_have_text(re.compile(r"　2026-11-09$"))
        assert_accessible(page, "受理通知书 (360 px)")
        page.emulate_media(media="print")
        expect(page.get_by_role("navigation", name="主要")).to_be_hidden()
        expect(page.get_by_role("button", name="打印")).to_be_hidden()
        expect(page.get_by_role("heading", name="受理通知书")).to_be_visible()
        page.emulate_media(media="screen")

        page.goto(f"{base}/#/case/{refused}/notice/refusal")
        expect(page.get_by_role("heading", name="不予受理通知书")).to_be_visible()
        expect(page.get_by_text("不属于本中心受理范围", exact=False)).to_be_visible()
        expect(page.get_by_text(re.compile(r"编号：.+-不予受-\d{4}-\d{4}"))).to_be_visible()

        # A case made on the phone while offline: the notice prints, number pending.
        ctx.set_offline(True)
        offline = f"case-{uuid.uuid4().hex[:8]}"
        idb(page, "await store.edit('cases', '" + offline + "', {centre_id: 'c-shiqiao',"
                  " matter_id: 'm-yanglao', status: 'supplement', 'applicant.name': '钱玉兰',"
                  " missing_materials: ['户口簿原件', '近期免冠照片']}); return 1;")
        page.goto(f"{base}/#/case/{offline}/notice/supplement")
        expect(page.get_by_role("heading", name="补件清单（一次性告知）")).to_be_visible()
        expect(page.get_by_text("编号：待编号")).to_be_visible()
        expect(page.get_by_role("listitem").filter(has_text="户口簿原件")).to_be_visible()
        assert_accessible(page, "补件清单 offline (360 px)")
    finally:
        ctx.close()
