"""Rough edges a new user hit on a 360 px phone: every view of the sync state follows one
source and updates live when the link returns; a resolved conflict leaves the record at once
(shown as pending until the next sync); 开始上门 stays on one line."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.axe import assert_accessible
from tests.support.pwa import (
    api_login,
    api_push,
    db_rows,
    expect_unsent,
    new_op,
    phone,
    save_visit,
    status,
    sync_now,
)

pytestmark = pytest.mark.browser


def test_pwa_sync_state_views_update_live_when_the_link_returns(chromium: Browser, pwa_server: Any) -> None:
    ctx, page = phone(chromium, pwa_server.base_url, "field1")
    ctx.set_offline(True)
    save_visit(page, f"离线走访{uuid.uuid4().hex[:6]}")
    sync_now(page)  # fails: no link
    expect(status(page)).to_contain_text("离线")
    page.get_by_role("link", name=re.compile("^同步")).click()
    summary = page.get_by_role("definition").filter(has_text="项")  # 未同步更改 N 项
    expect(page.locator(".kvs").first).to_contain_text("离线")
    expect(summary.first).to_have_text(re.compile(r"^1 项"))

    # The random wait before syncing on a returned link is at its longest (~8 s) here, so
    # what the views say in between is seen for certain.
    page.evaluate("Math.random = () => 0.99")
    ctx.set_offline(False)
    # Right after the link is back no view says the sync failed, nor offline: one is coming.
    # (Waited for, not read at a fixed moment: on a loaded machine the online event may take
    # a while to reach the page; the 8 s wait leaves room.)
    expect(page.locator("#status-note")).to_have_text("已联网，即将同步", timeout=4_000)
    expect(page.locator(".kvs").first).to_contain_text("已联网，即将同步")
    expect(page.locator(".kvs").first).not_to_contain_text("离线")
    # ...and once it ran (after the random wait of up to 8 s), both views say so, without
    # leaving the 同步 page.
    expect_unsent(page, 0, timeout=30_000)
    expect(summary.first).to_have_text(re.compile(r"^0 项"))
    expect(page.locator(".kvs").first).to_contain_text("正常")
    expect(page.locator("#status-note")).to_have_text("")
    assert page.locator("#nav-badge").is_hidden()
    ctx.close()


def test_pwa_resolved_conflict_clears_at_once_and_shows_pending(chromium: Browser, pwa_server: Any) -> None:
    """A supervisor resolves from the county's conflict inbox (their device no longer syncs
    the county's records): the row goes at once, without waiting for any sync."""
    base = pwa_server.base_url
    case_id = str(uuid.uuid4())
    applicant = f"钱秀英{uuid.uuid4().hex[:4]}"
    made = api_push(base, api_login(base, "centre1"), [new_op("cases", case_id, {
        "centre_id": "c-shiqiao", "matter_id": "m-yanglao", "status": "accepted", "channel": "window",
        "applicant.name": applicant, "notes": "窗口受理"})])
    version = made["results"][0]["version"]
    # Two staff write the notes without seeing each other: the later wins, the other is kept.
    api_push(base, api_login(base, "field1"), [new_op("cases", case_id, {"notes": "甲"}, base=version)])
    time.sleep(0.01)
    api_push(base, api_login(base, "field2"), [new_op("cases", case_id, {"notes": "乙"}, base=version)])
    [(conflict,)] = db_rows(pwa_server.db, "SELECT id FROM conflicts WHERE record=?", case_id)

    ctx, page = phone(chromium, base, "super1")
    page.goto(f"{base}/#/ws/queues?tab=conflicts")
    row = page.locator(f'[data-conflict="{conflict}"]')
    expect(row).to_be_visible()
    # No sync may answer now: what clears the row is the resolution itself.
    page.route("**/api/v1/sync", lambda route: route.abort())
    row.get_by_role("button", name="保留当前值").click()
    expect(row).to_have_count(0)
    assert db_rows(pwa_server.db, "SELECT count(*) FROM conflicts"
                   " WHERE record=? AND resolved_version IS NULL", case_id) == [(0,)]
    page.unroute("**/api/v1/sync")
    page.reload()
    expect(page.get_by_role("heading", name="审核")).to_be_visible()
    expect(page.locator(f'[data-conflict="{conflict}"]')).to_have_count(0)
    ctx.close()


def test_pwa_start_visit_label_fits_one_line_at_360px(chromium: Browser, pwa_server: Any) -> None:
    ctx, page = phone(chromium, pwa_server.base_url, "field1", offline=True)
    notes = f"一行{uuid.uuid4().hex[:6]}"
    save_visit(page, notes)
    page.get_by_text(notes).click()
    button = page.get_by_role("button", name="开始上门")
    expect(button).to_be_visible()
    assert page.viewport_size and page.viewport_size["width"] == 360
    # One line box for the label (a wrapped label has two), and the label is not clipped.
    # A background sync may redraw the page between finding the button and measuring it (a
    # detached button has no line boxes): measure the button as it stands, until it has lines.
    lines = 0
    for _ in range(20):
        lines = button.evaluate("""b => { const r = document.createRange(); r.selectNodeContents(b);
          return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }""")
        if lines:
            break
        page.wait_for_timeout(100)
    assert lines == 1
    assert button.evaluate("b => b.scrollWidth <= b.clientWidth")
    ctx.close()


#: Each filter button's label, its line count (distinct line tops of its text), height, and
#: whether the label fits. This machine has no CJK font: each character draws as a narrow
#: box, and a label never wraps. Spaced out to 1em a character, as a phone's CJK font draws it.
SEG_LINES = """() => [...document.querySelectorAll('main .seg a')].map(a => {
  const probe = document.createElement('span');
  probe.textContent = '期';
  a.parentElement.after(probe);
  const size = parseFloat(getComputedStyle(a).fontSize);
  probe.style.fontSize = `${size}px`;
  a.style.letterSpacing = `${Math.max(0, size - probe.getBoundingClientRect().width)}px`;
  probe.remove();
  return a; }).map(a => {
  const r = document.createRange(); r.selectNodeContents(a);
  return [a.textContent, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size,
          a.getBoundingClientRect().height, a.scrollWidth <= a.clientWidth]; })"""


def test_pwa_filter_bars_keep_labels_whole_at_360px(chromium: Browser, pwa_server: Any) -> None:
    """The cases' and the complaints' filter bars break between buttons at 360 px, never
    inside a label (已超/期, 待答/复), and every button stays a 44 px touch target."""
    ctx, page = phone(chromium, pwa_server.base_url, "centre1", offline=True)
    try:
        for where, first in (("#/cases", "在办"), ("#/complaints", "待答复")):
            page.goto(pwa_server.base_url + "/" + where)
            expect(page.get_by_role("group", name="筛选").get_by_role("link", name=first)).to_be_visible()
            buttons = page.evaluate(SEG_LINES)
            assert len(buttons) == 6, buttons
            for label, lines, height, unclipped in buttons:
                assert lines == 1 and unclipped, (where, label, lines)
                assert height >= 44, (where, label, height)
            assert_accessible(page, f"{where} filter bar (360 px)")
    finally:
        ctx.close()
