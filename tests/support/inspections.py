"""A small rubric template for the inspection browser tests (every kind of control: a
−/+ counter, a number, a rating, a veto), and helpers to seed it and read scores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .county import COUNTY
from .pwa import api_push, db_rows, new_op, user_login

TEMPLATE_ID = "t-window"

TEMPLATE: dict[str, Any] = {
    "name": "窗口服务专项检查", "county_id": COUNTY, "version": 1, "status": "published",
    "sections": [
        {"id": "S1", "name": "服务规范", "mode": "deduct", "points": 10, "items": [
            {"id": "e1", "text": "一次性告知", "rule": "deduct_each", "per": 2},
            {"id": "e2", "text": "窗口卫生", "rule": "deduct_each", "per": 1, "cap": 5}]},
        {"id": "S2", "name": "群众满意度", "mode": "earn", "points": 20, "items": [
            {"id": "r1", "text": "现场满意度", "rule": "rating", "points": 20}]},
        {"id": "S3", "name": "重点工作", "mode": "earn", "points": 10, "items": [
            {"id": "q1", "text": "事项进驻率（%）", "rule": "proportional", "points": 10, "target": 100}]},
        {"id": "V", "name": "一票否决", "mode": "deduct", "points": 0, "items": [
            {"id": "v1", "text": "与群众发生争吵", "rule": "veto"}]},
    ],
}


def seed_template(base_url: str, username: str = "super1", template: dict[str, Any] | None = None,
                  record: str = TEMPLATE_ID) -> None:
    """Write the template as a supervisor would (one sync)."""
    token, _ = user_login(base_url, username)
    res = api_push(base_url, token, [new_op("templates", record, template or TEMPLATE)])
    assert res["results"][0]["status"] == "applied", res


def stored(db: Path, collection: str, record: str) -> dict[str, Any]:
    """A record's data as the server holds it."""
    rows = db_rows(db, "SELECT data FROM records WHERE collection=? AND id=?", collection, record)
    assert rows, f"{collection}/{record} not on the server"
    data: dict[str, Any] = json.loads(rows[0][0])
    return data


def records(db: Path, collection: str) -> dict[str, dict[str, Any]]:
    """Every live record of a collection on the server, by id."""
    rows = db_rows(db, "SELECT id, data FROM records WHERE collection=? AND deleted=0", collection)
    return {r[0]: json.loads(r[1]) for r in rows}


INSPECTOR = "insp1"


def county_users() -> tuple[Any, ...]:
    """The real servers' users (tests/support/county.py) and an inspector of the county."""
    from .county import FIELD_COUNTY, User
    return (*FIELD_COUNTY.users, User(INSPECTOR, "inspector"))


def inspector_phone(browser: Any, base_url: str, username: str = INSPECTOR) -> tuple[Any, Any]:
    """A fresh phone with the app installed and an inspector logged in: their home is the
    inspections to do (检查考评), not 今日; the inspection pack is on the device."""
    import re

    from playwright.sync_api import expect

    from .pwa import new_context, wait_controlled, wait_inspection_pack, wait_ready
    from .server import PASSWORD
    ctx = new_context(browser)
    page = ctx.new_page()
    page.goto(base_url + "/")
    wait_ready(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("检查考评"))).to_be_visible(timeout=15_000)
    wait_controlled(page)
    wait_inspection_pack(page)  # the inspection screens open offline from here on
    return ctx, page
