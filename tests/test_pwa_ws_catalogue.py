"""Centres, windows and the matter catalogue edited one record at a time in the workspace, in
real Chromium against a real server: problems are shown at their field in Chinese (nothing is
sent), a good save is an op the server applies (and audits), a window serves matters and a
matter names its windows (the same link), and every form passes axe at 1280 and 360 px."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from tests.support.axe import assert_accessible, desktop_context
from tests.support.pwa import api_login, api_push, db_rows, login, new_context, new_op, sync_now
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser


def _record(db: Any, collection: str, rid: str) -> dict[str, Any]:
    [(data,)] = db_rows(db, "SELECT data FROM records WHERE collection=? AND id=?", collection, rid)
    out: dict[str, Any] = json.loads(data)
    return out


def _error(control: Locator) -> Locator:
    """The error line under a form control (ui.field: label, control, hint, error)."""
    return control.locator("xpath=..").locator(":scope > .error")


def _unsent(page: Page) -> int:
    return int(page.evaluate("async () => (await (await import('/app/store.js')).outbox()).length"))


def _desk(chromium: Browser, base: str, username: str = "admin1") -> tuple[Any, Page]:
    ctx = desktop_context(chromium)
    page = ctx.new_page()
    login(page, base, username, PASSWORD)
    sync_now(page)  # centres and matters are reference data the device syncs
    return ctx, page


def test_ws_catalogue_centre_and_window_edit(chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    ctx, page = _desk(chromium, base)
    try:
        page.goto(f"{base}/#/ws/admin?tab=centres")
        page.get_by_role("link", name="编辑 石桥镇便民服务中心").click()
        form = page.get_by_role("form", name="编辑中心：石桥镇便民服务中心")
        # A bad phone and no name: said at each field, in Chinese; nothing is sent.
        form.get_by_label("中心名称").fill("")
        form.get_by_label("投诉电话").fill("打这个电话")
        form.get_by_role("button", name="保存").click()
        name = form.get_by_label("中心名称")
        expect(name).to_have_attribute("aria-invalid", "true")
        expect(_error(name)).to_have_text("请填写中心名称")
        phone = form.get_by_label("投诉电话")
        expect(phone).to_have_attribute("aria-invalid", "true")
        expect(_error(phone)).to_contain_text("投诉电话：格式不正确")
        expect(name).to_be_focused()
        assert _unsent(page) == 0
        assert_accessible(page, "centre form with problems (1280 px)")
        name.fill("石桥镇便民服务中心")
        phone.fill("0731-12345")
        form.get_by_label("办公时间").fill("工作日 8:30–17:30")
        form.get_by_role("button", name="保存").click()
        expect(form.get_by_role("status")).to_have_text("已保存")
        stored = _record(db, "centres", "c-shiqiao")
        assert stored["complaint_phone"] == "0731-12345" and stored["hours"] == "工作日 8:30–17:30"

        # A matter first (so a window can serve it), then a window serving it.
        page.goto(f"{base}/#/ws/admin?tab=matters&matter=new")
        mform = page.get_by_role("form", name="新增事项")
        mform.get_by_label("事项名称").fill("城乡居民养老保险登记")
        mform.get_by_label("办件类型").select_option("time_limited")
        mform.get_by_label("承诺时限（工作日）").fill("3")
        mform.get_by_role("button", name="保存").click()
        expect(page.get_by_role("form", name="编辑事项：城乡居民养老保险登记")).to_be_visible()

        page.goto(f"{base}/#/ws/admin?tab=centres&centre=c-shiqiao&window=new")
        win = page.get_by_role("form", name="新增窗口：石桥镇便民服务中心")
        win.get_by_label("窗口编号").fill("3")
        win.get_by_label("窗口电话").fill("电话")
        win.get_by_role("button", name="保存").click()
        expect(win.get_by_label("窗口名称")).to_have_attribute("aria-invalid", "true")
        expect(_error(win.get_by_label("窗口名称"))).to_have_text("请填写窗口名称")
        expect(_error(win.get_by_label("窗口电话"))).to_contain_text("格式不正确")
        assert _unsent(page) == 0
        win.get_by_label("窗口名称").fill("社会保障窗口")
        win.get_by_label("窗口电话").fill("0731-5550003")
        win.get_by_label("城乡居民养老保险登记").check()
        assert_accessible(page, "window form (1280 px)")
        win.get_by_role("button", name="保存").click()
        expect(page.get_by_role("list", name="窗口")).to_contain_text("3 社会保障窗口")
        windows = _record(db, "centres", "c-shiqiao")["windows"]
        [(key, w)] = list(windows.items())
        assert w["number"] == "3" and w["name"] == "社会保障窗口" and w["active"] is True
        [(matter,)] = db_rows(db, "SELECT id FROM records WHERE collection='matters'"
                                  " AND json_extract(data, '$.name')='城乡居民养老保险登记'")
        assert w["matter_ids"] == [matter]
        # Edited again: no longer open to the public.
        page.get_by_role("link", name="编辑窗口 3 社会保障窗口").click()
        edit = page.get_by_role("form", name="编辑窗口：3 社会保障窗口")
        edit.get_by_label("在用（公开页显示）").uncheck()
        edit.get_by_role("button", name="保存").click()
        expect(page.get_by_role("list", name="窗口")).to_contain_text("停用")
        assert _record(db, "centres", "c-shiqiao")["windows"][key]["active"] is False
        # The public page leaves a closed window out.
        assert "社会保障窗口" not in httpx.get(f"{base}/public/centres/c-shiqiao").text
        # A new centre of the county: its edit form opens once it is saved.
        page.goto(f"{base}/#/ws/admin?tab=centres")
        page.get_by_role("link", name="新增中心").click()
        new = page.get_by_role("form", name="新增中心")
        new.get_by_label("中心名称").fill("白沙乡便民服务中心")
        new.get_by_label("投诉电话").fill("0731-5550100")
        new.get_by_role("button", name="保存").click()
        expect(page.get_by_role("form", name="编辑中心：白沙乡便民服务中心")).to_be_visible()
        [(cid, data)] = db_rows(db, "SELECT id, data FROM records WHERE collection='centres'"
                                    " AND json_extract(data, '$.name')='白沙乡便民服务中心'")
        assert cid.startswith("c-") and json.loads(data)["county_id"] == "k-qingshan"
    finally:
        ctx.close()


def test_ws_catalogue_matter_add_edit_and_windows(chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    admin = api_login(base, "admin1")
    # 柳林乡 has a window to offer (made through the API as any device would).
    made = api_push(base, admin, [new_op("centres", "c-liulin", {
        "windows.wl1": {"number": "1", "name": "综合窗口", "active": True}})])
    assert made["results"][0]["status"] == "applied", made
    ctx, page = _desk(chromium, base, "super1")
    try:
        page.goto(f"{base}/#/ws/admin?tab=matters")
        page.get_by_role("link", name="新增事项").click()
        form = page.get_by_role("form", name="新增事项")
        # Nothing filled: each required field says so; a bad time limit is named.
        form.get_by_role("button", name="保存").click()
        expect(_error(form.get_by_label("事项名称"))).to_have_text("请填写事项名称")
        expect(_error(form.get_by_label("办件类型"))).to_have_text("请选择办件类型")
        days = form.get_by_label("承诺时限（工作日）")
        expect(_error(days)).to_have_text("请填写承诺时限（工作日）")
        form.get_by_label("事项名称").fill("残疾人两项补贴申领")
        form.get_by_label("办件类型").select_option("time_limited")
        days.fill("400")
        form.get_by_role("button", name="保存").click()
        expect(_error(days)).to_have_text("承诺时限（工作日）：不能大于 365")
        assert _unsent(page) == 0
        assert_accessible(page, "matter form with problems (1280 px)")
        days.fill("5")
        form.get_by_label("设定依据").fill("《残疾人保障法》")
        form.get_by_label("申请材料").fill("居民身份证\n残疾人证\n")
        form.get_by_label("收费标准").fill("不收费")
        form.get_by_label("柳林乡便民服务中心 · 1 综合窗口").check()
        form.get_by_role("button", name="保存").click()
        edit = page.get_by_role("form", name="编辑事项：残疾人两项补贴申领")
        expect(edit).to_be_visible()
        [(mid, data)] = db_rows(db, "SELECT id, data FROM records WHERE collection='matters'"
                                    " AND json_extract(data, '$.name')='残疾人两项补贴申领'")
        matter = json.loads(data)
        assert matter["kind"] == "time_limited" and matter["time_limit_days"] == 5
        assert matter["materials"] == ["居民身份证", "残疾人证"] and matter["county_id"] == "k-qingshan"
        assert matter["legal_basis"] == "《残疾人保障法》" and matter["active"] is True
        assert _record(db, "centres", "c-liulin")["windows"]["wl1"]["matter_ids"] == [mid]
        expect(page.get_by_role("region", name="事项目录")).to_contain_text("柳林乡便民服务中心 1 综合窗口")
        # The same name again is refused at the field (it would be the same record).
        page.get_by_role("link", name="新增事项").click()
        again = page.get_by_role("form", name="新增事项")
        again.get_by_label("事项名称").fill("残疾人两项补贴申领")
        again.get_by_label("办件类型").select_option("immediate")
        again.get_by_role("button", name="保存").click()
        expect(_error(again.get_by_label("事项名称"))).to_contain_text("已有同名事项")
        # Edit: an immediate matter is done on the spot; the window no longer serves it.
        page.goto(f"{base}/#/ws/admin?tab=matters&matter={mid}")
        edit = page.get_by_role("form", name="编辑事项：残疾人两项补贴申领")
        edit.get_by_label("办件类型").select_option("immediate")
        edit.get_by_label("承诺时限（工作日）").fill("")
        edit.get_by_label("柳林乡便民服务中心 · 1 综合窗口").uncheck()
        edit.get_by_role("button", name="保存").click()
        expect(edit.get_by_role("status")).to_have_text("已保存")
        matter = _record(db, "matters", mid)
        assert matter["kind"] == "immediate" and matter["time_limit_days"] == 0
        assert _record(db, "centres", "c-liulin")["windows"]["wl1"]["matter_ids"] == []
        # Audited: the supervisor's ops are in the county's audit log.
        auth = {"Authorization": f"Bearer {admin}"}
        entries = httpx.get(f"{base}/api/v1/audit", headers=auth).json()["entries"]
        assert any(e["action"] == "op" and e["target"] == f"matters/{mid}" and e["username"] == "super1"
                   for e in entries)
    finally:
        ctx.close()


def test_ws_catalogue_forms_at_360_px(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    ctx = new_context(chromium)
    page = ctx.new_page()
    try:
        login(page, base, "admin1", PASSWORD)
        sync_now(page)
        for where in ("#/ws/admin?tab=centres&centre=c-liulin&window=new",
                      "#/ws/admin?tab=matters&matter=new"):
            page.goto(f"{base}/{where}")
            expect(page.locator("form.ws-form").first).to_be_visible()
            page.locator("form.ws-form").last.get_by_role("button", name="保存").click()
            expect(page.locator("form.ws-form [aria-invalid=true]").first).to_be_visible()
            assert_accessible(page, f"{where} (360 px)")
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 360, (where, width)
    finally:
        ctx.close()
