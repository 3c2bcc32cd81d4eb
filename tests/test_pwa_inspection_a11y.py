"""The inspection screens at 360 px pass axe (WCAG 2.1 A/AA) for every role that uses them,
the −/+ counter and the veto's confirmation work from the keyboard alone, and an answer the
server refuses is shown on its item, in Chinese."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.axe import assert_accessible
from tests.support.inspections import TEMPLATE_ID, county_users, inspector_phone, seed_template
from tests.support.pwa import api_push, new_op, phone, sync_now, user_login
from tests.support.server import running_server

pytestmark = pytest.mark.browser


def inspection(inspector: str, status: str, **extra: Any) -> dict[str, Any]:
    return {"centre_id": "c-shiqiao", "template_id": TEMPLATE_ID, "template_version": 1, "status": status,
            "inspector_ids": [inspector], "started_at": int(time.time() * 1000) - 3_600_000,
            "items": {"e1": {"count": 2, "note": "未一次性告知材料清单"}, "e2": {"count": 0},
                      "r1": {"rating": "satisfied"}, "q1": {"value": 80}, "v1": {"vetoed": False}}, **extra}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with running_server(tmp_path_factory.mktemp("inspect-a11y"), users=county_users()) as handle:
        base = handle.base_url
        seed_template(base)
        ftok, fid = user_login(base, "insp1")
        stok, sid = user_login(base, "super1")
        comment = {"by": sid, "at": int(time.time() * 1000), "decision": "returned",
                   "comment": "照片不清，请补拍", "item_ids": ["e1"]}
        res = api_push(base, ftok, [
            new_op("inspections", "i-draft", inspection(fid, "draft")),
            new_op("inspections", "i-sub", inspection(fid, "submitted")),
            new_op("inspections", "i-ret", inspection(fid, "submitted")),
            new_op("rectifications", "r-open", {"centre_id": "c-shiqiao", "inspection_id": "i-sub",
                                                "item_ids": ["e1"], "status": "open", "due_days": 5,
                                                "order_text": "限期整改"}),
        ])
        assert all(r["status"] == "applied" for r in res["results"]), res
        res = api_push(base, stok, [new_op("inspections", "i-ret", {"status": "returned", "review": comment,
                                                                     "reviews.x1": comment}, base=2)])
        assert res["results"][0]["status"] in ("applied", "conflict"), res
        yield handle


def test_pwa_inspection_screens_accessible(chromium: Browser, world: Any) -> None:
    base = world.base_url
    ctx, page = inspector_phone(chromium, base)
    screens = ["#/inspections", "#/inspection/new", "#/inspection/i-draft/walk", "#/inspection/i-ret/walk",
               "#/inspection/i-sub", "#/rectification/new?inspection=i-sub", "#/rectification/r-open"]
    for hash_ in screens:
        page.goto(f"{base}/{hash_}")
        page.wait_for_selector("#view h1")
        assert_accessible(page, f"inspector {hash_}")
    page.goto(f"{base}/#/inspection/i-draft/walk")
    page.get_by_role("switch", name="与群众发生争吵").click()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert_accessible(page, "veto confirmation")
    page.keyboard.press("Escape")
    ctx.close()
    for user, hashes in (("super1", ["#/inspections", "#/inspection/i-sub", "#/rectification/r-open"]),
                         ("centre1", ["#/inspections", "#/inspection/i-sub", "#/rectification/r-open"])):
        ctx, page = phone(chromium, base, user)
        for hash_ in hashes:
            page.goto(f"{base}/{hash_}")
            page.wait_for_selector("#view h1")
            assert_accessible(page, f"{user} {hash_}")
        ctx.close()


def score(page: Page) -> str:
    return page.locator(".scorebar .total").inner_text()


def test_pwa_inspection_counter_and_veto_by_keyboard(chromium: Browser, world: Any) -> None:
    ctx, page = inspector_phone(chromium, world.base_url)
    page.goto(f"{world.base_url}/#/inspection/i-draft/walk")
    plus = page.get_by_role("button", name="增加：一次性告知")
    plus.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Space")
    expect(page.locator("[data-item=e1] .count")).to_have_text("4")
    # the rebuilt button keeps the focus, so the thumb-less user goes on pressing
    assert page.evaluate("() => document.activeElement.getAttribute('aria-label')") == "增加：一次性告知"
    assert score(page) == "28.00"  # (10 - 4×2) + 18 + 8
    page.keyboard.press("Shift+Tab")  # to − (the count between them is text, not a stop)
    page.keyboard.press("Enter")
    expect(page.locator("[data-item=e1] .count")).to_have_text("3")

    switch = page.get_by_role("switch", name="与群众发生争吵")
    switch.focus()
    page.keyboard.press("Space")
    dialog = page.get_by_role("dialog", name="确认一票否决？")
    expect(dialog).to_be_visible()
    assert page.evaluate("() => document.activeElement.textContent") == "取消"  # the safe choice first
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(switch).to_have_attribute("aria-checked", "false")
    switch.focus()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(switch).to_have_attribute("aria-checked", "true")
    expect(page.locator(".veto-banner")).to_be_visible()
    assert page.evaluate("() => document.activeElement.getAttribute('role')") == "switch"
    ctx.close()


def test_pwa_inspection_refused_answer_shown_on_item(chromium: Browser, world: Any) -> None:
    ctx, page = inspector_phone(chromium, world.base_url)
    # a rating on a deduction item: the server refuses it (invalid, items.e2.rating)
    page.evaluate("async () => { const s = await import('/app/store.js');"
                  " await s.edit('inspections', 'i-draft', {'items.e2.rating': 'satisfied'}); }")
    sync_now(page)
    page.goto(f"{world.base_url}/#/inspection/i-draft/walk")
    problem = page.locator("[data-item=e2] .item-problem")
    expect(problem).to_contain_text("服务器退回了此项的评价：不符合本项的评分规则")
    expect(page.locator(".scorebar")).to_contain_text("有答案不符合评分规则")
    ctx.close()


def test_pwa_inspection_styles_come_with_the_pack_offline(chromium: Browser, world: Any) -> None:
    """The inspection screens' styles (insp.css) are in the inspection pack, not the shell:
    offline, on an inspector's phone, the walk still has its thumb-sized −/+ buttons and the
    score bar kept on screen; the shell's own sheet does not carry them."""
    base = world.base_url
    ctx, page = inspector_phone(chromium, base)
    ctx.set_offline(True)
    page.goto(f"{base}/#/inspection/i-draft/walk")
    page.wait_for_selector(".scorebar .total")
    styles = page.evaluate("""() => {
      const bar = getComputedStyle(document.querySelector('.scorebar'));
      const step = getComputedStyle(document.querySelector('.counter .step'));
      const shell = [...document.styleSheets].find((s) => (s.href || '').endsWith('/app/app.css'));
      return {position: bar.position, stepHeight: parseFloat(step.minHeight),
              inShell: [...shell.cssRules].some((r) => (r.selectorText || '').includes('.scorebar'))};
    }""")
    assert styles == {"position": "sticky", "stepHeight": 56, "inShell": False}, styles
    ctx.close()
