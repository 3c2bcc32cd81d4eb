"""Answering for overdue work, in Chromium against a real server. The sweep turns a case
overdue and makes its accountability record (问责). On the case's page, the centre's staff
write the explanation (情况说明) that the county closes; a field worker sees the record but
cannot answer for the centre, and is told the centre's staff write it. In the workspace, a
supervisor grants an open case its one extension (延期) with a reason; the server moves the
deadline and records who granted it. The county overview warns while next year's holiday
schedule is not loaded. axe-clean at 360 px and 1280 px."""

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
from tests.support.pwa import api_login, db_rows, login, phone, sync_now
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
