"""The county workspace in real Chromium against a real server: a supervisor's month.

Open the overview, drill into a township, return one inspection and approve another from the
review queue, release a quarantined op after its fix (and drop another with a reason),
resolve a conflict from the inbox, export the month's cases and open the file,
see the centre become eligible and run an award through its public notice. The quarantine
reads in Chinese (the server's English kept aside, marked as such), with the sender's name and
the record short; a board's case is titled by its matter and applicant. Field staff see
none of it (the server says 403; the app shows no workspace link). Every workspace screen is
audited with axe at 1280 px and 360 px, and the overview's table sorts by keyboard.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
import uuid
from typing import Any

import httpx
import openpyxl
import pytest
from playwright.sync_api import Browser, Page, expect

from server.system import system_write
from server.writer import Writer
from tests.support.axe import assert_accessible, desktop_context
from tests.support.pwa import (
    api_login,
    api_push,
    db_rows,
    login,
    name_user,
    new_context,
    new_op,
    sync_now,
    user_login,
)
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser

CST = dt.timezone(dt.timedelta(hours=8))
TEMPLATE = {
    "name": "窗口规范化考评",
    "county_id": "k-qingshan",
    "version": 1,
    "status": "published",
    "sections": [
        {
            "id": "S1",
            "name": "服务规范",
            "mode": "deduct",
            "points": 100,
            "items": [{"id": "e1", "text": "一次性告知", "rule": "deduct_each", "per": 1}],
        },
        {
            "id": "V",
            "name": "一票否决",
            "mode": "deduct",
            "points": 0,
            "items": [{"id": "v1", "text": "违反“六个严禁”", "rule": "veto"}],
        },
    ],
}
SCREENS = [
    ("#/ws/overview", "全县总览"),
    ("#/ws/centre/c-shiqiao", "中心详情"),
    ("#/ws/centre/c-shiqiao?tab=inspections", "中心详情"),
    ("#/ws/report", "月度报告"),
    ("#/ws/boards", "督办看板"),
    ("#/ws/boards?tab=rectifications", "督办看板"),
    ("#/ws/boards?tab=complaints", "督办看板"),
    ("#/ws/queues", "审核"),
    ("#/ws/queues?tab=conflicts", "审核"),
    ("#/ws/queues?tab=quarantine", "审核"),
    ("#/ws/awards", "考评与评优"),
    ("#/ws/ledgers", "台账导出"),
    ("#/ws/admin", "设备与人员"),
    ("#/ws/admin?tab=users", "设备与人员"),
    ("#/ws/admin?tab=centres", "设备与人员"),
    ("#/ws/admin?tab=matters", "设备与人员"),
    ("#/ws/admin?tab=templates", "设备与人员"),
]


def this_month() -> str:
    return dt.datetime.now(CST).strftime("%Y-%m")


def last_month() -> str:
    return (dt.datetime.now(CST).replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")


@pytest.fixture(scope="module")
def month(pwa_server: Any) -> dict[str, Any]:
    """A month's work in 石桥镇: two submitted inspections (98 points), a case, a conflict, a
    complaint waiting for a reply; an award whose public notice ended last week."""
    base = pwa_server.base_url
    now = int(time.time() * 1000)
    sup = api_login(base, "super1")
    assert api_push(base, sup, [new_op("templates", "t-ws", TEMPLATE)])["results"][0]["status"] == "applied"
    field = api_login(base, "field1")
    good, other = f"i-good-{uuid.uuid4().hex[:6]}", f"i-back-{uuid.uuid4().hex[:6]}"
    inspection = {
        "centre_id": "c-shiqiao",
        "template_id": "t-ws",
        "template_version": 1,
        "started_at": now - 3600_000,
        "submitted_at": now - 1800_000,
        "status": "submitted",
        "items": {"e1": {"count": 2}, "v1": {"vetoed": False}},
    }
    res = api_push(
        base, field, [new_op("inspections", good, inspection), new_op("inspections", other, inspection)]
    )
    assert [r["status"] for r in res["results"]] == ["applied", "applied"], res
    applicant = f"孙桂芝{uuid.uuid4().hex[:4]}"
    case = str(uuid.uuid4())
    made = api_push(
        base,
        api_login(base, "centre1"),
        [
            new_op(
                "cases",
                case,
                {
                    "centre_id": "c-shiqiao",
                    "matter_id": "m-yanglao",
                    "status": "accepted",
                    "channel": "window",
                    "applicant.name": applicant,
                    "applicant.phone": "13912345678",
                    "notes": "窗口受理",
                },
            )
        ],
    )
    version = made["results"][0]["version"]
    api_push(base, field, [new_op("cases", case, {"notes": "甲：材料齐全"}, base=version)])
    time.sleep(0.01)
    api_push(
        base, api_login(base, "field2"), [new_op("cases", case, {"notes": "乙：要求延期"}, base=version)]
    )
    [(conflict,)] = db_rows(pwa_server.db, "SELECT id FROM conflicts WHERE record=?", case)
    complaint = str(uuid.uuid4())
    api_push(
        base,
        api_login(base, "centre1"),
        [
            new_op(
                "complaints",
                complaint,
                {
                    "centre_id": "c-shiqiao",
                    "content": "窗口排队太久",
                    "status": "open",
                    "received_at": now - 3600_000,
                },
            )
        ],
    )
    # Last month's approved inspection (98 points) makes 石桥镇 eligible for last month's award.
    earlier = f"i-last-{uuid.uuid4().hex[:6]}"
    mid = dt.datetime.strptime(last_month() + "-15", "%Y-%m-%d").replace(tzinfo=CST)
    mid_last = int(mid.timestamp() * 1000)
    done = {**inspection, "started_at": mid_last, "submitted_at": mid_last + 3600_000}
    made_last = api_push(base, field, [new_op("inspections", earlier, done)])["results"][0]
    assert made_last["status"] == "applied", made_last
    verdict = {"status": "approved", "review.comment": "合格"}
    approved = api_push(base, sup, [new_op("inspections", earlier, verdict,
                                           base=made_last["version"])])["results"][0]
    assert approved["status"] == "applied", approved
    # An award through every step to a public notice that started ten days ago (ended).
    award = f"a-{uuid.uuid4().hex[:6]}"
    steps: list[dict[str, Any]] = [
        {
            "centre_id": "c-shiqiao",
            "kind": "best_window",
            "period": last_month(),
            "status": "nominated",
            "nomination.reason": "服务规范",
        },
        {"status": "leader_signed", "leader.by": "u"},
        {"status": "supervision_reviewed", "supervision.by": "u"},
        {"status": "group_reviewed", "group.by": "u"},
        {"status": "decided", "decision.by": "u"},
        {"status": "notice", "notice_started_at": now - 10 * 86400_000},
    ]
    results = api_push(base, sup, [new_op("awards", award, s) for s in steps])["results"]
    assert all(r["status"] == "applied" for r in results), results
    return {
        "good": good,
        "other": other,
        "case": case,
        "applicant": applicant,
        "conflict": conflict,
        "award": award,
    }


def record(db: Any, collection: str, rid: str) -> dict[str, Any]:
    [(data,)] = db_rows(db, "SELECT data FROM records WHERE collection=? AND id=?", collection, rid)
    out: dict[str, Any] = json.loads(data)
    return out


def open_screen(page: Page, base: str, hash_: str, heading: str) -> None:
    page.goto(f"{base}/{hash_}")
    expect(page.locator("#view h1").first).to_contain_text(heading)
    page.wait_for_timeout(100)


def desk(chromium: Browser, base: str, username: str = "super1") -> tuple[Any, Page]:
    ctx = desktop_context(chromium, accept_downloads=True)
    page = ctx.new_page()
    login(page, base, username, PASSWORD)
    return ctx, page


def test_workspace_supervisor_runs_the_month(
    chromium: Browser, pwa_server: Any, month: dict[str, Any]
) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    ctx, page = desk(chromium, base)
    # Home: the county overview from the server, not records synced into the browser.
    expect(page.get_by_role("heading", name="全县总览")).to_be_visible()
    overview = page.get_by_role("region", name=f"{this_month()} 各乡镇指标（点表头排序）")
    expect(overview).to_contain_text("石桥镇便民服务中心")
    expect(page.locator("svg.chart.bars").first).to_be_visible()
    expect(page.locator("svg.chart.spark").first).to_be_visible()
    # The workspace's own stylesheet (ws.css, not in a phone's shell) is applied to its first screen.
    assert page.evaluate("getComputedStyle(document.querySelector('main')).maxWidth") == "1240px"
    # The device syncs reference data and the inspections it reviews; no applicants' data.
    sync_now(page)
    held = page.evaluate("""async () => { const s = await import('/app/store.js'); const n = {};
        for (const c of ['cases', 'visits', 'complaints', 'evaluations', 'inspections', 'templates'])
          n[c] = (await s.list(c)).length;
        return n; }""")
    assert held["cases"] == held["visits"] == held["complaints"] == held["evaluations"] == 0, held
    assert held["inspections"] >= 2 and held["templates"] >= 1, held
    nav = [a.strip() for a in page.locator("#nav a").all_inner_texts()]
    assert nav[:6] == ["总览", "看板", "审核", "评优", "台账", "管理"]

    # Drill into the township: its cases come from the server's paged list.
    overview.get_by_role("link", name="石桥镇便民服务中心").click()
    expect(page.get_by_role("heading", name="中心详情")).to_be_visible()
    expect(page.get_by_role("list", name="石桥镇便民服务中心 的办件")).to_contain_text(month["applicant"])
    page.get_by_role("link", name="检查", exact=True).click()
    expect(page.locator(f'li[data-id="{month["good"]}"]')).to_be_visible()

    # Review queue: return one inspection with a comment, approve the other.
    page.goto(f"{base}/#/ws/queues?tab=inspections")
    back = page.locator(f'li[data-id="{month["other"]}"]')
    expect(back.locator(".chip").filter(has_text="已提交")).to_be_visible()  # not the code "submitted"
    expect(back.get_by_role("link", name="打开审核")).to_have_attribute(
        "href", f"#/inspection/{month['other']}"
    )
    back.get_by_role("button", name="退回").click()  # no comment: said at the field
    expect(back.get_by_role("alert")).to_contain_text("请填写退回意见")
    back.get_by_label("退回意见").fill("第 3 项缺少照片")
    back.get_by_role("button", name="退回").click()
    expect(back).to_contain_text("已退回")
    page.locator(f'li[data-id="{month["good"]}"]').get_by_role("button", name="通过").click()
    expect(page.locator(f'li[data-id="{month["good"]}"]')).to_contain_text("已通过")
    returned = record(db, "inspections", month["other"])
    assert returned["status"] == "returned" and returned["review"]["comment"] == "第 3 项缺少照片"
    assert record(db, "inspections", month["good"])["status"] == "approved"

    # Conflict inbox: resolved from the list, gone from it at once.
    page.goto(f"{base}/#/ws/queues?tab=conflicts")
    row = page.locator(f'[data-conflict="{month["conflict"]}"]')
    expect(row).to_contain_text("石桥镇")
    row.get_by_role("button", name="改用另一值").click()
    expect(row).to_have_count(0)
    assert db_rows(
        db, "SELECT count(*) FROM conflicts WHERE id=? AND resolved_version IS NULL", month["conflict"]
    ) == [(0,)]

    # Boards: the complaint waiting for a reply names its township.
    page.goto(f"{base}/#/ws/boards?tab=complaints")
    expect(page.get_by_role("list", name="待回复投诉")).to_contain_text("窗口排队太久")
    expect(page.get_by_role("list", name="待回复投诉")).to_contain_text("石桥镇")

    # Ledgers: export this month's cases and open the file.
    page.goto(f"{base}/#/ws/ledgers")
    with page.expect_download() as dl:
        page.get_by_role("button", name="导出").click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(dl.value.path().read_bytes()), read_only=True).active
    rows = [[c for c in r] for r in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "编号"
    mine = [r for r in rows[1:] if r[0] == month["case"]]
    assert len(mine) == 1
    assert "13912345678" not in json.dumps(rows, ensure_ascii=False, default=str)  # masked
    # Unmasked needs a reason: said at the field, nothing exported.
    page.get_by_label("导出完整身份证号和电话（默认打码）").check()
    page.get_by_role("button", name="导出").click()
    expect(page.get_by_role("alert")).to_contain_text("请填写查看完整号码的理由")
    expect(page.get_by_label("查看完整号码的理由（将记入审计日志）")).to_be_focused()

    # Assessment: 98 points approved, no veto: eligible; nominate and walk the award flow.
    page.goto(f"{base}/#/ws/awards")
    assessment = page.get_by_role(
        "region", name=f"{this_month()} 规范化考评（平均分 ≥ 90 且无一票否决可提名）"
    )
    expect(assessment).to_contain_text("98")
    assessment.get_by_role("button", name="提名 石桥镇便民服务中心").click()
    mine_row = page.locator("li.ws-row", has_text="已提名")
    expect(mine_row).to_be_visible()
    for step in ("部门负责人签署通过", "督查科审核通过", "考评小组评审通过", "领导小组决定通过"):
        page.locator("li.ws-row", has=page.get_by_role("button", name=step)).get_by_role(
            "button", name=step
        ).click()
        expect(page.get_by_role("button", name=step)).to_have_count(0)
    page.get_by_role("button", name="开始公示（3 个工作日）").click()
    noticed = page.locator(
        "li.ws-row", has_text="公示中", has_not=page.get_by_role("button", name="公示期满，授予称号")
    )
    expect(noticed).to_contain_text("公示截止")
    expect(noticed).to_contain_text("公示期满后可授予")
    noticed.get_by_label("公示期异议内容").fill("群众反映该窗口曾推诿")
    noticed.get_by_role("button", name="记录异议").click()
    expect(page.locator("li.ws-row", has_text="群众反映该窗口曾推诿")).to_contain_text("异议 1 条")
    # The award whose notice has ended is granted: two years' validity.
    ended = page.locator(f'li.ws-row[data-id="{month["award"]}"]')
    ended.get_by_role("button", name="公示期满，授予称号").click()
    expect(page.locator(f'li.ws-row[data-id="{month["award"]}"]')).to_contain_text("有效期至")
    granted = record(db, "awards", month["award"])
    assert granted["status"] == "awarded" and granted["expires_at"] > granted["awarded_at"]
    ctx.close()


def test_workspace_field_staff_cannot_reach_it(
    chromium: Browser, pwa_server: Any, month: dict[str, Any]
) -> None:
    base = pwa_server.base_url
    token, _ = user_login(base, "field1")
    for path in (
        "/reports/overview",
        "/records/cases",
        "/boards/overdue",
        "/exports/cases.xlsx",
        "/users",
        "/reports/assessment",
    ):
        r = httpx.get(f"{base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 403, path
    ctx = new_context(chromium)
    page = ctx.new_page()
    login(page, base, "field1", PASSWORD)
    expect(page.get_by_role("heading", name="今日")).to_be_visible()
    assert [a.strip() for a in page.locator("#nav a").all_inner_texts()][:3] == ["今日", "办件", "走访"]
    expect(page.locator('a[href^="#/ws/"]')).to_have_count(0)
    page.goto(f"{base}/#/ws/overview")
    expect(page.get_by_role("alert")).to_contain_text("仅供县级督查人员使用")
    assert page.locator('link[href="/app/ws.css"]').count() == 0  # nor its stylesheet
    ctx.close()


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_workspace_screens_have_no_axe_violations(
    chromium: Browser, pwa_server: Any, month: dict[str, Any], width: str
) -> None:
    base = pwa_server.base_url
    if width == "desktop":
        ctx, page = desk(chromium, base, "admin1")
    else:
        ctx = new_context(chromium)
        page = ctx.new_page()
        login(page, base, "super1", PASSWORD)
    for hash_, heading in SCREENS:
        open_screen(page, base, hash_, heading)
        assert_accessible(page, f"{hash_} at {width}")
        if width == "phone":  # tables scroll in their own region; the page never does sideways
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), hash_
    # Offline: a clear 需要联网 state, audited too.
    ctx.set_offline(True)
    open_screen(page, base, "#/ws/boards", "督办看板")
    expect(page.get_by_role("heading", name="需要联网")).to_be_visible()
    assert_accessible(page, f"offline board at {width}")
    ctx.close()


def test_workspace_overview_sorts_by_keyboard(
    chromium: Browser, pwa_server: Any, month: dict[str, Any]
) -> None:
    base = pwa_server.base_url
    ctx, page = desk(chromium, base)
    table = page.get_by_role("region", name=f"{this_month()} 各乡镇指标（点表头排序）")
    header = table.get_by_role("button", name="检查得分")
    header.focus()
    page.keyboard.press("Enter")
    th = table.locator('th[data-k="inspection_score"]')
    expect(th).to_have_attribute("aria-sort", "descending")
    col = (
        "[...document.querySelectorAll('table.ws-table')[0].tBodies[0].rows].map(r => r.cells[6].textContent)"
    )
    shown = page.evaluate(col)
    figures = [float(v) for v in shown if v != "—"]
    assert figures == sorted(figures, reverse=True)
    assert shown == [str(v) for v in shown if v != "—"] + ["—"] * (len(shown) - len(figures))
    expect(table.get_by_role("button", name="检查得分 ↓")).to_be_focused()
    page.keyboard.press("Enter")
    expect(th).to_have_attribute("aria-sort", "ascending")
    ctx.close()


def test_workspace_matter_import_from_csv(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    ctx, page = desk(chromium, base)
    page.goto(f"{base}/#/ws/admin?tab=matters")
    sheet = (
        "事项名称,办件类型,承诺时限,设定依据,申请材料,收费标准\n"
        "残疾人证申领,承诺件,5个工作日,《残疾人保障法》,居民身份证、照片,不收费\n"
    )
    page.get_by_label("目录文件").set_input_files(
        files=[{"name": "目录.csv", "mimeType": "text/csv", "buffer": sheet.encode("utf-8")}]
    )
    page.get_by_role("button", name="导入").click()
    expect(page.locator(".ws-form [role=status]")).to_contain_text("已导入 1 项事项")
    # The catalogue is reference data: it comes down with the next sync.
    sync_now(page)
    page.reload()
    expect(page.get_by_role("region", name="事项目录")).to_contain_text("残疾人证申领")
    # A bad sheet: nothing imported, the row and column named.
    page.get_by_label("目录文件").set_input_files(
        files=[
            {
                "name": "坏.csv",
                "mimeType": "text/csv",
                "buffer": "事项名称,办件类型,承诺时限\n,承诺件,五天\n".encode(),
            }
        ]
    )
    page.get_by_role("button", name="导入").click()
    expect(page.get_by_role("alert")).to_contain_text("第 2 行")
    ctx.close()


def test_workspace_people_and_centres(chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    ctx, page = desk(chromium, base, "admin1")
    name = f"ws{uuid.uuid4().hex[:6]}"
    sync_now(page)  # the centre picker lists the centres the device holds: wait for them
    page.goto(f"{base}/#/ws/admin?tab=users")
    form = page.get_by_role("form", name="新增人员")
    form.get_by_label("用户名").fill(name)
    form.get_by_label("姓名").fill("赵敏")
    form.get_by_label("初始密码（至少 8 位）").fill("Start-2026-pass")
    form.get_by_label("角色").select_option("field")
    form.get_by_label("所属中心").select_option("c-shiqiao")
    form.get_by_role("button", name="新增").click()
    access = page.get_by_role("form", name=f"{name} 的角色与中心")
    expect(access).to_be_visible()
    access.get_by_label("角色").select_option("centre")
    access.get_by_label("中心").select_option("c-liulin")
    access.get_by_role("button", name="保存权限").click()
    expect(page.get_by_text("已保存，该用户的设备下次同步时按新权限重置")).to_be_visible()
    expect(page.get_by_role("form", name=f"{name} 的角色与中心").get_by_label("角色")).to_have_value("centre")
    assert db_rows(db, "SELECT role FROM users WHERE username=?", name) == [("centre",)]
    page.get_by_role("button", name=f"停用 {name}").click()
    expect(page.get_by_role("button", name=f"启用 {name}")).to_be_visible()
    assert db_rows(db, "SELECT disabled FROM users WHERE username=?", name) == [(1,)]
    # A centre's new window: an op on reference data, sent at once.
    page.goto(f"{base}/#/ws/admin?tab=centres")
    page.get_by_role("link", name="编辑 柳林乡便民服务中心").click()
    page.get_by_role("link", name="新增窗口").click()
    win = page.get_by_role("form", name="新增窗口：柳林乡便民服务中心")
    win.get_by_label("窗口名称").fill("社保医保窗口")
    win.get_by_role("button", name="保存").click()
    expect(page.get_by_role("list", name="窗口")).to_contain_text("社保医保窗口")
    windows = record(db, "centres", "c-liulin")["windows"]
    assert [w["name"] for w in windows.values()] == ["社保医保窗口"]
    ctx.close()


def test_workspace_monthly_report_prints_on_a4(
    chromium: Browser, pwa_server: Any, month: dict[str, Any]
) -> None:
    base = pwa_server.base_url
    ctx, page = desk(chromium, base)
    open_screen(page, base, f"#/ws/report?month={this_month()}", "月度报告")
    page.emulate_media(media="print")
    # Only the report: no app chrome, the month's table whole.
    for chrome in ("#nav", ".top", ".no-print"):
        assert page.locator(chrome).first.evaluate("e => getComputedStyle(e).display") == "none", chrome
    expect(page.get_by_role("table")).to_contain_text("石桥镇便民服务中心")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 2000
    ctx.close()


def test_workspace_quarantine_release_after_fix_and_drop(chromium: Browser, pwa_server: Any) -> None:
    """A field worker's visit in a centre not (yet) theirs is quarantined; once an admin gives
    them that centre it is released from the queue and applied; another is dropped with a
    reason. Both leave the open queue and are audited."""
    base, db = pwa_server.base_url, pwa_server.db
    token = api_login(base, "field3")
    fixed, dropped = str(uuid.uuid4()), str(uuid.uuid4())
    visit = {
        "centre_id": "c-shiqiao",
        "kind": "home_service",
        "status": "planned",
        "applicant.name": "周大爷",
        "reason": "上门认证",
    }
    res = api_push(base, token, [new_op("visits", fixed, visit), new_op("visits", dropped, visit)])
    assert [r["code"] for r in res["results"]] == ["forbidden", "forbidden"], res
    ops = {
        r["record"]: r["op_id"]
        for r in httpx.get(
            f"{base}/api/v1/quarantine", headers={"Authorization": f"Bearer {api_login(base, 'admin1')}"}
        ).json()["quarantine"]
        if r["record"] in (fixed, dropped)
    }
    # A refused status change keeps its details: the queue says what the case may become.
    case = f"case-{uuid.uuid4().hex[:8]}"
    [made] = api_push(base, token, [new_op("cases", case, {"centre_id": "c-liulin", "matter_id": "m-x",
                                                             "status": "accepted"})])["results"]
    assert made["status"] == "applied", made
    jump = new_op("cases", case, {"status": "refused", "refusal_reason": "材料不全"}, base=made["version"])
    [refused] = api_push(base, token, [jump])["results"]
    assert refused["code"] == "invalid_transition", refused
    ctx, page = desk(chromium, base, "admin1")
    page.goto(f"{base}/#/ws/queues?tab=quarantine")
    first = page.locator(f'li[data-op="{ops[fixed]}"]')
    expect(first.locator(".chip")).to_have_text("无权限修改")  # the reason in Chinese, not its code
    transition = page.locator(f'li[data-op="{jump["id"]}"]')
    expect(transition.locator(".chip")).to_have_text("状态变更不被允许")
    expect(transition.locator(".ws-reason")).to_have_text(
        "不能从“已受理”改为“不予受理”，可改为：待补件、办理中、已办结、退办")
    assert_accessible(page, "quarantine queue with ops")
    # Released before the fix: still refused, said on the row, the op stays.
    first.get_by_role("button", name="修正后放行").click()
    expect(first).to_contain_text("仍被拒绝")
    # The fix: field3 also works for 石桥镇 now.
    [(uid,)] = db_rows(db, "SELECT id FROM users WHERE username='field3'")
    r = httpx.put(
        f"{base}/api/v1/users/{uid}/access",
        json={"role": "field", "centre_ids": ["c-liulin", "c-shiqiao"]},
        headers={"Authorization": f"Bearer {api_login(base, 'admin1')}"},
    )
    assert r.status_code == 200, r.text
    first.get_by_role("button", name="修正后放行").click()
    expect(first).to_contain_text("已放行")
    assert record(db, "visits", fixed)["applicant"]["name"] == "周大爷"
    second = page.locator(f'li[data-op="{ops[dropped]}"]')
    second.get_by_label("作废原因").fill("重复录入")
    second.get_by_role("button", name="作废").click()
    expect(second).to_contain_text("已作废：重复录入")
    assert db_rows(db, "SELECT count(*) FROM records WHERE collection='visits' AND id=?", dropped) == [(0,)]
    page.reload()
    expect(page.get_by_role("heading", name="审核")).to_be_visible()
    expect(page.locator(f'li[data-op="{ops[fixed]}"]')).to_have_count(0)
    expect(page.locator(f'li[data-op="{ops[dropped]}"]')).to_have_count(0)
    ctx.close()


def system(db: Any, items: list[tuple[str, str, dict[str, Any], int]]) -> list[dict[str, Any]]:
    writer = Writer(str(db))
    try:
        return writer.run(lambda conn: system_write(conn, items))
    finally:
        writer.close()


def test_pwa_quarantine_reads_in_chinese(chromium: Browser, pwa_server: Any) -> None:
    base, db = pwa_server.base_url, pwa_server.db
    name_user(db, "field1", "林晓梅")
    name_user(db, "super1", "周建国")
    now = int(time.time() * 1000)
    open_case = str(uuid.uuid4())
    [_, made] = system(db, [
        ("matters", "m-ws-40", {"name": "宅基地审批", "county_id": "k-qingshan", "kind": "time_limited",
                                "time_limit_days": 40}, now),
        ("cases", open_case, {"centre_id": "c-shiqiao", "matter_id": "m-ws-40", "status": "handling",
                              "accepted_at": now - 86400_000}, now)])
    refused = new_op("cases", str(uuid.uuid4()), {"centre_id": "c-shiqiao", "matter_id": "m-ws-40",
                                                   "status": "refused", "applicant.name": "廖浩"})
    [r1] = api_push(base, api_login(base, "field1"), [refused])["results"]
    assert r1["code"] == "invalid", r1
    extend = new_op("cases", open_case, {"extension.days": 5}, base=made["version"])
    [r2] = api_push(base, api_login(base, "super1"), [extend])["results"]
    assert r2["code"] == "invalid", r2
    ctx, page = desk(chromium, base)
    try:
        sync_now(page)
        page.goto(f"{base}/#/ws/queues?tab=quarantine")
        row = page.locator(f'li[data-op="{refused["id"]}"]')
        title = row.locator(".ws-row-title")
        expect(title).to_have_text(f"办件 {refused['record'][:8]}…（宅基地审批 · 廖浩） · 林晓梅（field1）")
        expect(row.locator(".chip")).to_have_text("数据不符合要求")
        expect(row.locator(".ws-reason")).to_have_text("不予受理原因：状态为“不予受理”时必须填写")
        # The server's words stay, aside and marked English; nothing else on the row is.
        expect(row.locator('[lang="en"]')).to_have_text(r1["message"])
        assert "required" not in row.evaluate(
            "li => { const c = li.cloneNode(true); c.querySelectorAll('[lang=en]').forEach(e => e.remove());"
            " return c.textContent; }")
        row2 = page.locator(f'li[data-op="{extend["id"]}"]')
        expect(row2.locator(".ws-row-title")).to_have_text(f"办件 {open_case[:8]}… · 周建国（super1）")
        expect(row2.locator(".ws-reason")).to_have_text("延期原因：延期须写明原因")
        expect(row2.locator('[lang="en"]')).to_have_text("extension.reason: an extension needs a reason")
        assert_accessible(page, "quarantine queue in Chinese (1280 px)")
    finally:
        ctx.close()


def test_pwa_boards_case_rows_name_the_matter(chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    now = int(time.time() * 1000)
    late = str(uuid.uuid4())
    system(pwa_server.db, [
        ("matters", "m-ws-dibao", {"name": "最低生活保障申请", "county_id": "k-qingshan",
                                   "kind": "time_limited", "time_limit_days": 1}, now),
        ("cases", late, {"centre_id": "c-shiqiao", "matter_id": "m-ws-dibao", "status": "accepted",
                         "channel": "agency", "accepted_at": now - 20 * 86400_000,
                         "applicant": {"name": "廖浩", "phone": "13800004444"},
                         "notes": "全程代办:由代办员代为收件"}, now)])
    ctx, page = desk(chromium, base)
    try:
        sync_now(page)  # the matter catalogue is reference data the device holds
        page.goto(f"{base}/#/ws/boards?tab=overdue")
        row = page.locator(f'li[data-id="{late}"]')
        expect(row.locator(".ws-row-title")).to_have_text("最低生活保障申请 · 廖浩")
        expect(row).not_to_contain_text("全程代办")
        page.goto(f"{base}/#/ws/centre/c-shiqiao")
        expect(page.locator(f'li[data-id="{late}"] .ws-row-title')).to_have_text("最低生活保障申请 · 廖浩")
    finally:
        ctx.close()
