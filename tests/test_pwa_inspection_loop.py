"""THE inspection loop on real Chromium against a real server (issue 10's "done when"):
an inspector inspects offline with photos and a veto, the unit's representative signs, it is
submitted; a supervisor returns it with a comment pinned to an item; the phone shows the
comment on the item, the inspector corrects and resubmits; the supervisor approves; a
rectification is ordered, the centre answers with a photo, the items are re-inspected and the
supervisor verifies. The score the phone shows equals the server's at every step."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.inspections import TEMPLATE, county_users, inspector_phone, records, seed_template, stored
from tests.support.pwa import db_rows, draw_signature, expect_unsent, make_png, phone, sync_now
from tests.support.server import running_server

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with running_server(tmp_path_factory.mktemp("inspect"), users=county_users()) as handle:
        seed_template(handle.base_url)
        yield handle


def phone_score(page: Page) -> float:
    """The score the screen shows (the bar on the walk, the summary on the detail)."""
    el = page.locator("[data-score]").first
    expect(el).not_to_have_attribute("data-score", "")
    return float(el.get_attribute("data-score") or "nan")


def photo(tmp: Path, name: str, width: int) -> Path:
    p = tmp / name
    p.write_bytes(make_png(width, 300))
    return p


def sign(page: Page) -> None:
    """The unit's representative signs on the pad (scrolled into view first)."""
    page.locator("canvas.sig").scroll_into_view_if_needed()
    draw_signature(page)


def complete_attachments(db: Path) -> set[str]:
    return {r[0] for r in db_rows(db, "SELECT sha256 FROM attachments WHERE complete=1")}


