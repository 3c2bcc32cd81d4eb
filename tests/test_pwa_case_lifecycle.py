"""The case lifecycle on the phone, in Chromium against a real server: the status list
offers only the statuses the contract allows from the current one; 待补件 needs the one-time
list of materials and 不予受理 / 退办 a reason before anything is saved; a server's
invalid_transition rejection reads in Chinese with what is allowed; axe-clean at 360 px."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible
from tests.support.cases import new_case
from tests.support.pwa import expect_unsent, idb, phone, sync_now

pytestmark = pytest.mark.browser


def test_pwa_case_lifecycle_allowed_statuses_and_required_reasons(chromium: Browser,
                                                                  pwa_server: Any) -> None:
    base = pwa_server.base_url
    case, _ = new_case(base, "吴春梅")
    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        page.goto(f"{base}/#/case/{case}/edit")
        status = page.get_by_label("办件状态")
        expect(status).to_be_visible()
        offered = status.locator("option").all_inner_texts()
        assert offered == ["已受理（当前）", "待补件", "办理中", "已办结", "退办"]
        # The hint names the option as the list does (待补件, not 补件).
        expect(page.get_by_text("选择“待补件”时必填", exact=False)).to_be_visible()

        status.select_option("supplement")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_text("补件须一次性列明所需材料")).to_be_visible()
        expect_unsent(page, 0)
        assert_accessible(page, "case form with a missing-materials error (360 px)")

        status.select_option("returned")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_text("退办须写明理由")).to_be_visible()
        expect_unsent(page, 0)

        status.select_option("supplement")
        page.get_by_label("需补正的材料（每行一项）").fill("户口簿原件\n近期免冠照片")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_role("heading", name="吴春梅", exact=False)).to_be_visible()
        sync_now(page)
        expect_unsent(page, 0)
        stored = idb(page, f"const r = await store.get('cases', '{case}'); return r.data.missing_materials;")
        assert stored == ["户口簿原件", "近期免冠照片"]
        # Told once (一次性告知): while the case waits, the list stands (the server would refuse
        # a change); the form shows it, not editable, and says why.
        page.goto(f"{base}/#/case/{case}/edit")
        materials = page.get_by_label("需补正的材料（每行一项）")
        expect(materials).to_be_disabled()
        expect(materials).to_have_value("户口簿原件\n近期免冠照片")
        expect(page.get_by_text("已一次性告知，不能修改", exact=False)).to_be_visible()
        expect(page.get_by_label("不予受理理由")).to_be_enabled()
        assert_accessible(page, "case form of a case waiting for materials (360 px)")

        text = page.evaluate("""async () => (await import('/app/labels.js')).reasonText('cases',
            {code: 'invalid_transition', details: {from: 'supplement', to: 'completed',
             allowed: ['handling', 'returned']}})""")
        assert text == "状态变更不被允许：不能从“待补件”改为“已办结”，可改为：办理中、退办"
    finally:
        ctx.close()
