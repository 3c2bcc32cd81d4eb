"""A grouped overdue notification opens exactly the work it counts, in Chromium against a real
server: a first sweep turns one of field1's cases overdue (told alone); a second sweep turns
an open case overdue and records a case completed late (问责 for a late completion), told as
one notification "2 件工作已超期". Tapping it lists those two cases, the completed one
included (the open-overdue filter would hide it), and not the first sweep's case nor a
colleague's. Two overdue complaints (naming nobody: told to the centre's staff) make a group
that lists those two. A group over the hundred the server lists shows those, its count and
a link to the rest. axe clean at 360 px; the list is reached and followed by keyboard."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from server.jobs.sweep import sweep
from server.system import system_write
from server.writer import Writer
from tests.support.axe import assert_accessible
from tests.support.county import COUNTY
from tests.support.pwa import db_rows, phone, sync_now

pytestmark = pytest.mark.browser
DAY = 86_400_000


def test_pwa_grouped_overdue_lists_its_subjects_late_completions_included(
        chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    [(field1,)] = db_rows(db, "SELECT id FROM users WHERE username='field1'")
    [(field2,)] = db_rows(db, "SELECT id FROM users WHERE username='field2'")
    now = int(time.time() * 1000)
    later = now + 60_000
    case = {"matter_id": "m-one-day", "accepted_at": now - 20 * DAY, "centre_id": "c-shiqiao",
            "applicant": {"name": "赵六", "phone": "13800000000"}}
    writer = Writer(str(db))
    try:
        writer.run(lambda conn: system_write(conn, [
            ("matters", "m-one-day", {"name": "临时救助", "county_id": COUNTY, "kind": "time_limited",
                                      "time_limit_days": 1}, now),
            ("cases", "gs-first", {**case, "status": "accepted", "handler_id": field1,
                                   "applicant": {"name": "第一次超期"}}, now)]))
        assert sweep(writer, now)["accountability"] == 1
        writer.run(lambda conn: system_write(conn, [
            ("cases", "gs-open", {**case, "status": "handling", "handler_id": field1,
                                  "applicant": {"name": "仍在办理"}}, later),
            ("cases", "gs-late", {**case, "status": "completed", "completed_at": now - 10 * DAY,
                                  "handler_id": field1, "applicant": {"name": "超期办结"}}, later),
            ("cases", "gs-other", {**case, "status": "accepted", "handler_id": field2,
                                   "applicant": {"name": "同事的办件"}}, later)]
            # complaints name nobody: the centre's staff are told, field1 among them
            + [("complaints", f"gs-cp{i}", {"centre_id": "c-shiqiao", "status": "open", "channel": "letter",
                                            "content": f"来信{i}", "received_at": now - 20 * DAY}, later)
               for i in range(2)]))
        assert sweep(writer, later)["accountability"] == 5
    finally:
        writer.close()

    ctx, page = phone(chromium, base, "field1")
    try:
        sync_now(page)
        page.goto(base + "/#/inbox")
        items = page.get_by_role("list", name="通知列表").get_by_role("listitem")
        expect(items).to_have_count(3)
        group = page.get_by_role("link", name="2 件工作已超期（办件等 2 件）")
        expect(group).to_be_visible()
        assert_accessible(page, "inbox with a grouped overdue notification (360 px)")
        group.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="2 件工作已超期")).to_be_visible()
        listed = page.get_by_role("list", name="办件列表").get_by_role("link")
        expect(listed).to_have_count(2)
        text = page.get_by_role("list", name="办件列表").inner_text()
        assert "超期办结" in text and "仍在办理" in text, text
        assert "第一次超期" not in text and "同事的办件" not in text, text
        expect(page.get_by_text("共 2 件")).to_be_visible()
        assert_accessible(page, "a grouped notification's subjects (360 px)")
        page.get_by_role("link", name="超期办结", exact=False).click()
        expect(page.get_by_role("heading", name="超期办结", exact=False)).to_be_visible()
        expect(page.get_by_role("region", name="问责")).to_be_visible()

        # The complaints' group (told to the centre's staff): its two complaints.
        page.goto(base + "/#/inbox")
        page.get_by_role("link", name="2 件工作已超期（投诉等 2 件）").click()
        complaints = page.get_by_role("list", name="投诉列表").get_by_role("link")
        expect(complaints).to_have_count(2)
        assert sorted(complaints.evaluate_all("(a) => a.map((x) => x.getAttribute('href'))")) == [
            "#/complaint/gs-cp0", "#/complaint/gs-cp1"]

        # A subject this phone does not hold (yet) is listed by its place in the group, so no
        # two such links read the same (WCAG 2.4.4).
        writer = Writer(str(db))
        try:
            unheld_note = {"user_id": field1, "kind": "overdue", "title": "2 件工作已超期", "count": 2,
                           "subject": {"collection": "cases", "record": "gs-unheld"}, "at": later + 1}
            writer.run(lambda conn: system_write(
                conn, [("notifications", "n-gs-unheld", unheld_note, later)]))
        finally:
            writer.close()
        sync_now(page)
        page.goto(base + "/#/inbox/n-gs-unheld")
        unheld = page.get_by_role("link", name="第 1 项办件（同步后显示详情）")
        expect(unheld).to_have_attribute("href", "#/case/gs-unheld")

        # A group larger than the server lists (its first hundred): those listed, the count,
        # and the way to the rest.
        writer = Writer(str(db))
        try:
            capped = {"user_id": field1, "kind": "overdue", "title": "150 件工作已超期", "count": 150,
                      "subject": {"collection": "cases", "record": "gs-late"},
                      "subjects": ["gs-late", "gs-open"], "at": later + 2}
            writer.run(lambda conn: system_write(conn, [("notifications", "n-gs-capped", capped, later)]))
        finally:
            writer.close()
        sync_now(page)
        page.goto(base + "/#/inbox/n-gs-capped")
        expect(page.get_by_role("list", name="办件列表").get_by_role("link")).to_have_count(2)
        expect(page.get_by_text("共 150 件，此处列出前 2 件")).to_be_visible()
        expect(page.get_by_role("link", name="查看全部已超期办件")).to_have_attribute(
            "href", "#/cases?f=overdue")
        assert_accessible(page, "a capped group's subjects (360 px)")
    finally:
        ctx.close()
