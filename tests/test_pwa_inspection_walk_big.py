"""A long rubric on the phone: the walk shows its first items at once and builds the rest
after the first frame (inspection-walk.js), so every item ends up on the screen with its
stored answer, a tap made before the rest is built is kept, and the live score of taps on
early and late items equals the server's."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.support.county import COUNTY
from tests.support.inspections import county_users, inspector_phone, seed_template, stored
from tests.support.pwa import api_push, new_op, poll, sync_now, user_login
from tests.support.server import running_server

pytestmark = pytest.mark.browser

N_SECTIONS = 6
PER_SECTION = 8  # 48 items: more than the walk builds before the screen shows


def long_template() -> dict[str, Any]:
    """Deduction sections of counted lapses (each 1 point, capped at 3) and rating items."""
    sections = []
    for s in range(N_SECTIONS):
        items = [{"id": f"s{s}i{i}", "text": f"检查项 {s}-{i}", "rule": "deduct_each", "per": 1, "cap": 3}
                 if s % 2 == 0
                 else {"id": f"s{s}i{i}", "text": f"满意度 {s}-{i}", "rule": "rating", "points": 1}
                 for i in range(PER_SECTION)]
        sections.append({"id": f"S{s}", "name": f"第{s + 1}部分", "mode": "earn" if s % 2 else "deduct",
                         "points": PER_SECTION if s % 2 else 10, "items": items})
    return {"name": "长细则", "county_id": COUNTY, "version": 1, "status": "published", "sections": sections}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Any:
    with running_server(tmp_path_factory.mktemp("walk-big"), users=county_users()) as handle:
        seed_template(handle.base_url, template=long_template(), record="t-long")
        token, inspector = user_login(handle.base_url, "insp1")
        res = api_push(handle.base_url, token, [new_op("inspections", "i-long", {
            "centre_id": "c-shiqiao", "template_id": "t-long", "template_version": 1, "status": "draft",
            "inspector_ids": [inspector], "started_at": int(time.time() * 1000),
            # The last section's last item (built last) answered: 2 lapses.
            "items": {"s4i7": {"count": 2}, "s1i0": {"rating": "satisfied"}}})])
        assert res["results"][0]["status"] == "applied", res
        yield handle


def test_pwa_inspection_walk_builds_every_item_and_keeps_early_taps(chromium: Browser, world: Any) -> None:
    base = world.base_url
    ctx, page = inspector_phone(chromium, base)
    # The first sync brings the inspection (the phone opens before it ends).
    poll(page, "async () => { const s = await import('/app/store.js');"
               " return !!(await s.get('inspections', 'i-long')); }", timeout=30)
    page.goto(f"{base}/#/inspection/i-long/walk")
    total = page.locator(".scorebar .total")
    # S0 10, S2 10, S4 10 − 2 = 8 (deductions); S1 0.9 (satisfied: 18/20 of 1 point); S3, S5 0.
    expect(total).to_have_text("28.90")
    # A tap on the first item at once, whether or not the rest is built yet.
    page.get_by_role("button", name="增加：检查项 0-0").click()
    expect(total).to_have_text("27.90")
    # Every item ends up on the screen, in template order, with its stored answer.
    expect(page.locator(".rubric-item")).to_have_count(N_SECTIONS * PER_SECTION)
    ids = page.locator(".rubric-item").evaluate_all("(els) => els.map((e) => e.dataset.item)")
    assert ids == [f"s{s}i{i}" for s in range(N_SECTIONS) for i in range(PER_SECTION)]
    expect(page.locator("[data-item=s4i7] .count")).to_have_text("2")
    expect(page.locator("[data-item=s0i0] .count")).to_have_text("1")
    # The late item answers taps like the first.
    page.get_by_role("button", name="增加：检查项 4-7").click()
    expect(page.locator("[data-item=s4i7] .count")).to_have_text("3")
    expect(total).to_have_text("26.90")
    page.get_by_role("button", name="增加：检查项 4-7").click()  # capped at 3 points
    expect(page.locator("[data-item=s4i7] .count")).to_have_text("4")
    expect(total).to_have_text("26.90")
    sync_now(page)
    assert stored(world.db, "inspections", "i-long")["score"] == 26.9
    ctx.close()
