"""The demo county in real Chromium against a real server: a supervisor logs in and the
county overview's trend shows twelve months of figures for every township (no gaps)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from server.demo import seed
from server.demo.data import DEMO_PASSWORD, build_demo
from tests.support.axe import desktop_context
from tests.support.pwa import login
from tests.support.server import ServerHandle, free_port

pytestmark = pytest.mark.browser


def test_pwa_demo_overview_shows_twelve_months_of_trend(chromium: Browser, tmp_path: Path) -> None:
    db = tmp_path / "demo.db"
    seed(str(db), build_demo())
    server = ServerHandle(db=db, port=free_port(), log_path=tmp_path / "server.log")
    server.start()
    context = desktop_context(chromium)
    try:
        page = context.new_page()
        login(page, server.base_url, "supervisor", DEMO_PASSWORD)
        expect(page.get_by_role("heading", name=re.compile("近 12 个月趋势"))).to_be_visible(timeout=15_000)
        done = page.get_by_role("img", name=re.compile("^黄土岭乡便民服务中心 办结件数："))
        expect(done).to_be_visible()
        values = done.get_attribute("aria-label").split("：", 1)[1].split("、")  # type: ignore[union-attr]
        # Twelve months ending this month; every one but this month (just begun) has work.
        assert len(values) == 12 and "无" not in values[:-1] and all(v != "0" for v in values[:-1])
        points = done.locator("polyline").get_attribute("points") or ""
        assert len(points.split()) >= 11
        # Twelve townships, each with its sparklines.
        expect(page.get_by_role("img", name=re.compile(" 检查得分："))).to_have_count(12)
    finally:
        context.close()
        server.stop()
