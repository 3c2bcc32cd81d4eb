"""Accessibility of the field app (issue 13), in Chromium at 360 px: axe-core finds no WCAG
2.1 A/AA violation on any screen of any role (errors shown, the signature fallback open, a
conflict and a rejected change present); at 200 % font size nothing is clipped and nothing
scrolls sideways. (Focus: test_pwa_a11y_focus.py; forms and keyboard: test_pwa_a11y_forms.py.)"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.axe import assert_accessible
from tests.support.pwa import (
    api_push,
    idb,
    login,
    new_context,
    new_op,
    phone,
    sync_now,
    user_login,
    wait_ready,
)
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser

# The field app's screens, for the roles that use them; supervisors and admins run the county
# workspace instead (audited in tests/test_pwa_workspace.py at 1280 px and 360 px).
ROLES = ("field1", "centre1")



@pytest.fixture(scope="module")
def world(pwa_server: Any) -> dict[str, str]:
    """A case with an open conflict and a planned visit of field1's, linked to it."""
    base = pwa_server.base_url
    case_id, visit_id = str(uuid.uuid4()), str(uuid.uuid4())
    applicant = f"周淑珍{uuid.uuid4().hex[:4]}"
    centre_token, _ = user_login(base, "centre1")
    made = api_push(base, centre_token, [new_op("cases", case_id, {
        "centre_id": "c-shiqiao", "matter_id": "m-yanglao", "status": "accepted", "channel": "window",
        "applicant.name": applicant, "applicant.phone": "13800001111", "notes": "窗口受理"})])
    version = made["results"][0]["version"]
    field_token, field_id = user_login(base, "field1")
    api_push(base, field_token, [new_op("cases", case_id, {"notes": "甲：材料已补齐"}, base=version)])
    time.sleep(0.01)
    field2_token = user_login(base, "field2")[0]
    api_push(base, field2_token, [new_op("cases", case_id, {"notes": "乙：要求延期"}, base=version)])
    api_push(base, field_token, [new_op("visits", visit_id, {
        "centre_id": "c-shiqiao", "kind": "home_service", "status": "planned", "staff_ids": [field_id],
        "applicant.name": applicant, "address": "石桥镇东街 12 号", "reason": "上门认证", "case_id": case_id,
        "planned_at": int(time.time() * 1000)})])
    return {"case": case_id, "visit": visit_id, "applicant": applicant}


def show(page: Page, base: str, hash_: str, heading: str) -> None:
    """Open a screen and wait until it is drawn."""
    page.goto(f"{base}/{hash_}")
    expect(page.locator("#view h1").first).to_contain_text(heading)
    page.wait_for_timeout(150)  # images and the live refresh settle


def with_rejected_change(page: Page) -> str:
    """A change the server refuses (a bad phone number), synced: shown as rejected."""
    record = str(uuid.uuid4())
    idb(page, f"""await store.edit('visits', {json.dumps(record)}, {{centre_id: 'c-shiqiao',
        kind: 'home_service', status: 'planned', 'applicant.name': '吴大爷', reason: '上门',
        'applicant.phone': 'abc'}});""")
    sync_now(page)
    return record


def test_pwa_login_screen_has_no_axe_violations(chromium: Browser, pwa_server: Any) -> None:
    ctx = new_context(chromium)
    page = ctx.new_page()
    page.goto(pwa_server.base_url + "/")
    wait_ready(page)
    expect(page.get_by_label("用户名")).to_be_visible()
    assert_accessible(page, "login")
    page.get_by_role("button", name="登录").click()  # empty: the browser's own required check
    page.get_by_label("用户名").fill("nobody")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("错误")
    assert_accessible(page, "login with an error")
    ctx.close()


