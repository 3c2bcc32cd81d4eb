"""``GET /api/v1/colleagues``: the people of the caller's centres for the hand-over picker:
id, display name, role and centres only; scoped like every read; bad input is a 4xx."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def _people(client: TestClient, dev: Any, query: str = "") -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/colleagues{query}", headers=dev.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["users"])


def test_colleagues_field_staff_see_their_centres_people_by_name_only(device: Any,
                                                                      client: TestClient) -> None:
    f1 = device("f1")
    people = _people(client, f1)
    ids = {p["id"]: p for p in people}
    names = {p["name"] for p in people}
    # c1's people (f1, f1b, ctr1, multi); never c3's f3, never supervisors or admins.
    assert names == {"f1", "f1b", "ctr1", "multi"}, names
    assert all(set(p) == {"id", "name", "role", "centre_ids"} for p in people)
    assert ids[f1.user["id"]]["role"] == "field" and ids[f1.user["id"]]["centre_ids"] == ["c1"]
    assert {p["role"] for p in people} == {"field", "centre"}


def test_colleagues_scope_and_bad_input(device: Any, client: TestClient) -> None:
    f1, sup1, sup2 = device("f1"), device("sup1"), device("sup2")
    denied = client.get("/api/v1/colleagues?centre_id=c3", headers=f1.headers)
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    bad = client.get("/api/v1/colleagues?centre_id=" + "x" * 65, headers=f1.headers)
    assert bad.status_code == 400 and bad.json()["error"]["details"]["field"] == "centre_id"
    assert client.get("/api/v1/colleagues").status_code == 401
    county = {p["name"] for p in _people(client, sup1)}
    assert county == {"f1", "f1b", "ctr1", "multi", "f2"}
    assert {p["name"] for p in _people(client, sup1, "?centre_id=c2")} == {"f2", "multi"}
    assert {p["name"] for p in _people(client, sup2)} == {"f3"}


def test_colleagues_disabled_people_are_not_offered(device: Any, client: TestClient) -> None:
    f1, sup1 = device("f1"), device("sup1")
    f1b = device("f1b")
    r = client.post(f"/api/v1/users/{f1b.user['id']}/disable", headers=sup1.headers)
    assert r.status_code == 200, r.text
    assert "f1b" not in {p["name"] for p in _people(client, f1)}
