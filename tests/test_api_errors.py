"""Every error the API gives: status, the envelope ``{"error": {"code", "message", "details"}}``,
and that nothing else changed (records, ops, changes; quarantine only where the contract keeps
a rejected op)."""

from __future__ import annotations

import base64
import gzip
import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import brotli
import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.config import Config
from tests.conftest import PASSWORD, Device, now_ms, visit

TABLES = ("records", "ops", "changes", "quarantine", "conflicts", "devices")
SYNC = "/api/v1/sync"


@contextmanager
def app_client(db: str, **settings: Any) -> Iterator[TestClient]:
    """An in-process app over ``db`` with some settings changed."""
    with TestClient(create_app(Config(db=db, **settings))) as c:
        yield c


def db_path(client: TestClient) -> str:
    return str(client.app.state.fs.config.db)  # type: ignore[attr-defined]


def counts(client: TestClient) -> dict[str, int]:
    """Rows per table, to prove a refused request changed nothing."""
    with closing(sqlite3.connect(db_path(client))) as conn, conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


def record_row(client: TestClient, collection: str, record: str) -> tuple[Any, ...] | None:
    with closing(sqlite3.connect(db_path(client))) as conn, conn:
        row: tuple[Any, ...] | None = conn.execute(
            "SELECT version, deleted, data, meta FROM records WHERE collection=? AND id=?",
            (collection, record)).fetchone()
        return row


def quarantined(client: TestClient, op_id: str) -> tuple[str, str, int] | None:
    with closing(sqlite3.connect(db_path(client))) as conn, conn:
        row: tuple[str, str, int] | None = conn.execute(
            "SELECT code, op, attempts FROM quarantine WHERE op_id=?", (op_id,)).fetchone()
        return row


def expect_error(r: Any, status: int, code: str) -> dict[str, Any]:
    """Assert the status and the envelope; return the inner error object."""
    assert r.status_code == status, r.text
    body = r.json()
    assert isinstance(body, dict) and "error" in body, body
    err = body["error"]
    assert set(err) == {"code", "message", "details"}, err
    assert err["code"] == code, err
    assert isinstance(err["message"], str) and err["message"], err
    assert isinstance(err["details"], dict), err
    return dict(err)


def good_op(record: str = "v-good") -> dict[str, Any]:
    """A valid op: whole-request errors must not apply it."""
    return {"id": f"op-{record}", "collection": "visits", "record": record, "base": 0,
            "at": now_ms(), "set": visit(notes="不应写入"), "delete": False}


@pytest.fixture(scope="module")
def shared(county_copy: Callable[[Path | None], str]
           ) -> Iterator[tuple[TestClient, Device]]:
    """One app and one logged-in f1 (with a visit ``v-seed`` in c1) for the whole module.

    Logins cost an argon2 hash each, so tests that only prove a refusal changed nothing share
    them; every such test compares row counts before and after its own request.
    """
    path = county_copy(None)
    with TestClient(create_app(Config(db=str(path)))) as c:
        d = Device(c, "f1")
        res = d.sync([d.op("visits", "v-seed", visit(notes="原始记录"))])["results"]
        assert res[0]["status"] == "applied"
        yield c, d


@pytest.fixture
def api(shared: tuple[TestClient, Device]) -> TestClient:
    """The module's shared app."""
    return shared[0]


@pytest.fixture
def f1(shared: tuple[TestClient, Device]) -> Device:
    """The module's shared f1 device (knows ``v-seed``)."""
    return shared[1]


# -- malformed requests: 400 for the whole request, nothing applied ----------------------------

def _body(doc: Any) -> bytes:
    return json.dumps(doc).encode()


