"""Concurrent edits: skew-corrected winners, kept losers, and resolving them through the API."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Config
from tests.conftest import Device, now_ms, visit

TWO_HOURS = 2 * 3600 * 1000
CONFLICTS = "/api/v1/conflicts"


def snapshot(client: TestClient) -> tuple[Any, ...]:
    """Every row that a refused resolution must leave alone."""
    with closing(sqlite3.connect(client.app.state.fs.config.db)) as conn, conn:  # type: ignore[attr-defined]
        return (conn.execute("SELECT * FROM records ORDER BY collection, id").fetchall(),
                conn.execute("SELECT * FROM changes ORDER BY version").fetchall(),
                conn.execute("SELECT * FROM conflicts ORDER BY id").fetchall(),
                conn.execute("SELECT * FROM ops ORDER BY id").fetchall())


def listed(client: TestClient, d: Device, record: str, state: str = "open") -> list[dict[str, Any]]:
    r = client.get(CONFLICTS, params={"state": state, "record": record}, headers=d.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["conflicts"])


def resolve(client: TestClient, d: Device, conflict_id: str, body: Any) -> Any:
    return client.post(f"{CONFLICTS}/{conflict_id}/resolve", json=body, headers=d.headers)


def change_of(doc: dict[str, Any], record: str) -> dict[str, Any]:
    [ch] = [c for c in doc["changes"] if c["record"] == record]
    return dict(ch)


def current(client: TestClient, d: Device, record: str) -> dict[str, Any]:
    """The record as ``d`` would get it in a first sync (its own cursor is left alone)."""
    r = client.post("/api/v1/sync", json={"cursor": None, "limit": 5000}, headers=d.headers)
    assert r.status_code == 200, r.text
    return change_of(r.json(), record)


def expect_error(r: Any, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert set(err) == {"code", "message", "details"} and err["code"] == code and err["message"]


def created(a: Device, b: Device, record: str, **fields: Any) -> None:
    """``a`` creates a visit (made a minute ago, before any edit of it); both devices sync so
    both hold its version."""
    op = a.op("visits", record, visit(notes="原始记录", **fields), at=a.clock() - 60_000)
    assert a.sync([op])["results"][0]["status"] == "applied"
    b.sync()


def concurrent_edit(a: Device, a_ago: int, b: Device, b_ago: int, a_first: bool,
                    record: str = "v-1") -> tuple[dict[str, Any], dict[str, Any]]:
    """``a`` and ``b`` both edit ``notes`` offline from the same base, ``x_ago`` ms before now
    in real time (each stamps ``at`` with its own, possibly skewed, clock); then they sync in
    the given order. Returns the two sync results (a's, b's)."""
    op_a = a.op("visits", record, {"notes": "甲的修改"}, at=a.clock() - a_ago)
    op_b = b.op("visits", record, {"notes": "乙的修改"}, at=b.clock() - b_ago)
    if a_first:
        ra = a.sync([op_a])["results"][0]
        rb = b.sync([op_b])["results"][0]
    else:
        rb = b.sync([op_b])["results"][0]
        ra = a.sync([op_a])["results"][0]
    return ra, rb


@pytest.fixture
def conflict(client: TestClient, device: Any) -> dict[str, Any]:
    """f1b (clock 2 h fast) edited ``notes`` 10 s ago; f1 (clock right) 1 s ago; f1b's arrives last.

    f1 wins; f1b's value is kept as an open conflict.
    """
    f1, f1b, sup1 = device("f1"), device("f1b", skew_ms=TWO_HOURS), device("sup1")
    created(f1, f1b, "v-1")
    concurrent_edit(f1, 1_000, f1b, 10_000, a_first=True)
    [c] = listed(client, sup1, "v-1")
    return {"f1": f1, "f1b": f1b, "sup1": sup1, "id": c["id"], "client": client}


@pytest.fixture(scope="module")
def standing(county_copy: Callable[[Path | None], str]) -> Iterator[dict[str, Any]]:
    """The same conflict, left open for the whole module, with a device for every user: for
    the tests where a resolution must be refused (and so must change nothing)."""
    path = county_copy(None)
    with TestClient(create_app(Config(db=str(path)))) as client:
        devices = {u: Device(client, u, TWO_HOURS if u == "f1b" else 0)
                   for u in ("f1", "f1b", "ctr1", "f2", "f3", "sup1", "sup2", "admin")}
        created(devices["f1"], devices["f1b"], "v-1")
        concurrent_edit(devices["f1"], 1_000, devices["f1b"], 10_000, a_first=True)
        [c] = listed(client, devices["sup1"], "v-1")
        yield {**devices, "id": c["id"], "client": client}


# -- who wins, what is kept ------------------------------------------------------------------

@pytest.mark.parametrize("skew", [TWO_HOURS, -TWO_HOURS])
@pytest.mark.parametrize("skewed_first", [True, False], ids=["skewed_arrives_first", "skewed_arrives_last"])
def test_conflicts_later_real_time_edit_wins_regardless_of_skew(
        client: TestClient, device: Any, skew: int, skewed_first: bool) -> None:
    """A fast clock (+2 h) edited earlier and loses; a slow clock (-2 h) edited later and wins.
    Raw device times would give the opposite answer both times."""
    f1, f1b, sup1 = device("f1"), device("f1b", skew_ms=skew), device("sup1")
    created(f1, f1b, "v-1")
    skewed_ago, right_ago = (10_000, 1_000) if skew > 0 else (1_000, 10_000)
    r_right, r_skewed = concurrent_edit(f1, right_ago, f1b, skewed_ago, a_first=not skewed_first)
    winner, loser = ("甲的修改", "乙的修改") if skew > 0 else ("乙的修改", "甲的修改")
    loser_device = f1b if skew > 0 else f1

    first, second = (r_skewed, r_right) if skewed_first else (r_right, r_skewed)
    assert first["status"] == "applied"
    assert second["status"] == "conflict"  # a conflict was recorded, whoever won

    ids = set()
    for d in (f1, f1b):
        ch = current(client, d, "v-1")
        assert ch["data"]["notes"] == winner
        [c] = ch["conflicts"]
        ids.add(c["id"])
        assert (c["path"], c["value"], c["device"]) == ("notes", loser, loser_device.device_id)
        # the kept loser carries its corrected (real) time, not the device's skewed one
        loser_ago = skewed_ago if loser_device is f1b else right_ago
        assert abs(c["at"] - (now_ms() - loser_ago)) < 5_000

    [item] = listed(client, sup1, "v-1")
    assert (item["collection"], item["record"], item["path"]) == ("visits", "v-1", "notes")
    assert item["value"] == loser and item["device"] == loser_device.device_id and item["open"] is True
    assert ids == {item["id"]}


def test_conflicts_edits_to_different_fields_merge_without_conflict(client: TestClient, device: Any) -> None:
    f1, f1b = device("f1"), device("f1b", skew_ms=TWO_HOURS)
    created(f1, f1b, "v-1")
    ra = f1.sync([f1.op("visits", "v-1", {"notes": "甲改备注"})])["results"][0]
    rb = f1b.sync([f1b.op("visits", "v-1", {"outcome": "乙填结果", "location.lat": 30.1})])["results"][0]
    assert (ra["status"], rb["status"]) == ("applied", "applied")
    ch = current(client, f1, "v-1")
    assert ch["data"]["notes"] == "甲改备注" and ch["data"]["outcome"] == "乙填结果"
    assert ch["data"]["location"] == {"lat": 30.1}
    assert ch["conflicts"] == []
    assert listed(client, device("sup1"), "v-1", "all") == []


def test_conflicts_edit_after_seeing_the_other_is_not_a_conflict(client: TestClient, device: Any) -> None:
    f1, f1b = device("f1"), device("f1b", skew_ms=TWO_HOURS)
    created(f1, f1b, "v-1")
    f1.sync([f1.op("visits", "v-1", {"notes": "先改"})])
    f1b.sync()  # f1b has now seen it
    [res] = f1b.sync([f1b.op("visits", "v-1", {"notes": "看过再改"}, at=f1b.clock() - 60_000)])["results"]
    assert res["status"] == "applied"
    ch = current(client, f1, "v-1")
    assert ch["data"]["notes"] == "看过再改" and ch["conflicts"] == []


def test_conflicts_are_listed_only_in_scope(standing: dict[str, Any]) -> None:
    client = standing["client"]
    assert [c["id"] for c in listed(client, standing["f1"], "v-1")] == [standing["id"]]
    assert [c["id"] for c in listed(client, standing["admin"], "v-1")] == [standing["id"]]
    for outsider in ("f2", "sup2", "f3"):
        assert listed(client, standing[outsider], "v-1", "all") == []


# -- resolving ---------------------------------------------------------------------------------

def test_conflicts_resolve_choose_kept_makes_the_loser_current_everywhere(conflict: dict[str, Any]) -> None:
    client, f1, f1b, sup1 = conflict["client"], conflict["f1"], conflict["f1b"], conflict["sup1"]
    f1.sync()
    f1b.sync()
    r = resolve(client, sup1, conflict["id"], {"choose": "kept"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["conflict"] == conflict["id"] and out["status"] == "resolved" and out["value"] == "乙的修改"
    for d in (f1, f1b):  # an ordinary change, pulled with the device's cursor
        doc = d.sync()
        ch = change_of(doc, "v-1")
        assert ch["data"]["notes"] == "乙的修改"
        assert ch["version"] == out["version"]
        assert ch["conflicts"] == []
    assert listed(client, sup1, "v-1") == []
    [done] = listed(client, sup1, "v-1", "resolved")
    assert done["open"] is False and done["resolution"]["choose"] == "kept"
    assert done["resolved_by"] == sup1.user["id"]

    before = snapshot(client)
    expect_error(resolve(client, sup1, conflict["id"], {"choose": "kept"}), 409, "already_resolved")
    expect_error(resolve(client, sup1, conflict["id"], {"choose": "current"}), 409, "already_resolved")
    assert snapshot(client) == before


def test_conflicts_resolve_choose_current_keeps_the_winner_and_closes(conflict: dict[str, Any]) -> None:
    client, f1, sup1 = conflict["client"], conflict["f1"], conflict["sup1"]
    f1.sync()
    r = resolve(client, sup1, conflict["id"], {"choose": "current"})
    assert r.status_code == 200, r.text
    assert r.json()["value"] == "甲的修改"
    ch = change_of(f1.sync(), "v-1")  # comes down again so the device drops the conflict
    assert ch["data"]["notes"] == "甲的修改" and ch["conflicts"] == []
    assert listed(client, sup1, "v-1") == []
    # the record still merges normally afterwards
    [res] = conflict["f1b"].sync([conflict["f1b"].op("visits", "v-1", {"notes": "后续修改"})])["results"]
    assert res["status"] == "applied"


def test_conflicts_resolve_with_a_new_value(conflict: dict[str, Any]) -> None:
    client, f1, f1b, sup1 = conflict["client"], conflict["f1"], conflict["f1b"], conflict["sup1"]
    f1.sync()
    f1b.sync()
    r = resolve(client, sup1, conflict["id"], {"value": "核实后的说法"})
    assert r.status_code == 200, r.text
    for d in (f1, f1b):
        ch = change_of(d.sync(), "v-1")
        assert ch["data"]["notes"] == "核实后的说法" and ch["conflicts"] == []


def test_conflicts_admin_may_resolve(conflict: dict[str, Any], device: Any) -> None:
    r = resolve(conflict["client"], device("admin"), conflict["id"], {"choose": "kept"})
    assert r.status_code == 200, r.text


@pytest.mark.parametrize(("who", "status", "code"), [("f1", 403, "forbidden"), ("ctr1", 403, "forbidden"),
                                                      ("f1b", 403, "forbidden"), ("sup2", 404, "not_found"),
                                                      ("f3", 403, "forbidden")])
def test_conflicts_resolve_refused_for_field_centre_and_other_county(
        standing: dict[str, Any], who: str, status: int, code: str) -> None:
    client = standing["client"]
    d = standing[who]
    before = snapshot(client)
    expect_error(resolve(client, d, standing["id"], {"choose": "kept"}), status, code)
    assert snapshot(client) == before
    assert len(listed(client, standing["sup1"], "v-1")) == 1


@pytest.mark.parametrize("body", [
    {"value": 123}, {"value": "字" * 2001}, {"value": ["a"]}, {"value": {"x": 1}},
    {}, {"choose": "mine"}, {"choose": "kept", "value": "x"}, {"choose": None}, {"choose": 1},
    [], "kept", None,
], ids=lambda b: repr(b)[:30])
def test_conflicts_resolve_with_invalid_body_is_4xx_and_changes_nothing(
        standing: dict[str, Any], body: Any) -> None:
    client, sup1 = standing["client"], standing["sup1"]
    before = snapshot(client)
    r = resolve(client, sup1, standing["id"], body)
    assert 400 <= r.status_code < 500, r.text
    err = r.json()["error"]
    assert set(err) == {"code", "message", "details"} and err["message"]
    assert snapshot(client) == before
    assert len(listed(client, sup1, "v-1")) == 1


def test_conflicts_resolve_refused_value_answers_with_the_ops_code(standing: dict[str, Any]) -> None:
    """A resolution is an op: a value the schema refuses is refused as that op would be
    (its code, with the status the error table gives it), and nothing changes."""
    client, sup1 = standing["client"], standing["sup1"]
    before = snapshot(client)
    r = resolve(client, sup1, standing["id"], {"value": 123})
    expect_error(r, 422, "invalid")
    assert r.json()["error"]["details"]["path"] == "notes"
    assert snapshot(client) == before


def test_conflicts_resolve_unknown_conflict_is_404(standing: dict[str, Any]) -> None:
    client = standing["client"]
    expect_error(resolve(client, standing["sup1"], "no-such-conflict", {"choose": "kept"}), 404, "not_found")


def test_conflicts_list_rejects_bad_parameters(standing: dict[str, Any]) -> None:
    client, sup1 = standing["client"], standing["sup1"]
    for params in ({"state": "closed"}, {"limit": "0"}, {"limit": "many"}, {"limit": "100000"}):
        r = client.get(CONFLICTS, params=params, headers=sup1.headers)
        expect_error(r, 400, "bad_request")


# -- delete versus edit -------------------------------------------------------------------------

@pytest.mark.parametrize("delete_first", [True, False], ids=["delete_arrives_first", "edit_arrives_first"])
def test_conflicts_delete_vs_edit_is_listed_and_kept_restores_the_edit(
        client: TestClient, device: Any, delete_first: bool) -> None:
    f1, f1b, sup1 = device("f1"), device("f1b", skew_ms=TWO_HOURS), device("sup1")
    created(f1, f1b, "v-1")
    delete = f1.op("visits", "v-1", delete=True)
    edit = f1b.op("visits", "v-1", {"notes": "删除前补充的情况"})
    if delete_first:
        f1.sync([delete])
        res = f1b.sync([edit])["results"][0]
    else:
        f1b.sync([edit])
        res = f1.sync([delete])["results"][0]
    assert res["status"] == "conflict"

    f1b.sync()
    ch = current(client, f1, "v-1")
    assert ch["deleted"] is True
    [c] = ch["conflicts"]
    assert c["path"] == "_deleted" and c["device"] == f1b.device_id
    [item] = listed(client, sup1, "v-1")
    assert item["path"] == "_deleted" and item["id"] == c["id"]

    r = resolve(client, sup1, item["id"], {"choose": "kept"})
    assert r.status_code == 200, r.text
    for d in (f1, f1b):
        ch = change_of(d.sync(), "v-1")
        assert ch["deleted"] is False
        assert ch["data"]["notes"] == "删除前补充的情况"
        assert ch["data"]["kind"] == "home_service" and ch["data"]["centre_id"] == "c1"
        assert ch["conflicts"] == []
    assert listed(client, sup1, "v-1") == []


def test_conflicts_delete_vs_edit_choose_current_keeps_it_deleted(client: TestClient, device: Any) -> None:
    f1, f1b, sup1 = device("f1"), device("f1b"), device("sup1")
    created(f1, f1b, "v-1")
    f1b.sync([f1b.op("visits", "v-1", {"notes": "补充"})])
    f1.sync([f1.op("visits", "v-1", delete=True)])
    f1b.sync()
    [item] = listed(client, sup1, "v-1")
    r = resolve(client, sup1, item["id"], {"choose": "current"})
    assert r.status_code == 200, r.text
    ch = change_of(f1b.sync(), "v-1")
    assert ch["deleted"] is True and ch["conflicts"] == []
    assert listed(client, sup1, "v-1") == []
