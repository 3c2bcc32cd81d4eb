"""Per-field rights through the API (issue 9, finding 2): a field user cannot approve,
review or verify; a supervisor of another county cannot either; computed fields are never
writable; state changes follow the transition tables; an inspector sees no personal data.
Every refusal is quarantined with its code and leaves the record as it was."""

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
from server.system import add_user_cmd
from sync.schema import load
from tests.conftest import PASSWORD, Device

INSPECTION = {"centre_id": "c1", "template_id": "t1", "template_version": 1}


@pytest.fixture(scope="module")
def api(county_copy: Callable[[Path | None], str]) -> Iterator[TestClient]:
    path = county_copy(None)
    add_user_cmd(path, username="insp1", password=PASSWORD, role="inspector", name=None,
                 centres=(), county="k1")
    with TestClient(create_app(Config(db=path))) as c:
        yield c


@pytest.fixture(scope="module")
def devices(api: TestClient) -> dict[str, Device]:
    return {name: Device(api, name) for name in ("f1", "sup1", "sup2", "insp1")}


def quarantine_code(api: TestClient, op_id: str) -> str | None:
    db = api.app.state.fs.config.db  # type: ignore[attr-defined]
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT code FROM quarantine WHERE op_id=?", (op_id,)).fetchone()
    return None if row is None else str(row[0])


def stored(api: TestClient, collection: str, record: str) -> tuple[int, str] | None:
    db = api.app.state.fs.config.db  # type: ignore[attr-defined]
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT version, data FROM records WHERE collection=? AND id=?",
                           (collection, record)).fetchone()
    return None if row is None else (int(row[0]), str(row[1]))


def push(d: Device, collection: str, record: str, values: dict[str, Any]) -> dict[str, Any]:
    d.sync()  # learn the current versions first: these are not concurrent writes
    [result] = d.sync([d.op(collection, record, values)])["results"]
    return result


def refused(api: TestClient, d: Device, collection: str, record: str, values: dict[str, Any],
            code: str) -> dict[str, Any]:
    """Push one op; assert it is rejected with ``code``, quarantined, and changed nothing."""
    d.sync()
    before = stored(api, collection, record)
    op = d.op(collection, record, values)
    [result] = d.sync([op])["results"]
    assert result["status"] == "rejected" and result["code"] == code, result
    assert quarantine_code(api, op["id"]) == code
    assert stored(api, collection, record) == before
    return result


def new_inspection(d: Device, record: str, status: str = "submitted") -> None:
    assert push(d, "inspections", record, {**INSPECTION, "status": status,
                                           "items": {"A1": {"count": 1}}})["status"] == "applied"


def test_rights_field_user_cannot_approve_or_review_their_inspection(
        api: TestClient, devices: dict[str, Device]) -> None:
    f1 = devices["f1"]
    new_inspection(f1, "i-own")
    err = refused(api, f1, "inspections", "i-own", {"status": "approved"}, "forbidden")
    assert err["details"]["path"] == "status" and set(err["details"]["roles"]) == {
        "supervisor", "admin"}
    refused(api, f1, "inspections", "i-own", {"status": "returned", "review.comment": "ok"},
            "forbidden")
    refused(api, f1, "inspections", "i-own", {"review": {"comment": "自评：很好"}}, "forbidden")
    refused(api, f1, "inspections", "i-own", {"review.by": f1.user["id"]}, "forbidden")


def test_rights_supervisor_of_another_county_is_forbidden(
        api: TestClient, devices: dict[str, Device]) -> None:
    new_inspection(devices["f1"], "i-k1")
    refused(api, devices["sup2"], "inspections", "i-k1",
            {"status": "approved", "review.by": "x"}, "forbidden")


def test_rights_supervisor_returns_then_approves_and_the_record_closes(
        api: TestClient, devices: dict[str, Device]) -> None:
    f1, sup1 = devices["f1"], devices["sup1"]
    new_inspection(f1, "i-flow")
    err = refused(api, sup1, "inspections", "i-flow", {"status": "returned"}, "invalid")
    assert err["details"]["path"] == "review.comment"
    assert push(sup1, "inspections", "i-flow", {"status": "returned",
                                                "review": {"comment": "A1 缺照片"}})["status"] == "applied"
    assert push(f1, "inspections", "i-flow", {"status": "submitted"})["status"] == "applied"
    assert push(sup1, "inspections", "i-flow", {"status": "approved"})["status"] == "applied"
    for d in (f1, sup1):
        refused(api, d, "inspections", "i-flow", {"items.A1.count": 3}, "immutable")


def test_rights_inspection_transition_refused_with_allowed_list(
        api: TestClient, devices: dict[str, Device]) -> None:
    new_inspection(devices["f1"], "i-draft", status="draft")
    err = refused(api, devices["sup1"], "inspections", "i-draft", {"status": "approved"},
                  "invalid_transition")
    assert err["details"] == {"path": "status", "from": "draft", "to": "approved",
                              "allowed": ["submitted"]}


