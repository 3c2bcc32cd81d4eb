"""今日 with many visits on the device, across many days: it reads one person's day from the
`agenda` index of the `lists` store (pwa/app/store/lists.js, records.js agendaPage), not every
visit, and still shows exactly what it showed when it filtered them all: my visits in
progress (whatever their date) first, then by planned time my planned visits due by tonight
(overdue ones from any earlier day, and those with no time) and the ones I ended today, plus
any visit with unsent work (anyone's, any day); nothing of tomorrow or later, nothing ended
on another day, nothing of a colleague's. The day's edges are checked to the millisecond, a
later sync page that re-dates or finishes a visit moves it in or out, and the count and the
order hold across pages (the first draw shows a few rows, the rest load on scrolling)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.axe import assert_accessible
from tests.support.pwa import idb, phone, wait_ready

pytestmark = pytest.mark.browser

SETTLE = """async ([changes]) => { const store = await import('/app/store.js');
    await store.settle({changes}, []); }"""
HOUR = 3_600_000
DAY = 24 * HOUR


def visit(staff: str, name: str, status: str, planned_at: int | None, ended_at: int | None = None,
          record: str | None = None) -> dict[str, Any]:
    """A synced visit as a sync page brings it."""
    data: dict[str, Any] = {"centre_id": "c-shiqiao", "kind": "home_service", "status": status,
                            "staff_ids": [staff], "applicant": {"name": name}, "address": "石桥镇"}
    if planned_at is not None:
        data["planned_at"] = planned_at
    if ended_at is not None:
        data["ended_at"] = ended_at
    return {"collection": "visits", "record": record or str(uuid.uuid4()), "version": 3, "deleted": False,
            "data": data, "conflicts": []}


def shown_ids(page: Page) -> list[str]:
    """The visit ids of 今日's 我的走访 rows, top to bottom."""
    rows = page.get_by_role("list", name="我的走访").locator(":scope > li > a")
    hrefs = rows.evaluate_all("(as) => as.map((a) => a.getAttribute('href'))")
    return [h.removeprefix("#/visit/") for h in hrefs]


def show_all(page: Page, n: int) -> None:
    """Load every row of 我的走访 (the button, as a keyboard user would) until n are shown."""
    section = page.get_by_role("region", name="我的走访")
    while section.locator("button.more").count():
        section.locator("button.more").click()
    expect(page.get_by_role("list", name="我的走访").locator(":scope > li")).to_have_count(n)


def order(v: dict[str, Any]) -> tuple[int, int, str]:
    """今日's order: in progress first, then planned time (none = 0), then id."""
    d = v["data"]
    return (0 if d["status"] == "in_progress" else 1, d.get("planned_at") or 0, v["record"])


