"""A dismissal reopened (重新受理) on an offline phone owes a new reply due five working days
after the reopening, which the server computes when the change reaches it. Until then the
phone still holds the old `reply_due` (and `overdue`) of the answer before, or of an earlier
reopening since answered: it must not mark the complaint 已超期 from them, nor show them as
the new deadline; it says the server will compute it after the sync."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from sync.deadlines import DAY_MS, due_ms
from tests.support.pwa import idb, phone
from tests.test_pwa_visit_list_redraw import SETTLE

pytestmark = pytest.mark.browser

NOW = 1_764_547_200_000  # 2025-12-01


def dismissed(received: int, **extra: Any) -> dict[str, Any]:
    """A dismissed complaint as a sync page brings it, dismissed on time long ago."""
    data = {"centre_id": "c-shiqiao", "channel": "window", "content": "办事窗口排队太久",
            "received_at": received, "status": "dismissed", "reply": "不属于本中心受理范围",
            "replied_at": received + DAY_MS, "reply_due": due_ms(received, 5), "overdue": False,
            "reopened_at": None, "answered_at": received + DAY_MS, **extra}
    return {"collection": "complaints", "record": str(uuid.uuid4()), "version": 4, "deleted": False,
            "data": data, "conflicts": []}


@pytest.mark.parametrize("earlier_reopening", [False, True])
def test_pwa_reopened_offline_is_not_overdue_by_the_old_deadline(
        chromium: Browser, pwa_server: Any, earlier_reopening: bool) -> None:
    received = NOW - 60 * DAY_MS
    extra = {}
    if earlier_reopening:  # reopened once (synced), dismissed again: answered since
        back = received + 20 * DAY_MS
        extra = {"reopened_at": back, "reply_due": due_ms(back, 5), "answered_at": back + DAY_MS}
    rec = dismissed(received, **extra)
    ctx, page = phone(chromium, pwa_server.base_url, "centre1", offline=True)
    try:
        idb(page, "return 1;")
        page.evaluate(SETTLE, [[rec]])
        page.goto(f"{pwa_server.base_url}/#/complaint/{rec['record']}")
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("不予受理")
        page.get_by_role("button", name="重新受理").click()
        expect(heading).to_contain_text("待答复")
        expect(page.get_by_role("heading", name="重新答复")).to_be_visible()
        kvs = page.locator("dl.kvs")
        expect(kvs).to_contain_text("同步后由服务器按 5 个工作日计算")
        expect(kvs).not_to_contain_text("已超期")
        # Nor in the lists: waiting, not overdue.
        page.goto(f"{pwa_server.base_url}/#/complaints?f=overdue")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator(f'a[href="#/complaint/{rec["record"]}"]')).to_have_count(0)
        page.goto(f"{pwa_server.base_url}/#/complaints?f=waiting")
        row = page.locator("li.item").filter(has=page.locator(f'a[href="#/complaint/{rec["record"]}"]'))
        expect(row).to_contain_text("答复期限待同步")
        expect(row).not_to_contain_text("已超期")
    finally:
        ctx.close()


def test_pwa_refused_reply_leaves_the_complaint_overdue(chromium: Browser, pwa_server: Any) -> None:
    """A new reply the server refused answers nothing: a sent-back complaint past its new
    deadline is still marked 已超期 (on its page and in the 已超期 list), as the header keeps
    the status as it stands on the server."""
    received = NOW - 60 * DAY_MS
    back = NOW - 20 * DAY_MS
    rec = dismissed(received, status="open", reopened_at=back, reply_due=due_ms(back, 5),
                    overdue=True, answered_at=None, reply="首次答复",
                    verification={"by": "u-sup", "at": back, "passed": False, "comment": "答复不完整"})
    rid = rec["record"]
    ctx, page = phone(chromium, pwa_server.base_url, "centre1", offline=True)
    try:
        idb(page, "return 1;")
        page.evaluate(SETTLE, [[rec]])
        idb(page, f"""const db = await store.db();
            await new Promise((resolve, reject) => {{
              const t = db.transaction('outbox', 'readwrite');
              t.objectStore('outbox').add({{id: 'refused-reply-1', collection: 'complaints', record: '{rid}',
                base: 4, at: Date.now(), set: {{reply: '重新答复', status: 'replied'}}, delete: false,
                key: 'complaints/{rid}', state: 'rejected', rejectedSchema: 999,
                error: {{code: 'forbidden', message: 'status: role centre may not', details: {{}}}}}});
              t.oncomplete = resolve; t.onerror = () => reject(t.error); }});""")
        page.goto(f"{pwa_server.base_url}/#/complaint/{rid}")
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text("改为“已答复”被拒绝")
        expect(page.locator("dl.kvs")).to_contain_text("已超期")
        page.goto(f"{pwa_server.base_url}/#/complaints?f=overdue")
        expect(page.locator(f'a[href="#/complaint/{rid}"]')).to_have_count(1)
    finally:
        ctx.close()