WHOLE_REQUEST_400: list[tuple[str, Callable[[], bytes], str, dict[str, Any]]] = [
    ("malformed_json", lambda: b'{"ops": [' + _body(good_op()), "bad_request", {}),
    ("empty_body", lambda: b"", "bad_request", {}),
    ("not_utf8", lambda: b"\xff\xfe{}", "bad_request", {}),
    ("body_array", lambda: _body([{"ops": [good_op()]}]), "bad_request", {}),
    ("body_string", lambda: _body("sync"), "bad_request", {}),
    ("body_number", lambda: b"42", "bad_request", {}),
    ("body_null", lambda: b"null", "bad_request", {}),
    ("cursor_int", lambda: _body({"cursor": 5, "ops": [good_op()]}), "invalid_cursor", {}),
    ("cursor_object", lambda: _body({"cursor": {"v": 1}, "ops": [good_op()]}), "invalid_cursor", {}),
    ("cursor_bool", lambda: _body({"cursor": True, "ops": [good_op()]}), "invalid_cursor", {}),
    ("cursor_array", lambda: _body({"cursor": ["x"], "ops": [good_op()]}), "invalid_cursor", {}),
    ("clock_string", lambda: _body({"clock": "soon", "ops": [good_op()]}), "bad_request",
     {"field": "clock"}),
    ("clock_float", lambda: _body({"clock": 1.5, "ops": [good_op()]}), "bad_request",
     {"field": "clock"}),
    ("clock_bool", lambda: _body({"clock": True, "ops": [good_op()]}), "bad_request",
     {"field": "clock"}),
    ("clock_negative", lambda: _body({"clock": -1, "ops": [good_op()]}), "bad_request",
     {"field": "clock"}),
    ("clock_array", lambda: _body({"clock": [], "ops": [good_op()]}), "bad_request",
     {"field": "clock"}),
    ("limit_string", lambda: _body({"limit": "many", "ops": [good_op()]}), "bad_request",
     {"field": "limit"}),
    ("limit_zero", lambda: _body({"limit": 0, "ops": [good_op()]}), "bad_request",
     {"field": "limit"}),
    ("limit_negative", lambda: _body({"limit": -5, "ops": [good_op()]}), "bad_request",
     {"field": "limit"}),
    ("limit_float", lambda: _body({"limit": 2.5, "ops": [good_op()]}), "bad_request",
     {"field": "limit"}),
    ("limit_bool", lambda: _body({"limit": True, "ops": [good_op()]}), "bad_request",
     {"field": "limit"}),
    ("ops_object", lambda: _body({"ops": {"0": good_op()}}), "bad_request", {"field": "ops"}),
    ("ops_string", lambda: _body({"ops": "op"}), "bad_request", {"field": "ops"}),
    ("status_array", lambda: _body({"status": [], "ops": [good_op()]}), "bad_request",
     {"field": "status"}),
    ("status_string", lambda: _body({"status": "ok", "ops": [good_op()]}), "bad_request",
     {"field": "status"}),
    ("schema_version_string", lambda: _body({"schema_version": "one", "ops": [good_op()]}),
     "bad_request", {"field": "schema_version"}),
    ("op_not_object", lambda: _body({"ops": [good_op(), 5]}), "bad_request", {"index": 1}),
    ("op_list", lambda: _body({"ops": [good_op(), [good_op("v-2")]]}), "bad_request", {"index": 1}),
    ("op_without_id", lambda: _body({"ops": [good_op(), {**good_op("v-2"), "id": None}]}),
     "bad_request", {"index": 1}),
    ("op_id_missing", lambda: _body({"ops": [good_op(), {k: v for k, v in good_op("v-2").items()
                                                         if k != "id"}]}),
     "bad_request", {"index": 1}),
    ("op_id_number", lambda: _body({"ops": [good_op(), {**good_op("v-2"), "id": 7}]}),
     "bad_request", {"index": 1}),
    ("op_id_empty", lambda: _body({"ops": [good_op(), {**good_op("v-2"), "id": ""}]}),
     "bad_request", {"index": 1}),
    ("op_id_too_long", lambda: _body({"ops": [good_op(), {**good_op("v-2"), "id": "x" * 129}]}),
     "bad_request", {"index": 1}),
]


@pytest.mark.parametrize(("make", "code", "details"), [c[1:] for c in WHOLE_REQUEST_400],
                         ids=[c[0] for c in WHOLE_REQUEST_400])
