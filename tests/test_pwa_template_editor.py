"""The rubric template editor (考评细则) in real Chromium against a real server.

A supervisor at 1280 px drafts version 2 of the demo window rubric, changes an item's points
and sees the preview's score change, gets a bad value shown at the item (found on the page,
and sent back by the server from quarantine), fixes it, publishes; the server then holds
version 2 superseding version 1, new inspections take version 2, and a later edit is refused
``immutable``. The screens pass axe at 1280 and 360 px and the editor is usable by keyboard.
Field staff never see it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from sync import rubric
from tests.support.axe import assert_accessible, desktop_context
from tests.support.pwa import api_login, api_push, db_rows, login, new_context, new_op, sync_now
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser

RUBRIC = json.loads((Path(__file__).parent.parent / "server/demo/rubrics/window-standard.json")
                    .read_text(encoding="utf-8"))
NAME = RUBRIC["name"]
PER = "#tpl-sections-0-items-0-per"  # 环境安全, item s1: deduct_per_incident, per 10
LIST = "#/ws/admin?tab=templates"


def stored(db: Any, rid: str) -> dict[str, Any]:
    [(data,)] = db_rows(db, "SELECT data FROM records WHERE collection='templates' AND id=?", rid)
    out: dict[str, Any] = json.loads(data)
    return out


def expected(per: float, count: int) -> str:
    """The preview's total for s1 answered ``count`` with ``per`` (nothing else answered)."""
    tpl = json.loads(json.dumps(RUBRIC))
    tpl["sections"][0]["items"][0]["per"] = per
    return f"{rubric.score(tpl, {'s1': {'count': count}})['score']:.2f}"


@pytest.fixture(scope="module")
def v1(pwa_server: Any) -> str:
    """The demo window rubric, published as version 1 in the test county."""
    sup = api_login(pwa_server.base_url, "super1")
    data = {**RUBRIC, "county_id": "k-qingshan", "status": "published", "version": 1}
    res = api_push(pwa_server.base_url, sup, [new_op("templates", "tpl-win", data)])
    assert res["results"][0]["status"] == "applied", res
    field = api_login(pwa_server.base_url, "field1")
    inspection = {"centre_id": "c-shiqiao", "template_id": "tpl-win", "template_version": 1,
                  "status": "draft", "items": {"s1": {"count": 1}}}
    res = api_push(pwa_server.base_url, field, [new_op("inspections", "i-by-v1", inspection)])
    assert res["results"][0]["status"] == "applied", res
    return "tpl-win"


def desk(chromium: Browser, base: str, width: int = 1280) -> tuple[Any, Page]:
    ctx = desktop_context(chromium) if width == 1280 else new_context(chromium)
    page = ctx.new_page()
    login(page, base, "super1", PASSWORD)
    sync_now(page)
    return ctx, page


def total(page: Page) -> Any:
    return page.locator(".tpl-preview strong.total")


