"""The in-app inbox (通知) in Chromium against a real server: a supervisor's send-back of an
inspection, made while the inspector's phone is offline, arrives as a notification record
once the phone reconnects and is listed (newest first, linking nowhere it cannot open);
the inbox passes axe at 360 px and is reached from the nav by keyboard. A complaint sent
back and late again is told as 再次超期 and opens the complaint."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from server.jobs.sweep import sweep
from server.system import system_write
from server.writer import Writer
from tests.support.axe import assert_accessible
from tests.support.pwa import api_push, db_rows, idb, new_op, phone, sync_now, user_login

pytestmark = pytest.mark.browser


def test_pwa_inbox_send_back_reaches_an_offline_phone_after_reconnect(
        chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    _field_token, field_id = user_login(base, "field1")
    centre_token, _ = user_login(base, "field2")  # the centre under inspection never writes one
    inspection = f"insp-{uuid.uuid4().hex[:8]}"
    made = api_push(base, centre_token, [new_op("inspections", inspection, {
        "centre_id": "c-shiqiao", "template_id": "t-unknown", "template_version": 1,
        "inspector_ids": [field_id], "status": "submitted"})])
    assert made["results"][0]["status"] == "applied", made
    version = made["results"][0]["version"]

    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        page.goto(base + "/#/inbox")
        expect(page.get_by_role("heading", name="通知")).to_be_visible()
        expect(page.get_by_role("list", name="通知列表")).to_contain_text("新任务")
        ctx.set_offline(True)

        super_token, _ = user_login(base, "super1")
        back = api_push(base, super_token, [new_op("inspections", inspection, {
            "status": "returned", "review.comment": "第3项照片不清，请重拍"}, base=version)])
        assert back["results"][0]["status"] == "applied", back

        # Offline: nothing new can arrive.
        page.reload()
        expect(page.get_by_role("heading", name="通知")).to_be_visible()
        expect(page.get_by_role("list", name="通知列表")).not_to_contain_text("检查退回")

        ctx.set_offline(False)
        sync_now(page)
        items = page.get_by_role("list", name="通知列表").get_by_role("listitem")
        expect(items.first).to_contain_text("检查退回", timeout=15_000)
        expect(items.first).to_contain_text("检查被退回，请修改")
        expect(items).to_have_count(2)
        stored = idb(page, "const rows = await store.list('notifications');"
                           " return rows.map((n) => [n.data.kind, n.data.subject.record]).sort();")
        assert stored == [["assigned", inspection], ["returned", inspection]]
        assert "第3项" not in items.first.inner_text()  # the inbox shows the fixed title only
        assert_accessible(page, "inbox (field, 360 px)")

        # Keyboard: the nav's 通知 link is reachable and opens the inbox.
        page.goto(base + "/#/today")
        link = page.get_by_role("navigation", name="主要").get_by_role("link", name="通知")
        link.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="通知")).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44
    finally:
        ctx.close()


def test_pwa_inbox_complaint_sent_back_opens_the_complaint(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    centre_token, _ = user_login(base, "centre1")
    complaint = f"cp-{uuid.uuid4().hex[:8]}"
    made = api_push(base, centre_token, [new_op("complaints", complaint, {
        "centre_id": "c-shiqiao", "content": "窗口排队时间过长", "channel": "window", "status": "open"})])
    assert made["results"][0]["status"] == "applied", made
    replied = api_push(base, centre_token, [new_op("complaints", complaint, {
        "reply": "已增开窗口", "status": "replied"}, base=made["results"][0]["version"])])
    assert replied["results"][0]["status"] == "applied", replied
    super_token, _ = user_login(base, "super1")
    back = api_push(base, super_token, [new_op("complaints", complaint, {
        "status": "open", "verification.passed": False, "verification.comment": "未说明增开时段"},
        base=replied["results"][0]["version"])])
    assert back["results"][0]["status"] == "applied", back

    ctx, page = phone(chromium, base, "field1")  # a field worker of the centre is told too
    try:
        sync_now(page)
        page.goto(base + "/#/inbox")
        item = page.get_by_role("list", name="通知列表").get_by_role("listitem").filter(
            has_text="投诉退回")
        expect(item).to_have_count(1)
        link = item.get_by_role("link", name="投诉答复被退回，请重新答复（投诉）")
        expect(link).to_have_attribute("href", f"#/complaint/{complaint}")
        assert_accessible(page, "inbox with a complaint sent back (field, 360 px)")
        link.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("投诉")
        expect(page.locator("main")).to_contain_text("未说明增开时段")
    finally:
        ctx.close()


def test_pwa_inbox_complaint_late_again_is_told_and_opens_it(
        chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    complaint = f"cp-{uuid.uuid4().hex[:8]}"
    now = int(time.time() * 1000)
    day = 86_400_000
    writer = Writer(str(db))
    try:
        # A letter entered 20 days late, replied now: late, answered for once.
        writer.run(lambda conn: system_write(conn, [("complaints", complaint, {
            "centre_id": "c-shiqiao", "status": "open", "channel": "letter",
            "content": "来信反映办事难", "received_at": now - 20 * day}, now - 2)]))
        writer.run(lambda conn: system_write(conn, [("complaints", complaint, {
            "status": "replied", "reply": "已回复"}, now - 1)]))
        assert sweep(writer, now)["accountability"] == 1
        # Sent back: a new reply owed within five working days, and none comes.
        writer.run(lambda conn: system_write(conn, [("complaints", complaint, {
            "status": "open", "verification.passed": False,
            "verification.comment": "答复未说明处理结果"}, now)]))
        [(data,)] = db_rows(db, "SELECT data FROM records WHERE collection = 'complaints'"
                                " AND id = ?", complaint)
        late = json.loads(data)["reply_due"] + day
        assert sweep(writer, late)["overdue_again"] >= 1
    finally:
        writer.close()

    ctx, page = phone(chromium, base, "field1")  # one of the centre's staff
    try:
        sync_now(page)
        page.goto(base + "/#/inbox")
        item = page.get_by_role("list", name="通知列表").get_by_role("listitem").filter(
            has_text="再次超期")
        expect(item).to_have_count(1)
        link = item.get_by_role("link", name="有事项再次超期（投诉）")
        expect(link).to_have_attribute("href", f"#/complaint/{complaint}")
        assert_accessible(page, "inbox with a complaint late again (field, 360 px)")
        link.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_contain_text("投诉")
        expect(page.locator("main")).to_contain_text("来信反映办事难")
    finally:
        ctx.close()