def test_errors_malformed_sync_request_is_400_and_applies_nothing(
        api: TestClient, f1: Device, make: Callable[[], bytes], code: str,
        details: dict[str, Any]) -> None:
    before = counts(api)
    r = api.post(SYNC, content=make(),
                    headers={**f1.headers, "Content-Type": "application/json"})
    err = expect_error(r, 400, code)
    assert details.items() <= err["details"].items()
    assert counts(api) == before


def test_errors_deeply_nested_json_is_400_not_500(api: TestClient, f1: Device) -> None:
    before = counts(api)
    r = api.post(SYNC, content=b"[" * 100_000 + b"]" * 100_000,
                    headers={**f1.headers, "Content-Type": "application/json"})
    expect_error(r, 400, "bad_request")
    assert counts(api) == before


def test_errors_absurd_device_clock_is_400_not_500(api: TestClient, f1: Device) -> None:
    """A clock of 10**20 ms cannot be stored as an offset: a clear 400, not an internal error."""
    before = counts(api)
    r = api.post(SYNC, json={"clock": 10**20, "ops": [good_op()]}, headers=f1.headers)
    err = expect_error(r, 400, "bad_request")
    assert err["details"].get("field") == "clock"
    assert counts(api) == before


LONE_SURROGATE = "\\ud800"  # valid JSON syntax, but not a Unicode character: cannot be stored as UTF-8


@pytest.mark.parametrize("where", ["value", "op_id", "record"])
def test_errors_lone_surrogate_in_sync_body_is_4xx_not_500(api: TestClient, f1: Device, where: str) -> None:
    op = good_op(f"v-surrogate-{where}")
    text = json.dumps({"clock": f1.clock(), "ops": [op]}, ensure_ascii=False)
    target = {"value": "不应写入", "op_id": op["id"], "record": op["record"]}[where]
    body = text.replace(f'"{target}"', f'"{LONE_SURROGATE}"', 1).encode()
    before = counts(api)
    r = api.post(SYNC, content=body, headers={**f1.headers, "Content-Type": "application/json"})
    assert r.status_code < 500, r.text
    if r.status_code == 200:  # or refused per op, and kept in quarantine
        [res] = r.json()["results"]
        assert res["status"] == "rejected" and res["code"] == "invalid"
        assert counts(api)["records"] == before["records"]
    else:
        expect_error(r, 400, "bad_request")
        assert counts(api) == before


@pytest.mark.parametrize("field", ["username", "password", "device_name"])
def test_errors_lone_surrogate_in_login_is_4xx_not_500(client: TestClient, field: str) -> None:
    doc = {"username": "f1", "password": PASSWORD, "device_name": "phone"}
    body = json.dumps(doc).replace(f'"{doc[field]}"', f'"{LONE_SURROGATE}"', 1).encode()
    before = counts(client)
    r = client.post("/api/v1/auth/login", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 401), r.text
    expect_error(r, r.status_code, "bad_request" if r.status_code == 400 else "bad_credentials")
    assert counts(client) == before


# -- per-op rejections: 200, the op rejected with code and message, quarantined ----------------

