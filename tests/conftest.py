"""Shared fixtures: a fresh SQLite file per test, an in-process app, logged-in clients."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.clock import now_ms
from server.config import Config
from tests.support import budget
from tests.support.county import API_COUNTY, PASSWORD, build_county

__all__ = ["PASSWORD"]  # re-exported: the one test password

# Browser fixtures (one Chromium per session, a real server per PWA test module).
pytest_plugins = ["tests.support.pwa"]



def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--long", action="store_true", default=False,
                     help="run the long fault, crash and convergence schedules, and every property"
                          " test's full count of examples (tests/support/budget.py)")


def pytest_configure(config: pytest.Config) -> None:
    # Before collection imports the test modules: their property tests' decorators read it.
    budget.LONG = bool(config.getoption("--long"))


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist tags each node id with its group
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Groups for ``scripts/test``'s parallel run (``-n auto --dist loadgroup``): each test
    module stays on one worker, so its module-scoped server, county or browser is set up once,
    not once per worker that happens to take one of its tests.

    Browser tests are grouped by module like the rest, not all on one worker: the 97 of them
    would then run one after another, and on CI's two cores that one worker would hold up
    the whole run. At most two run at once, one per worker, as CI has run them since session 6."""
    for item in items:
        group = item.nodeid.partition("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture
def long_run(request: pytest.FixtureRequest) -> bool:
    """True when the suite runs with ``--long``."""
    return bool(request.config.getoption("--long"))


@pytest.fixture(scope="session")
def county_copy(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path | None], str]:
    """A factory of fresh copies of the API county (``tests/support/county.py``).

    The county is built once per session (its password hashes cost time); each call copies
    that template into ``folder`` (a new temporary folder if None) and returns the path. This
    is the one fixture that copies it: module-scoped worlds call it too.
    """
    template = tmp_path_factory.mktemp("county-template") / "fieldsync.db"
    build_county(template, API_COUNTY.centres, API_COUNTY.users)

    def copy(folder: Path | None = None) -> str:
        path = (folder or tmp_path_factory.mktemp("county")) / "fieldsync.db"
        shutil.copyfile(template, path)
        return str(path)

    return copy


@pytest.fixture
def county_db(county_copy: Callable[[Path | None], str], tmp_path: Path) -> str:
    """A fresh copy of the API county in tmp_path (see ``tests/support/county.py`` for who is in it)."""
    return county_copy(tmp_path)


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
