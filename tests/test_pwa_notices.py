"""Printable notices in Chromium against a real server: a case accepted at the centre has a
受理通知书 with the server's number once synced; one made offline prints "待编号"; a refusal
prints its reason; on paper (print media) only the sheet shows; axe-clean at 360 px."""

from __future__ import annotations

import datetime as dt
import re
import time
import uuid
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible
from tests.support.pwa import api_push, idb, new_op, phone, sync_now, user_login
from tests.support.server import COUNTY

CST = dt.timezone(dt.timedelta(hours=8))

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


def test_pwa_notices_extended_promise_and_return_reason(chromium: Browser, pwa_server: Any) -> None:
    """An extended case's 受理通知书 says the promise includes the extension (the applicant
    would read the later date as the one first promised); a returned case's page shows its
    退办理由 and its 退办通知书 is dated by the return, not the printing day; a notice the
    case's status does not call for is not printed by its URL."""
    base = pwa_server.base_url
    matter = f"m-{uuid.uuid4().hex[:6]}"
    made = api_push(base, user_login(base, "super1")[0], [new_op("matters", matter, {
        "name": "建房审批", "county_id": COUNTY, "kind": "time_limited", "time_limit_days": 10})])
    assert made["results"][0]["status"] == "applied", made
    centre_token, _ = user_login(base, "centre1")
    extended, returned = f"case-{uuid.uuid4().hex[:8]}", f"case-{uuid.uuid4().hex[:8]}"
    made = api_push(base, centre_token, [new_op("cases", extended, {
        "centre_id": "c-shiqiao", "matter_id": matter, "status": "accepted", "applicant.name": "韩冬梅"})])
    assert {r["status"] for r in made["results"]} == {"applied"}, made
    # Accepted and returned three days ago on a phone that syncs only now: the notice is
    # dated by the decision (the op's corrected time), not the day it is printed.
    then = int(time.time() * 1000) - 3 * 86_400_000
    made = api_push(base, user_login(base, "centre1")[0], [
        {**new_op("cases", returned, {"centre_id": "c-shiqiao", "matter_id": matter,
                                      "status": "accepted", "applicant.name": "蒋立军"}),
         "at": then - 3_600_000},
        {**new_op("cases", returned, {"status": "returned", "return_reason": "申请人撤回申请"}),
         "at": then}])
    assert {r["status"] for r in made["results"]} == {"applied"}, made
    granted = api_push(base, user_login(base, "super1")[0], [new_op("cases", extended, {
        "extension.days": 5, "extension.reason": "需县自然资源局现场核查"})])
    assert granted["results"][0]["status"] == "applied", granted
    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        page.goto(f"{base}/#/case/{extended}/notice/acceptance")
        promise = re.compile(r"承诺办结时间：\d{4}-\d{2}-\d{2}（含延期 5 个工作日）")
        expect(page.get_by_text(promise)).to_be_visible()

        page.goto(f"{base}/#/case/{returned}")
        facts = page.locator("dl.kvs").first
        expect(facts).to_contain_text("退办理由")
        expect(facts).to_contain_text("申请人撤回申请")
        expect(page.get_by_role("link", name=re.compile("退办通知书"))).to_be_visible()
        assert_accessible(page, "a returned case (360 px)")
        page.goto(f"{base}/#/case/{returned}/notice/return")
        decided = dt.datetime.fromtimestamp(time.time() - 3 * 86_400, CST).strftime("%Y-%m-%d")
        expect(page.locator(".notice-date")).to_have_text(re.compile(f"　{decided}$"))
        page.goto(f"{base}/#/case/{returned}/notice/supplement")
        expect(page.get_by_text("不能出具补件清单", exact=False)).to_be_visible()
        expect(page.get_by_role("button", name="打印")).to_have_count(0)
    finally:
        ctx.close()


def test_pwa_case_deadline_in_a_year_without_holidays_says_so(chromium: Browser, pwa_server: Any) -> None:
    """A promise falling in a year whose State Council schedule the server lacks (2027 here)
    is counted Monday to Friday: the case page says so beside it, and not for a promise in a
    year it knows."""
    base = pwa_server.base_url
    long, short = f"m-{uuid.uuid4().hex[:6]}", f"m-{uuid.uuid4().hex[:6]}"
    made = api_push(base, user_login(base, "super1")[0], [
        new_op("matters", long, {"name": "林木采伐许可", "county_id": COUNTY, "kind": "time_limited",
                                 "time_limit_days": 60}),
        new_op("matters", short, {"name": "临时救助", "county_id": COUNTY, "kind": "time_limited",
                                  "time_limit_days": 1})])
    assert {r["status"] for r in made["results"]} == {"applied"}, made
    late_year, this_year = f"case-{uuid.uuid4().hex[:8]}", f"case-{uuid.uuid4().hex[:8]}"
    made = api_push(base, user_login(base, "centre1")[0], [
        new_op("cases", late_year, {"centre_id": "c-shiqiao", "matter_id": long, "status": "accepted"}),
        new_op("cases", this_year, {"centre_id": "c-shiqiao", "matter_id": short, "status": "accepted"})])
    assert {r["status"] for r in made["results"]} == {"applied"}, made
    unknown = httpx.get(f"{base}/api/v1/calendar", headers={
        "Authorization": f"Bearer {user_login(base, 'super1')[0]}"}).json()["unknown_years"]
    due_year = dt.datetime.fromtimestamp(time.time() + 90 * 86_400, CST).year  # 60 working days on
    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        page.goto(f"{base}/#/case/{late_year}")
        facts = page.locator("dl.kvs").first
        expect(facts).to_contain_text("承诺办结")
        # The bundled calendar knows no year past 2026 and the test server loads none.
        assert due_year in unknown, (due_year, unknown)
        expect(facts).to_contain_text(f"{due_year}年节假日安排尚未导入")
        assert_accessible(page, "a promise in a year without holidays (360 px)")
        page.goto(f"{base}/#/case/{this_year}")
        expect(page.locator("dl.kvs").first).to_contain_text("承诺办结")
        expect(page.locator("dl.kvs").first).not_to_contain_text("节假日安排尚未导入")
    finally:
        ctx.close()
