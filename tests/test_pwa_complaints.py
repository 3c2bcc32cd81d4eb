"""Complaints (投诉) and first-ask hand-over (首问负责) in Chromium against a real server.

A complaint taken at the window while the phone is offline is saved locally, synced, and
then shows the server's reply due date (five working days); it is replied on the phone; a
field user does not see the verify control (the schemas' rights say supervisors and admins
only) and a supervisor at a 1280 px desk verifies it. A case handed over to a colleague
shows who owns it now and the history. axe at 360 px (and 1280 px for the list); keyboard."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible, desktop_context
from tests.support.cases import new_case
from tests.support.pwa import (
    api_push,
    db_rows,
    expect_unsent,
    idb,
    login,
    new_op,
    phone,
    sync_now,
    user_login,
    wait_controlled,
)
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser


def _stored(db: Any, collection: str, record: str) -> dict[str, Any]:
    rows = db_rows(db, "SELECT data FROM records WHERE collection=? AND id=?", collection, record)
    assert len(rows) == 1, rows
    data: dict[str, Any] = json.loads(rows[0][0])
    return data


def test_pwa_complaints_intake_offline_reply_and_verify(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    ctx, page = phone(chromium, base, "centre1")
    try:
        # Keyboard: the nav's 投诉 link opens the list.
        link = page.get_by_role("navigation", name="主要").get_by_role("link", name="投诉")
        link.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="投诉")).to_be_visible()
        box = link.bounding_box()
        assert box is not None and box["height"] >= 44

        ctx.set_offline(True)
        page.get_by_role("button", name="登记投诉").click()
        expect(page.get_by_role("heading", name="登记投诉")).to_be_visible()
        channel = page.get_by_label("投诉渠道")
        assert channel.locator("option").all_inner_texts() == ["窗口", "电话", "12345热线", "来信"]
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_text("请填写投诉内容")).to_be_visible()
        expect_unsent(page, 0)
        assert_accessible(page, "complaint intake with an error (360 px)")
        page.get_by_label("投诉内容").fill("窗口人员午休提前离岗，等候一小时无人办理")
        page.get_by_label("投诉人姓名（可不填）").fill("张三丰")
        page.get_by_label("联系电话（可不填）").fill("13812345678")
        page.get_by_role("button", name="保存").click()
        expect(page.get_by_text("同步后由服务器按 5 个工作日计算")).to_be_visible()
        expect_unsent(page, 1)
        cid = page.evaluate("location.hash.split('/').pop()")

        ctx.set_offline(False)
        sync_now(page)
        expect_unsent(page, 0)
        server = _stored(pwa_server.db, "complaints", cid)
        assert server["channel"] == "window" and server["status"] == "open"
        assert server["reply_due"] > server["received_at"]
        local = idb(page, f"const r = await store.get('complaints', '{cid}'); return r.data.reply_due;")
        assert local == server["reply_due"]
        fmt = "async (ms) => (await import('/app/ui.js')).fmtDate(ms)"
        due_text = page.evaluate(fmt, server["reply_due"])
        expect(page.locator("dl.kvs")).to_contain_text(f"答复期限{due_text}")

        page.goto(base + "/#/complaints?f=waiting")
        rows = page.get_by_role("list", name="投诉列表").get_by_role("listitem")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("窗口")
        expect(rows.first).to_contain_text(f"答复期限 {due_text}")
        expect(rows.first).to_contain_text("张** 138****5678")
        assert "13812345678" not in rows.first.inner_text()
        assert_accessible(page, "complaints list (360 px)")

        rows.first.get_by_role("link").click()
        page.get_by_label("答复内容").fill("已核实，对当事人批评教育，午休安排轮岗值守。")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("dl.kvs")).to_contain_text("答复已核实，对当事人批评教育")
        assert page.get_by_role("button", name="确认核实").count() == 0  # centre staff: no verify
        assert_accessible(page, "complaint replied (360 px)")
        sync_now(page)
        expect_unsent(page, 0)
        replied = _stored(pwa_server.db, "complaints", cid)
        assert replied["status"] == "replied" and replied["replied_at"] >= replied["received_at"]
        assert replied["overdue"] is False
    finally:
        ctx.close()

    fctx, fpage = phone(chromium, base, "field1")
    try:
        sync_now(fpage)
        fpage.goto(f"{base}/#/complaint/{cid}")
        expect(fpage.locator("dl.kvs")).to_contain_text("已核实，对当事人批评教育")
        expect(fpage.get_by_role("heading", name="已答复", exact=False)).to_be_visible()
        assert fpage.get_by_role("button", name="确认核实").count() == 0
    finally:
        fctx.close()

    # A supervisor's device no longer syncs applicants' records (workspace scope): the
    # supervisor verifies through the sync API, and the centre's list at a 1280 px desk shows it.
    super_token, _ = user_login(base, "super1")
    done = api_push(base, super_token, [new_op("complaints", cid, {"verified": True, "status": "verified"},
                                               base=int(db_rows(pwa_server.db, "SELECT version FROM records"
                                                                " WHERE id=?", cid)[0][0]))])
    assert done["results"][0]["status"] == "applied", done
    stored = _stored(pwa_server.db, "complaints", cid)
    assert stored["verified"] is True and stored["status"] == "verified"
    dctx = desktop_context(chromium)
    try:
        dpage = dctx.new_page()
        login(dpage, base, "centre1", PASSWORD)
        wait_controlled(dpage)
        sync_now(dpage)
        dpage.goto(base + "/#/complaints?f=verified")
        rows = dpage.get_by_role("list", name="投诉列表").get_by_role("listitem")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("已核实")
        assert_accessible(dpage, "complaints list (1280 px)")
        rows.first.get_by_role("link").click()
        expect(dpage.locator("dl.kvs")).to_contain_text("核实已核实")
        assert dpage.get_by_role("button", name="确认核实").count() == 0

        # Verified is final: reopening it is refused (invalid_transition, quarantined), and
        # the phone reads the server's refusal in Chinese, naming what is allowed (nothing).
        centre_token, _ = user_login(base, "centre1")
        version = int(db_rows(pwa_server.db, "SELECT version FROM records WHERE id=?", cid)[0][0])
        [res] = api_push(base, centre_token, [new_op("complaints", cid, {"status": "open"},
                                                     base=version)])["results"]
        assert (res["status"], res["code"]) == ("rejected", "invalid_transition"), res
        assert _stored(pwa_server.db, "complaints", cid)["status"] == "verified"
        text = dpage.evaluate("async (e) => (await import('/app/labels.js')).reasonText('complaints', e)",
                              {"code": res["code"], "details": res["details"]})
        assert text == "状态变更不被允许：不能从“已核实”改为“待答复”，可改为：无"
        text = dpage.evaluate("""async () => (await import('/app/labels.js')).reasonText('complaints',
            {code: 'invalid_transition', details: {from: 'dismissed', to: 'replied', allowed: ['open']}})""")
        assert text == "状态变更不被允许：不能从“不予受理”改为“已答复”，可改为：待答复"
    finally:
        dctx.close()

def test_pwa_complaints_case_handover_shows_history(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    case, centre_id = new_case(base, "郑秀兰")
    _, field_id = user_login(base, "field1")
    ctx, page = phone(chromium, base, "centre1")
    try:
        sync_now(page)
        page.goto(f"{base}/#/case/{case}")
        section = page.get_by_role("region", name="首问负责")
        # Colleagues by name: the centre's people reached the phone with its sync.
        expect(section).to_contain_text("首问人centre1（中心人员）")
        expect(section).to_contain_text("尚未移交")
        summary = section.locator("summary")
        summary.focus()
        page.keyboard.press("Enter")
        to = page.get_by_label("移交给（同事）")
        expect(to).to_be_visible()
        offered = to.locator("option").all_inner_texts()
        assert "field1（外勤人员）" in offered and "field2（外勤人员）" in offered, offered
        assert not any("centre1" in o for o in offered), offered  # the owner is not offered
        assert not any("field3" in o for o in offered), offered  # another centre's person
        section.get_by_role("button", name="保存").click()
        expect(page.get_by_text("请选择接手的同事")).to_be_visible()
        to.select_option(label="field1（外勤人员）")
        page.get_by_label("移交说明").fill("需上门核实，由网格员接手")
        section.get_by_role("button", name="保存").click()
        history = page.get_by_role("list", name="移交记录")
        expect(history).to_contain_text("centre1（中心人员） → field1（外勤人员）")
        expect(history).to_contain_text("需上门核实，由网格员接手")
        expect(section).to_contain_text("当前负责人field1（外勤人员）")
        assert_accessible(page, "case with a hand-over (360 px)")
        sync_now(page)
        expect_unsent(page, 0)
        stored = _stored(pwa_server.db, "cases", case)
        assert stored["handler_id"] == field_id and stored["first_asked_by"] == centre_id
        (entry,) = stored["handed_to"].values()
        assert entry["from"] == centre_id and entry["to"] == field_id
        assert entry["note"] == "需上门核实，由网格员接手" and isinstance(entry["at"], int)
    finally:
        ctx.close()


def test_pwa_complaint_sent_back_shows_the_new_reply_due(chromium: Browser, pwa_server: Any) -> None:
    """A complaint replied, then sent back by a supervisor: the centre's phone shows the new
    deadline (five working days after the send-back, the server's), marked as a reply owed."""
    base = pwa_server.base_url
    token, _ = user_login(base, "centre1")
    cid = f"cp-back-{uuid.uuid4().hex[:8]}"
    received = int(time.time() * 1000) - 3 * 86_400_000  # entered after the fact
    made = api_push(base, token, [
        new_op("complaints", cid, {"centre_id": "c-shiqiao", "content": "窗口答复含糊", "channel": "phone",
                                   "status": "open", "received_at": received}),
        new_op("complaints", cid, {"reply": "已解释", "status": "replied"})])
    assert [r["status"] for r in made["results"]] == ["applied", "applied"], made
    first = _stored(pwa_server.db, "complaints", cid)
    super_token, super_id = user_login(base, "super1")
    version = int(db_rows(pwa_server.db, "SELECT version FROM records WHERE id=?", cid)[0][0])
    back = api_push(base, super_token, [new_op("complaints", cid, {
        "status": "open", "verification.by": super_id, "verification.at": 1,
        "verification.passed": False, "verification.comment": "未说明整改措施"}, base=version)])
    assert back["results"][0]["status"] == "applied", back
    sent = _stored(pwa_server.db, "complaints", cid)
    assert sent["reply_due"] > first["reply_due"] and sent["replied_at"] == first["replied_at"]
    ctx, page = phone(chromium, base, "centre1")
    try:
        sync_now(page)
        page.goto(f"{base}/#/complaint/{cid}")
        fmt = "async (ms) => (await import('/app/ui.js')).fmtDate(ms)"
        kvs = page.locator("dl.kvs")
        expect(kvs).to_contain_text(f"重新答复期限{page.evaluate(fmt, sent['reply_due'])}")
        expect(kvs).to_contain_text("退回时间")
        expect(kvs).to_contain_text("督查退回，需重新答复")
        expect(page.get_by_role("heading", name="重新答复")).to_be_visible()
        page.goto(base + "/#/complaints?f=waiting")
        rows = page.get_by_role("list", name="投诉列表").get_by_role("listitem")
        row = rows.filter(has_text="窗口答复含糊")
        expect(row).to_contain_text(f"答复期限 {page.evaluate(fmt, sent['reply_due'])}")
        expect(row).to_contain_text("退回重答")
        page.goto(base + "/#/complaints?f=replied")  # owed a new reply: not among the replied
        expect(page.get_by_role("heading", name="投诉")).to_be_visible()
        expect(page.get_by_role("list", name="投诉列表").get_by_text("窗口答复含糊")).to_have_count(0)
    finally:
        ctx.close()
