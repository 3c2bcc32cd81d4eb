"""A case search typed as you type (pwa/app/views/cases.js) puts the search in the address
without drawing the screen again; a later live redraw (a sync brought data) is still a redraw
of the same screen (router.replaceQuery): the rows the person had loaded stay loaded and the
list does not jump back to the top. A search still pending when the person leaves the list
does not write the list's address over the screen they went to."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.pwa import idb, phone
from tests.test_pwa_visit_list_redraw import PULLED, SETTLE

pytestmark = pytest.mark.browser

T0 = 1_900_000_000_000


def case(name: str, at: int) -> dict[str, Any]:
    """A synced case as a sync page brings it."""
    return {"collection": "cases", "record": str(uuid.uuid4()), "version": 3, "deleted": False,
            "data": {"centre_id": "c-shiqiao", "matter_id": "m-x", "status": "completed",
                     "applicant": {"name": name}, "accepted_at": at, "completed_at": at + 1},
            "conflicts": []}


def test_pwa_case_search_then_redraw_keeps_loaded_rows_and_place(chromium: Browser,
                                                                 pwa_server: Any) -> None:
    ctx, page = phone(chromium, pwa_server.base_url, "field1", offline=True)
    try:
        idb(page, "return 1;")
        page.evaluate(SETTLE, [[case(f"申请人{i:03d}", T0 + i) for i in range(120)]
                               + [case("另一位", T0 - 1)]])
        page.goto(f"{pwa_server.base_url}/#/cases?f=all")
        count = page.get_by_role("status").filter(has_text="共")
        expect(count).to_have_text("共 121 件")
        box = page.get_by_role("searchbox", name="搜索办件")
        box.press_sequentially("申请人", delay=30)
        expect(count).to_have_text("共 120 件")
        assert "q=" in page.evaluate("location.hash")
        rows = page.locator("ul.list > li")
        expect(rows).to_have_count(50)
        # Scrolled down: the second page of results loaded, the person reading row 70.
        page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        expect(rows).to_have_count(100)
        rows.nth(70).evaluate("(li) => window.scrollTo(0, window.scrollY"
                              " + li.getBoundingClientRect().top - 200)")
        page.evaluate("document.querySelector('#view > .screen').dataset.before = '1'")
        page.evaluate(PULLED, [[case("申请人999", T0 - 5)]])
        expect(page.locator("#view > .screen:not([data-before])")).to_have_count(1)
        expect(count).to_have_text("共 121 件")
        # Still the rows loaded before, and the place: not the first page at the top.
        assert rows.count() >= 100
        assert page.evaluate("window.scrollY") > 0
        top = page.evaluate("() => document.querySelectorAll('ul.list > li')[70].getBoundingClientRect().top")
        assert top == pytest.approx(200, abs=1)
    finally:
        ctx.close()


def test_pwa_case_search_pending_when_leaving_keeps_the_new_address(chromium: Browser,
                                                                    pwa_server: Any) -> None:
    ctx, page = phone(chromium, pwa_server.base_url, "field1", offline=True)
    try:
        idb(page, "return 1;")
        page.evaluate(SETTLE, [[case("张三", T0)]])
        page.goto(f"{pwa_server.base_url}/#/cases?f=all")
        box = page.get_by_role("searchbox", name="搜索办件")
        expect(box).to_be_visible()
        # Typed, and the person goes to 今日 before the search ran (no blur first: a hash
        # change, as the phone's back gesture or a notification makes).
        box.press_sequentially("张", delay=10)
        page.evaluate("location.hash = '#/today'")
        page.wait_for_timeout(600)  # past the search's 250 ms wait
        assert page.evaluate("location.hash") == "#/today"
        expect(page.locator("body[data-view='today']")).to_have_count(1)
    finally:
        ctx.close()
