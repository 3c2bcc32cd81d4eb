"""Lists read per-record summaries (pwa/app/store/summary.js), not whole records: rows show
what they need (a long note cut to two lines), a search still reads whole notes, an unsent
edit shows at once, and a later sync page replaces the summary with the record's."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.pwa import idb, phone

pytestmark = pytest.mark.browser


def test_pwa_list_rows_come_from_summaries_and_search_reads_whole_records(
        chromium: Browser, pwa_server: Any) -> None:
    ctx, page = phone(chromium, pwa_server.base_url, "field1", offline=True)
    me = idb(page, "return (await store.getMeta('session')).user.id;")
    record = str(uuid.uuid4())
    tail = f"尾词{uuid.uuid4().hex[:6]}"
    notes = "老人腿脚不便，" * 10 + tail  # 70 characters before the tail word
    data = {"centre_id": "c-shiqiao", "kind": "home_service", "status": "planned", "staff_ids": [me],
            "applicant": {"name": "郑大妈", "phone": "13700001111", "id_number": "110101195001011234"},
            "address": "石桥镇南街 3 号", "planned_at": 1_900_000_000_000, "notes": notes,
            "location": {"lat": 26.1, "lon": 106.2, "accuracy": 5}}
    settle = """async ([changes]) => { const store = await import('/app/store.js');
        await store.settle({changes}, []); }"""
    page.evaluate(settle, [[{"collection": "visits", "record": record, "version": 5, "deleted": False,
                             "data": data, "conflicts": []}]])
    summary = idb(page, "return (await store.listSummaries('visits'))"
                        f".find(v => v.id === {json.dumps(record)}).data;")
    # Only what rows show: no phone, ID number or position in the summary; the note cut.
    assert summary["applicant"] == {"name": "郑大妈"} and "location" not in summary
    assert summary["notes"].endswith("…") and tail not in summary["notes"] and len(summary["notes"]) == 41

    page.goto(f"{pwa_server.base_url}/#/visits")
    row = page.get_by_role("link", name="郑大妈")
    expect(row).to_be_visible()
    expect(row).not_to_contain_text(tail)
    # A search reads the whole note.
    search = page.get_by_label("搜索走访")
    search.fill(tail)
    search.press("Enter")
    expect(page.get_by_role("link", name="郑大妈")).to_be_visible()
    expect(page.get_by_text("共 1 条")).to_be_visible()
    # The detail shows everything.
    page.get_by_role("link", name="郑大妈").click()
    expect(page.locator(".kvs").first).to_contain_text(tail)

    # An unsent edit shows in the list at once; a later sync page replaces the summary.
    idb(page, f"await store.edit('visits', {json.dumps(record)}, {{'applicant.name': '郑阿姨'}});")
    page.goto(f"{pwa_server.base_url}/#/visits")
    expect(page.get_by_role("link", name="郑阿姨")).to_be_visible()
    page.evaluate(settle, [[{"collection": "visits", "record": record, "version": 9, "deleted": False,
                             "data": {**data, "applicant": {"name": "郑奶奶"}}, "conflicts": []}]])
    name = idb(page, f"return (await store.listSummaries('visits')).find(v => v.id === {json.dumps(record)})"
                     ".data.applicant.name;")
    assert name == "郑阿姨"  # still the unsent edit on top
    idb(page, "const ops = await store.outbox(); for (const o of ops) await store.discardOp(o.seq);")
    name = idb(page, f"return (await store.listSummaries('visits')).find(v => v.id === {json.dumps(record)})"
                     ".data.applicant.name;")
    assert name == "郑奶奶"
    ctx.close()
