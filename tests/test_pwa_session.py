"""Logging out of the PWA never loses work: with unsent changes it first tries to send them,
warns, and keeps them on the device for their owner (nobody else may log in over them); with
nothing unsent it clears the device."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from playwright.sync_api import Browser, Dialog, expect

from tests.support.pwa import (
    db_rows,
    expect_unsent,
    idb,
    login,
    phone,
    save_visit,
)
from tests.support.server import PASSWORD

pytestmark = pytest.mark.browser


def test_logout_with_unsent_work_warns_keeps_it_and_sends_it_after_login(
        chromium: Browser, pwa_server: Any) -> None:
    base = pwa_server.base_url
    ctx, page = phone(chromium, base, "field1", offline=True)
    notes = f"退出前未发送的走访 {uuid.uuid4().hex[:6]}"
    save_visit(page, notes)

    # Log out while offline: the app tries to send, fails, and asks. Saying no keeps the session.
    page.goto(base + "/#/sync")
    messages: list[str] = []

    def answer(accept: bool) -> Any:
        def handle(d: Dialog) -> None:
            messages.append(d.message)
            d.accept() if accept else d.dismiss()
        return handle

    page.once("dialog", answer(False))
    page.get_by_role("button", name="退出登录").click()
    # The question comes after a failed send: wait for it (the button is enabled before too).
    for _ in range(150):
        if messages:
            break
        page.wait_for_timeout(100)
    expect(page.get_by_role("button", name="退出登录")).to_be_enabled()
    assert messages and "1 项更改" in messages[0], messages
    expect(page.get_by_role("button", name="立即同步")).to_be_visible()

    page.once("dialog", answer(True))
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    expect_unsent(page, 1)  # still counted, still on the device
    assert idb(page, "return (await store.outbox()).length;") == 1

    # Another person cannot log in over it; its owner can, and it goes out.
    ctx.set_offline(False)
    page.get_by_label("用户名").fill("field2")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert").filter(has_text="未同步")).to_be_visible()
    assert idb(page, "return (await store.outbox()).length;") == 1

    login(page, base, "field1", PASSWORD)
    expect_unsent(page, 0, timeout=30_000)
    rows = db_rows(pwa_server.db, "SELECT data FROM records WHERE collection='visits'")
    assert [r for r in rows if json.loads(r[0]).get("notes") == notes]

    # Nothing unsent now: logging out clears the device without asking.
    page.goto(base + "/#/sync")
    page.once("dialog", lambda d: pytest.fail(f"unexpected question: {d.message}"))
    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("button", name="登录", exact=True)).to_be_visible()
    left = idb(page, "return {records: (await store.list('visits')).length,"
                     " session: (await store.getMeta('session')) || null};")
    assert left == {"records": 0, "session": None}, left
    ctx.close()
