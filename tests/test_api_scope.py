"""Scoping: who reads and writes what, checked on every pull and every op.

County k1 has centres c1 and c2, county k2 has c3 (see conftest). Places are named from
the point of view of a c1 user: ``own`` = c1, ``same_county`` = c2, ``other_county`` = c3.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Config
from tests.conftest import Device, visit

SYNC = "/api/v1/sync"
PLACES = {"own": "c1", "same_county": "c2", "other_county": "c3"}
COUNTY = {"c1": "k1", "c2": "k1", "c3": "k2"}
# user -> centres whose records they read and write
CENTRES = {"f1": {"c1"}, "ctr1": {"c1"}, "sup1": {"c1", "c2"}, "admin": {"c1", "c2", "c3"},
           "multi": {"c1", "c2"}, "f3": {"c3"}, "sup2": {"c3"}}
ROLE = {"f1": "field", "ctr1": "centre", "sup1": "supervisor", "admin": "admin", "multi": "field",
        "f3": "field", "sup2": "supervisor"}
MATRIX_USERS = ("f1", "ctr1", "sup1", "admin", "multi")
REF_USERS = ("f1", "ctr1", "sup1", "admin", "multi", "f3", "sup2")


def counties_of(user: str) -> set[str]:
    return {COUNTY[c] for c in CENTRES[user]}


def may_write_reference(user: str, county: str) -> bool:
    return ROLE[user] in ("supervisor", "admin") and county in counties_of(user)


def matter(county: str, **extra: Any) -> dict[str, Any]:
    return {"name": "户籍证明", "county_id": county, "kind": "immediate", "time_limit_days": 0,
            **extra}


def template(county: str, **extra: Any) -> dict[str, Any]:
    return {"name": "便民服务中心考评细则", "county_id": county, "version": 1, **extra}


REFERENCE = {"matters": matter, "templates": template}


@dataclass
class World:
    """One app shared by the module's read-mostly matrix: devices and seeded records."""

    client: TestClient
    db: str
    devices: dict[str, Device]
    versions: dict[tuple[str, str], int]

    def row(self, collection: str, record: str) -> tuple[Any, ...] | None:
        with closing(sqlite3.connect(self.db)) as conn, conn:
            row: tuple[Any, ...] | None = conn.execute(
                "SELECT version, deleted, data, centre_id, county_id FROM records"
                " WHERE collection=? AND id=?", (collection, record)).fetchone()
            return row

    def quarantine_code(self, op_id: str) -> str | None:
        with closing(sqlite3.connect(self.db)) as conn, conn:
            row = conn.execute("SELECT code FROM quarantine WHERE op_id=?", (op_id,)).fetchone()
            return None if row is None else str(row[0])


