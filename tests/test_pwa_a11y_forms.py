"""Visit forms a person can use (issue 13): a blank visit cannot save; each error sits at its
field, announced once, focused and clear of the sticky bars; the form is filled and saved with
the keyboard alone, including the signature fallback; a fingerprint photo is kept like a signature."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.pwa import (
    db_rows,
    expect_unsent,
    fill_visit_needs,
    idb,
    make_png,
    phone,
    sync_now,
    user_login,
)

pytestmark = pytest.mark.browser



# -- keyboard only ----------------------------------------------------------------------------------

FOCUSED = """() => { const el = document.activeElement; const l = el.labels && el.labels[0];
  return (l ? l.textContent : '') || el.getAttribute('aria-label') || el.textContent.trim(); }"""


def tab_to(page: Page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused control is called ``name`` (its label, aria-label or text)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(FOCUSED).strip() == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_pwa_visit_form_filled_and_saved_with_the_keyboard_alone(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    ctx, page = phone(chromium, base, "field1", offline=True)
    page.locator("#view").focus()
    tab_to(page, "新建上门服务")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="新建上门服务")).to_be_visible()
    page.locator("#view").focus()
    tab_to(page, "保存")
    page.keyboard.press("Enter")  # blank: refused, focus goes to the first field in trouble
    expect(page.get_by_label("申请人姓名")).to_be_focused()
    page.keyboard.type("黄奶奶")
    tab_to(page, "事由")
    page.keyboard.type("残疾人补贴认证")
    tab_to(page, "申请人签名区")  # the pad takes focus; its description points to the fallback
    tab_to(page, "申请人无法签名")
    page.keyboard.press("Space")
    tab_to(page, "工作人员代签，有见证人")
    page.keyboard.press("Space")
    tab_to(page, "为何不能签名")
    page.keyboard.type("本人不能书写，由工作人员代签")
    tab_to(page, "见证人（代签时必填）")
    page.keyboard.type("村委会 张主任")
    tab_to(page, "备注")
    page.keyboard.type("键盘填写")
    tab_to(page, "保存")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("今日"))).to_be_visible()
    expect(page.get_by_text("键盘填写")).to_be_visible()
    expect_unsent(page, 1)
    op = idb(page, "const ops = await store.outbox(); return ops[0].set;")
    assert op["applicant.name"] == "黄奶奶" and op["reason"] == "残疾人补贴认证"
    assert op["signature_fallback.kind"] == "attestation"
    assert op["signature_fallback.witness"] == "村委会 张主任"
    assert op["signature_fallback.reason"] == "本人不能书写，由工作人员代签" and op["signature_fallback.by"]
    assert "signature" not in op
    # The server keeps it with the visit like a signature.
    ctx.set_offline(False)
    sync_now(page)
    expect_unsent(page, 0)
    rows = [json.loads(r[0]) for r in visit_rows(pwa_server.db)]
    kept = [d for d in rows if d.get("notes") == "键盘填写"]
    assert kept and kept[0]["signature_fallback"]["witness"] == "村委会 张主任"
    page.get_by_text("键盘填写").click()
    expect(page.get_by_role("region", name="申请人签名（替代方式）")).to_contain_text("村委会 张主任")
    ctx.close()


def visit_rows(db: Any) -> list[tuple[Any, ...]]:
    """Every visit's data on the server."""
    return db_rows(db, "SELECT data FROM records WHERE collection='visits'")


def test_pwa_fingerprint_photo_is_kept_like_a_signature(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    ctx, page = phone(chromium, base, "field1")
    page.get_by_role("button", name="新建上门服务").click()
    fill_visit_needs(page, who="马老汉")
    page.get_by_label("备注").fill("按手印")
    page.get_by_label("申请人无法签名").check()
    page.get_by_label("按手印（拍摄纸质表上的手印）").check()
    page.get_by_label("为何不能签名").fill("本人不识字")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("button", name="拍摄手印")).to_be_focused()
    expect(page.get_by_role("button", name="拍摄手印")).to_have_accessible_description("请拍摄纸质表上的手印")
    page.set_input_files("#fallback-photo-input", files=[
        {"name": "print.png", "mimeType": "image/png", "buffer": make_png(400, 300)}])
    expect(page.get_by_role("img", name="手印照片")).to_be_visible()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text("按手印").first).to_be_visible()
    sync_now(page)
    expect_unsent(page, 0)
    kept = [json.loads(r[0]) for r in visit_rows(pwa_server.db)]
    visit = next(d for d in kept if d.get("notes") == "按手印")
    sha = visit["signature_fallback"]["photo"]
    assert visit["signature_fallback"]["kind"] == "fingerprint" and re.fullmatch("[0-9a-f]{64}", sha)
    # Another user of the centre can see it, as they can a signature.
    token, _ = user_login(base, "field2")
    r = httpx.get(f"{base}/api/v1/attachments/{sha}", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    ctx.close()




# -- errors a person can see and hear ------------------------------------------------------------

def test_pwa_blank_visit_cannot_save_and_each_error_sits_at_its_field(
        chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    ctx, page = phone(chromium, base, "field1", offline=True)
    page.get_by_role("button", name="新建上门服务").click()
    page.get_by_label("联系电话").fill("abc")
    page.get_by_role("button", name="保存").click()
    # Nothing saved, the form stays; focus on the first field in trouble, which carries
    # its own message (and no form-level alert repeats it).
    expect(page.get_by_role("heading", name="新建上门服务")).to_be_visible()
    name = page.get_by_label("申请人姓名")
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(name).to_have_accessible_description(re.compile("请填写申请人姓名或地址"))
    phone_input = page.get_by_label("联系电话")
    expect(phone_input).to_have_attribute("aria-invalid", "true")
    expect(phone_input).to_have_accessible_description(re.compile("联系电话：格式不正确"))
    expect(page.get_by_label("事由")).to_have_accessible_description(re.compile("请填写事由"))
    expect(page.locator("form [role=alert]")).to_have_text("")
    assert page.locator("[aria-live]").filter(has_text="请填写").count() == 0
    expect_unsent(page, 0)
    # The focused field is not hidden behind the sticky 取消/保存 bar or the header.
    box = name.bounding_box()
    bar = page.locator("form .actions").bounding_box()
    top = page.locator("header.top").bounding_box()
    assert box and bar and top
    assert box["y"] >= top["y"] + top["height"] and box["y"] + box["height"] <= bar["y"]

    # Fixed: saved, errors gone.
    name.fill("陈阿婆")
    page.get_by_label("事由").fill("高龄津贴认证")
    phone_input.fill("13900002222")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name=re.compile("今日"))).to_be_visible()
    expect_unsent(page, 1)

    # 完成走访 with 办理结果 empty: the message is at the field, focused, above the bar.
    page.get_by_text("陈阿婆").first.click()
    page.get_by_role("button", name="完成").click()
    page.get_by_role("button", name="保存").click()
    outcome = page.get_by_label("办理结果（必填）")
    expect(outcome).to_be_focused()
    expect(outcome).to_have_accessible_description("请填写办理结果")
    box = outcome.bounding_box()
    bar = page.locator("form .actions").bounding_box()
    assert box and bar and box["y"] + box["height"] <= bar["y"]
    ctx.close()