def test_pwa_inspection_loop(chromium: Browser, server: Any, tmp_path: Path) -> None:
    base, db = server.base_url, server.db
    ictx, ins = inspector_phone(chromium, base)
    # an inspector sees no applicants' records: no 今日, 办件 or 走访 in the navigation
    expect(ins.get_by_role("link", name="走访")).to_be_hidden()
    ictx.set_offline(True)

    # -- inspect offline: counter, "no problem", rating, measured value, veto, photos ------------
    ins.get_by_role("button", name="新建检查").click()
    ins.get_by_label("被检查的服务中心").select_option("c-shiqiao")
    ins.get_by_role("button", name="开始检查").click()
    expect(ins.get_by_role("heading", level=1, name=re.compile("检查评分"))).to_be_visible()
    ins.get_by_role("button", name="增加：一次性告知").click()
    ins.get_by_role("button", name="增加：一次性告知").click()
    expect(ins.locator("[data-item=e1] .count")).to_have_text("2")
    ins.get_by_role("button", name="无问题：窗口卫生").click()
    ins.locator("[data-item=r1]").get_by_label("满意", exact=True).check()
    value = ins.locator("[data-item=q1] input[type=number]")
    value.fill("80")
    value.press("Tab")
    ins.locator("[data-item=e1] input[type=file]").set_input_files(str(photo(tmp_path, "a.png", 800)))
    expect(ins.locator("[data-item=e1] img")).to_have_count(1)
    ins.locator("[data-item=e2] input[type=file]").set_input_files(str(photo(tmp_path, "b.png", 700)))
    expect(ins.locator("[data-item=e2] img")).to_have_count(1)
    expect(ins.locator(".scorebar")).to_contain_text("未评 1 项")
    before_veto = phone_score(ins)
    assert before_veto == 32.0  # 10-4 + 18 + 8
    ins.get_by_role("switch", name="与群众发生争吵").click()
    dialog = ins.get_by_role("dialog", name="确认一票否决？")
    dialog.get_by_role("button", name="确认否决").click()
    expect(ins.get_by_role("switch", name="与群众发生争吵")).to_have_attribute("aria-checked", "true")
    expect(ins.locator(".veto-banner")).to_be_visible()
    expect(ins.locator(".scorebar")).to_contain_text("已全部评分")
    vetoed_score = phone_score(ins)

    # the draft survives closing the tab (every change is in the outbox)
    ins.close()
    ins = ictx.new_page()
    ins.goto(base + "/#/inspections")
    ins.locator(".item").filter(has_text="草稿").first.click()
    ins.get_by_role("button", name="继续检查").click()
    expect(ins.locator("[data-item=e1] .count")).to_have_text("2")
    assert phone_score(ins) == vetoed_score

    sign(ins)
    ins.get_by_role("button", name="提交检查").click()
    expect(ins.get_by_role("heading", level=1, name=re.compile("检查"))).to_contain_text("已提交")
    ictx.set_offline(False)
    sync_now(ins)
    expect_unsent(ins, 0)
    ((iid, data),) = records(db, "inspections").items()
    assert data["status"] == "submitted" and data["vetoed"] is True and data["signature"]
    assert data["score"] == vetoed_score == phone_score(ins)
    shots = [*data["items"]["e1"]["photos"], *data["items"]["e2"]["photos"], data["signature"]]
    assert set(shots) <= complete_attachments(db)

    # -- the supervisor returns it, the comment pinned to the veto ----------------------------------
    sctx, sup = phone(chromium, base, "super1")
    sup.goto(base + "/#/inspections")
    sup.locator("section[aria-label=待审核] .item").first.click()
    expect(sup.locator("[data-item=e1] img")).to_have_count(1)
    assert phone_score(sup) == vetoed_score
    sup.get_by_label("审核意见（退回时必填）").fill("争吵未经核实，请核实后更正")
    sup.get_by_text("意见针对的检查项（可选）").click()
    sup.get_by_role("checkbox", name="与群众发生争吵").check()
    sup.get_by_role("button", name="退回").click()
    expect(sup.get_by_role("heading", level=1, name=re.compile("检查"))).to_contain_text("已退回")
    sync_now(sup)
    data = stored(db, "inspections", iid)
    assert data["status"] == "returned" and data["review"]["item_ids"] == ["v1"]
    assert len(data["reviews"]) == 1

    # -- the phone shows the comment on the item; the inspector corrects and resubmits ---------------
    sync_now(ins)
    ins.goto(base + "/#/inspections")
    todo = ins.locator("section[aria-label=待办检查] .item").first
    expect(todo).to_contain_text("争吵未经核实")
    todo.click()
    ins.get_by_role("button", name="修改并重新提交").click()
    expect(ins.locator("[data-item=v1] .pinned")).to_contain_text("争吵未经核实，请核实后更正")
    ins.get_by_role("switch", name="与群众发生争吵").click()  # turning a veto off asks nothing
    expect(ins.locator(".veto-banner")).to_be_hidden()
    assert phone_score(ins) == before_veto
    ins.get_by_role("button", name="提交检查").click()
    expect(ins.get_by_role("heading", level=1, name=re.compile("检查"))).to_contain_text("已提交")
    sync_now(ins)
    data = stored(db, "inspections", iid)
    assert data["status"] == "submitted" and data["vetoed"] is False
    assert data["score"] == before_veto == phone_score(ins)

    # -- the supervisor approves --------------------------------------------------------------------
    sync_now(sup)
    sup.goto(base + f"/#/inspection/{iid}")
    assert phone_score(sup) == data["score"]
    sup.get_by_role("button", name="通过").click()
    expect(sup.get_by_role("heading", level=1, name=re.compile("检查"))).to_contain_text("已通过")
    sync_now(sup)
    data = stored(db, "inspections", iid)
    assert data["status"] == "approved" and len(data["reviews"]) == 2 and data["score"] == before_veto

    # -- a rectification for the lapsed item, answered with a photo by the centre ---------------------
    sync_now(ins)
    ins.goto(base + f"/#/inspection/{iid}")
    ins.get_by_role("button", name="下达整改").click()
    for other in ("现场满意度", "事项进驻率（%）"):
        ins.get_by_role("checkbox", name=other).uncheck()
    expect(ins.get_by_role("checkbox", name="一次性告知")).to_be_checked()
    ins.get_by_label("整改期限（工作日）").fill("5")
    ins.get_by_role("button", name="下达整改").click()
    expect(ins.get_by_role("heading", level=1, name=re.compile("限期整改"))).to_be_visible()
    sync_now(ins)
    ((rid, rect),) = records(db, "rectifications").items()
    assert rect["item_ids"] == ["e1"] and rect["status"] == "open" and rect["due_days"] == 5

    cctx, ctr = phone(chromium, base, "centre1")
    ctr.goto(base + "/#/inspections")
    ctr.locator("section[aria-label=待答复整改] .item").first.click()
    ctr.get_by_label("整改情况").fill("已制作一次性告知单，窗口人员已培训")
    answer = ctr.locator("section[aria-label=整改答复]")
    answer.locator("input[type=file]").set_input_files(str(photo(tmp_path, "c.png", 600)))
    expect(ctr.locator("section[aria-label=整改答复] img")).to_have_count(1)
    ctr.get_by_role("button", name="提交答复").click()
    expect(ctr.get_by_role("heading", level=1, name=re.compile("限期整改"))).to_contain_text("已答复")
    sync_now(ctr)
    rect = stored(db, "rectifications", rid)
    assert rect["status"] == "responded" and rect["responses"]["e1"]["photos"]
    assert set(rect["responses"]["e1"]["photos"]) <= complete_attachments(db)

    # -- the re-inspection scores only that item; the supervisor verifies --------------------------
    sync_now(ins)
    ins.goto(base + "/#/inspections")
    ins.goto(base + f"/#/rectification/{rid}")
    ins.get_by_role("button", name="开始复查").click()
    expect(ins.get_by_role("heading", level=1, name=re.compile("复查"))).to_be_visible()
    expect(ins.locator(".rubric-item")).to_have_count(1)
    ins.get_by_role("button", name="无问题：一次性告知").click()
    re_score = phone_score(ins)
    sign(ins)
    ins.get_by_role("button", name="提交检查").click()
    expect(ins.get_by_role("heading", level=1, name=re.compile("复查"))).to_contain_text("已提交")
    sync_now(ins)
    rect = stored(db, "rectifications", rid)
    redo = stored(db, "inspections", rect["reinspection_id"])
    assert redo["item_ids"] == ["e1"] and redo["status"] == "submitted"
    assert redo["score"] == re_score == 10.0 and list(redo["sections"]) == ["S1"]

    sync_now(sup)
    sup.goto(base + f"/#/rectification/{rid}")
    sup.get_by_role("button", name="验收通过").click()
    expect(sup.get_by_role("heading", level=1, name=re.compile("限期整改"))).to_contain_text("已验收")
    sync_now(sup)
    assert stored(db, "rectifications", rid)["status"] == "verified"
    for c in (ictx, sctx, cctx):
        c.close()
    assert TEMPLATE["sections"]