def pull_all(client: TestClient, d: Device) -> dict[tuple[str, str], dict[str, Any]]:
    """Everything a first sync (cursor null) brings down, without touching ``d``'s cursor."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    cursor = None
    while True:
        r = client.post(SYNC, json={"cursor": cursor, "limit": 5000}, headers=d.headers)
        assert r.status_code == 200, r.text
        doc = r.json()
        for ch in doc["changes"]:
            out[(ch["collection"], ch["record"])] = ch
        cursor = doc["cursor"]
        if not doc["more"]:
            return out


@pytest.fixture(scope="module")
def world(county_copy: Callable[[Path | None], str]) -> Iterator[World]:
    path = county_copy(None)
    with TestClient(create_app(Config(db=str(path)))) as client:
        devices = {u: Device(client, u) for u in REF_USERS}
        admin = devices["admin"]
        ops = [admin.op("visits", f"seed-{c}", visit(c, notes=f"{c} 的走访")) for c in ("c1", "c2", "c3")]
        ops += [admin.op("visits", f"upd-{u}-{p}", visit(c)) for u in MATRIX_USERS
                for p, c in PLACES.items()]
        for county in ("k1", "k2"):
            ops += [admin.op("matters", f"m-{county}", matter(county)),
                    admin.op("templates", f"t-{county}", template(county))]
            ops += [admin.op(coll, f"ref-{coll}-{u}-{county}", make(county))
                    for u in REF_USERS for coll, make in REFERENCE.items()]
        results = admin.sync(ops)["results"]
        assert {r["status"] for r in results} == {"applied"}, results
        versions = {(o["collection"], o["record"]): r["version"] for o, r in zip(ops, results, strict=True)}
        yield World(client, str(path), devices, versions)


def expect_op(world: World, d: Device, op: dict[str, Any], allowed: bool,
              code: str = "forbidden") -> dict[str, Any]:
    """Send one op; check it was applied, or rejected with ``code``, quarantined, changing nothing."""
    before = world.row(op["collection"], op["record"])
    [res] = d.sync([op])["results"]
    if allowed:
        assert res["status"] == "applied", res
    else:
        assert res["status"] == "rejected" and res["code"] == code, res
        assert res["message"]
        assert world.quarantine_code(op["id"]) == code
        assert world.row(op["collection"], op["record"]) == before
    return dict(res)


# -- centre-scoped records --------------------------------------------------------------------

MATRIX = [(u, p) for u in MATRIX_USERS for p in PLACES]


@pytest.mark.parametrize(("user", "place"), MATRIX)
def test_scope_read_record_comes_down_only_in_scope(world: World, user: str, place: str) -> None:
    centre = PLACES[place]
    got = pull_all(world.client, world.devices[user])
    # Supervisors and admins read applicants' records through reports and lists, never into
    # the browser: their devices sync reference data, inspections, rectifications and accountability only.
    syncs_records = ROLE[user] not in ("supervisor", "admin")
    assert (("visits", f"seed-{centre}") in got) == (centre in CENTRES[user] and syncs_records)


@pytest.mark.parametrize(("user", "place"), MATRIX)
def test_scope_create_visit_applied_only_in_scope(world: World, user: str, place: str) -> None:
    centre, d = PLACES[place], world.devices[user]
    op = d.op("visits", f"new-{user}-{place}", visit(centre, notes="新建"))
    allowed = centre in CENTRES[user]
    expect_op(world, d, op, allowed)
    row = world.row("visits", op["record"])
    assert (row is not None) == allowed
    if row is not None:
        assert row[3] == centre and row[4] == COUNTY[centre]


@pytest.mark.parametrize(("user", "place"), MATRIX)
def test_scope_update_existing_record_applied_only_in_scope(world: World, user: str, place: str) -> None:
    centre, d = PLACES[place], world.devices[user]
    record = f"upd-{user}-{place}"
    op = d.op("visits", record, {"notes": f"{user} 改的"}, base=world.versions[("visits", record)])
    allowed = centre in CENTRES[user]
    expect_op(world, d, op, allowed)
    assert ('"notes":"%s 改的"' % user in world.row("visits", record)[2]) == allowed  # type: ignore[index]


@pytest.mark.parametrize(("user", "place"), MATRIX)
def test_scope_delete_existing_record_only_in_scope(world: World, user: str, place: str) -> None:
    centre, d = PLACES[place], world.devices[user]
    record = f"del-{user}-{place}"
    [seeded] = world.devices["admin"].sync([world.devices["admin"].op("visits", record, visit(centre))])[
        "results"]
    op = d.op("visits", record, base=seeded["version"], delete=True)
    allowed = centre in CENTRES[user]
    expect_op(world, d, op, allowed)
    assert world.row("visits", record)[1] == int(allowed)  # type: ignore[index]


@pytest.mark.parametrize("user", REF_USERS)
def test_scope_pull_never_contains_anything_out_of_scope(world: World, user: str) -> None:
    got = pull_all(world.client, world.devices[user])
    assert got
    for (coll, rid), ch in got.items():
        data = ch["data"]
        if coll in ("centres", "matters", "templates"):
            assert data["county_id"] in counties_of(user), (coll, rid)
        else:
            assert data["centre_id"] in CENTRES[user], (coll, rid)


def test_scope_field_user_cannot_take_over_a_record_of_another_centre(world: World) -> None:
    """Claiming an out-of-scope record by its id, with one's own centre_id, is still forbidden."""
    f1 = world.devices["f1"]
    op = f1.op("visits", "seed-c2", {"centre_id": "c1", "notes": "抢过来"},
               base=world.versions[("visits", "seed-c2")])
    expect_op(world, f1, op, allowed=False)