MISSING = object()
NEW = "v-new"
OP_REJECTIONS: list[tuple[str, dict[str, Any], str, str | None]] = [
    ("record_with_space", {"record": "bad id"}, "invalid", "record"),
    ("record_empty", {"record": ""}, "invalid", "record"),
    ("record_number", {"record": 7}, "invalid", "record"),
    ("record_too_long", {"record": "r" * 101}, "invalid", "record"),
    ("record_missing", {"record": MISSING}, "invalid", "record"),
    ("base_negative", {"base": -1}, "invalid", "base"),
    ("base_string", {"base": "3"}, "invalid", "base"),
    ("base_float", {"base": 1.5}, "invalid", "base"),
    ("base_bool", {"base": True}, "invalid", "base"),
    ("at_string", {"at": "yesterday"}, "invalid", "at"),
    ("at_float", {"at": 1.5}, "invalid", "at"),
    ("at_negative", {"at": -1}, "invalid", "at"),
    ("at_missing", {"at": MISSING}, "invalid", "at"),
    ("set_array", {"set": [["notes", "x"]]}, "invalid", "set"),
    ("set_string", {"set": "notes"}, "invalid", "set"),
    ("delete_string", {"delete": "yes"}, "invalid", "delete"),
    ("delete_int", {"delete": 1}, "invalid", "delete"),
    ("collection_unknown", {"collection": "widgets"}, "unknown_collection", None),
    ("collection_number", {"collection": 5}, "invalid", "collection"),
    ("collection_missing", {"collection": MISSING}, "invalid", "collection"),
    ("field_unknown", {"set": visit(colour="red")}, "invalid", "colour"),
    ("nested_field_unknown", {"set": visit(location={"alt": 3})}, "invalid", "location.alt"),
    ("dotted_field_unknown", {"set": {**visit(), "location.alt": 3}}, "invalid", "location.alt"),
    ("nested_wrong_type", {"set": visit(location={"lat": "31.2", "lon": 121.4})}, "invalid",
     "location.lat"),
    ("dotted_wrong_type", {"set": {**visit(), "location.lat": "31.2"}}, "invalid", "location.lat"),
    ("nested_out_of_range", {"set": visit(location={"lat": 91})}, "invalid", "location.lat"),
    ("object_given_scalar", {"set": visit(location=5)}, "invalid", "location"),
    ("scalar_path_into", {"set": {**visit(), "notes.x": "a"}}, "invalid", "notes.x"),
    ("enum_value", {"set": visit(kind="party")}, "invalid", "kind"),
    ("array_item_type", {"set": visit(staff_ids=[5])}, "invalid", "staff_ids.0"),
    ("string_too_long", {"set": visit(notes="字" * 2001)}, "invalid", "notes"),
    ("photo_not_sha256", {"set": visit(photos=["abc"])}, "invalid", "photos.0"),
    ("computed_due_at", {"collection": "cases", "set": {
        "centre_id": "c1", "matter_id": "m1", "status": "accepted", "due_at": 1}}, "forbidden", "due_at"),
    ("computed_overdue", {"collection": "cases", "set": {
        "centre_id": "c1", "matter_id": "m1", "status": "accepted", "overdue": False}}, "forbidden",
     "overdue"),
    ("new_visit_without_kind", {"set": {"centre_id": "c1", "notes": "x"}}, "invalid", "kind"),
    ("new_visit_without_centre", {"set": {"kind": "home_service"}}, "invalid", "centre_id"),
    ("unknown_centre", {"set": visit(centre="c9")}, "invalid", "centre_id"),
    ("new_record_empty_set", {"set": {}}, "invalid", "set"),
    ("delete_unknown_record", {"set": visit(), "delete": True}, "invalid", "_deleted"),
    ("update_clears_required", {"record": "v-seed", "set": {"kind": None}}, "invalid", "kind"),
    ("update_wrong_type", {"record": "v-seed", "set": {"notes": 5}}, "invalid", "notes"),
    ("update_moves_centre", {"record": "v-seed", "set": {"centre_id": "c1x"}}, "invalid", "centre_id"),
]


@pytest.mark.parametrize(("overrides", "code", "path"), [c[1:] for c in OP_REJECTIONS],
                         ids=[c[0] for c in OP_REJECTIONS])
def test_errors_bad_op_is_rejected_quarantined_and_changes_no_record(
        api: TestClient, f1: Device, overrides: dict[str, Any], code: str,
        path: str | None) -> None:
    d = f1
    op = d.op("visits", NEW, visit(notes="新记录"))
    if overrides.get("record") == "v-seed":
        op["base"] = d.versions[("visits", "v-seed")]
    for key, value in overrides.items():
        if value is MISSING:
            op.pop(key)
        else:
            op[key] = value
    seed_before = record_row(api, "visits", "v-seed")
    before = counts(api)

    doc = d.sync([op])

    [result] = doc["results"]
    assert result["op"] == op["id"] and result["status"] == "rejected", result
    assert result["code"] == code, result
    assert isinstance(result["message"], str) and result["message"]
    if path is not None:
        assert result["details"]["path"] == path, result
    q = quarantined(api, op["id"])
    assert q is not None and q[0] == code
    assert json.loads(q[1])["id"] == op["id"]
    after = counts(api)
    assert after == {**before, "quarantine": before["quarantine"] + 1}
    assert record_row(api, "visits", "v-seed") == seed_before
    assert record_row(api, "visits", NEW) is None


