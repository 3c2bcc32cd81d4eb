"""Devices: contact records, listing, revocation (flush first, then wipe), token
lifetimes and disabling users."""

from __future__ import annotations

import sqlite3
import time
import uuid
from typing import Any

from starlette.testclient import TestClient

from server.app import create_app
from server.config import Config
from tests.conftest import PASSWORD, Device, visit


def _db(client: TestClient) -> sqlite3.Connection:
    return sqlite3.connect(client.app.state.fs.config.db)  # type: ignore[attr-defined]


def test_devices_sync_records_contact_status_and_offset(device: Any, client: TestClient) -> None:
    d = device("f1", skew_ms=3_600_000)
    d.sync(status={"pending": 3, "storage_bytes": 1048576, "app_version": "2026.11.1"})
    row = _db(client).execute("SELECT last_seen, offset_ms, status FROM devices WHERE id=?",
                              (d.device_id,)).fetchone()
    assert abs(row[0] - int(time.time() * 1000)) < 10_000
    assert abs(row[1] - 3_600_000) < 5_000
    assert '"pending":3' in row[2]


def test_devices_list_is_scoped(device: Any, client: TestClient) -> None:
    f1, f2, f3 = device("f1"), device("f2"), device("f3")
    sup1, sup2, admin = device("sup1"), device("sup2"), device("admin")

    def ids(d: Device) -> set[str]:
        r = client.get("/api/v1/devices", headers=d.headers)
        assert r.status_code == 200
        return {x["id"] for x in r.json()["devices"]}

    assert ids(f1) == {f1.device_id}
    assert {f1.device_id, f2.device_id, sup1.device_id} <= ids(sup1)
    assert f3.device_id not in ids(sup1)
    assert f3.device_id in ids(sup2) and f1.device_id not in ids(sup2)
    assert {f1.device_id, f2.device_id, f3.device_id} <= ids(admin)


def test_devices_revoke_then_next_request_gets_device_revoked_with_wipe(
        device: Any, client: TestClient) -> None:
    f1, sup1 = device("f1"), device("sup1")
    r = client.post(f"/api/v1/devices/{f1.device_id}/revoke", headers=sup1.headers)
    assert r.status_code == 200 and r.json()["revoked"] is True
    r = client.post("/api/v1/sync", json={"ops": []}, headers=f1.headers)
    assert r.status_code == 401
    body = r.json()
    assert body["error"]["code"] == "device_revoked" and body["wipe"] is True
    r = client.get("/api/v1/conflicts", headers=f1.headers)
    assert r.status_code == 401 and r.json()["error"]["code"] == "device_revoked"
    # revoking again is harmless
    assert client.post(f"/api/v1/devices/{f1.device_id}/revoke", headers=sup1.headers).status_code == 200


def test_devices_revoked_device_flushes_into_quarantine(
        device: Any, client: TestClient) -> None:
    """Flush first, then wipe: every op arrives, none is applied on the phone's word (its
    clock could be backdated); all wait for a supervisor (tests/test_api_quarantine.py)."""
    f1, sup1 = device("f1"), device("sup1")
    made_before = f1.op("visits", "v-flush", visit(notes="离线时做的工作"))
    time.sleep(0.01)
    client.post(f"/api/v1/devices/{f1.device_id}/revoke", headers=sup1.headers)
    time.sleep(0.01)
    made_after = f1.op("visits", "v-late", visit(notes="after"))
    r = client.post("/api/v1/sync", json={"clock": f1.clock(), "ops": [made_before, made_after]},
                    headers=f1.headers)
    assert r.status_code == 401
    body = r.json()
    assert body["wipe"] is True
    results = {x["op"]: x for x in body["results"]}
    for op in (made_before, made_after):
        assert results[op["id"]]["status"] == "rejected"
        assert results[op["id"]]["code"] == "device_revoked"
    db = _db(client)
    assert db.execute("SELECT count(*) FROM records WHERE id IN ('v-flush', 'v-late')"
                      ).fetchone()[0] == 0
    assert db.execute("SELECT count(*) FROM quarantine WHERE code='device_revoked' AND op_id IN"
                      " (?, ?)", (made_before["id"], made_after["id"])).fetchone()[0] == 2
    # no pull for a revoked device
    assert "changes" not in body


