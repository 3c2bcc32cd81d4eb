"""The visit list pages from an IndexedDB index (pwa/app/store/lists.js): the first rows in
the list's order (newest first), the right total, more rows as the person scrolls, records
with unsent work merged in their place, deleted or re-dated records kept in step, and a
search that finds a visit far past the first page."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.pwa import idb, phone

pytestmark = pytest.mark.browser

SETTLE = """async ([changes]) => { const store = await import('/app/store.js');
    await store.settle({changes}, []); }"""
T0 = 1_900_000_000_000
MINUTE = 60_000


def visit(staff: str, name: str, planned_at: int, **extra: Any) -> dict[str, Any]:
    """A synced visit as a sync page brings it."""
    return {"collection": "visits", "record": str(uuid.uuid4()), "version": 3, "deleted": False,
            "data": {"centre_id": "c-shiqiao", "kind": "home_service", "status": "planned",
                     "staff_ids": [staff], "applicant": {"name": name}, "address": "石桥镇",
                     "planned_at": planned_at, **extra},
            "conflicts": []}


def shown_ids(page: Page) -> list[str]:
    """The visit ids of the rows in the list, top to bottom."""
    hrefs = page.locator("ul.list > li > a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")
    return [h.removeprefix("#/visit/") for h in hrefs]


def test_pwa_visit_list_pages_in_order_with_total_scroll_and_search(chromium: Browser,
                                                                    pwa_server: Any) -> None:
    ctx, page = phone(chromium, pwa_server.base_url, "field1", offline=True)
    me = idb(page, "return (await store.getMeta('session')).user.id;")
    # 120 of mine, one a minute apart, stored in random order; 10 of a colleague's, interleaved.
    mine = [visit(me, f"申请人{i:03d}", T0 + i * MINUTE) for i in range(120)]
    theirs = [visit("u-other", f"同事的{i}", T0 + i * 12 * MINUTE + 30_000) for i in range(10)]
    oldest = visit(me, "冷门申请人", T0 - 86_400_000)
    gone = visit(me, "已删除的", T0 + 500 * MINUTE)
    batch = mine + theirs + [oldest, gone]
    batch.sort(key=lambda c: c["record"])
    page.evaluate(SETTLE, [batch])
    page.evaluate(SETTLE, [[{**gone, "version": 4, "deleted": True, "data": {}}]])
    # Re-dated by a later sync page: 申请人005 moves to the top.
    moved = mine[5]
    redated = {**moved["data"], "planned_at": T0 + 999 * MINUTE}
    page.evaluate(SETTLE, [[{**moved, "version": 4, "data": redated}]])
    # Unsent work: an edit of a colleague's visit, and a visit made here.
    edited = theirs[3]
    idb(page, f"await store.edit('visits', {json.dumps(edited['record'])},"
              " {'applicant.name': '改过的同事'});")
    made = str(uuid.uuid4())
    idb(page, f"""await store.edit('visits', {json.dumps(made)}, {{centre_id: 'c-shiqiao', kind: 'follow_up',
        staff_ids: [{json.dumps(me)}], 'applicant.name': '本机新建',
        planned_at: {T0 + 60 * MINUTE + 1}}});""")

    # Mine, newest first: 申请人005 (re-dated), 119 … 61, 本机新建 (planned 60 min + 1 ms), 060 …
    # The colleague's edited visit (unsent) sits at its own time (36 min 30 s).
    expected = [moved["record"]] + [mine[i]["record"] for i in range(119, -1, -1) if i != 5]
    expected.insert(expected.index(mine[60]["record"]), made)
    expected.insert(expected.index(mine[36]["record"]), edited["record"])
    expected.append(oldest["record"])

    page.goto(f"{pwa_server.base_url}/#/visits")
    expect(page.get_by_text("共 123 条")).to_be_visible()  # 120 + the oldest + 2 unsent
    expect(page.locator("ul.list > li")).to_have_count(50)
    assert shown_ids(page) == expected[:50]
    expect(page.locator("ul.list > li").first).to_contain_text("申请人005")
    expect(page.get_by_text("已删除的")).to_have_count(0)

    # Scrolling to the end of the list loads the next rows, without a tap. (The page scrolls,
    # not an element: a redraw from the edits above may swap the screen meanwhile, and keeps
    # the rows and the place: test_pwa_visit_list_redraw.py.)
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(page.locator("ul.list > li")).to_have_count(100)
    assert shown_ids(page) == expected[:100]
    # The button loads them too (keyboards, screen readers): the rest, and it goes away.
    # Focused without scrolling and pressed with Enter, as a keyboard does: a click would
    # scroll it into view first, and within a screen of the end the rows load by themselves,
    # taking the button away before the click lands (seen on a busy machine).
    page.locator("button.more").evaluate("(b) => b.focus({ preventScroll: true })")
    page.keyboard.press("Enter")
    expect(page.locator("ul.list > li")).to_have_count(123)
    expect(page.locator("button.more")).to_have_count(0)
    assert shown_ids(page) == expected

    # Everyone's: the colleague's visits too, in the same order as a full read sorted here.
    page.goto(f"{pwa_server.base_url}/#/visits?all=1")
    expect(page.get_by_text("共 132 条")).to_be_visible()
    every = idb(page, """const all = await store.list('visits');
        const t = (v) => v.data.planned_at || v.data.started_at || 0;
        all.sort((a, b) => t(b) - t(a) || (a.id < b.id ? -1 : 1));
        return all.map((v) => v.id);""")
    expect(page.locator("ul.list > li")).to_have_count(50)
    assert shown_ids(page) == every[:50]

    # A colleague's visit handed to me by a later sync page joins my list (and its count).
    handed = theirs[4]
    page.evaluate(SETTLE, [[{**handed, "version": 4, "data": {**handed["data"], "staff_ids": [me]}}]])
    page.goto(f"{pwa_server.base_url}/#/visits?all=0")
    expect(page.get_by_text("共 124 条")).to_be_visible()
    page.goto(f"{pwa_server.base_url}/#/visits?all=1")
    expect(page.get_by_text("共 132 条")).to_be_visible()

    # A search finds the oldest visit, far past the first page.
    page.goto(f"{pwa_server.base_url}/#/visits")
    expect(page.get_by_text("共 124 条")).to_be_visible()  # my list drawn, not 本中心全部's
    search = page.get_by_label("搜索走访")
    search.fill("冷门")
    search.press("Enter")
    expect(page.get_by_text("共 1 条")).to_be_visible()
    assert shown_ids(page) == [oldest["record"]]
    ctx.close()
