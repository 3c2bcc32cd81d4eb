"""Access matrix: every read route of the API, asked by every role (field, centre,
inspector, supervisor, admin, a supervisor of another county), answers the status the
role's rights give, and no answer carries a test applicant's ID number or phone unmasked
unless that role may see it (a pull of its own centre's records, an unmasked export).

An inspector never receives applicants' personal data nor cases, visits, complaints or
evaluations records: one rule (``server.scope.ROLE_COLLECTIONS``) serves pull, lists,
boards, exports, conflicts, quarantine and attachments.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.clock import now_ms
from server.config import Config
from server.system import add_user_cmd
from tests.conftest import PASSWORD, Device

API = "/api/v1"
ID_NUMBER = "110105198001011234"
PHONE = "13812345678"
PHOTO = b"\xff\xd8\xff" + b"matrix-photo" * 100
PHOTO_SHA = hashlib.sha256(PHOTO).hexdigest()
USERS = {"field": "f1", "centre": "ctr1", "inspector": "insp1", "supervisor": "sup1",
         "admin": "admin", "other_county": "sup2"}


ROLES = tuple(USERS)
ALL = dict.fromkeys(ROLES, 200)
NO_INSPECTOR = {**ALL, "inspector": 403}
MANAGERS = {**ALL, "field": 403, "centre": 403, "inspector": 403}
# Reports, lists, boards and exports are the county workspace's: field staff never use it.
WS_ALL = {**ALL, "field": 403}
WS_NO_INSPECTOR = {**NO_INSPECTOR, "field": 403}
# Roles that may read the seeded applicant unmasked through that route (their own county).
FULL_READERS = frozenset({"supervisor", "admin"})
PERSONAL = ("cases", "visits", "complaints", "evaluations")
# route -> (status per role, roles that may see the applicant's ID number and phone)
MATRIX: dict[str, tuple[dict[str, int], frozenset[str]]] = {
    **{f"/records/{c}": (WS_NO_INSPECTOR, frozenset()) for c in (*PERSONAL, "accountability", "awards")},
    **{f"/records/{c}": (WS_ALL, frozenset()) for c in ("inspections", "rectifications")},
    "/boards/overdue": (WS_NO_INSPECTOR, frozenset()),
    "/boards/complaints": (WS_NO_INSPECTOR, frozenset()),
    "/boards/rectifications": (WS_ALL, frozenset()),
    "/boards/awards-recheck": (WS_NO_INSPECTOR, frozenset()),
    **{f"/exports/{c}.csv": (WS_NO_INSPECTOR, frozenset()) for c in (*PERSONAL, "accountability")},
    **{f"/exports/{c}.xlsx": (WS_ALL, frozenset()) for c in ("inspections", "rectifications")},
    "/exports/cases.csv?unmasked=1&reason=audit": (MANAGERS, FULL_READERS),
    "/exports/inspections.csv?unmasked=1&reason=audit": (MANAGERS, frozenset()),
    "/reports/overview?month=2026-12": (WS_ALL, frozenset()),
    "/reports/trend": (WS_ALL, frozenset()),
    "/reports/assessment?month=2026-12": (WS_ALL, frozenset()),
    "/users": (MANAGERS, frozenset()),
    "/conflicts?state=all": (ALL, frozenset()),
    # A quarantined op is shown as sent, masked as every list is; whole when a reviewer
    # asks, audited, as for an export.
    "/quarantine": (MANAGERS, frozenset()),
    "/quarantine?unmasked=1&reason=audit": (MANAGERS, FULL_READERS),
    "/devices": (ALL, frozenset()),
    "/audit": (MANAGERS, frozenset()),
    f"/attachments/{PHOTO_SHA}": ({**ALL, "inspector": 404, "other_county": 404}, frozenset()),
    f"/attachments/{PHOTO_SHA}/status": (ALL, frozenset()),
    "/calendar": (ALL, frozenset()),
    # The hand-over picker's people: names only, never an applicant.
    "/colleagues": (ALL, frozenset()),
}


@pytest.fixture(scope="module")
def world(county_copy: Callable[[Path | None], str]) -> Iterator[tuple[TestClient, dict[str, Device]]]:
    """County k1 (c1, c2) and k2 (c3); one applicant's case, visit with a photo and complaint
    in c1, and one refused complaint op (quarantined) carrying the same person."""
    path = county_copy(None)
    add_user_cmd(path, username="insp1", password=PASSWORD, role="inspector", name=None,
                 centres=(), county="k1")
    with TestClient(create_app(Config(db=path))) as c:
        devices = {role: Device(c, name) for role, name in USERS.items()}
        f1, sup = devices["field"], devices["supervisor"]
        person = {"name": "张三", "id_number": ID_NUMBER, "phone": PHONE}
        r = c.put(f"{API}/attachments/{PHOTO_SHA}", content=PHOTO,
                  headers={**f1.headers, "Content-Type": "application/octet-stream"})
        assert r.status_code in (200, 201), r.text
        [matter] = sup.sync([sup.op("matters", "m-matrix", {
            "name": "户籍证明", "county_id": "k1", "kind": "immediate",
            "time_limit_days": 0})])["results"]
        assert matter["status"] == "applied", matter
        results = f1.sync([
            f1.op("cases", "case-matrix", {"centre_id": "c1", "matter_id": "m-matrix",
                                           "status": "consulted", "applicant": person}),
            f1.op("visits", "visit-matrix", {"centre_id": "c1", "kind": "home_service",
                                             "applicant": person, "photos": [PHOTO_SHA]}),
            f1.op("complaints", "complaint-matrix", {"centre_id": "c1", "channel": "phone",
                                                     "content": "窗口态度差",
                                                     "received_at": now_ms(), "status": "open",
                                                     "complainant": person}),
            f1.op("complaints", "complaint-refused", {"centre_id": "c1", "channel": "phone",
                                                      "complainant": person}),
        ])["results"]
        assert [x["status"] for x in results] == ["applied", "applied", "applied", "rejected"], \
            results
        yield c, devices


def documented(client: TestClient, route: str) -> set[str]:
    """The response statuses OpenAPI documents for GET ``route``."""
    doc = client.get(f"{API}/openapi.json").json()
    path = API + route.split("?")[0]
    for template, item in doc["paths"].items():
        pattern = re.sub(r"\\{[^}]+\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path) and "get" in item:
            return set(item["get"]["responses"])
    raise AssertionError(f"{path} is not in OpenAPI")


def leaks(text: str) -> bool:
    """Whether ``text`` holds the seeded applicant's ID number or phone unmasked."""
    return ID_NUMBER in text or PHONE in text


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", list(MATRIX))
def test_access_matrix_route(world: tuple[TestClient, dict[str, Device]], route: str,
                             role: str) -> None:
    client, devices = world
    statuses, readers = MATRIX[route]
    r = client.get(API + route, headers=devices[role].headers)
    assert r.status_code == statuses[role], (route, role, r.text[:300])
    if r.status_code >= 400:
        assert r.json()["error"]["code"] in ("forbidden", "not_found"), r.text
    # The status is one the route's OpenAPI entry documents.
    assert str(r.status_code) in documented(client, route), (route, r.status_code)
    assert leaks(r.text) == (role in readers and r.status_code == 200), (route, role)