def test_errors_bad_op_does_not_block_good_ops_in_the_same_request(api: TestClient,
                                                                   f1: Device) -> None:
    before = counts(api)
    ops = [f1.op("visits", "v-a", visit()), f1.op("visits", "v-b", visit(kind="party")),
           f1.op("visits", "v-c", visit())]
    res = f1.sync(ops)["results"]
    assert [r["status"] for r in res] == ["applied", "rejected", "applied"]
    assert [r["op"] for r in res] == [o["id"] for o in ops]
    after = counts(api)
    assert after["records"] == before["records"] + 2
    assert after["quarantine"] == before["quarantine"] + 1


def test_errors_resending_a_rejected_op_is_rejected_again_and_counted(api: TestClient,
                                                                      f1: Device) -> None:
    bad = f1.op("visits", "v-bad", visit(kind="party"))
    assert f1.sync([bad])["results"][0]["status"] == "rejected"
    before = counts(api)
    res = f1.sync([bad])["results"][0]
    assert res["status"] == "rejected" and res["code"] == "invalid"
    assert counts(api) == before
    q = quarantined(api, bad["id"])
    assert q is not None and q[2] == 2


def test_errors_stale_schema_rejects_and_quarantines_every_op(api: TestClient,
                                                              f1: Device) -> None:
    d = f1
    ops = [d.op("visits", "v-stale", visit()), d.op("visits", "v-seed", {"notes": "改"})]
    seed_before = record_row(api, "visits", "v-seed")
    before = counts(api)
    doc = d.sync(ops, schema_version=0)
    assert [r["status"] for r in doc["results"]] == ["rejected", "rejected"]
    for r in doc["results"]:
        assert r["code"] == "stale_schema" and r["message"]
        assert r["details"]["min_schema"] >= 1
        q = quarantined(api, r["op"])
        assert q is not None and q[0] == "stale_schema"
    assert counts(api) == {**before, "quarantine": before["quarantine"] + 2}
    assert record_row(api, "visits", "v-seed") == seed_before
    # nothing is lost: once updated, the same ops go through
    doc = d.sync(ops, schema_version=1)
    assert [r["status"] for r in doc["results"]] == ["applied", "applied"]


# -- routes, methods, authentication ----------------------------------------------------------

@pytest.mark.parametrize(("method", "url"), [("GET", "/api/v1/nope"), ("POST", "/api/v1/nope"),
                                             ("GET", "/api/v2/sync"), ("POST", "/api/v1/sync/extra")])
def test_errors_unknown_route_is_404_envelope(api: TestClient, method: str, url: str) -> None:
    before = counts(api)
    expect_error(api.request(method, url), 404, "not_found")
    assert counts(api) == before


@pytest.mark.parametrize(("method", "url", "allowed"), [
    ("GET", "/api/v1/sync", "POST"), ("PUT", "/api/v1/sync", "POST"),
    ("GET", "/api/v1/auth/login", "POST"), ("DELETE", "/api/v1/conflicts", "GET"),
    ("GET", "/api/v1/conflicts/x/resolve", "POST")])
def test_errors_wrong_method_is_405_envelope(api: TestClient, method: str, url: str,
                                             allowed: str) -> None:
    before = counts(api)
    r = api.request(method, url)
    expect_error(r, 405, "method_not_allowed")
    assert allowed in r.headers.get("allow", "")
    assert counts(api) == before


