"""``records`` has no index by county alone (``records_county`` was dropped): every row
written (a push's, the sweep's 22,000 refreshed cases and 22,000 accountability records) wrote
it, and the queries by county it served walked every record of the county through it. The
county's reference data is pulled by ``records_reference``; centres and matters of a county are
found by collection; an older database loses the index on start."""

from __future__ import annotations

import sqlite3
from typing import Any

from server.scope import Scope
from server.store import pages, public, users
from server.store.sqlite import migrate
from tests.support.plans import plans


def new_db() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn)
    rows: list[tuple[Any, ...]] = [("centres", "c1", None, "k1", '{"name":"中心"}'),
                                   ("matters", "m1", None, "k1", '{"name":"事项"}')]
    rows += [("cases", f"case-{i}", "c1", "k1", "{}") for i in range(20)]
    conn.executemany("INSERT INTO records (collection, id, centre_id, county_id, version, data,"
                     " meta, created_version) VALUES (?,?,?,?,1,?,'[]',1)", rows)
    return conn


def indexes(conn: sqlite3.Connection) -> set[str]:
    return {name for (name,) in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'records'")}


def test_records_indexes_none_by_county_alone() -> None:
    conn = new_db()
    assert "records_county" not in indexes(conn)
    assert {"records_reference", "records_centre", "records_collection_centre",
            "records_version"} <= indexes(conn)


def test_records_indexes_an_older_database_loses_records_county() -> None:
    conn = new_db()
    conn.execute("CREATE INDEX records_county ON records(county_id, version)")
    migrate(conn)
    assert "records_county" not in indexes(conn)


def test_records_indexes_county_queries_seek_what_they_read() -> None:
    conn = new_db()
    # A centre's public page: its county's matters by collection, not every record of the county.
    found = plans(conn, lambda c: public.centre_with_matters(c, "c1"), on="matters")
    assert found and all("(collection=?)" in p and "county_id" not in p for p in found), found
    # A supervisor's pull: the county's reference data by the partial index of exactly it.
    scope = Scope("supervisor", frozenset({"c1"}), frozenset({"k1"}))
    pulled = plans(conn, lambda c: pages.pull(c, scope, 0, 10), on="centre_id IS NULL")
    assert pulled and all("USING INDEX records_reference (county_id=? AND version>?)" in p
                          for p in pulled), pulled
    # Adding a county's supervisor checks the county has a centre: by collection.
    checked = plans(conn, lambda c: users.add_user(c, username="sup", password_hash="x",
                                                    role="supervisor", county_id="k1", now=1),
                    on="FROM records")
    assert checked and all("(collection=?)" in p for p in checked), checked
