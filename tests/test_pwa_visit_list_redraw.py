"""A live redraw of the visit list (a background sync brought new data) keeps the person's
place (pwa/app/keep.js keepRows/anchor, router.render): the rows already loaded stay loaded,
the row at the top of the screen stays where it stood, and a search typed before the redraw
still runs on Enter."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.pwa import idb, phone

pytestmark = pytest.mark.browser

SETTLE = """async ([changes]) => { const store = await import('/app/store.js');
    await store.settle({changes}, []); }"""
# What sync.js does with a sync page: settle it, then tell every screen the data changed.
PULLED = """async ([changes]) => { const store = await import('/app/store.js');
    const bus = await import('/app/bus.js');
    await store.settle({changes}, []); bus.emit({type: 'changed', received: changes.length}); }"""
T0 = 1_900_000_000_000
MINUTE = 60_000


def visit(staff: str, name: str, planned_at: int) -> dict[str, Any]:
    """A synced visit as a sync page brings it."""
    return {"collection": "visits", "record": str(uuid.uuid4()), "version": 3, "deleted": False,
            "data": {"centre_id": "c-shiqiao", "kind": "home_service", "status": "planned",
                     "staff_ids": [staff], "applicant": {"name": name}, "address": "石桥镇",
                     "planned_at": planned_at},
            "conflicts": []}


def shown_ids(page: Page) -> list[str]:
    """The visit ids of the rows in the list, top to bottom."""
    hrefs = page.locator("ul.list > li > a").evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")
    return [h.removeprefix("#/visit/") for h in hrefs]


def sync_brings(page: Page, change: dict[str, Any], total: int) -> None:
    """A sync page brings `change`; wait until the live list was redrawn with it (a new
    screen element, the new count)."""
    page.evaluate("document.querySelector('#view > .screen').dataset.before = '1'")
    page.evaluate(PULLED, [[change]])
    expect(page.locator("#view > .screen:not([data-before])")).to_have_count(1)
    expect(page.get_by_text(f"共 {total} 条")).to_be_visible()


def my_visit_list(chromium: Browser, pwa_server: Any) -> tuple[Any, Page, str, list[dict[str, Any]]]:
    """A field worker's phone, offline, holding 120 visits of theirs, on the visit list (its
    first 50 rows drawn): ``(context, page, user id, the visits)``."""
    ctx, page = phone(chromium, pwa_server.base_url, "field1", offline=True)
    me = idb(page, "return (await store.getMeta('session')).user.id;")
    mine = [visit(me, f"申请人{i:03d}", T0 + i * MINUTE) for i in range(120)]
    page.evaluate(SETTLE, [mine])
    page.goto(f"{pwa_server.base_url}/#/visits")
    expect(page.get_by_text("共 120 条")).to_be_visible()
    expect(page.locator("ul.list > li")).to_have_count(50)
    return ctx, page, me, mine


def test_pwa_visit_list_redraw_keeps_loaded_rows_place_and_typed_search(chromium: Browser,
                                                                          pwa_server: Any) -> None:
    ctx, page, me, mine = my_visit_list(chromium, pwa_server)

    # Scrolled down: the second page loaded, the person reading around row 70.
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    expect(page.locator("ul.list > li")).to_have_count(100)
    before = shown_ids(page)
    reading = page.locator("ul.list > li").nth(70)
    reading.evaluate("(li) => window.scrollTo(0, window.scrollY + li.getBoundingClientRect().top - 200)")
    top = page.evaluate("() => document.querySelectorAll('ul.list > li')[70].getBoundingClientRect().top")
    assert top == pytest.approx(200, abs=1)

    # A sync brings a newer visit: the list is redrawn with it on top, every row loaded before
    # still there in order, and row 70 (now 71) where the person was reading it.
    newest = visit(me, "刚同步的", T0 + 500 * MINUTE)
    sync_brings(page, newest, 121)
    after = shown_ids(page)
    assert after[0] == newest["record"]
    assert after[1:101] == before
    expect(page.locator("ul.list > li").nth(71)).to_contain_text("申请人049")  # 119 - 70
    moved = page.evaluate("() => document.querySelectorAll('ul.list > li')[71].getBoundingClientRect().top")
    assert moved == pytest.approx(200, abs=1)

    # A search typed, not yet sent, when a sync redraws the list: still there, and Enter runs it.
    page.evaluate("window.scrollTo(0, 0)")
    search = page.get_by_label("搜索走访")
    search.fill("申请人007")
    sync_brings(page, visit(me, "又一条", T0 + 501 * MINUTE), 122)
    expect(search).to_have_value("申请人007")
    expect(search).to_be_focused()
    search.press("Enter")
    expect(page.get_by_text("共 1 条")).to_be_visible()
    assert shown_ids(page) == [mine[7]["record"]]
    ctx.close()


def test_pwa_visit_list_redraw_keeps_keyboard_focus_on_more_and_on_a_row(chromium: Browser,
                                                                         pwa_server: Any) -> None:
    ctx, page, me, _mine = my_visit_list(chromium, pwa_server)

    # A keyboard on 显示更多 when a sync redraws the list: still on it, and Enter loads more.
    page.locator("button.more").evaluate("(b) => b.focus({ preventScroll: true })")
    sync_brings(page, visit(me, "刚同步的", T0 + 500 * MINUTE), 121)
    expect(page.locator("button.more")).to_be_focused()
    # (The redraw may have loaded a page more itself, to keep the last row it had in the list.)
    drawn = page.locator("ul.list > li").count()
    page.keyboard.press("Enter")
    expect(page.locator("ul.list > li")).to_have_count(min(drawn + 50, 121))

    # On a row: the same row (by its visit) keeps the focus, though it moved down one place.
    row = page.locator("ul.list > li > a").nth(3)
    href = row.get_attribute("href")
    row.focus()
    sync_brings(page, visit(me, "又一条", T0 + 501 * MINUTE), 122)
    expect(page.locator(f'ul.list > li > a[href="{href}"]')).to_be_focused()
    expect(page.locator("ul.list > li > a").nth(4)).to_be_focused()
    ctx.close()


def test_pwa_visit_list_redraw_keeps_rows_a_tap_was_loading(chromium: Browser, pwa_server: Any) -> None:
    ctx, page, me, _mine = my_visit_list(chromium, pwa_server)
    # A sync's redraw starts, and 显示更多 is tapped while the new screen is being drawn: the
    # rows the tap asked for are in the list that replaces it.
    page.evaluate("document.querySelector('#view > .screen').dataset.before = '1'")
    page.evaluate("""async ([change]) => { const store = await import('/app/store.js');
        const bus = await import('/app/bus.js');
        await store.settle({changes: [change]}, []);
        bus.emit({type: 'changed', received: 1});
        document.querySelector('button.more').click(); }""",
                  [visit(me, "刚同步的", T0 + 500 * MINUTE)])
    expect(page.locator("#view > .screen:not([data-before])")).to_have_count(1)
    expect(page.get_by_text("共 121 条")).to_be_visible()
    # At least the 100 asked for and the one the sync put on top (more, when the tap's rows had
    # landed before the redraw: then it also loads the page holding the last row shown).
    expect(page.locator("ul.list > li").nth(100)).to_be_attached()
    ctx.close()