def test_pwa_today_shows_the_day_from_the_index_among_many_visits(chromium: Browser, pwa_server: Any) -> None:
    tz = ZoneInfo("Asia/Shanghai")  # the phone's (tests/support/pwa.py PHONE)
    noon = datetime.now(tz).replace(hour=12, minute=0, second=0, microsecond=0)
    start = int(noon.replace(hour=0).timestamp() * 1000)
    end = start + DAY - 1  # 23:59:59.999 (Asia/Shanghai has no summer time)
    ctx, page = phone(chromium, pwa_server.base_url, "field1", offline=True)
    ctx.clock.set_system_time(noon)  # the whole test on one day, whenever it runs
    page.reload()
    wait_ready(page)
    assert idb(page, "return new Date().setHours(0, 0, 0, 0);") == start
    me = idb(page, "return (await store.getMeta('session')).user.id;")

    shown: list[dict[str, Any]] = []
    hidden: list[dict[str, Any]] = []
    # On today's list: due by tonight (the last millisecond included), overdue from any
    # earlier day, no time at all, in progress whatever its date, ended today (the first
    # millisecond included, and the last) whatever its planned date.
    shown += [visit(me, "今天上午", "planned", start + 9 * HOUR),
              visit(me, "今晚最后一刻", "planned", end),
              visit(me, "今天零点", "planned", start),
              visit(me, "没有时间", "planned", None),
              visit(me, "下周已开始", "in_progress", start + 7 * DAY),
              visit(me, "上月已开始", "in_progress", start - 30 * DAY),
              visit(me, "今天刚完成", "done", start - 2 * DAY, start),
              visit(me, "今天最后完成", "done", start + 3 * DAY, end),
              visit(me, "今天取消", "cancelled", start + 9 * HOUR, start + 10 * HOUR)]
    shown += [visit(me, f"逾期{i:02d}", "planned", start - (i + 1) * DAY + i * 1000) for i in range(40)]
    # Not on it: tomorrow (its first millisecond too), next week, ended yesterday (its last
    # millisecond too) or tomorrow, and a colleague's visits of today.
    hidden += [visit(me, "明天零点", "planned", end + 1),
               visit(me, "明天", "planned", start + DAY + 9 * HOUR),
               visit(me, "昨天完成", "done", start - DAY, start - 1),
               visit(me, "上周完成", "done", start - 8 * DAY, start - 7 * DAY),
               visit(me, "提前完成", "done", start - DAY, end + 1),
               visit("u-other", "同事今天", "planned", start + 9 * HOUR),
               visit("u-other", "同事开始", "in_progress", start)]
    hidden += [visit(me, f"下周{i:03d}", "planned", start + (i % 7 + 1) * DAY + i * 1000) for i in range(300)]
    hidden += [visit(me, f"往日完成{i:03d}", "done", start - (i % 30 + 1) * DAY,
                     start - (i % 30 + 1) * DAY + HOUR) for i in range(300)]
    batch = shown + hidden
    batch.sort(key=lambda v: v["record"])  # stored in no particular order
    for i in range(0, len(batch), 200):
        page.evaluate(SETTLE, [batch[i:i + 200]])

    # Later sync pages: one visit re-dated from next week to this morning (in), one of
    # today's finished yesterday (out), one overdue one finished today (stays, as ended today).
    moved_in = next(v for v in hidden if v["data"]["applicant"]["name"] == "下周005")
    moved_out = next(v for v in shown if v["data"]["applicant"]["name"] == "今天上午")
    finished = next(v for v in shown if v["data"]["applicant"]["name"] == "逾期03")
    later = [{**moved_in, "version": 4, "data": {**moved_in["data"], "planned_at": start + 8 * HOUR}},
             {**moved_out, "version": 4,
              "data": {**moved_out["data"], "status": "done", "ended_at": start - HOUR}},
             {**finished, "version": 4,
              "data": {**finished["data"], "status": "done", "ended_at": start + 11 * HOUR}}]
    page.evaluate(SETTLE, [later])
    hidden.remove(moved_in)
    shown.remove(moved_out)
    shown.remove(finished)
    shown += later[0::2]
    hidden.append(later[1])
    # Unsent work shows whoever's and whenever it is: an edit of a colleague's visit of next
    # week, an edit of one of my visits of next week, and a visit made here (no time).
    colleague = visit("u-other", "同事下周", "planned", start + 6 * DAY)
    mine_later = next(v for v in hidden if v["data"]["applicant"]["name"] == "下周100")
    page.evaluate(SETTLE, [[colleague]])
    for v, name in ((colleague, "同事下周改过"), (mine_later, "下周改过")):
        idb(page, f"await store.edit('visits', {json.dumps(v['record'])}, {{'applicant.name': '{name}'}});")
        v["data"] = {**v["data"], "applicant": {"name": name}}
        shown.append(v)
    hidden.remove(mine_later)
    made = str(uuid.uuid4())
    idb(page, f"""await store.edit('visits', {json.dumps(made)}, {{centre_id: 'c-shiqiao', kind: 'follow_up',
        status: 'planned', staff_ids: [{json.dumps(me)}], 'applicant.name': '本机新建'}});""")
    shown.append({"record": made, "data": {"status": "planned"}})

    expected = [v["record"] for v in sorted(shown, key=order)]
    page.goto(f"{pwa_server.base_url}/#/cases")
    page.goto(f"{pwa_server.base_url}/#/today")
    section = page.get_by_role("region", name="我的走访")
    expect(section.get_by_role("heading", name=f"我的走访（{len(expected)}）")).to_be_visible()
    expect(page.get_by_text(f"今天有 {len(expected)} 项走访")).to_be_visible()
    # Whatever has loaded so far (a few rows at first; more as the list nears the screen's
    # end) is the start of the day's list, in order.
    first = shown_ids(page)
    assert first and first == expected[:len(first)], (first, expected)
    expect(section.locator("li strong").first).to_have_text("上月已开始")  # in progress, a month late
    expect(section.locator("li strong").nth(1)).to_have_text("下周已开始")
    show_all(page, len(expected))
    assert shown_ids(page) == expected
    names = set(section.locator("li strong").all_inner_texts())
    assert {"今天刚完成", "今天最后完成", "今天取消", "今晚最后一刻", "没有时间", "逾期39", "逾期03",
            "下周005", "同事下周改过", "下周改过", "本机新建"} <= names, names
    assert not names & {v["data"]["applicant"]["name"] for v in hidden}, names
    expect(section.get_by_text("待同步", exact=True)).to_have_count(3)  # the unsent ones say so
    assert_accessible(page, "今日, many visits")
    ctx.close()
