"""The phone's daily view of deadlines, in Chromium against a real server: 今日 counts
overdue, due-today and due-soon cases and links to the case list filtered by each; the
list marks them; a case completed and a home visit ended a minute ago have their
call-backs listed as due at once (whatever the weekday: the window opens when the work
ends), one past its deadline marked 已超期, each opens the call-back form, a call-back
made on the phone takes its visit off the list, and one 30 days past its deadline is not
listed; the 同步 page offers 消息提醒
only after a sync and never asks at load; axe-clean at 360 px."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible
from tests.support.pwa import api_push, idb, new_op, phone, sync_now, user_login

pytestmark = pytest.mark.browser
DAY = 86_400_000


def test_pwa_deadlines_today_marks_and_filters(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    sup_token, _ = user_login(base, "super1")
    centre_token, _ = user_login(base, "centre1")
    matter = f"m-{uuid.uuid4().hex[:6]}"
    made = api_push(base, sup_token, [new_op("matters", matter, {
        "name": "建房审批", "county_id": "k-qingshan", "kind": "time_limited", "time_limit_days": 3})])
    if made["results"][0]["status"] != "applied":  # the test county's id, whatever it is called
        pytest.fail(str(made))
    now = int(time.time() * 1000)
    late, done, old, lapsed = (f"case-{uuid.uuid4().hex[:8]}" for _ in range(4))
    res = api_push(base, centre_token, [
        new_op("cases", late, {"centre_id": "c-shiqiao", "matter_id": matter, "status": "accepted",
                               "accepted_at": now - 20 * DAY, "applicant.name": "孙桂芳",
                               "applicant.phone": "13900001234"}),
        new_op("cases", done, {"centre_id": "c-shiqiao", "matter_id": matter, "status": "completed",
                               "accepted_at": now - 2 * DAY, "completed_at": now - 60_000,
                               "applicant.name": "周立新", "applicant.phone": "13900005678"}),
        # completed two months ago and never called back: past 今日's 30-day window
        new_op("cases", old, {"centre_id": "c-shiqiao", "matter_id": matter, "status": "completed",
                              "accepted_at": now - 62 * DAY, "completed_at": now - 60 * DAY,
                              "applicant.name": "钱老伯"}),
        # completed ten days ago: its call-back is past its deadline, and still listed
        new_op("cases", lapsed, {"centre_id": "c-shiqiao", "matter_id": matter, "status": "completed",
                                 "accepted_at": now - 12 * DAY, "completed_at": now - 10 * DAY,
                                 "applicant.name": "冯淑珍"})])
    assert {r["status"] for r in res["results"]} == {"applied"}, res
    # A home-service visit that ended a minute ago, and one whose call-back was made: the
    # first is due for a call-back (the server sets its callback_due), the second is not.
    field_token, field_id = user_login(base, "field1")
    visited, called = f"visit-{uuid.uuid4().hex[:8]}", f"visit-{uuid.uuid4().hex[:8]}"
    res = api_push(base, field_token, [
        new_op("visits", vid, {"centre_id": "c-shiqiao", "kind": "home_service", "status": "done",
                               "staff_ids": [field_id], "applicant.name": name,
                               "applicant.phone": "13900002468", "address": "石桥镇东街 3 号",
                               "planned_at": now - 3_600_000, "started_at": now - 3_000_000,
                               "ended_at": now - 60_000})
        for vid, name in ((visited, "吴秀兰"), (called, "郑国强"))] + [
        new_op("evaluations", f"ev-{uuid.uuid4().hex[:8]}", {
            "centre_id": "c-shiqiao", "source": "callback", "rating": "very_satisfied",
            "visit_id": called, "at": now, "staff_id": field_id})])
    assert [r["status"] for r in res["results"]] == ["applied"] * 3, res

    ctx, page = phone(chromium, base, "field1")
    try:
        assert page.evaluate("() => Notification.permission") == "default"  # nothing asked at load
        sync_now(page)
        page.goto(base + "/#/today")
        links = page.get_by_role("navigation", name="办件期限")
        expect(links.get_by_role("link", name="已超期 1")).to_be_visible()
        callbacks = page.get_by_role("list", name="待回访")
        expect(callbacks).to_contain_text("周立新")
        expect(callbacks).to_contain_text("上门服务 · 吴秀兰")
        expect(callbacks).not_to_contain_text("郑国强")
        expect(callbacks).not_to_contain_text("钱老伯")
        # Past its deadline, said in words (not by colour alone); one due later is not marked.
        expect(callbacks.get_by_role("listitem").filter(has_text="冯淑珍")).to_contain_text("已超期")
        expect(callbacks.get_by_role("listitem").filter(has_text="周立新")).not_to_contain_text("已超期")
        expect(page.get_by_role("button", name="回访走访")).to_be_visible()
        assert_accessible(page, "今日 with deadlines (360 px)")

        links.get_by_role("link", name="已超期 1").click()
        cases = page.get_by_role("list", name="办件列表")
        expect(cases).to_contain_text("孙桂芳")
        expect(cases).not_to_contain_text("周立新")
        expect(cases.get_by_text("已超期").first).to_be_visible()
        assert_accessible(page, "办件 filtered overdue (360 px)")

        page.goto(base + "/#/today")
        page.get_by_role("list", name="待回访").get_by_role("link", name=re.compile("周立新")).click()
        expect(page.get_by_role("heading", name="电话回访")).to_be_visible()
        expect(page.get_by_role("link", name="拨打 13900005678")).to_have_attribute("href", "tel:13900005678")

        page.goto(base + "/#/callbacks")  # every call-back due, not only 今日's first ten
        everything = page.get_by_role("list", name="待回访")
        expect(everything).to_contain_text("周立新")
        expect(everything.get_by_role("listitem").filter(has_text="冯淑珍")).to_contain_text("已超期")
        expect(everything).to_contain_text("吴秀兰")
        assert_accessible(page, "待回访, all of them (360 px)")
        page.goto(base + "/#/callback")  # no subject: the form is not offered
        expect(page.get_by_text("请先选择要回访的办件或走访")).to_be_visible()
        expect(page.get_by_role("radio")).to_have_count(0)
        page.get_by_role("link", name="待回访列表").click()
        expect(page.get_by_role("heading", name=re.compile("待回访"))).to_be_visible()

        page.goto(base + "/#/today")
        page.get_by_role("list", name="待回访").get_by_role("link", name=re.compile("吴秀兰")).click()
        expect(page.get_by_role("heading", name="电话回访")).to_be_visible()
        expect(page.get_by_role("link", name="拨打 13900002468")).to_have_attribute("href", "tel:13900002468")
        page.get_by_role("radio").first.check()
        page.get_by_role("button", name="保存").click()
        # Saved, the form goes to the visit's page: wait for it, or that move lands after ours.
        expect(page.get_by_role("heading", name=re.compile("上门服务"))).to_be_visible()
        page.goto(base + "/#/today")
        expect(page.get_by_role("list", name="待回访")).to_contain_text("周立新")
        expect(page.get_by_role("list", name="待回访")).not_to_contain_text("吴秀兰")  # made, not yet sent

        page.goto(base + "/#/sync")
        expect(page.get_by_role("heading", name="消息提醒")).to_be_visible()
        expect(page.get_by_role("button", name="开启消息提醒")).to_be_visible()
        assert page.evaluate("() => Notification.permission") == "default"
        assert_accessible(page, "同步 with 消息提醒 (360 px)")
    finally:
        ctx.close()


def test_pwa_callback_offered_only_for_finished_work(chromium: Browser, pwa_server: Any) -> None:
    """A call-back rates finished work: 回访 is offered on a completed case and a done visit,
    not on a case in hand or a planned visit; the form opened by its address for unfinished
    work says why and saves nothing (a rating would count in the centre's satisfaction rate)."""
    ctx, page = phone(chromium, pwa_server.base_url, "field1", offline=True)
    base = pwa_server.base_url
    try:
        idb(page, """await store.edit('cases', 'cb-open', {centre_id: 'c-shiqiao', status: 'accepted',
              'applicant.name': '邓桂芝'});
            await store.edit('cases', 'cb-done', {centre_id: 'c-shiqiao', status: 'completed',
              'applicant.name': '蔡文华'});
            await store.edit('visits', 'cb-planned', {centre_id: 'c-shiqiao', kind: 'home_service',
              status: 'planned', 'applicant.name': '袁秀珍'});
            await store.edit('visits', 'cb-visited', {centre_id: 'c-shiqiao', kind: 'home_service',
              status: 'done', 'applicant.name': '彭志刚'}); return 1;""")
        page.goto(f"{base}/#/case/cb-open")
        expect(page.get_by_role("button", name="编辑")).to_be_visible()
        expect(page.get_by_role("button", name="回访")).to_have_count(0)
        page.goto(f"{base}/#/case/cb-done")
        expect(page.get_by_role("button", name="回访")).to_be_visible()
        page.goto(f"{base}/#/visit/cb-planned")
        expect(page.get_by_role("button", name="编辑")).to_be_visible()
        expect(page.get_by_role("button", name="回访")).to_have_count(0)
        page.goto(f"{base}/#/visit/cb-visited")
        expect(page.get_by_role("button", name="回访")).to_be_visible()

        page.goto(f"{base}/#/callback?case=cb-open")
        expect(page.get_by_text("该办件当前为“已受理”，办结后才能回访", exact=False)).to_be_visible()
        expect(page.get_by_role("radio")).to_have_count(0)
        assert_accessible(page, "call-back refused for a case in hand (360 px)")
        page.goto(f"{base}/#/callback?visit=cb-planned")
        expect(page.get_by_text("完成后才能回访", exact=False)).to_be_visible()
        expect(page.get_by_role("radio")).to_have_count(0)
        made = idb(page, "return (await store.list('evaluations')).filter((e) => ['cb-open', 'cb-planned']"
                         ".includes(e.data.case_id || e.data.visit_id)).length;")
        assert made == 0
    finally:
        ctx.close()