def test_errors_wrong_method_is_405_also_when_the_pwa_is_served(county_db: str,
                                                               tmp_path: Path) -> None:
    """With the PWA mounted at ``/``, API paths must still answer 405 for a wrong method."""
    pwa = tmp_path / "pwa"
    pwa.mkdir()
    (pwa / "index.html").write_text("<!doctype html><title>fieldsync</title>")
    with app_client(county_db, pwa_dir=str(pwa)) as c:
        assert c.get("/").status_code == 200
        r = c.get(SYNC)
        err = expect_error(r, 405, "method_not_allowed")
        assert err["code"] == "method_not_allowed" and "POST" in r.headers.get("allow", "")


@pytest.mark.parametrize("authorization", [None, "", "Bearer", "Bearer ", "Bearer not-a-token",
                                           "Basic ZjE6cHc=", "Token abc", "Bearer " + "x" * 300])
@pytest.mark.parametrize(("method", "url"), [("POST", SYNC), ("GET", "/api/v1/conflicts"),
                                             ("GET", "/api/v1/schemas")])
def test_errors_missing_or_garbage_token_is_401_unauthorized(
        api: TestClient, authorization: str | None, method: str, url: str) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    before = counts(api)
    kwargs: dict[str, Any] = {"json": {"ops": [good_op()]}} if method == "POST" else {}
    r = api.request(method, url, headers=headers, **kwargs)
    expect_error(r, 401, "unauthorized")
    assert r.headers.get("www-authenticate", "").startswith("Bearer")
    assert counts(api) == before


def test_errors_revoked_device_is_401_device_revoked_with_wipe(api: TestClient) -> None:
    d = Device(api, "f1")
    d.sync()
    with closing(sqlite3.connect(db_path(api))) as conn, conn:
        conn.execute("UPDATE devices SET revoked_at=? WHERE id=?", (now_ms() - 60_000, d.device_id))
    seed_before = record_row(api, "visits", "v-seed")
    before = counts(api)
    late = d.op("visits", "v-seed", {"notes": "吊销后改的"})
    r = api.post(SYNC, json={"clock": d.clock(), "ops": [late]}, headers=d.headers)
    err = expect_error(r, 401, "device_revoked")
    body = r.json()
    assert body["wipe"] is True
    assert err["details"]["device_id"] == d.device_id
    # made after the revocation: kept in quarantine, not applied
    [res] = body["results"]
    assert res["status"] == "rejected" and res["code"] == "device_revoked"
    assert counts(api) == {**before, "quarantine": before["quarantine"] + 1}
    assert record_row(api, "visits", "v-seed") == seed_before
    for method, url in (("GET", "/api/v1/conflicts"), ("GET", "/api/v1/schemas")):
        r = api.request(method, url, headers=d.headers)
        expect_error(r, 401, "device_revoked")
        assert r.json()["wipe"] is True


@pytest.mark.parametrize(("username", "password"), [("f1", "wrong-password"),
                                                    ("nobody", PASSWORD), ("F1 ", PASSWORD)])
def test_errors_wrong_credentials_are_401_bad_credentials(client: TestClient, username: str,
                                                         password: str) -> None:
    before = counts(client)
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password,
                                                "device_name": "phone"})
    err = expect_error(r, 401, "bad_credentials")
    assert "token" not in r.json()
    assert err["message"] == "wrong username or password"  # no hint whether the user exists
    assert counts(client) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"password": PASSWORD, "device_name": "x"}, "username"),
    ({"username": "f1", "device_name": "x"}, "password"),
    ({"username": "f1", "password": 12345, "device_name": "x"}, "password"),
    ({"username": ["f1"], "password": PASSWORD}, "username"),
    ({"username": "f1", "password": PASSWORD, "device_name": ""}, "device_name"),
])
def test_errors_login_with_missing_or_wrong_typed_fields_is_400(client: TestClient,
                                                               body: dict[str, Any], field: str) -> None:
    before = counts(client)
    err = expect_error(client.post("/api/v1/auth/login", json=body), 400, "bad_request")
    assert err["details"]["field"] == field
    assert counts(client) == before


def test_errors_login_body_not_json_is_400(client: TestClient) -> None:
    r = client.post("/api/v1/auth/login", content=b"username=f1",
                    headers={"Content-Type": "application/json"})
    expect_error(r, 400, "bad_request")