def test_access_matrix_every_read_route_listed(world: tuple[TestClient, dict[str, Device]]) -> None:
    """A new GET route of the API joins this matrix (a route missing here fails)."""
    from starlette.routing import Mount, Route
    app = world[0].app
    [api] = [m for m in app.routes if isinstance(m, Mount) and m.path == "/api/v1"]  # type: ignore[attr-defined]
    gets = {r.path for r in api.routes if isinstance(r, Route) and "GET" in (r.methods or ())}
    covered = {"/openapi.json", "/schemas", "/push/vapid-public-key"}  # no record data
    templated = {"/records/{collection}", "/exports/{filename}", "/attachments/{sha256}",
                 "/attachments/{sha256}/status"}
    listed = {route.split("?")[0] for route in MATRIX}
    assert gets - covered - templated <= listed, sorted(gets - covered - templated - listed)


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix_pull(world: tuple[TestClient, dict[str, Device]], role: str) -> None:
    """A full pull: the inspector gets no personal collection, the other county nothing of
    c1; the applicant arrives unmasked only to the staff working in c1 (a supervisor's
    device syncs no applicants' records)."""
    devices = world[1]
    d = devices[role]
    d.cursor = None
    pages = d.sync_all()
    text = json.dumps(pages, ensure_ascii=False)
    seen = {ch["collection"] for p in pages for ch in p["changes"]}
    if role == "inspector":
        assert not seen & {*PERSONAL, "accountability", "awards"}, seen
    # Supervisors' and admins' devices sync reference data and reviews only (pull_scope).
    assert leaks(text) == (role in ("field", "centre")), role


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix_writes_refused(world: tuple[TestClient, dict[str, Device]],
                                      role: str) -> None:
    """The catalogue import and the users admin: supervisors and admins only."""
    client, devices = world
    h = devices[role].headers
    r = client.post(f"{API}/matters/import", headers=h, content=b"\xef\xbb\xbf\n")
    allowed = role in ("supervisor", "admin", "other_county")
    assert (r.status_code == 403) == (not allowed), (role, r.text)
    r = client.post(f"{API}/users", headers=h, json={"username": f"x-{role}", "password": "p" * 12,
                                                    "role": "field", "centre_ids": ["c1"]})
    assert (r.status_code == 403) == (role not in ("supervisor", "admin")), (role, r.text)


def test_access_matrix_openapi_names_the_inspector_role(
        world: tuple[TestClient, dict[str, Device]]) -> None:
    """The users admin accepts and filters by ``inspector``; OpenAPI says so too."""
    doc = world[0].get(f"{API}/openapi.json").json()["paths"]["/api/v1/users"]
    [role] = [p for p in doc["get"]["parameters"] if p["name"] == "role"]
    assert "inspector" in role["schema"]["enum"]
    body = doc["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert any("inspector" in alt["properties"]["role"]["enum"] for alt in body["oneOf"])