def test_template_editor_drafts_previews_and_publishes(chromium: Browser, pwa_server: Any, v1: str) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    ctx, page = desk(chromium, base)
    page.goto(f"{base}/{LIST}")
    versions = page.get_by_role("region", name=f"{NAME}：各版本")
    expect(versions.locator(f'tr[data-template="{v1}"]')).to_contain_text("新检查使用此版本")
    expect(versions.locator(f'tr[data-template="{v1}"] td').nth(3)).to_have_text("1")  # inspections by it

    # Draft version 2 from version 1: a new record superseding it, opened in the editor.
    versions.get_by_role("button", name=f"依据第 1 版起草 {NAME} 的新版本").click()
    expect(page.get_by_role("heading", name=f"{NAME} · 第 2 版")).to_be_visible()
    expect(page.locator(".tpl-head")).to_contain_text("依据第 1 版起草")
    draft = page.evaluate("() => decodeURIComponent(location.hash.split('/').pop())")

    # Preview: a sample answer scored by the phone's scorer; the item's points change it.
    page.locator("#pv-s1-count").fill("1")
    expect(total(page)).to_have_text(expected(10, 1))
    page.locator(PER).fill("5")
    expect(total(page)).to_have_text(expected(5, 1))
    assert expected(5, 1) != expected(10, 1)
    page.locator("#pv-s1-count").fill("3")
    expect(total(page)).to_have_text(expected(5, 3))

    # A bad value is shown at the item at once, in Chinese; saving stops there.
    page.locator(PER).fill("1.234")
    expect(page.locator(f"{PER}-error")).to_have_text("分值最多保留两位小数")
    expect(page.locator(PER)).to_have_attribute("aria-invalid", "true")
    expect(total(page)).to_have_text("—")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".tpl-status")).to_contain_text("第 1 部分 第 1 项 每次分值 分值最多保留两位小数")
    expect(page.locator(PER)).to_be_focused()

    # The same value sent anyway (an op from this device) is quarantined by the server, and
    # the editor shows the server's reason at the item.
    bad = json.loads(json.dumps(RUBRIC["sections"]))
    bad[0]["items"][0]["per"] = 1.234
    page.evaluate("""async ([id, sections]) => { const s = await import('/app/store.js');
        const k = await import('/app/scheduler.js');
        await s.edit('templates', id, { sections }); k.kick('manual'); }""", [draft, bad])
    page.wait_for_function("""async (id) => { const s = await import('/app/store.js');
        return (await s.outbox()).some((o) => o.record === id && o.state === 'rejected'); }""", arg=draft)
    rows: list[tuple[Any, ...]] = []
    for _ in range(100):  # the writer thread commits the quarantine row
        rows = db_rows(db, "SELECT code, message FROM quarantine WHERE record=?", draft)
        if rows:
            break
        page.wait_for_timeout(100)
    [(code, reason)] = rows
    assert code == "invalid" and "sections.0.items.0.per" in reason
    page.goto(f"{base}/{LIST}")
    page.goto(f"{base}/#/ws/template/{draft}")
    alert = page.locator(".tpl-server").get_by_role("alert")
    expect(alert).to_contain_text("第 1 部分 第 1 项 每次分值：分值最多保留两位小数")
    expect(page.locator(f"{PER}-error")).to_contain_text("服务器退回：分值最多保留两位小数")
    alert.get_by_role("button", name="放弃这次修改").click()
    expect(page.locator(".tpl-server")).to_be_empty()
    expect(page.locator(PER)).to_have_value("10")  # the draft as the server holds it (never saved at 5)

    # Fixed: saved, then published.
    page.locator(PER).fill("6")
    expect(page.locator(f"{PER}-error")).to_have_text("")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".tpl-status")).to_have_text("草稿已保存")
    saved = stored(db, draft)
    assert (saved["status"], saved["version"], saved["supersedes"]) == ("draft", 2, v1)
    assert saved["sections"][0]["items"][0]["per"] == 6
    # The page's preview (its sample kept while the editor was drawn again) is the server's
    # score of the saved draft.
    expect(page.locator("#pv-s1-count")).to_have_value("3")
    expect(total(page)).to_have_text(expected(6, 3))
    r = httpx.post(f"{base}/api/v1/templates/{draft}/preview", json={"items": {"s1": {"count": 3}}},
                   headers={"Authorization": f"Bearer {api_login(base, 'super1')}"})
    assert r.status_code == 200 and f"{r.json()['score']:.2f}" == expected(6, 3), r.text
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="发布此版本").click()
    expect(page.locator(".tpl-head .chip")).to_have_text("已发布")
    expect(page.locator("[data-path=name]")).to_be_disabled()
    published = stored(db, draft)
    assert (published["status"], published["version"], published["supersedes"]) == ("published", 2, v1)
    assert stored(db, v1)["status"] == "published"  # unchanged; version 2 supersedes it

    # The list: version 1 superseded, version 2 the one new inspections use (as the phone picks).
    page.goto(f"{base}/{LIST}")
    expect(versions.locator(f'tr[data-template="{v1}"]')).to_contain_text("已被取代")
    expect(versions.locator(f'tr[data-template="{draft}"]')).to_contain_text("新检查使用此版本")
    usable = page.evaluate("""async () => (await (await import('/app/views/inspection-common.js'))
        .usableTemplates()).map((t) => t.id)""")
    assert draft in usable and v1 not in usable

    # An inspection begun on version 1 is still scored by version 1 (10 a lapse, not 6).
    field = api_login(base, "field1")
    [(version,)] = db_rows(db, "SELECT version FROM records WHERE id='i-by-v1'")
    res = api_push(base, field, [new_op("inspections", "i-by-v1", {"items.s1.count": 2}, base=version)])
    assert res["results"][0]["status"] == "applied", res
    [(data,)] = db_rows(db, "SELECT data FROM records WHERE id='i-by-v1'")
    assert json.loads(data)["sections"]["S1"] == 0  # 20 - 2 × 10 (version 2 would say 8)

    # Published: a later edit is refused, immutable, and the stored version stays as it was.
    sup = api_login(base, "super1")
    res = api_push(base, sup, [new_op("templates", draft, {"sections": RUBRIC["sections"]}, base=100)])
    assert (res["results"][0]["status"], res["results"][0]["code"]) == ("rejected", "immutable"), res
    assert stored(db, draft)["sections"][0]["items"][0]["per"] == 6
    ctx.close()