def test_errors_five_failed_logins_then_429_with_retry_after(client: TestClient) -> None:
    before = counts(client)
    wrong = {"username": "f1", "password": "nope", "device_name": "x"}
    for _ in range(5):
        expect_error(client.post("/api/v1/auth/login", json=wrong), 401, "bad_credentials")
    # now even the right password is refused for a while
    r = client.post("/api/v1/auth/login", json={**wrong, "password": PASSWORD})
    err = expect_error(r, 429, "rate_limited")
    retry = r.headers.get("retry-after", "")
    assert retry.isdigit() and int(retry) > 0
    assert int(retry) == err["details"]["retry_after"]
    assert counts(client) == before  # no device was registered


# -- limits: size, encoding, content type, op count ------------------------------------------

def test_errors_body_over_limit_is_413(county_db: str) -> None:
    with app_client(county_db, max_body_bytes=2048) as c:
        d = Device(c, "f1")
        before = counts(c)
        big = _body({"clock": d.clock(), "ops": [good_op()], "status": {"pad": "x" * 4096}})
        r = c.post(SYNC, content=big, headers={**d.headers, "Content-Type": "application/json"})
        err = expect_error(r, 413, "payload_too_large")
        assert err["details"]["limit"] == 2048
        assert counts(c) == before


def test_errors_streamed_body_over_limit_is_413(county_db: str) -> None:
    """Without a Content-Length the limit is enforced while reading."""
    with app_client(county_db, max_body_bytes=2048) as c:
        d = Device(c, "f1")
        before = counts(c)
        big = _body({"clock": d.clock(), "ops": [good_op()], "status": {"pad": "x" * 8192}})
        chunks = iter([big[i:i + 1000] for i in range(0, len(big), 1000)])
        r = c.post(SYNC, content=chunks, headers={**d.headers, "Content-Type": "application/json"})
        expect_error(r, 413, "payload_too_large")
        assert counts(c) == before


def test_errors_gzip_body_inflating_past_limit_is_413(county_db: str) -> None:
    with app_client(county_db, max_inflated_bytes=8192) as c:
        d = Device(c, "f1")
        before = counts(c)
        raw = _body({"clock": d.clock(), "ops": [good_op()], "status": {"pad": " " * 200_000}})
        packed = gzip.compress(raw)
        assert len(packed) < 8192 < len(raw)
        r = c.post(SYNC, content=packed, headers={**d.headers, "Content-Type": "application/json",
                                                  "Content-Encoding": "gzip"})
        err = expect_error(r, 413, "payload_too_large")
        assert err["details"]["limit"] == 8192
        assert counts(c) == before


@pytest.mark.parametrize(("name", "payload"), [
    ("not_gzip", b"this is not gzip"),
    ("truncated", gzip.compress(b'{"ops": []}', mtime=0)[:-6]),
])
def test_errors_broken_gzip_body_is_400(api: TestClient, f1: Device, name: str,
                                        payload: bytes) -> None:
    before = counts(api)
    r = api.post(SYNC, content=payload, headers={**f1.headers, "Content-Encoding": "gzip",
                                                     "Content-Type": "application/json"})
    expect_error(r, 400, "bad_request")
    assert counts(api) == before


@pytest.mark.parametrize("encoding", ["br", "zstd", "deflate", "gzip, br"])
def test_errors_unsupported_content_encoding_is_415(api: TestClient, f1: Device,
                                                   encoding: str) -> None:
    before = counts(api)
    body = brotli.compress(_body({"ops": [good_op()]})) if encoding == "br" else _body({"ops": []})
    r = api.post(SYNC, content=body, headers={**f1.headers, "Content-Encoding": encoding,
                                                 "Content-Type": "application/json"})
    expect_error(r, 415, "unsupported_media_type")
    assert counts(api) == before


@pytest.mark.parametrize("ctype", ["text/plain", "application/x-www-form-urlencoded",
                                   "multipart/form-data; boundary=x", "application/xml"])
