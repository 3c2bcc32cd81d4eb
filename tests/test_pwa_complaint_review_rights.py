"""Who may verify or send back a complaint, on the screen (Chromium, real server): the
centre's phone offers neither control on a replied complaint; a send-back the phone makes
anyway (an old app, a hand-made op) is refused ``forbidden``, quarantined, and the phone says
in Chinese which move it was and who may make it; the county's supervisor gets both controls
in the workspace. axe at 360 px."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible, desktop_context
from tests.support.pwa import api_login, api_push, db_rows, login, new_op, phone, status, sync_now
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser


def _stored(db: Any, rid: str) -> dict[str, Any]:
    [(data,)] = db_rows(db, "SELECT data FROM records WHERE collection='complaints' AND id=?", rid)
    out: dict[str, Any] = json.loads(data)
    return out


def test_pwa_complaint_review_rights_centre_send_back_refused_in_chinese(
        chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    token = api_login(base, "centre1")
    rid = str(uuid.uuid4())
    made = api_push(base, token, [new_op("complaints", rid, {
        "centre_id": "c-shiqiao", "content": "办事指南与窗口要求不一致", "channel": "window",
        "status": "open"})])
    assert made["results"][0]["status"] == "applied", made
    done = api_push(base, token, [new_op("complaints", rid, {"reply": "已统一办事指南", "status": "replied"},
                                         base=made["results"][0]["version"])])
    assert done["results"][0]["status"] == "applied", done

    ctx, page = phone(chromium, base, "centre1")
    try:
        sync_now(page)
        page.goto(f"{base}/#/complaint/{rid}")
        expect(page.locator("dl.kvs")).to_contain_text("已统一办事指南")
        assert page.get_by_role("button", name="确认核实").count() == 0
        assert page.get_by_role("button", name="退回重新答复").count() == 0
        # The app reads the move rule from the schema the server enforces (rights.js, and the
        # complaints screen's own copy): replied → open is the county's; open otherwise is not.
        moves = page.evaluate("""async () => {
            const { canSet } = await import('/app/rights.js');
            const { maySet } = await import('/app/views/complaints.js');
            const out = [];
            for (const [role, from] of [['centre', 'replied'], ['field', 'replied'],
                                        ['supervisor', 'replied'], ['admin', 'replied'],
                                        ['centre', 'dismissed'], ['centre', '']]) {
              out.push([canSet(role, 'complaints', 'status', 'open', from),
                        maySet('complaints', 'status', role, 'open', from)]);
            }
            return out; }""")
        assert moves == [[False, False], [False, False], *[[True, True]] * 4]
        # Made anyway (an older app, a hand-made op): the server is the judge.
        page.evaluate("async (id) => { const s = await import('/app/store.js');"
                      " await s.edit('complaints', id, {status: 'open'}); }", rid)
        sync_now(page)
        expect(status(page)).to_contain_text("退回 1")  # kept on the phone, to be seen
        page.goto(f"{base}/#/sync")
        page.goto(f"{base}/#/complaint/{rid}")
        refused = page.get_by_role("region", name="被退回的更改")
        expect(refused).to_contain_text(
            "无权限修改：状态不能从“已答复”改为“待答复”，只有督查人员、管理员可以")
        assert_accessible(page, "complaint with a refused send-back (360 px)")
    finally:
        ctx.close()
    assert _stored(db, rid)["status"] == "replied"
    codes = [c for (c,) in db_rows(db, "SELECT code FROM quarantine WHERE record=?", rid)]
    assert codes == ["forbidden"], codes

    dctx = desktop_context(chromium)
    try:
        dpage = dctx.new_page()
        login(dpage, base, "super1", PASSWORD)
        dpage.goto(f"{base}/#/ws/record/complaints/{rid}")
        section = dpage.get_by_role("region", name="核实")
        expect(section.get_by_role("button", name="退回重新答复")).to_be_visible()
        expect(section.get_by_role("button", name="确认核实：石桥镇便民服务中心的投诉")).to_be_visible()
    finally:
        dctx.close()
