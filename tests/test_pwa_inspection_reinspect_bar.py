"""A re-inspection (an inspection scoring only `item_ids`, the rectification's items) shows
its score bar out of the most those items can score (the template reduced to them, as the
server scores it), not the template's full total; a tap rescores it, equal to the server."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.inspections import (
    TEMPLATE_ID,
    county_users,
    inspector_phone,
    seed_template,
    stored,
)
from tests.support.pwa import api_push, new_op, poll, sync_now, user_login
from tests.support.server import running_server

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with running_server(tmp_path_factory.mktemp("reinspect"), users=county_users()) as handle:
        base = handle.base_url
        seed_template(base)
        token, inspector = user_login(base, "insp1")
        common = {"centre_id": "c-shiqiao", "template_id": TEMPLATE_ID, "template_version": 1,
                  "status": "draft",
                  "inspector_ids": [inspector], "started_at": int(time.time() * 1000)}
        res = api_push(base, token, [
            # The re-inspection of two items: 一次性告知 (section 服务规范, 10) and 事项进驻率
            # (section 重点工作, 10): out of 20, where the whole template is worth 40.
            new_op("inspections", "i-re", {**common, "item_ids": ["e1", "q1"],
                                           "items": {"e1": {"count": 1}, "q1": {"value": 50}}}),
            new_op("inspections", "i-full", {**common, "items": {"e1": {"count": 1}}}),
        ])
        assert all(r["status"] == "applied" for r in res["results"]), res
        yield handle


def test_pwa_reinspection_bar_shows_the_subsets_most(chromium: Browser, world: Any) -> None:
    base = world.base_url
    ctx, page = inspector_phone(chromium, base)
    # The first sync brings the inspection (the phone opens before it ends).
    poll(page, "async () => { const s = await import('/app/store.js');"
               " return !!(await s.get('inspections', 'i-re')); }", timeout=30)
    page.goto(f"{base}/#/inspection/i-full/walk")
    expect(page.locator(".scorebar .score-line")).to_contain_text("/ 40.00")

    page.goto(f"{base}/#/inspection/i-re/walk")
    expect(page.get_by_role("heading", level=1)).to_contain_text("复查")
    line = page.locator(".scorebar .score-line")
    expect(line).to_contain_text("/ 20.00")
    expect(line).not_to_contain_text("40.00")
    total = page.locator(".scorebar .total")
    expect(total).to_have_text("13.00")  # (10 − 2) + 10 × 50/100
    assert stored(world.db, "inspections", "i-re")["score"] == 13
    # Only the re-inspected items are on the screen; a tap rescores, as the server does.
    expect(page.locator(".rubric-item")).to_have_count(2)
    page.get_by_role("button", name="增加：一次性告知").click()
    expect(total).to_have_text("11.00")
    expect(line).to_contain_text("/ 20.00")
    sync_now(page)
    assert stored(world.db, "inspections", "i-re")["score"] == 11
    ctx.close()
