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
