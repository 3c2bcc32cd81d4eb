"""A redraw keeps a keyboard's focus on the same kind of button (pwa/app/keep.js): one with
the same class and the same words, or the list's 显示更多 (whose words count down) by its
class. Never a different action that shares a look: giving up the last refused change on
the 同步 page (a `btn danger` button) must not leave the focus on 退出登录 (another one)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.pwa import idb, phone

pytestmark = pytest.mark.browser


def test_pwa_giving_up_a_refused_change_does_not_focus_log_out(chromium: Browser, pwa_server: Any) -> None:
    ctx, page = phone(chromium, pwa_server.base_url, "field1", offline=True)
    try:
        record = str(uuid.uuid4())
        idb(page, f"""const db = await store.db();
            await new Promise((resolve, reject) => {{
              const t = db.transaction('outbox', 'readwrite');
              t.objectStore('outbox').add({{id: 'refused-op-1', collection: 'visits', record: '{record}',
                base: 0, at: Date.now(), set: {{centre_id: 'c-elsewhere', kind: 'home_service'}},
                delete: false, key: 'visits/{record}', state: 'rejected', rejectedSchema: 999,
                error: {{code: 'forbidden', message: 'centre_id outside your scope', details: {{}}}}}});
              t.oncomplete = resolve; t.onerror = () => reject(t.error); }});""")
        page.goto(f"{pwa_server.base_url}/#/sync")
        give_up = page.get_by_role("button", name="放弃此更改")
        expect(give_up).to_have_count(1)
        give_up.focus()
        page.once("dialog", lambda d: d.accept())
        page.keyboard.press("Enter")
        expect(give_up).to_have_count(0)
        log_out = page.get_by_role("button", name="退出登录")
        expect(log_out).to_be_visible()
        page.wait_for_timeout(300)
        expect(log_out).not_to_be_focused()
    finally:
        ctx.close()