def test_errors_non_json_content_type_is_415(api: TestClient, f1: Device, ctype: str) -> None:
    before = counts(api)
    r = api.post(SYNC, content=_body({"ops": [good_op()]}),
                    headers={**f1.headers, "Content-Type": ctype})
    expect_error(r, 415, "unsupported_media_type")
    assert counts(api) == before


def test_errors_more_ops_than_max_ops_is_413_too_many_ops(county_db: str) -> None:
    with app_client(county_db, max_ops=3) as c:
        d = Device(c, "f1")
        before = counts(c)
        ops = [d.op("visits", f"v-{i}", visit()) for i in range(4)]
        r = c.post(SYNC, json={"clock": d.clock(), "ops": ops}, headers=d.headers)
        err = expect_error(r, 413, "too_many_ops")
        assert err["details"]["limit"] == 3
        assert counts(c) == before
        # exactly the limit is fine
        res = d.sync(ops[:3])["results"]
        assert [x["status"] for x in res] == ["applied"] * 3


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("cursor", ["not a cursor!!", "%%%", _cursor("abc:key"), _cursor("-1:key"),
                                    _cursor("7"), _cursor("1.5:key"), "////"])
def test_errors_unreadable_cursor_string_means_start_over_with_reset(
        api: TestClient, f1: Device, cursor: str) -> None:
    """A cursor string this server did not make is not fatal: the device gets ``reset: true``
    and its whole scope again (like a cursor from another database), and its ops still land."""
    op = good_op(f"v-cursor-{abs(hash(cursor))}")
    r = api.post(SYNC, json={"cursor": cursor, "ops": [op]}, headers=f1.headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["reset"] is True
    assert doc["results"][0]["status"] == "applied"
    assert doc["changes"][0]["record"] == "c1"  # the first record of f1's scope, version 1
    assert doc["changes"][0]["version"] == 1


def test_errors_forged_cursor_with_huge_version_is_not_a_500(api: TestClient, f1: Device) -> None:
    """A cursor in the right scope and database but with a version past SQLite's integer range."""
    real = f1.sync()["cursor"]
    _, rest = base64.urlsafe_b64decode(real + "=" * (-len(real) % 4)).decode().split(":", 1)
    before = counts(api)
    r = api.post(SYNC, json={"cursor": _cursor(f"{10**20}:{rest}")}, headers=f1.headers)
    assert r.status_code in (200, 400), r.text
    if r.status_code == 400:
        expect_error(r, 400, "invalid_cursor")
    else:
        assert r.json()["reset"] is True
    assert counts(api) == before


# -- idempotency ------------------------------------------------------------------------------

def test_errors_replayed_op_is_duplicate_with_same_version_and_changes_nothing(
        api: TestClient, f1: Device) -> None:
    op = f1.op("visits", "v-dup", visit(notes="第一次"))
    [first] = f1.sync([op])["results"]
    assert first["status"] == "applied"
    row = record_row(api, "visits", "v-dup")
    before = counts(api)
    [again] = f1.sync([op])["results"]
    assert again == {"op": op["id"], "status": "duplicate", "version": first["version"]}
    # same id, different content (a buggy api): still a duplicate, content ignored
    [changed] = f1.sync([{**op, "set": {"notes": "第二次"}}])["results"]
    assert changed["status"] == "duplicate" and changed["version"] == first["version"]
    # from another device of the same user, too
    other = Device(api, "f1")
    [elsewhere] = other.sync([op])["results"]
    assert elsewhere["status"] == "duplicate" and elsewhere["version"] == first["version"]
    assert counts(api) == {**before, "devices": before["devices"] + 1}
    assert record_row(api, "visits", "v-dup") == row


def test_errors_same_op_twice_in_one_request_applies_once(api: TestClient, f1: Device) -> None:
    op = f1.op("visits", "v-twice", visit())
    before = counts(api)
    first, second = f1.sync([op, op])["results"]
    assert first["status"] == "applied"
    assert second == {"op": op["id"], "status": "duplicate", "version": first["version"]}
    after = counts(api)
    assert (after["records"], after["changes"], after["ops"]) == (
        before["records"] + 1, before["changes"] + 1, before["ops"] + 1)
