"""Forms save once: a double tap on 保存 (a common slip with a thumb on a slow phone) makes
one record, not two."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.pwa import api_login, api_push, expect_unsent, idb, login, new_context, new_op, poll
from tests.support.server import COUNTY, PASSWORD

pytestmark = pytest.mark.browser

DOUBLE_SUBMIT = ("() => { const f = document.querySelector('main form');"
                 " f.requestSubmit(); f.requestSubmit(); }")


def test_callback_double_tap_saves_one_record(chromium: Browser, pwa_server: Any) -> None:
    ctx = new_context(chromium)
    page = ctx.new_page()
    login(page, pwa_server.base_url, "field1", PASSWORD)
    ctx.set_offline(True)
    # a case completed on this phone, offline: the call-back is about it
    idb(page, "await store.edit('cases', 'cb-case', {centre_id: 'c-shiqiao', status: 'completed',"
              " 'applicant.name': '孙丽'}); return 1;")
    page.goto(pwa_server.base_url + "/#/callback?case=cb-case")
    page.get_by_role("radio", name=re.compile("^满意")).check()
    page.get_by_label("回访意见").fill("办事很快")
    page.evaluate(DOUBLE_SUBMIT)
    expect(page).to_have_url(re.compile("#/case/cb-case$"))
    expect_unsent(page, 2)  # the case and one call-back
    saved = idb(page, "return (await store.list('evaluations')).map(e => [e.data.rating, e.data.comment]);")
    assert saved == [["satisfied", "办事很快"]]
    ctx.close()


def test_new_case_double_tap_saves_one_op(chromium: Browser, pwa_server: Any) -> None:
    # The county's service-matter catalogue, as a supervisor keeps it.
    matter = str(uuid.uuid4())
    body = api_push(pwa_server.base_url, api_login(pwa_server.base_url, "super1"), [new_op(
        "matters", matter, {"name": "城乡居民养老保险参保登记", "county_id": COUNTY, "kind": "time_limited",
                            "time_limit_days": 5})])
    assert body["results"][0]["status"] == "applied", body
    ctx = new_context(chromium)
    page = ctx.new_page()
    login(page, pwa_server.base_url, "field1", PASSWORD)
    poll(page, f"async () => {{ const store = await import('/app/store.js');"
               f" return (await store.list('matters')).some(m => m.id === '{matter}'); }}")
    ctx.set_offline(True)
    page.goto(pwa_server.base_url + "/#/case/new")
    page.get_by_label("申请人姓名").fill("刘桂兰")
    page.get_by_label("办理事项").select_option(matter)
    page.evaluate(DOUBLE_SUBMIT)
    expect(page.get_by_text("刘桂兰").first).to_be_visible()
    expect_unsent(page, 1)
    ctx.close()
