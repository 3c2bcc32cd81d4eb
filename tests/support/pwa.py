"""Helpers for the PWA's browser tests: Debian's Chromium, logging in, the status area,
reading the device's IndexedDB, and a generated test picture.

Chromium is launched from ``/usr/bin/chromium`` (``playwright install`` cannot download
browsers here). Tests using these helpers skip when it is missing.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, expect
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "has_touch": False,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}
PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"


def require_chromium() -> None:
    """Skip the test when Debian's Chromium is not installed, except in CI
    (``FIELDSYNC_REQUIRE_BROWSER=1``, set by ``.ci/run``), where a missing browser must fail."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        message = "Debian chromium is not installed (apt-get install chromium)"
        if os.environ.get("FIELDSYNC_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)


def launch(pw: Playwright) -> Browser:
    """A headless Chromium."""
    require_chromium()
    return pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)


def persistent(pw: Playwright, user_data_dir: Path, **extra: Any) -> BrowserContext:
    """A Chromium with a profile on disk: closing it and launching again is a browser restart."""
    require_chromium()
    return pw.chromium.launch_persistent_context(str(user_data_dir), executable_path=CHROMIUM, args=ARGS,
                                                 **PHONE, **extra)


def new_context(browser: Browser, **extra: Any) -> BrowserContext:
    """A fresh phone-sized profile."""
    return browser.new_context(**PHONE, **extra)


def status(page: Page) -> Any:
    """The status area (role=status), which always says ``待同步 N``."""
    return page.get_by_role("status")


def unsent(page: Page) -> int:
    """N of ``待同步 N``."""
    m = re.search(r"待同步 (\d+)", status(page).inner_text())
    assert m, status(page).inner_text()
    return int(m.group(1))


def expect_unsent(page: Page, n: int, timeout: float = 15_000) -> None:
    """Wait until the status area says ``待同步 n``."""
    expect(status(page)).to_contain_text(re.compile(rf"待同步 {n}(?!\d)"), timeout=timeout)


def wait_ready(page: Page) -> None:
    """Wait until the app has rendered from local data."""
    page.wait_for_selector("body[data-ready='1']", timeout=15_000)