def test_template_editor_is_keyboard_usable(chromium: Browser, pwa_server: Any, v1: str) -> None:
    base = pwa_server.base_url
    ctx, page = desk(chromium, base)
    page.goto(f"{base}/{LIST}")
    page.get_by_role("button", name="新建考评细则").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="新考评细则 · 第 1 版")).to_be_visible()
    # Build a section and an item with the keyboard only.
    page.locator("#tpl-addsection").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#tpl-sections-0-name")).to_be_focused()
    page.keyboard.type("服务规范")
    page.locator("#tpl-sections-0-additem").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#tpl-sections-0-items-0-text")).to_be_focused()
    page.keyboard.type("一次性告知")
    # Tab reaches the rule, its parameters, the sample answer and the buttons.
    seen: list[str] = []
    for _ in range(60):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("() => document.activeElement.id || document.activeElement.textContent"))
    for want in ("tpl-sections-0-items-0-rule", "tpl-sections-0-items-0-per", "tpl-sections-0-items-0-cap",
                 "tpl-sections-0-items-0-na", "保存草稿", "发布此版本", "pv-i1-count"):
        assert want in seen, (want, seen)
    # N/A allowed by default; unticked, the item always applies (the preview offers no N/A).
    expect(page.locator("#pv-i1-na")).to_be_attached()
    page.locator("#tpl-sections-0-items-0-na").focus()
    page.keyboard.press("Space")
    expect(page.locator("#pv-i1-na")).to_have_count(0)
    page.locator("#tpl-sections-0-items-0-rule").focus()
    page.keyboard.press("End")  # 一票否决: the points fields go, the veto sample comes
    expect(page.locator("#tpl-sections-0-items-0-per")).to_have_count(0)
    expect(page.locator("#pv-i1-vetoed")).to_be_attached()
    page.locator("#pv-i1-vetoed").focus()
    page.keyboard.press("Space")
    expect(page.locator(".tpl-preview .veto-banner")).to_be_visible()
    # A second item, then the first moved below it: focus follows the moved item.
    page.locator("#tpl-sections-0-additem").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("首问负责")
    page.locator("#tpl-sections-0-items-0-down").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#tpl-sections-0-items-1-up")).to_be_focused()
    expect(page.locator("#tpl-sections-0-items-0 > legend")).to_have_text("第 1 项（i2）")
    expect(page.locator("#tpl-sections-0-items-1 > legend")).to_have_text("第 2 项（i1）")
    page.get_by_role("button", name="保存草稿").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".tpl-status")).to_have_text("草稿已保存")
    ctx.close()


@pytest.mark.parametrize("width", [1280, 360])
def test_template_screens_have_no_axe_violations(
    chromium: Browser, pwa_server: Any, v1: str, width: int
) -> None:
    base = pwa_server.base_url
    ctx, page = desk(chromium, base, width)
    page.goto(f"{base}/{LIST}")
    expect(page.get_by_role("region", name=f"{NAME}：各版本")).to_be_visible()
    assert_accessible(page, f"template list at {width}")
    page.goto(f"{base}/#/ws/template/{v1}")
    expect(page.get_by_role("heading", name=re.compile(r"第 1 版"))).to_be_visible()
    assert_accessible(page, f"published template at {width}")
    page.goto(f"{base}/{LIST}")
    page.get_by_role("button", name="新建考评细则").click()
    expect(page.get_by_role("heading", name="新考评细则 · 第 1 版")).to_be_visible()
    page.locator("#tpl-addsection").click()
    page.locator("#tpl-sections-0-additem").click()
    page.locator("#tpl-sections-0-items-0-per").fill("-1")  # a problem shown at the item
    expect(page.locator("#tpl-sections-0-items-0-per-error")).to_have_text("不能为负数")
    assert_accessible(page, f"draft with a problem at {width}")
    ctx.close()


def test_template_editor_is_not_for_field_staff(chromium: Browser, pwa_server: Any, v1: str) -> None:
    base = pwa_server.base_url
    ctx = new_context(chromium)
    page = ctx.new_page()
    login(page, base, "field1", PASSWORD)
    page.goto(f"{base}/#/ws/template/{v1}")
    expect(page.locator("#view")).not_to_contain_text("发布此版本")
    expect(page.locator(".tpl-editor")).to_have_count(0)
    ctx.close()


def test_template_editor_saves_offline_and_sends_later(
    chromium: Browser, pwa_server: Any, v1: str
) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    ctx, page = desk(chromium, base)
    page.goto(f"{base}/{LIST}")
    page.get_by_role("button", name="新建考评细则").click()
    expect(page.get_by_role("heading", name="新考评细则 · 第 1 版")).to_be_visible()
    draft = page.evaluate("() => decodeURIComponent(location.hash.split('/').pop())")
    sync_now(page)
    ctx.set_offline(True)
    page.locator("#tpl-name").fill("离线起草的考评细则")
    page.locator("#tpl-addsection").click()
    page.locator("#tpl-sections-0-name").fill("服务规范")
    page.locator("#tpl-sections-0-additem").click()
    page.locator("#tpl-sections-0-items-0-text").fill("一次性告知")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".tpl-status")).to_have_text("草稿已保存在本机，联网后发送")
    assert stored(db, draft)["name"] == "新考评细则"
    ctx.set_offline(False)
    sync_now(page)
    saved = stored(db, draft)
    assert saved["name"] == "离线起草的考评细则" and saved["status"] == "draft"
    item = {"id": "i1", "text": "一次性告知", "rule": "deduct_each", "per": 1}
    assert saved["sections"][0]["items"] == [item]
    ctx.close()
