"""The audit log: logins, ops, refusals, revocations and conflict resolutions."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.conftest import visit


def _entries(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = client.get("/api/v1/audit", headers=headers)
    assert r.status_code == 200, r.text
    return list(r.json()["entries"])


def test_audit_records_logins_ops_refusals_and_revocations(device: Any, client: TestClient) -> None:
    client.post("/api/v1/auth/login", json={"username": "f1", "password": "wrong", "device_name": "x"})
    f1, sup1 = device("f1"), device("sup1")
    good = f1.op("visits", "v1", visit(notes="x"))
    bad = f1.op("visits", "v2", visit(kind="nonsense"))
    out_of_scope = f1.op("visits", "v3", visit(centre="c2"))
    f1.sync([good, bad, out_of_scope])
    client.post(f"/api/v1/devices/{f1.device_id}/revoke", headers=sup1.headers)
    client.post("/api/v1/sync", json={}, headers=f1.headers)

    entries = _entries(client, sup1.headers)
    kinds = {(e["action"], e["outcome"]) for e in entries}
    assert ("login", "failed") in kinds and ("login", "ok") in kinds
    assert ("op", "applied") in kinds
    assert ("revoke_device", "ok") in kinds
    assert ("refused", "device_revoked") in kinds
    rejected = [e for e in entries if e["action"] == "op" and e["outcome"] == "rejected"]
    assert {e["details"]["code"] for e in rejected} == {"invalid", "forbidden"}
    assert all(e["at"].endswith("Z") for e in entries)
    op_entry = next(e for e in entries if e["action"] == "op" and e["outcome"] == "applied")
    assert op_entry["username"] == "f1" and op_entry["device_id"] == f1.device_id


def test_audit_supervisor_sees_only_own_county(device: Any, client: TestClient) -> None:
    f3, sup1, sup2 = device("f3"), device("sup1"), device("sup2")
    f3.sync([f3.op("visits", "v-k2", visit(centre="c3"))])
    assert not [e for e in _entries(client, sup1.headers) if e["username"] == "f3"]
    assert [e for e in _entries(client, sup2.headers) if e["username"] == "f3"]


def test_audit_is_not_for_field_staff(device: Any, client: TestClient) -> None:
    assert client.get("/api/v1/audit", headers=device("f1").headers).status_code == 403


def test_audit_cannot_be_changed_or_pruned_early(device: Any, client: TestClient) -> None:
    device("f1")
    conn = sqlite3.connect(client.app.state.fs.config.db)  # type: ignore[attr-defined]
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        conn.execute("UPDATE audit SET outcome='ok'")
    with pytest.raises(sqlite3.DatabaseError, match="180 days"):
        conn.execute("DELETE FROM audit")
    # no API route writes it: only GET exists
    assert client.delete("/api/v1/audit").status_code == 405


def test_audit_conflict_resolution_is_recorded(device: Any, client: TestClient) -> None:
    a, b, sup1 = device("f1"), device("f1b"), device("sup1")
    a.sync([a.op("visits", "v1", visit(notes="原"))])
    b.sync()
    a.sync([a.op("visits", "v1", {"notes": "甲"})])
    b.sync([b.op("visits", "v1", {"notes": "乙"})])
    conflict = client.get("/api/v1/conflicts", headers=sup1.headers).json()["conflicts"][0]
    r = client.post(f"/api/v1/conflicts/{conflict['id']}/resolve", json={"choose": "kept"},
                    headers=sup1.headers)
    assert r.status_code == 200
    assert any(e["action"] == "resolve_conflict" and e["target"] == conflict["id"]
               for e in _entries(client, sup1.headers))
