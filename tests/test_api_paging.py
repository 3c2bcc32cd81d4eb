"""Paging and resuming a first sync over 1,250 records."""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Config
from tests.conftest import Device, visit

SYNC = "/api/v1/sync"
N = 1250
BATCH = 250


@pytest.fixture(scope="module")
def seeded_template(county_copy: Callable[[Path | None], str]) -> str:
    """The county database plus 1,250 visits in c1 (pushed by an admin in batches of 250)
    and then one matter of k1: built once, copied per test."""
    path = county_copy(None)
    with TestClient(create_app(Config(db=str(path)))) as client:
        admin = Device(client, "admin")
        for start in range(0, N, BATCH):
            ops = [admin.op("visits", f"v-{i:05d}", visit(notes=f"第{i}次走访"))
                   for i in range(start, start + BATCH)]
            res = admin.sync(ops, limit=1)["results"]
            assert {r["status"] for r in res} == {"applied"}
        ref = {"name": "低保申请", "county_id": "k1", "kind": "time_limited", "time_limit_days": 10}
        res = admin.sync([admin.op("matters", "m-1", ref)], limit=1)["results"]
        assert res[0]["status"] == "applied"
    return str(path)


def copy_db(src: str, dst: Path) -> str:
    """A consistent copy (the backup API includes what is still in the WAL)."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return str(dst)


@pytest.fixture
def db(seeded_template: str, tmp_path: Path) -> str:
    return copy_db(seeded_template, tmp_path / "fieldsync.db")


@contextmanager
def app(db: str, **settings: Any) -> Iterator[TestClient]:
    with TestClient(create_app(Config(db=db, **settings))) as client:
        yield client


def f1_scope(db: str) -> set[tuple[str, str]]:
    """What f1 (centre c1, county k1) should receive, straight from the table."""
    with closing(sqlite3.connect(db)) as conn, conn:
        return {(c, r) for c, r in conn.execute(
            "SELECT collection, id FROM records WHERE centre_id='c1'"
            " OR (centre_id IS NULL AND county_id='k1')")}


def version(db: str, record: str) -> int:
    with closing(sqlite3.connect(db)) as conn, conn:
        return int(conn.execute("SELECT version FROM records WHERE id=?", (record,)).fetchone()[0])


def keys(page: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["collection"], c["record"]) for c in page["changes"]]


def pages_until_done(d: Device, limit: int) -> list[dict[str, Any]]:
    pages = [d.sync(limit=limit)]
    while pages[-1]["more"]:
        pages.append(d.sync(limit=limit))
        assert len(pages) < 100
    return pages


def test_paging_first_sync_in_pages_of_500(db: str) -> None:
    expected = f1_scope(db)
    assert len(expected) == N + 3  # centres c1, c2, the k1 matter
    with app(db) as client:
        d = Device(client, "f1")
        pages = pages_until_done(d, 500)
        done = d.sync(limit=500)  # the next sync has nothing new
    assert (done["changes"], done["more"], done["reset"]) == ([], False, False)
    assert [len(p["changes"]) for p in pages] == [500, 500, len(expected) - 1000]
    assert [p["more"] for p in pages] == [True, True, False]
    assert all(p["reset"] is False for p in pages)
    versions = [c["version"] for p in pages for c in p["changes"]]
    assert all(a < b for a, b in itertools.pairwise(versions))
    got = [k for p in pages for k in keys(p)]
    assert len(got) == len(set(got))  # no record twice
    assert set(got) == expected
    # reference data made after the visits arrives in its place, on the last page
    assert keys(pages[-1])[-1] == ("matters", "m-1")
    assert pages[-1]["changes"][-1]["data"]["time_limit_days"] == 10


def test_paging_interrupted_first_sync_resumes_where_it_stopped(db: str) -> None:
    expected = f1_scope(db)
    with app(db) as client:
        first = Device(client, "f1")
        page1 = first.sync(limit=500)
        assert page1["more"] is True
        saved = first.cursor
        # the phone lost the connection, the app was killed: a new session resumes with the saved cursor
        again = Device(client, "f1")
        again.cursor = saved
        rest = pages_until_done(again, 500)
    got_first, got_rest = keys(page1), [k for p in rest for k in keys(p)]
    assert not set(got_first) & set(got_rest)  # zero records fetched twice
    assert len(got_rest) == len(set(got_rest))
    assert set(got_first) | set(got_rest) == expected
    assert rest[0]["changes"][0]["version"] > page1["changes"][-1]["version"]


def test_paging_resume_survives_a_server_restart(db: str) -> None:
    with app(db) as client:
        d = Device(client, "f1")
        page1 = d.sync(limit=500)
    with app(db) as client:  # a new process over the same database
        d.client = client
        rest = pages_until_done(d, 500)
    got = keys(page1) + [k for p in rest for k in keys(p)]
    assert len(got) == len(set(got)) == len(f1_scope(db))
    assert all(p["reset"] is False for p in rest)


def test_paging_record_changed_between_pages_comes_again_with_its_new_version(db: str) -> None:
    with app(db) as client:
        d, admin = Device(client, "f1"), Device(client, "admin")
        page1 = d.sync(limit=500)
        by_key = {(c["collection"], c["record"]): c for c in page1["changes"]}
        seen_early = ("visits", "v-00010")
        assert seen_early in by_key
        not_yet = ("visits", "v-01200")  # would be on the last page
        assert not_yet not in by_key
        res = admin.sync([admin.op("visits", "v-00010", {"notes": "翻页时改了"}, base=version(db, "v-00010")),
                          admin.op("visits", "v-01200", {"notes": "也改了"}, base=version(db, "v-01200")),
                          admin.op("visits", "v-00700", base=version(db, "v-00700"), delete=True)],
                         limit=1)["results"]
        assert [r["status"] for r in res] == ["applied"] * 3
        rest = pages_until_done(d, 500)
    changes = [c for p in rest for c in p["changes"]]
    got = [(c["collection"], c["record"]) for c in changes]
    assert len(got) == len(set(got))
    again = next(c for c in changes if (c["collection"], c["record"]) == seen_early)
    assert again["version"] > by_key[seen_early]["version"]
    assert again["data"]["notes"] == "翻页时改了"
    # a record changed before it was reached comes down once, in its new place
    assert got.count(not_yet) == 1
    assert next(c for c in changes if c["record"] == "v-01200")["data"]["notes"] == "也改了"
    deleted = next(c for c in changes if c["record"] == "v-00700")
    assert deleted["deleted"] is True
    assert got[-3:] == [seen_early, not_yet, ("visits", "v-00700")]
    assert set(keys(page1)) | set(got) == f1_scope(db)
    versions = [c["version"] for c in changes]
    assert versions == sorted(versions)


def test_paging_last_full_page_says_no_more(db: str) -> None:
    total = len(f1_scope(db))
    limit = next(n for n in range(170, 500) if total % n == 0)
    with app(db) as client:
        pages = pages_until_done(Device(client, "f1"), limit)
    assert [len(p["changes"]) for p in pages] == [limit] * (total // limit)
    assert pages[-1]["more"] is False


def test_paging_limit_is_capped_by_page_max_and_defaults_to_page_default(db: str) -> None:
    total = len(f1_scope(db))
    with app(db, page_max=200, page_default=120) as client:
        d = Device(client, "f1")
        assert len(d.sync()["changes"]) == 120  # no limit: page_default
        d.cursor = None
        assert len(d.sync(limit=10**6)["changes"]) == 200
        d.cursor = None
        pages = pages_until_done(d, 500)
    assert [len(p["changes"]) for p in pages] == [200] * (total // 200) + [total % 200]
    got = [k for p in pages for k in keys(p)]
    assert len(got) == len(set(got)) == total


def test_paging_small_limits_work(db: str) -> None:
    with app(db) as client:
        d = Device(client, "f1")
        one = d.sync(limit=1)
        assert len(one["changes"]) == 1 and one["more"] is True
        assert keys(one) == [("centres", "c1")]
        two = d.sync(limit=2)
        assert keys(two) == [("centres", "c2"), ("visits", "v-00000")]


@pytest.mark.parametrize("limit", [0, -1, -500, 1.5, "many", True, [500]])
def test_paging_bad_limit_is_400(db: str, limit: Any) -> None:
    with app(db) as client:
        d = Device(client, "f1")
        r = client.post(SYNC, json={"cursor": None, "limit": limit,
                                    "ops": [d.op("visits", "v-limit", visit())]}, headers=d.headers)
        assert r.status_code == 400, r.text
        err = r.json()["error"]
        assert err["code"] == "bad_request" and err["details"]["field"] == "limit"
    with closing(sqlite3.connect(db)) as conn, conn:
        assert conn.execute("SELECT count(*) FROM records WHERE id='v-limit'").fetchone()[0] == 0
