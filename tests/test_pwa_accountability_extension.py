"""Answering for overdue work, in Chromium against a real server. The sweep turns a case
overdue and makes its accountability record (问责). On the case's page, the centre's staff
write the explanation (情况说明) that the county closes; a field worker sees the record but
cannot answer for the centre, and is told the centre's staff write it. In the workspace, a
supervisor grants an open case its one extension (延期) with a reason; the server moves the
deadline and records who granted it. The county overview warns while next year's holiday
schedule is not loaded. The workspace's record pages read as people do: centres, matters,
windows and staff by name, a case's applicant (masked), pauses, materials asked for and
reasons; an accountability record names its subject and the deadline missed, asks before
closing one nobody has explained, and sends an explanation back. axe-clean at 360 px and
1280 px."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from server.jobs.sweep import sweep
from server.system import system_write
from server.writer import Writer
from tests.support.axe import assert_accessible, desktop_context
from tests.support.county import COUNTY
from tests.support.pwa import api_login, db_rows, login, name_user, phone, server_write, sync_now
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser
DAY = 86_400_000


def _cases(db: Any, now: int) -> tuple[str, str]:
    late, open_ = f"late-{uuid.uuid4().hex[:8]}", f"open-{uuid.uuid4().hex[:8]}"
    [(field1,)] = db_rows(db, "SELECT id FROM users WHERE username='field1'")
    writer = Writer(str(db))
    try:
        writer.run(lambda conn: system_write(conn, [
            ("matters", "m-acc-1", {"name": "临时救助", "county_id": COUNTY, "kind": "time_limited",
                                    "time_limit_days": 1}, now),
            ("matters", "m-acc-40", {"name": "宅基地审批", "county_id": COUNTY, "kind": "time_limited",
                                     "time_limit_days": 40}, now),
            ("cases", late, {"centre_id": "c-shiqiao", "matter_id": "m-acc-1", "status": "accepted",
                             "accepted_at": now - 20 * DAY, "handler_id": field1,
                             "applicant": {"name": "陶桂英", "phone": "13800001111"}}, now),
            ("cases", open_, {"centre_id": "c-shiqiao", "matter_id": "m-acc-40", "status": "handling",
                              "accepted_at": now - DAY, "handler_id": field1,
                              "applicant": {"name": "冯建军", "phone": "13800002222"}}, now)]))
        assert sweep(writer, now)["accountability"] >= 1
    finally:
        writer.close()
    return late, open_


def _doc(db: Any, collection: str, rid: str) -> dict[str, Any]:
    [(data,)] = db_rows(db, "SELECT data FROM records WHERE collection=? AND id=?", collection, rid)
    return dict(json.loads(data))


def test_pwa_accountability_explained_by_the_centre(chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    late, _ = _cases(db, int(time.time() * 1000))
    acc = f"acc-cases-{late}"
    assert _doc(db, "accountability", acc)["status"] == "open"

    ctx, page = phone(chromium, base, "field1")
    try:  # a field worker sees the record, and no form: the centre answers for it
        sync_now(page)
        page.goto(f"{base}/#/case/{late}")
        section = page.get_by_role("region", name="问责")
        expect(section).to_contain_text("待说明")
        expect(section).to_contain_text("办件超期")
        expect(section.get_by_label("情况说明")).to_have_count(0)
        expect(section).to_contain_text("情况说明由中心工作人员填写")  # whose it is, not a dead end
        assert_accessible(page, "问责 on a case, seen by a field worker (360 px)")
    finally:
        ctx.close()

    ctx, page = phone(chromium, base, "centre1")
    try:
        sync_now(page)
        page.goto(f"{base}/#/case/{late}")
        section = page.get_by_role("region", name="问责")
        expect(section).to_contain_text("待说明")
        expect(section).not_to_contain_text("情况说明由中心工作人员填写")
        section.get_by_role("button", name="保存").click()  # empty: refused at the field
        expect(section.get_by_text("请填写情况说明")).to_be_visible()
        assert_accessible(page, "问责 on a case, explanation form (360 px)")
        section.get_by_label("情况说明").fill("申请人材料在外地公证，延误两天；已改为材料预审。")
        section.get_by_role("button", name="保存").click()
        expect(section).to_contain_text("已说明，待结案")
        sync_now(page)
        doc = _doc(db, "accountability", acc)
        assert doc["status"] == "explained"
        assert doc["explanation"] == "申请人材料在外地公证，延误两天；已改为材料预审。"
        expect(section.get_by_label("情况说明")).to_have_count(0)
    finally:
        ctx.close()


def test_pwa_accountability_extension_granted_in_the_workspace(chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    late, open_ = _cases(db, int(time.time() * 1000))
    before = _doc(db, "cases", open_)["due_at"]
    [(super1,)] = db_rows(db, "SELECT id FROM users WHERE username='super1'")
    cal = httpx.get(f"{base}/api/v1/calendar",
                    headers={"Authorization": f"Bearer {api_login(base, 'super1')}"}).json()

    ctx = desktop_context(chromium)
    page = ctx.new_page()
    try:
        login(page, base, "super1", PASSWORD)
        warning = page.locator("p.box.warn").filter(has_text="法定节假日安排")
        if cal["unknown_years"]:  # this and next year, as the server reckons them
            expect(warning).to_contain_text(f"尚未载入 {'、'.join(map(str, cal['unknown_years']))} 年")
            assert_accessible(page, "全县总览 with the holiday warning (1280 px)")
        else:
            expect(warning).to_have_count(0)

        # A case past its deadline is not offered an extension (the server refuses one): why, in Chinese.
        page.goto(f"{base}/#/ws/record/cases/{late}")
        expect(page.get_by_text("已过，不能再延期：延期须在期限届满前批准。")).to_be_visible()
        expect(page.get_by_role("region", name="延期")).to_have_count(0)
        refusal = page.evaluate("""async () => (await import('/app/labels.js')).reasonText('cases',
            {code: 'invalid', details: {path: 'extension', due_at: 1}})""")
        assert refusal == "数据不符合要求：该办件已超过承诺期限，不能再延期（延期须在期限届满前批准）"

        page.goto(f"{base}/#/ws/record/cases/{open_}")
        form = page.get_by_role("region", name="延期")
        form.get_by_label("延期工作日").fill("5")
        form.get_by_role("button", name="批准延期").click()  # no reason: refused here
        expect(form.get_by_role("alert")).to_have_text("请填写延期原因")
        form.get_by_label("延期原因").fill("需县自然资源局现场核查")
        assert_accessible(page, "延期 form in the workspace (1280 px)")
        form.get_by_role("button", name="批准延期").click()
        expect(page.get_by_text("已延期 5 个工作日：需县自然资源局现场核查")).to_be_visible()
        expect(page.get_by_role("region", name="延期")).to_have_count(0)  # once only
        doc = _doc(db, "cases", open_)
        assert doc["extension"]["days"] == 5 and doc["extension"]["by"] == super1
        assert doc["due_at"] > before  # five working days later
    finally:
        ctx.close()


APPLICANT = {"name": "邹玉兰", "phone": "13800003333", "id_number": "110105198001011234"}


def _returned_case(db: Any, now: int, field1: str) -> str:
    """A case taken at window 3 that waited for materials, then was returned."""
    cid = str(uuid.uuid4())
    server_write(db, [
        ("centres", "c-shiqiao", {"windows.w-acc": {"number": "3号", "name": "社会事务窗口"}}, now - 3 * DAY),
        ("matters", "m-acc-40", {"name": "宅基地审批", "county_id": COUNTY, "kind": "time_limited",
                                 "time_limit_days": 40}, now - 3 * DAY),
        ("cases", cid, {"centre_id": "c-shiqiao", "matter_id": "m-acc-40", "status": "accepted",
                        "accepted_at": now - 3 * DAY, "handler_id": field1, "first_asked_by": field1,
                        "window_id": "w-acc", "applicant": APPLICANT}, now - 3 * DAY)])
    asked = {"status": "supplement", "missing_materials": ["户口簿复印件", "村委会证明"]}
    server_write(db, [("cases", cid, asked, now - 2 * DAY)])
    server_write(db, [("cases", cid, {"status": "returned", "return_reason": "申请人要求撤回申请"},
                       now - DAY)])
    return cid


def test_pwa_record_reads_names_and_case_details(chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    field1 = name_user(db, "field1", "林晓梅")
    cid = _returned_case(db, int(time.time() * 1000), field1)
    ctx = desktop_context(chromium)
    page = ctx.new_page()
    try:
        login(page, base, "super1", PASSWORD)
        sync_now(page)  # the county's centres and matters, as a workspace device holds them
        page.goto(f"{base}/#/ws/record/cases/{cid}")
        fields = page.locator("#view dl.ws-figures").first
        for shown in ("石桥镇便民服务中心", "林晓梅", "宅基地审批", "3号 社会事务窗口"):
            expect(fields).to_contain_text(shown)
        text = page.locator("#view").inner_text()
        for code in (field1, "m-acc-40", "w-acc", "c-shiqiao"):
            assert code not in text, code
        case = page.get_by_role("region", name="申请人与办理情况")
        for shown in ("邹玉兰", "138****3333", "110105********1234", "户口簿复印件", "村委会证明",
                      "暂停计时", "退办理由", "申请人要求撤回申请"):
            expect(case).to_contain_text(shown)
        assert "13800003333" not in case.inner_text()  # masked as the server lists it
        assert_accessible(page, "case record in the workspace (1280 px)")
    finally:
        ctx.close()


def test_pwa_accountability_record_names_its_subject_and_asks_before_closing(
        chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    name_user(db, "field1", "林晓梅")
    now = int(time.time() * 1000)
    late, _ = _cases(db, now)
    acc = f"acc-cases-{late}"
    explained_late, _ = _cases(db, now)
    explained = f"acc-cases-{explained_late}"
    server_write(db, [("accountability", explained, {"status": "explained", "explanation": "材料在外地公证"},
                       now)])
    ctx = desktop_context(chromium)
    page = ctx.new_page()
    try:
        login(page, base, "super1", PASSWORD)
        sync_now(page)
        page.goto(f"{base}/#/ws/record/accountability/{acc}")
        subject = page.get_by_role("region", name="问责对象")
        expect(subject).to_contain_text("办件")
        link = subject.get_by_role("link", name="临时救助 · 陶桂英")
        expect(link).to_have_attribute("href", f"#/ws/record/cases/{late}")
        expect(subject).to_contain_text("错过的期限")
        due = _doc(db, "accountability", acc)["due_at"]
        shown_due = page.evaluate("async (t) => (await import('/app/ui.js')).fmtTime(t)", due)
        expect(subject).to_contain_text(shown_due)
        expect(page.locator("#view dl.ws-figures").nth(1)).to_contain_text("林晓梅")
        # Open and unexplained: one click only asks, for the conclusion and whether to go on.
        page.get_by_role("button", name="关闭问责").click()
        decision = page.get_by_role("group", name="关闭问责")
        expect(decision).to_contain_text("中心尚未提交情况说明")
        expect(decision.get_by_label("结案意见")).to_be_focused()
        assert_accessible(page, "closing an unexplained 问责, asked first (1280 px)")
        assert _doc(db, "accountability", acc)["status"] == "open"
        decision.get_by_role("button", name="取消").click()
        expect(page.get_by_role("button", name="确认结案")).to_have_count(0)
        assert _doc(db, "accountability", acc)["status"] == "open"
        page.get_by_role("button", name="关闭问责").click()
        page.get_by_role("button", name="确认结案").click()  # no conclusion: not sent
        expect(decision.get_by_role("alert")).to_have_text("请填写结案意见")
        assert _doc(db, "accountability", acc)["status"] == "open"
        decision.get_by_label("结案意见").fill("经核查超期属实，对经办人予以提醒谈话")
        page.get_by_role("button", name="确认结案").click()
        expect(page.locator("#view dl.ws-figures").nth(1)).to_contain_text("已结案")
        doc = _doc(db, "accountability", acc)
        assert (doc["status"], doc["conclusion"]) == ("closed", "经核查超期属实，对经办人予以提醒谈话")
        expect(page.get_by_role("button", name="关闭问责")).to_have_count(0)

        # Explained: sent back for a new explanation (explained → open, a supervisor's move),
        # saying what is wanting.
        page.goto(f"{base}/#/ws/record/accountability/{explained}")
        expect(page.get_by_role("region", name="问责对象")).to_contain_text("临时救助")
        page.get_by_role("button", name="退回重新说明").click()
        back = page.get_by_role("group", name="退回重新说明")
        back.get_by_label("退回原因").fill("未说明公证延误后采取了什么措施")
        back.get_by_role("button", name="确认退回").click()
        expect(page.locator("#view dl.ws-figures").nth(1)).to_contain_text("待说明")
        doc = _doc(db, "accountability", explained)
        assert (doc["status"], doc["send_back_reason"]) == ("open", "未说明公证延误后采取了什么措施")
        expect(page.get_by_role("button", name="退回重新说明")).to_have_count(0)
    finally:
        ctx.close()
