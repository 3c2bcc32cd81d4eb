"""Complaint verification from the workspace, in real Chromium against a real server: the
supervisor's device holds no complaints, so the replied ones come from the list endpoint; one is
confirmed from the 待核实投诉 board, another sent back from its record page with a reason; the
centre's phone gets both by sync, shows the sent-back one waiting with the reason, and replies
again. axe at 1280 and 360 px."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible, desktop_context
from tests.support.pwa import api_login, api_push, db_rows, expect_unsent, login, new_op, phone, sync_now
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser


def _stored(db: Any, rid: str) -> dict[str, Any]:
    [(data,)] = db_rows(db, "SELECT data FROM records WHERE collection='complaints' AND id=?", rid)
    out: dict[str, Any] = json.loads(data)
    return out


def _replied(base: str, token: str, content: str, reply: str) -> str:
    rid = str(uuid.uuid4())
    made = api_push(base, token, [new_op("complaints", rid, {
        "centre_id": "c-shiqiao", "content": content, "channel": "phone", "status": "open",
        "received_at": int(time.time() * 1000) - 86400_000,
        "complainant": {"name": "刘玉珍", "phone": "13912345678"}})])
    assert made["results"][0]["status"] == "applied", made
    done = api_push(base, token, [new_op("complaints", rid, {"reply": reply, "status": "replied"},
                                         base=made["results"][0]["version"])])
    assert done["results"][0]["status"] == "applied", done
    return rid


def test_ws_complaint_verify_confirm_and_send_back_reach_the_phone(chromium: Browser,
                                                                  pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    centre = api_login(base, "centre1")
    good = _replied(base, centre, "窗口午休无人值守", "已落实午间轮岗，并电话告知投诉人")
    weak = _replied(base, centre, "补件要求反复变化", "已处理")

    ctx = desktop_context(chromium)
    page = ctx.new_page()
    try:
        login(page, base, "super1", PASSWORD)
        page.goto(f"{base}/#/ws/boards?tab=verify")
        board = page.get_by_role("list", name="待核实投诉")
        row = board.locator(f'li[data-id="{good}"]')
        expect(row).to_contain_text("已落实午间轮岗")
        expect(row).to_contain_text("石桥镇便民服务中心")
        expect(row).not_to_contain_text("13912345678")  # masked like every list
        assert_accessible(page, "complaints to verify (1280 px)")
        row.get_by_role("button", name="确认核实：石桥镇便民服务中心的投诉").click()
        expect(row).to_contain_text("已核实")
        stored = _stored(db, good)
        assert stored["status"] == "verified" and stored["verified"] is True
        assert stored["verification"]["passed"] is True

        # The other from its record page: sending back needs a reason, said at the field.
        page.goto(f"{base}/#/ws/record/complaints/{weak}")
        section = page.get_by_role("region", name="核实")
        expect(section).to_contain_text("已处理")
        section.get_by_role("button", name="退回重新答复").click()
        expect(section.get_by_role("alert")).to_contain_text("请填写退回意见")
        assert _stored(db, weak)["status"] == "replied"
        section.get_by_label("退回意见").fill("答复过于简单，请说明补件清单是否一次性告知")
        section.get_by_role("button", name="退回重新答复").click()
        expect(section).to_contain_text("上次核实：退回重新答复")
        stored = _stored(db, weak)
        assert stored["status"] == "open" and stored["verification"]["passed"] is False
        assert stored["verification"]["comment"] == "答复过于简单，请说明补件清单是否一次性告知"
        assert_accessible(page, "complaint record sent back (1280 px)")
        # Gone from the board: nothing left to verify there.
        page.goto(f"{base}/#/ws/boards?tab=verify")
        expect(page.get_by_role("list", name="待核实投诉")).to_be_visible()
        assert page.locator(f'li[data-id="{weak}"]').count() == 0
        assert page.locator(f'li[data-id="{good}"]').count() == 0
        page.set_viewport_size({"width": 360, "height": 740})
        assert_accessible(page, "complaints to verify (360 px)")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    finally:
        ctx.close()

    # The centre's phone: the verified one is verified, the sent-back one waits again.
    pctx, ph = phone(chromium, base, "centre1")
    try:
        sync_now(ph)
        ph.goto(f"{base}/#/complaints?f=waiting")
        waiting = ph.get_by_role("list", name="投诉列表")
        expect(waiting).to_contain_text("补件要求反复变化")
        expect(waiting).to_contain_text("退回重答")
        ph.goto(f"{base}/#/complaints?f=verified")
        expect(ph.get_by_role("list", name="投诉列表")).to_contain_text("窗口午休无人值守")
        ph.goto(f"{base}/#/complaint/{weak}")
        expect(ph.locator("dl.kvs")).to_contain_text("核实意见答复过于简单")
        expect(ph.get_by_role("heading", name="重新答复")).to_be_visible()
        assert_accessible(ph, "sent-back complaint on the phone (360 px)")
        ph.get_by_label("答复内容").fill("已书面列明补件清单并向投诉人致歉")
        ph.get_by_role("button", name="保存").click()
        sync_now(ph)
        expect_unsent(ph, 0)
        stored = _stored(db, weak)
        assert stored["status"] == "replied" and stored["reply"] == "已书面列明补件清单并向投诉人致歉"
    finally:
        pctx.close()