def poll(page: Page, script: str, timeout: float = 15.0) -> Any:
    """Evaluate ``script`` (a JS function) until it returns something truthy.

    (``page.wait_for_function`` polls with eval, which the app's CSP forbids.)
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = page.evaluate(script)
        except PlaywrightError as err:
            # The app reloads itself when a new version takes over: ask the new page.
            if "context was destroyed" not in str(err) and "navigat" not in str(err):
                raise
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout}s: {script}")
        time.sleep(0.1)


def wait_controlled(page: Page) -> None:
    """Wait until the service worker controls the page and has its shell cached."""
    poll(page, "async () => navigator.serviceWorker.controller !== null"
               " && (await caches.keys()).some(n => n.startsWith('fieldsync-shell-'))")


def sw_list(name: str, root: Path = PWA_DIR) -> list[str]:
    """The URLs of the ``var NAME = [...]`` list in ``sw/shell.js`` (SHELL, WORKSPACE, INSPECTION)."""
    text = (root / "sw" / "shell.js").read_text()
    start = text.index(f"var {name} = [")
    return re.findall(r"'(/[^']+)'", text[start:text.index("];", start)])


def wait_inspection_pack(page: Page) -> None:
    """Wait until the device holds the whole inspection pack (the worker's ``fieldsync-insp-``
    cache, filled when the page of an inspector, supervisor, admin or centre asks)."""
    n = len(sw_list("INSPECTION"))
    poll(page, "async () => { for (const k of await caches.keys()) { if (k.startsWith('fieldsync-insp-')"
               f" && (await (await caches.open(k)).keys()).length === {n}) return true; }} return false; }}")


def login(page: Page, base_url: str, username: str, password: str) -> None:
    """Open the app and log in with the form (用户名, 密码, 登录); waits for the role's home
    (今日 for field and centre staff, 全县总览 for supervisors and admins)."""
    page.goto(base_url + "/")
    wait_ready(page)
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("heading", name=re.compile("今日|全县总览|检查"))).to_be_visible(timeout=15_000)


def sync_now(page: Page) -> None:
    """Press 立即同步 and wait for that sync to finish."""
    button = page.get_by_role("button", name="立即同步")
    button.click()
    expect(button).not_to_have_attribute("aria-busy", "true", timeout=30_000)


def phone(browser: Browser, base_url: str, username: str, *,
          offline: bool = False) -> tuple[BrowserContext, Page]:
    """A fresh phone with the app installed (service worker in control) and ``username``
    logged in; offline afterwards if asked."""
    from .server import PASSWORD
    ctx = new_context(browser)
    page = ctx.new_page()
    login(page, base_url, username, PASSWORD)
    wait_controlled(page)
    if offline:
        ctx.set_offline(True)
    return ctx, page


def fill_visit_needs(page: Page, who: str = "李桂兰", why: str = "养老保险资格认证") -> None:
    """Fill what a visit form needs before it saves: who (申请人姓名) and why (事由)."""
    page.get_by_label("申请人姓名").fill(who)
    page.get_by_label("事由").fill(why)


def save_visit(page: Page, notes: str, unsent: int = 1) -> None:
    """Make a home-service visit with the contract's names (新建上门服务, 申请人姓名, 事由, 备注,
    保存) and wait until it is listed and counted as unsent."""
    page.get_by_role("button", name="新建上门服务").click()
    fill_visit_needs(page)
    page.get_by_label("备注").fill(notes)
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_text(notes)).to_be_visible()
    expect_unsent(page, unsent)


def idb(page: Page, script: str) -> Any:
    """Evaluate ``script`` (an async function body with ``store`` = the app's store module)."""
    return page.evaluate(f"async () => {{ const store = await import('/app/store.js'); {script} }}")


def server_write(db: Any, items: list[tuple[str, str, dict[str, Any], int]]) -> None:
    """Write ``(collection, id, data, at)`` records into the server's file as the system
    (``server.system.system_write``, through a writer of its own), as the sweep or the demo
    would."""
    from server.system import system_write
    from server.writer import Writer

    writer = Writer(str(db))
    try:
        writer.run(lambda conn: system_write(conn, items))
    finally:
        writer.close()


def name_user(db: Any, username: str, name: str) -> str:
    """Give ``username`` a display name (the test county's people have none); their id."""
    from server.writer import Writer

    writer = Writer(str(db))
    try:
        writer.run(lambda conn: conn.execute("UPDATE users SET name=? WHERE username=?", (name, username)))
    finally:
        writer.close()
    [(uid,)] = db_rows(db, "SELECT id FROM users WHERE username=?", username)
    return str(uid)


def db_rows(db: Path, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """Rows from the server's SQLite file (read-only)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def make_png(width: int = 2400, height: int = 1800) -> bytes:
    """A camera-sized PNG (a colour gradient) for the photo input."""
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        g = y * 255 // height
        rows += bytes(b for x in range(width) for b in (x * 255 // width, g, 128))
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b""))


def draw_signature(page: Page) -> None:
    """Sign on the signature canvas with the mouse (pointer events)."""
    box = page.locator("canvas.sig").bounding_box()
    assert box is not None
    x, y = box["x"], box["y"]
    page.mouse.move(x + 30, y + 120)
    page.mouse.down()
    for i in range(1, 25):
        page.mouse.move(x + 30 + i * 10, y + 120 - (i % 6) * 12, steps=2)
    page.mouse.up()


# -- fixtures (loaded for every test module by tests/conftest.py: pytest_plugins) --------------

@pytest.fixture(scope="session")
def chromium(playwright: Playwright) -> Any:
    """One headless Debian Chromium for the session (contexts keep tests apart)."""
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def pwa_server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A real server (default centres and users) shared by one test module."""
    from .server import running_server
    with running_server(tmp_path_factory.mktemp("pwa")) as handle:
        yield handle


# -- talking to the server directly (seeding, checking) ----------------------------------------

def api_login(base_url: str, username: str) -> str:
    """A bearer token for ``username`` (a new device)."""
    import httpx

    from .server import PASSWORD
    r = httpx.post(f"{base_url}/api/v1/auth/login",
                   json={"username": username, "password": PASSWORD, "device_name": "test"})
    r.raise_for_status()
    return str(r.json()["token"])


def user_login(base_url: str, username: str) -> tuple[str, str]:
    """(token, user id) of a new device of ``username``."""
    import httpx

    from .server import PASSWORD
    r = httpx.post(f"{base_url}/api/v1/auth/login",
                   json={"username": username, "password": PASSWORD, "device_name": "test"})
    r.raise_for_status()
    return str(r.json()["token"]), str(r.json()["user"]["id"])


def api_push(base_url: str, token: str, ops: list[dict[str, Any]]) -> dict[str, Any]:
    """Push ops with one sync request (pulling nothing); returns the response body."""
    import time

    import httpx
    r = httpx.post(f"{base_url}/api/v1/sync", headers={"Authorization": f"Bearer {token}"}, timeout=120,
                   json={"cursor": None, "clock": int(time.time() * 1000), "ops": ops, "limit": 1})
    r.raise_for_status()
    body: dict[str, Any] = r.json()
    return body


def new_op(collection: str, record: str, values: dict[str, Any], base: int = 0) -> dict[str, Any]:
    """An op as a device makes it."""
    import time
    import uuid
    return {"id": str(uuid.uuid4()), "collection": collection, "record": record, "base": base,
            "at": int(time.time() * 1000), "set": values, "delete": False}