def test_devices_other_county_supervisor_gets_404(device: Any, client: TestClient) -> None:
    f1, sup2, f2 = device("f1"), device("sup2"), device("f2")
    assert client.post(f"/api/v1/devices/{f1.device_id}/revoke", headers=sup2.headers).status_code == 404
    assert client.post("/api/v1/devices/d-nope/revoke", headers=sup2.headers).status_code == 404
    # a field user cannot revoke a colleague's device, but can revoke their own
    assert client.post(f"/api/v1/devices/{f1.device_id}/revoke", headers=f2.headers).status_code == 404
    assert client.post(f"/api/v1/devices/{f2.device_id}/revoke", headers=f2.headers).status_code == 200
    assert f1.sync()["reset"] is False


def test_devices_disabling_a_user_ends_all_devices_and_logins(device: Any, client: TestClient) -> None:
    a, b, sup1 = device("f1"), device("f1"), device("sup1")
    user_id = a.user["id"]
    r = client.post(f"/api/v1/users/{user_id}/disable", headers=sup1.headers)
    assert r.status_code == 200 and r.json()["devices_revoked"] == 2
    for d in (a, b):
        r = client.post("/api/v1/sync", json={}, headers=d.headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "device_revoked"
    r = client.post("/api/v1/auth/login", json={"username": "f1", "password": PASSWORD,
                                                "device_name": "x"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"


def test_devices_disable_needs_supervisor_of_that_county(device: Any, client: TestClient) -> None:
    f1, f2, sup2 = device("f1"), device("f2"), device("sup2")
    assert client.post(f"/api/v1/users/{f2.user['id']}/disable", headers=f1.headers).status_code == 403
    assert client.post(f"/api/v1/users/{f1.user['id']}/disable", headers=sup2.headers).status_code == 404


def test_devices_token_idle_timeout_gives_token_expired(county_db: str) -> None:
    with TestClient(create_app(Config(db=county_db, token_idle_s=60))) as c:
        d = Device(c, "f1")
        d.sync()
        conn = sqlite3.connect(county_db)
        conn.execute("UPDATE devices SET last_seen = last_seen - 61000 WHERE id=?", (d.device_id,))
        conn.commit()
        r = c.post("/api/v1/sync", json={}, headers=d.headers)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "token_expired"
        assert r.json()["error"]["details"]["reason"] == "idle"


def test_devices_token_absolute_lifetime_gives_token_expired(county_db: str) -> None:
    with TestClient(create_app(Config(db=county_db, token_max_s=3600))) as c:
        d = Device(c, "f1")
        conn = sqlite3.connect(county_db)
        conn.execute("UPDATE devices SET created_at = created_at - 3601000 WHERE id=?", (d.device_id,))
        conn.commit()
        d.sync  # noqa: B018  (the token is now past its lifetime even though it was just used)
        r = c.post("/api/v1/sync", json={}, headers=d.headers)
        assert r.status_code == 401 and r.json()["error"]["details"]["reason"] == "lifetime"


def test_devices_token_is_stored_hashed(device: Any, client: TestClient) -> None:
    d = device("f1")
    stored = _db(client).execute("SELECT token_hash FROM devices WHERE id=?", (d.device_id,)).fetchone()[0]
    assert d.token not in stored and len(stored) == 64
    assert _db(client).execute("SELECT password_hash FROM users WHERE username='f1'").fetchone()[0] \
        .startswith("$argon2id$")


def test_devices_unknown_token_is_unauthorized(client: TestClient) -> None:
    r = client.post("/api/v1/sync", json={}, headers={"Authorization": f"Bearer {uuid.uuid4()}"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