@pytest.mark.parametrize(("user", "to"), [("f1", "c2"), ("f1", "c3"), ("multi", "c2"), ("sup1", "c2"),
                                          ("admin", "c3")])
def test_scope_record_cannot_move_to_another_centre(world: World, user: str, to: str) -> None:
    d, admin = world.devices[user], world.devices["admin"]
    record = f"move-{user}-{to}"
    [seeded] = admin.sync([admin.op("visits", record, visit("c1"))])["results"]
    op = d.op("visits", record, {"centre_id": to, "notes": "搬走"}, base=seeded["version"])
    res = expect_op(world, d, op, allowed=False, code="invalid")
    assert res["details"]["path"] == "centre_id"
    assert world.row("visits", record)[3] == "c1"  # type: ignore[index]


def test_scope_reference_record_cannot_move_to_another_county(world: World) -> None:
    admin = world.devices["admin"]
    op = admin.op("matters", "m-k1", {"county_id": "k2"}, base=world.versions[("matters", "m-k1")])
    res = expect_op(world, admin, op, allowed=False, code="invalid")
    assert res["details"]["path"] == "county_id"


def test_scope_multi_centre_user_reads_and_writes_both_centres(world: World) -> None:
    multi = world.devices["multi"]
    ops = [multi.op("visits", f"multi-both-{c}", visit(c)) for c in ("c1", "c2")]
    assert [r["status"] for r in multi.sync(ops)["results"]] == ["applied", "applied"]
    got = pull_all(world.client, multi)
    assert {("visits", "multi-both-c1"), ("visits", "multi-both-c2")} <= set(got)
    assert multi.user["centre_ids"] == ["c1", "c2"]
    # a single-centre colleague sees only their own centre's one
    f1_got = pull_all(world.client, world.devices["f1"])
    assert ("visits", "multi-both-c1") in f1_got and ("visits", "multi-both-c2") not in f1_got


# -- reference data (centres, matters, templates) ----------------------------------------------

REF_MATRIX = [(u, k) for u in REF_USERS for k in ("k1", "k2")]


@pytest.mark.parametrize(("user", "county"), REF_MATRIX)
def test_scope_reference_data_read_county_wide(world: World, user: str, county: str) -> None:
    got = pull_all(world.client, world.devices[user])
    visible = county in counties_of(user)
    for key in (("matters", f"m-{county}"), ("templates", f"t-{county}")):
        assert (key in got) == visible, key
    centres = {("centres", c) for c, k in COUNTY.items() if k == county}
    # everyone in the county gets every centre of it, not just their own
    assert centres & set(got) == (centres if visible else set())


@pytest.mark.parametrize(("user", "county"), REF_MATRIX)
@pytest.mark.parametrize("collection", sorted(REFERENCE))
def test_scope_reference_data_created_only_by_supervisor_or_admin_of_the_county(
        world: World, user: str, county: str, collection: str) -> None:
    d = world.devices[user]
    op = d.op(collection, f"new-{collection}-{user}-{county}", REFERENCE[collection](county))
    expect_op(world, d, op, may_write_reference(user, county))


@pytest.mark.parametrize(("user", "county"), REF_MATRIX)
@pytest.mark.parametrize("collection", sorted(REFERENCE))
def test_scope_reference_data_updated_only_by_supervisor_or_admin_of_the_county(
        world: World, user: str, county: str, collection: str) -> None:
    d = world.devices[user]
    record = f"ref-{collection}-{user}-{county}"
    op = d.op(collection, record, {"name": f"{user} 改名"}, base=world.versions[(collection, record)])
    expect_op(world, d, op, may_write_reference(user, county))


@pytest.mark.parametrize(("user", "centre"), [("f1", "c1"), ("ctr1", "c1"), ("sup2", "c1"), ("sup1", "c3"),
                                              ("sup1", "c2"), ("admin", "c3")])
def test_scope_centre_records_updated_only_by_supervisor_or_admin_of_the_county(
        world: World, user: str, centre: str) -> None:
    d = world.devices[user]
    op = d.op("centres", centre, {"phone": "0571-1234567"}, base=world.row("centres", centre)[0])  # type: ignore[index]
    expect_op(world, d, op, may_write_reference(user, COUNTY[centre]))


