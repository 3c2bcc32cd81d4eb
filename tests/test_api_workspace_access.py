"""The county workspace's endpoints refuse field staff (403 ``forbidden``), whatever the
app shows: reports, lists, boards and exports; the people and devices admin is refused too."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

WORKSPACE = [
    "/api/v1/reports/overview",
    "/api/v1/reports/trend",
    "/api/v1/reports/assessment",
    "/api/v1/records/cases",
    "/api/v1/records/inspections",
    "/api/v1/records/awards",
    "/api/v1/boards/overdue",
    "/api/v1/boards/rectifications",
    "/api/v1/boards/complaints",
    "/api/v1/exports/cases.xlsx",
    "/api/v1/exports/visits.csv",
    "/api/v1/users",
]


@pytest.mark.parametrize("path", WORKSPACE)
def test_workspace_refuses_field_staff(client: TestClient, device: Any, path: str) -> None:
    f1 = device("f1")
    r = client.get(path, headers=f1.headers)
    assert r.status_code == 403, r.text
    assert r.json()["error"]["code"] == "forbidden"
    assert client.get(path, headers=device("sup1").headers).status_code == 200


def test_workspace_field_staff_cannot_import_or_manage_users(client: TestClient, device: Any) -> None:
    f1 = device("f1")
    r = client.post(
        "/api/v1/matters/import?county_id=k1",
        content="事项名称\n户籍证明\n".encode(),
        headers={**f1.headers, "Content-Type": "text/csv"},
    )
    assert r.status_code == 403
    r = client.post(
        "/api/v1/users", json={"username": "x1", "password": "12345678", "role": "field"}, headers=f1.headers
    )
    assert r.status_code == 403


def test_workspace_devices_sync_no_applicants_data(client: TestClient, device: Any) -> None:
    """A supervisor's device receives reference data and the inspections it reviews, never
    cases, visits or complaints (those come from the server's lists)."""
    f1 = device("f1")
    f1.sync([f1.op("visits", "v-ws", {"centre_id": "c1", "kind": "home_service", "status": "planned"}),
             f1.op("inspections", "i-ws", {"centre_id": "c1", "template_id": "t0", "template_version": 1})])
    for who in ("sup1", "admin"):
        got = {(c["collection"], c["record"]) for c in device(who).sync_all()[0]["changes"]}
        assert ("inspections", "i-ws") in got and ("centres", "c1") in got
        assert not any(coll in ("visits", "cases", "complaints", "evaluations") for coll, _ in got), who
        listed = client.get("/api/v1/records/visits", headers=device(who).headers).json()["items"]
        assert "v-ws" in [i["id"] for i in listed]