def test_rights_rectification_verified_only_by_supervisors(
        api: TestClient, devices: dict[str, Device]) -> None:
    f1, sup1 = devices["f1"], devices["sup1"]
    assert push(f1, "rectifications", "r1", {"centre_id": "c1", "inspection_id": "i-own",
                                             "item_ids": ["x1"], "status": "open"})["status"] == "applied"
    # the re-inspection a verdict names must exist and cover the rectification's items
    assert push(sup1, "inspections", "i2", {"centre_id": "c1", "template_id": "t-none", "template_version": 1,
                                            "item_ids": ["x1"]})["status"] == "applied"
    assert push(f1, "rectifications", "r1", {"status": "responded", "responses": {
        "x1": {"note": "已整改", "by": f1.user["id"]}}})["status"] == "applied"
    for value in ("verified", "failed"):
        refused(api, f1, "rectifications", "r1", {"status": value, "reinspection_id": "i2"},
                "forbidden")
    assert push(sup1, "rectifications", "r1", {"status": "verified",
                                               "reinspection_id": "i2"})["status"] == "applied"


def test_rights_complaint_verified_only_by_supervisors(
        api: TestClient, devices: dict[str, Device]) -> None:
    f1, sup1 = devices["f1"], devices["sup1"]
    assert push(f1, "complaints", "cp1", {"centre_id": "c1", "content": "窗口态度差",
                                          "received_at": 1_763_798_400_000})["status"] == "applied"
    refused(api, f1, "complaints", "cp1", {"verified": True}, "forbidden")
    refused(api, f1, "complaints", "cp1", {"status": "verified"}, "forbidden")
    refused(api, devices["sup2"], "complaints", "cp1", {"verified": True},
            "forbidden")
    assert push(sup1, "complaints", "cp1", {"verified": True})["status"] == "applied"


COMPUTED = sorted((name, path) for name, coll in load().collections.items()
                  for path in coll.computed)


@pytest.mark.parametrize(("collection", "path"), COMPUTED)
def test_rights_every_computed_field_is_refused(api: TestClient, devices: dict[str, Device],
                                                collection: str, path: str) -> None:
    admin_like = devices["sup1"]
    record = f"comp-{collection}-{path}"
    values: dict[str, Any] = {"centre_id": "c1", path: 1}
    err = refused(api, admin_like, collection, record, values, "forbidden")
    assert err["details"] == {"path": path, "reason": "computed"}


def test_rights_case_transition_refused_with_allowed_list(
        api: TestClient, devices: dict[str, Device]) -> None:
    f1 = devices["f1"]
    assert push(f1, "cases", "case1", {"centre_id": "c1", "matter_id": "m1",
                                       "status": "consulted"})["status"] == "applied"
    err = refused(api, f1, "cases", "case1", {"status": "handling"}, "invalid_transition")
    assert err["details"]["from"] == "consulted" and err["details"]["to"] == "handling"
    assert sorted(err["details"]["allowed"]) == ["accepted", "refused"]
    err = refused(api, f1, "cases", "case1", {"status": "refused"}, "invalid")
    assert err["details"]["path"] == "refusal_reason"
    assert push(f1, "cases", "case1", {"status": "refused",
                                       "refusal_reason": "不属于本中心事项"})["status"] == "applied"
    err = refused(api, f1, "cases", "case1", {"status": "accepted"}, "invalid_transition")
    assert err["details"]["allowed"] == []


def test_rights_inspector_sees_no_personal_data(api: TestClient,
                                                devices: dict[str, Device]) -> None:
    f1, insp = devices["f1"], devices["insp1"]
    assert push(f1, "visits", "v-personal", {"centre_id": "c1", "kind": "home_service",
                                             "applicant": {"name": "张三"}})["status"] == "applied"
    new_inspection(f1, "i-for-insp")
    insp.cursor = None
    seen = {ch["collection"] for page in insp.sync_all() for ch in page["changes"]}
    assert "inspections" in seen and "centres" in seen
    assert not seen & {"cases", "visits", "complaints", "evaluations"}, seen
    refused(api, insp, "visits", "v-personal", {"notes": "看看"}, "forbidden")
    refused(api, insp, "inspections", "i-for-insp", {"status": "approved"}, "forbidden")
    assert push(insp, "inspections", "i-by-insp", {**INSPECTION, "status": "draft"})["status"] \
        == "applied"
    r = api.get("/api/v1/conflicts?state=all", headers=insp.headers)
    assert r.status_code == 200
    assert all(c["collection"] in ("inspections", "rectifications", "centres", "matters",
                                   "templates") for c in r.json()["conflicts"])


def test_rights_inspector_needs_a_county(county_db: str) -> None:
    from sync.errors import FieldsyncError
    with pytest.raises(FieldsyncError, match="county"):
        add_user_cmd(county_db, username="i2", password=PASSWORD, role="inspector", name=None,
                     centres=(), county=None)
