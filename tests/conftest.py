"""Shared fixtures: a fresh SQLite file per test, an in-process app, logged-in clients."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.clock import now_ms
from server.config import Config
from server.system import add_centre, add_user_cmd, init_db

# Browser fixtures (one Chromium per session, a real server per PWA test module).
pytest_plugins = ["tests.support.pwa"]

PASSWORD = "pw-Secret-1"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--long", action="store_true", default=False,
                     help="run the long fault, crash and convergence schedules")


@pytest.fixture
def long_run(request: pytest.FixtureRequest) -> bool:
    """True when the suite runs with ``--long``."""
    return bool(request.config.getoption("--long"))


@pytest.fixture
def fresh_db(tmp_path: Path) -> str:
    """An empty, migrated SQLite file in tmp_path."""
    path = str(tmp_path / "fieldsync.db")
    init_db(path)
    return path


@pytest.fixture
def county_db(fresh_db: str) -> str:
    """Two counties: k1 with centres c1, c2; k2 with c3. One user of each role and place.

    Users (password ``PASSWORD``): f1 (field, c1), f1b (field, c1), f2 (field, c2),
    ctr1 (centre, c1), f3 (field, c3), sup1 (supervisor, k1), sup2 (supervisor, k2),
    admin (admin), multi (field, c1 and c2).
    """
    for cid, name, county in (("c1", "城关镇", "k1"), ("c2", "石桥镇", "k1"), ("c3", "白沙乡", "k2")):
        add_centre(fresh_db, cid, name, county)
    for username, role, centres, county in (
            ("f1", "field", ("c1",), None), ("f1b", "field", ("c1",), None),
            ("f2", "field", ("c2",), None), ("ctr1", "centre", ("c1",), None),
            ("f3", "field", ("c3",), None), ("sup1", "supervisor", (), "k1"),
            ("sup2", "supervisor", (), "k2"), ("admin", "admin", (), None),
            ("multi", "field", ("c1", "c2"), None)):
        add_user_cmd(fresh_db, username=username, password=PASSWORD, role=role, name=None,
                     centres=centres, county=county)
    return fresh_db


@pytest.fixture
def client(county_db: str) -> Iterator[TestClient]:
    """An in-process app over ``county_db``."""
    with TestClient(create_app(Config(db=county_db))) as c:
        yield c


class Device:
    """A logged-in test device: builds ops and syncs through a TestClient."""

    def __init__(self, client: TestClient, username: str, skew_ms: int = 0) -> None:
        self.client = client
        self.skew_ms = skew_ms
        r = client.post("/api/v1/auth/login",
                        json={"username": username, "password": PASSWORD, "device_name": username})
        assert r.status_code == 200, r.text
        body = r.json()
        self.token: str = body["token"]
        self.device_id: str = body["device_id"]
        self.user: dict[str, Any] = body["user"]
        self.cursor: str | None = None
        self.versions: dict[tuple[str, str], int] = {}

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def clock(self) -> int:
        return now_ms() + self.skew_ms

    def op(self, collection: str, record: str, values: dict[str, Any] | None = None, *,
           base: int | None = None, delete: bool = False, at: int | None = None) -> dict[str, Any]:
        return {"id": f"op-{uuid.uuid4()}", "collection": collection, "record": record,
                "base": self.versions.get((collection, record), 0) if base is None else base,
                "at": self.clock() if at is None else at, "set": values or {}, "delete": delete}

    def sync(self, ops: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
        body = {"cursor": self.cursor, "clock": self.clock(), "ops": ops or [], **extra}
        r = self.client.post("/api/v1/sync", json=body, headers=self.headers)
        assert r.status_code == 200, r.text
        doc: dict[str, Any] = r.json()
        self.cursor = doc["cursor"]
        for ch in doc["changes"]:
            self.versions[(ch["collection"], ch["record"])] = ch["version"]
        return doc

    def sync_all(self, ops: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        pages = [self.sync(ops)]
        while pages[-1]["more"]:
            pages.append(self.sync())
        return pages


@pytest.fixture
def device(client: TestClient) -> Any:
    """A factory: ``device("f1", skew_ms=...)`` logs in and returns a ``Device``."""
    def make(username: str, skew_ms: int = 0) -> Device:
        return Device(client, username, skew_ms)
    return make


def visit(centre: str = "c1", **fields: Any) -> dict[str, Any]:
    """A minimal valid visit."""
    return {"centre_id": centre, "kind": "home_service", **fields}


@pytest.fixture(scope="session")
def county_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``county_db``'s data built once per session; copy it (``shutil.copyfile``) for a
    fresh database without paying for nine password hashes again."""
    import sqlite3

    path = str(tmp_path_factory.mktemp("county-template") / "fieldsync.db")
    init_db(path)
    built: str = county_db.__wrapped__(path)  # the fixture's own body, called once
    conn = sqlite3.connect(built)
    try:  # fold any WAL into the file, so a plain file copy is complete
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return built
