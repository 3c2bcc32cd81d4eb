"""A live screen redrawn by a sync keeps what the person is in the middle of (pwa/app/keep.js).

The case page is live: when a sync brings a change to the case it is rebuilt. A worker who
has opened 移交给同事 and typed a colleague and a note must find the fold still open, the text
still there and focus still in the field, while the page shows the new data; and after the
hand-over is saved, the next redraw shows the stored state, not the typed text again."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.cases import new_case
from tests.support.pwa import api_push, new_op, phone, sync_now, user_login

pytestmark = pytest.mark.browser


def test_keep_redraw_keeps_open_fold_typed_text_and_focus(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    case, _ = new_case(base, "韩玉梅")
    token, _ = user_login(base, "centre1")  # the other device that changes the case
    _, field_id = user_login(base, "field1")
    ctx, page = phone(chromium, base, "centre1")
    try:
        sync_now(page)
        page.goto(f"{base}/#/case/{case}")
        section = page.get_by_role("region", name="首问负责")
        section.locator("summary").click()
        to = page.get_by_label("移交给（同事）")
        note = page.get_by_label("移交说明")
        to.select_option(field_id)
        note.fill("下午上门核实")
        note.focus()
        # Another device changes the case; this phone's sync brings it and the page is rebuilt.
        changed = api_push(base, token, [new_op("cases", case, {"notes": "申请人已补齐户口簿"}, base=1)])
        assert changed["results"][0]["status"] == "applied", changed
        # Started as the app's own timer would (a button press would take the focus away).
        page.evaluate("() => import('/app/scheduler.js').then((m) => m.kick('test'))")
        expect(page.get_by_text("申请人已补齐户口簿")).to_be_visible()
        expect(section.locator("details")).to_have_attribute("open", "")
        expect(to).to_be_visible()
        expect(to).to_have_value(field_id)
        expect(note).to_have_value("下午上门核实")
        expect(note).to_be_focused()
        section.get_by_role("button", name="保存").click()
        history = page.get_by_role("list", name="移交记录")
        expect(history).to_contain_text("centre1（中心人员） → field1（外勤人员）")
        # The save settled the form: its redraw shows the stored state, not the typed text.
        expect(section).to_contain_text("当前负责人field1（外勤人员）")
        expect(to).to_have_value("")
        expect(note).to_have_value("")
    finally:
        ctx.close()