@pytest.mark.parametrize("username", ROLES)
def test_pwa_every_screen_of_every_role_has_no_axe_violations(
        chromium: Browser, pwa_server: Any, world: dict[str, str], username: str) -> None:
    base = pwa_server.base_url
    ctx, page = phone(chromium, base, username)
    sync_now(page)
    rejected = with_rejected_change(page)
    case, visit = world["case"], world["visit"]
    screens = [
        ("#/today", "今日"), ("#/visits", "走访记录"), ("#/visits?all=1", "走访记录"),
        (f"#/visit/{visit}", "上门服务"), (f"#/visit/{rejected}", "上门服务"),
        (f"#/visit/{visit}/edit", "编辑走访记录"), (f"#/visit/{visit}/finish", "完成走访"),
        ("#/visit/new/site_survey", "新建现场踏勘"),
        ("#/cases", "办件"), ("#/cases?f=done", "办件"), ("#/cases?f=all", "办件"),
        (f"#/case/{case}", world["applicant"]), (f"#/case/{case}/edit", "编辑办件"),
        (f"#/callback?case={case}", "电话回访"), ("#/sync", "同步"),
    ]
    for hash_, heading in screens:
        show(page, base, hash_, heading)
        assert_accessible(page, f"{hash_} as {username}")
    expect(page.get_by_text("被退回的更改").first).to_be_visible()  # the sync screen had one to audit
    show(page, base, f"#/case/{case}", world["applicant"])
    expect(page.get_by_role("region", name="冲突")).to_be_visible()

    # Forms with their errors shown, and the signature fallback open.
    show(page, base, "#/visit/new/home_service", "新建上门服务")
    assert_accessible(page, f"new visit as {username}")
    page.get_by_label("联系电话").fill("abc")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_focused()
    page.get_by_label("申请人无法签名").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("请选择替代方式")).to_be_visible()
    assert_accessible(page, f"new visit with errors and the fallback as {username}")
    show(page, base, "#/case/new", "登记办件")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("[aria-invalid=true]").first).to_be_focused()
    assert_accessible(page, f"new case with errors as {username}")
    ctx.close()


# -- large text ---------------------------------------------------------------------------------------

CLIPPED = """() => {
  const bad = [];
  for (const el of document.querySelectorAll('button, .btn, a.item, .seg a, .nav a, .chip, label, h1, h2')) {
    if (!el.offsetParent && getComputedStyle(el).position !== 'fixed') continue;
    if (el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1) {
      const cs = getComputedStyle(el);
      if (cs.overflow === 'visible' && cs.overflowX === 'visible' && cs.overflowY === 'visible') continue;
      bad.push(el.textContent.trim().slice(0, 20));
    }
    const right = el.getBoundingClientRect().right;
    if (el.matches('button, .btn') && right > document.documentElement.clientWidth + 1) {
      bad.push('off screen: ' + el.textContent.trim().slice(0, 20));
    }
  }
  return {bad, wide: document.documentElement.scrollWidth, vw: document.documentElement.clientWidth,
          font: getComputedStyle(document.body).fontSize};
}"""


def test_pwa_usable_at_200_percent_font_size(chromium: Browser, pwa_server: Any,
                                             world: dict[str, str]) -> None:
    base = pwa_server.base_url
    ctx = new_context(chromium)
    page = ctx.new_page()
    # The phone's font size setting at 200 %: the browser's default font size doubled.
    cdp = ctx.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 32, "fixed": 26}})
    login(page, base, "field1", PASSWORD)
    sync_now(page)
    screens = (("#/today", "今日"), ("#/visits?all=1", "走访记录"), (f"#/visit/{world['visit']}", "上门服务"),
               ("#/visit/new/home_service", "新建上门服务"), ("#/cases", "办件"),
               (f"#/case/{world['case']}", world["applicant"]), ("#/sync", "同步"))
    for hash_, heading in screens:
        show(page, base, hash_, heading)
        found = page.evaluate(CLIPPED)
        assert found["font"] == "32px", found  # the setting took effect
        assert found["wide"] <= found["vw"], f"{hash_} scrolls sideways: {found}"
        assert not found["bad"], f"{hash_} clips: {found['bad']}"
    ctx.close()