@pytest.mark.parametrize(("user", "county", "allowed"), [
    ("f1", "k1", False), ("ctr1", "k1", False), ("sup1", "k2", False), ("sup1", "k1", True)])
def test_scope_new_centre_only_by_supervisor_of_the_county(county_db: str, user: str, county: str,
                                                          allowed: bool) -> None:
    with TestClient(create_app(Config(db=county_db))) as client:
        d = Device(client, user)
        [res] = d.sync([d.op("centres", "c-new", {"name": "新镇", "county_id": county})])["results"]
        assert res["status"] == ("applied" if allowed else "rejected"), res
        if not allowed:
            assert res["code"] == "forbidden"
        else:
            # the new centre is now part of the supervisor's scope: their copy is reset
            doc = d.sync()
            assert doc["reset"] is True
            assert ("centres", "c-new") in {(c["collection"], c["record"]) for c in doc["changes"]}
            assert d.sync([d.op("visits", "v-in-new", visit("c-new"))])["results"][0]["status"] == "applied"


# -- scope changes -----------------------------------------------------------------------------

def test_scope_change_resets_the_next_sync_with_the_full_scope(county_db: str) -> None:
    with TestClient(create_app(Config(db=county_db))) as client:
        admin, f1 = Device(client, "admin"), Device(client, "f1")
        admin.sync([admin.op("visits", f"v-{c}-{i}", visit(c)) for c in ("c1", "c2", "c3") for i in range(3)])
        first = [c for page in f1.sync_all() for c in page["changes"]]
        assert {c["record"] for c in first if c["collection"] == "visits"} == {f"v-c1-{i}" for i in range(3)}
        assert f1.sync()["changes"] == []
        old_cursor = f1.cursor

        with closing(sqlite3.connect(county_db)) as conn, conn:
            conn.execute("INSERT INTO user_centres (user_id, centre_id) VALUES (?, 'c2')", (f1.user["id"],))
        pending = f1.op("visits", "v-new-c2", visit("c2", notes="新辖区的第一条"))
        doc = f1.sync([pending])
        assert doc["reset"] is True
        assert doc["results"][0]["status"] == "applied"  # pending ops go through the reset
        got = {(c["collection"], c["record"]) for c in doc["changes"]}
        expected = {("centres", "c1"), ("centres", "c2"), ("visits", "v-new-c2")} | {
            ("visits", f"v-{c}-{i}") for c in ("c1", "c2") for i in range(3)}
        assert got == expected  # the whole scope, old records included, nothing of c3
        assert doc["more"] is False
        versions = [c["version"] for c in doc["changes"]]
        assert versions == sorted(versions)

        again = f1.sync()
        assert again["reset"] is False and again["changes"] == []
        # the old cursor (from before the change) still means: start over
        r = client.post(SYNC, json={"cursor": old_cursor}, headers=f1.headers)
        assert r.json()["reset"] is True

        # shrinking the scope resets too, and c2 no longer comes down
        with closing(sqlite3.connect(county_db)) as conn, conn:
            conn.execute("DELETE FROM user_centres WHERE user_id=? AND centre_id='c2'", (f1.user["id"],))
        doc = f1.sync()
        assert doc["reset"] is True
        got = {(c["collection"], c["record"]) for c in doc["changes"]}
        assert got == {("centres", "c1"), ("centres", "c2")} | {("visits", f"v-c1-{i}") for i in range(3)}
        # and writes there are refused again
        [res] = f1.sync([f1.op("visits", "v-new-c2", {"notes": "已无权限"})])["results"]
        assert res["status"] == "rejected" and res["code"] == "forbidden"


def test_scope_cursor_of_another_user_resets(county_db: str) -> None:
    """A cursor is tied to a scope: a cursor from a c1 user used by a c2 user starts over."""
    with TestClient(create_app(Config(db=county_db))) as client:
        f1, f2 = Device(client, "f1"), Device(client, "f2")
        f1.sync()
        f2.cursor = f1.cursor
        doc = f2.sync()
        assert doc["reset"] is True
        assert {c["record"] for c in doc["changes"]} == {"c1", "c2"}
