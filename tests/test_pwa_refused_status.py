"""A change the server refused, in Chromium against a real server: while field1's phone was
offline a colleague put the case on 待补件; field1 marked it 已办结 on the phone; the server
refuses that (invalid_transition: 待补件 → 已办结; allowed 办理中、退办). The case page's
header then shows the server's status (待补件) with the refused change marked 被拒绝, the box
says in Chinese what is allowed, the person's change is kept (the 同步 page can fix and resend
it), and the edit form offers the moves from 待补件. axe clean at 360 px."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible
from tests.support.cases import new_case
from tests.support.pwa import api_push, expect_unsent, idb, new_op, phone, sync_now, user_login

pytestmark = pytest.mark.browser


def test_pwa_refused_status_change_header_shows_the_servers_state(chromium: Browser,
                                                                   pwa_server: Any) -> None:
    base = pwa_server.base_url
    case, _ = new_case(base, "钱多多")
    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        version = idb(page, f"return (await store.get('cases', '{case}')).version;")
        ctx.set_offline(True)
        token, _ = user_login(base, "centre1")
        moved = api_push(base, token, [new_op("cases", case, {
            "status": "supplement", "missing_materials": ["户口簿原件"]}, base=version)])
        assert moved["results"][0]["status"] == "applied", moved

        page.goto(f"{base}/#/case/{case}/edit")
        page.get_by_label("办件状态").select_option("completed")
        page.get_by_role("button", name="保存").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("已办结")  # applied here until the server answers
        expect_unsent(page, 1)
        ctx.set_offline(False)
        sync_now(page)

        box = page.get_by_role("region", name="被退回的更改")
        expect(box).to_be_visible()
        expect(box).to_contain_text("状态改为“已办结”未生效")
        expect(box).to_contain_text("不能从“待补件”改为“已办结”，可改为：办理中、退办")
        expect(heading.locator(".chip").first).to_have_text("待补件")
        expect(heading).to_contain_text("改为“已办结”被拒绝")
        assert_accessible(page, "a case page with a refused status change (360 px)")

        # The person's change is kept, to fix on the 同步 page.
        kept = idb(page, "return (await store.outbox()).map((o) => [o.state, o.set.status]);")
        assert kept == [["rejected", "completed"]], kept
        box.get_by_role("link", name="去修改并重新发送").click()
        expect(page.get_by_text("不能从“待补件”改为“已办结”", exact=False).first).to_be_visible()

        # The case list shows it as it stands too.
        page.goto(f"{base}/#/cases?f=all")
        row = page.locator(f'a[href="#/case/{case}"]')
        expect(row.locator(".chip.cs-supplement")).to_have_text("待补件")
        expect(row.locator(".chip.cs-completed")).to_have_count(0)

        # Editing starts from the status as it stands.
        page.goto(f"{base}/#/case/{case}/edit")
        status = page.get_by_label("办件状态")
        expect(status).to_be_visible()
        offered = status.locator("option").all_inner_texts()
        assert offered == ["待补件（当前）", "办理中", "退办"], offered
    finally:
        ctx.close()


def test_pwa_refused_complaint_reply_header_shows_dismissed(chromium: Browser, pwa_server: Any) -> None:
    """A reply written on an offline phone to a complaint a colleague dismissed meanwhile: the
    server refuses 不予受理 → 已答复 (allowed: 待答复); the header shows 不予受理, the reply is
    marked 被拒绝 and kept, and the page offers 重新受理 (what the complaint allows now)."""
    base = pwa_server.base_url
    token, _ = user_login(base, "centre1")
    made = api_push(base, token, [new_op("complaints", "cp-refused", {
        "centre_id": "c-shiqiao", "content": "办事指南与实际要求不一致", "channel": "window",
        "status": "open"})])
    assert made["results"][0]["status"] == "applied", made
    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        version = idb(page, "return (await store.get('complaints', 'cp-refused')).version;")
        ctx.set_offline(True)
        moved = api_push(base, token, [new_op("complaints", "cp-refused", {
            "status": "dismissed", "reply": "重复投诉，已在前一件中答复"}, base=version)])
        assert moved["results"][0]["status"] == "applied", moved
        page.goto(f"{base}/#/complaint/cp-refused")
        page.get_by_label("答复内容").fill("已更新办事指南并向投诉人致歉")
        page.get_by_role("button", name="保存").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("已答复")
        ctx.set_offline(False)
        sync_now(page)
        box = page.get_by_role("region", name="被退回的更改")
        expect(box).to_contain_text("状态改为“已答复”未生效")
        expect(box).to_contain_text("可改为：待答复")
        expect(heading.locator(".chip").first).to_have_text("不予受理")
        expect(heading).to_contain_text("改为“已答复”被拒绝")
        expect(page.get_by_role("button", name="重新受理")).to_be_visible()
        assert_accessible(page, "a complaint page with a refused reply (360 px)")
        kept = idb(page, "return (await store.outbox()).map((o) => [o.state, o.set.reply]);")
        assert kept == [["rejected", "已更新办事指南并向投诉人致歉"]], kept
    finally:
        ctx.close()


def test_pwa_refused_status_supplement_shows_no_list_or_notice(chromium: Browser, pwa_server: Any) -> None:
    """Offline, field1 puts a case in hand on 待补件 with a list of materials; meanwhile a
    colleague completes it, and the server refuses 已办结 → 待补件. The case page then shows
    the case as the server holds it: no 补件清单 row, no 补件清单 notice to print (by its link
    or its address), the 受理通知书 still; materials alone never call for the notice."""
    base = pwa_server.base_url
    case = f"case-{uuid.uuid4().hex[:8]}"
    token, _ = user_login(base, "centre1")
    made = api_push(base, token, [
        new_op("cases", case, {"centre_id": "c-shiqiao", "matter_id": "m-x", "status": "accepted",
                               "applicant.name": "孔繁荣"}),
        new_op("cases", case, {"status": "handling"})])
    assert [r["status"] for r in made["results"]] == ["applied"] * 2, made
    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        version = idb(page, f"return (await store.get('cases', '{case}')).version;")
        ctx.set_offline(True)
        done = api_push(base, token, [new_op("cases", case, {"status": "completed"}, base=version)])
        assert done["results"][0]["status"] == "applied", done

        page.goto(f"{base}/#/case/{case}/edit")
        page.get_by_label("办件状态").select_option("supplement")
        page.get_by_label("需补正的材料（每行一项）").fill("宅基地使用证明")
        page.get_by_role("button", name="保存").click()
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("待补件")
        ctx.set_offline(False)
        sync_now(page)

        expect(heading.locator(".chip").first).to_have_text("已办结")
        expect(heading).to_contain_text("改为“待补件”被拒绝")
        facts = page.locator("dl.kvs").first
        expect(facts).not_to_contain_text("补件清单")
        expect(facts).not_to_contain_text("宅基地使用证明")
        expect(page.get_by_role("link", name=re.compile("受理通知书"))).to_be_visible()
        expect(page.get_by_role("link", name=re.compile("补件清单"))).to_have_count(0)
        assert_accessible(page, "a completed case with a refused 待补件 (360 px)")
        page.goto(f"{base}/#/case/{case}/notice/supplement")
        expect(page.get_by_text("该办件当前状态为“已办结”，不能出具补件清单", exact=False)).to_be_visible()
        expect(page.locator("main")).not_to_contain_text("宅基地使用证明")

        offered = page.evaluate("""async () => { const { noticesFor } = await import('/app/views/notice.js');
            return [noticesFor({status: 'handling', missing_materials: ['户口簿']}),
                    noticesFor({status: 'handling', missing_materials: ['户口簿'], notice_numbers:
                                {acceptance: 'A-受-2026-0001', supplement: 'A-补-2026-0001'}})]; }""")
        assert offered == [["acceptance"], ["acceptance", "supplement"]], offered
    finally:
        ctx.close()
