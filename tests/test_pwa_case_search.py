"""Case search on the phone, in Chromium against a real server: it searches as you type
(debounced; Enter still searches at once), the count is a polite live region and focus stays
in the box; the last digits of an applicant's phone number and of the ID number find the case,
but only the ID digits the page shows (masked: the first and last four), so six digits
reaching into the masked part find nothing. axe clean at 360 px."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible
from tests.support.pwa import api_push, new_op, phone, sync_now, user_login

pytestmark = pytest.mark.browser


def test_pwa_case_search_as_you_type_by_phone_and_id_tail(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    token, _ = user_login(base, "centre1")
    people = [("孙小红", "11010519491231002X", "139 0000 5678"),
              ("周大勇", "110105198001017654", "13612340000"),
              ("吴春梅", "110105197505051111", "13700001111")]
    made = api_push(base, token, [new_op("cases", f"srch-{i}", {
        "centre_id": "c-shiqiao", "matter_id": "m-x", "status": "accepted", "applicant.name": name,
        "applicant.id_number": idn, "applicant.phone": tel}) for i, (name, idn, tel) in enumerate(people)])
    assert all(r["status"] == "applied" for r in made["results"]), made
    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        page.goto(base + "/#/cases?f=all")
        rows = page.get_by_role("list", name="办件列表").get_by_role("link")
        expect(rows).to_have_count(3)
        box = page.get_by_role("searchbox", name="搜索办件")
        count = page.get_by_role("status").filter(has_text="共")
        expect(count).to_have_text("共 3 件")
        assert count.get_attribute("aria-live") == "polite"

        # As you type, no Enter: the ID's last four (with its X) find one case.
        box.press_sequentially("002x", delay=40)
        expect(count).to_have_text("共 1 件")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("孙小红")
        expect(box).to_be_focused()
        assert "q=002x" in page.evaluate("location.hash")
        assert_accessible(page, "case search by an ID's last digits (360 px)")

        # Six digits reach into the masked part: nothing (the page never shows them).
        box.fill("")
        box.press_sequentially("31002X", delay=40)
        expect(count).to_have_text("共 0 件")
        expect(page.get_by_text("没有办件")).to_be_visible()
        expect(box).to_be_focused()

        # The phone number's last digits (stored with spaces), typed.
        box.fill("")
        box.press_sequentially("5678", delay=40)
        expect(count).to_have_text("共 1 件")
        expect(rows.first).to_contain_text("孙小红")

        # Enter searches at once; the name still works.
        box.fill("周大勇")
        box.press("Enter")
        expect(count).to_have_text("共 1 件")
        expect(rows.first).to_contain_text("周大勇")
        box.fill("")
        box.press("Enter")
        expect(count).to_have_text("共 3 件")

        # The search survives a redraw (it is in the address).
        box.press_sequentially("1111", delay=40)
        expect(count).to_have_text("共 1 件")
        page.reload()
        expect(page.get_by_role("searchbox", name="搜索办件")).to_have_value("1111")
        expect(page.get_by_role("list", name="办件列表").get_by_role("link")).to_have_count(1)

        # A filter keeps the search: 已办结 has none of them, 在办 the one found.
        page.get_by_role("group", name="筛选").get_by_role("link", name="已办结").click()
        expect(page.get_by_role("searchbox", name="搜索办件")).to_have_value("1111")
        expect(page.get_by_text("没有办件")).to_be_visible()
        page.get_by_role("group", name="筛选").get_by_role("link", name="在办").click()
        expect(page.get_by_role("searchbox", name="搜索办件")).to_have_value("1111")
        expect(page.get_by_role("list", name="办件列表").get_by_role("link")).to_have_count(1)
        assert "q=1111" in page.evaluate("location.hash")
    finally:
        ctx.close()


def test_pwa_case_list_finished_work_by_when_it_finished(chromium: Browser, pwa_server: Any) -> None:
    """已办结 lists the latest decision first: a case refused today (it has no acceptance time,
    and sank to the bottom) above one completed days ago."""
    base = pwa_server.base_url
    token, _ = user_login(base, "centre1")
    now = int(time.time() * 1000)
    made = api_push(base, token, [
        new_op("cases", "fin-old", {"centre_id": "c-shiqiao", "matter_id": "m-x", "status": "completed",
                                    "applicant.name": "早办结", "accepted_at": now - 9 * 86_400_000,
                                    "completed_at": now - 5 * 86_400_000}),
        new_op("cases", "fin-new", {"centre_id": "c-shiqiao", "matter_id": "m-x", "status": "consulted",
                                    "applicant.name": "今日不予受理"}),
        new_op("cases", "fin-new", {"status": "refused", "refusal_reason": "不属于本中心受理范围"})])
    assert all(r["status"] == "applied" for r in made["results"]), made
    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        page.goto(base + "/#/cases?f=done")
        rows = page.get_by_role("list", name="办件列表").get_by_role("link")
        expect(rows.first).to_contain_text("今日不予受理")
        expect(rows.nth(1)).to_contain_text("早办结")
    finally:
        ctx.close()
