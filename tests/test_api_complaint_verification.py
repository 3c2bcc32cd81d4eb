"""Complaint verification from the county workspace: a supervisor takes a replied complaint
from the masked list endpoint (its version is the op's base), confirms it or sends it back for
a new reply, as sync ops judged by the schemas' rights; field staff are refused; bad values are
refused and change nothing; the ops are in the audit log; the change reaches the centre."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient


def _pull(dev: Any, rid: str) -> dict[str, Any]:
    dev.cursor = None
    found: dict[str, Any] = {}
    for page in dev.sync_all():
        for ch in page["changes"]:
            if ch["record"] == rid:
                found = ch["data"]
    return found


def _listed(client: TestClient, sup: Any, rid: str) -> dict[str, Any]:
    r = client.get("/api/v1/records/complaints?status=replied&limit=200", headers=sup.headers)
    assert r.status_code == 200, r.text
    [item] = [i for i in r.json()["items"] if i["id"] == rid]
    return dict(item)


def _replied(dev: Any, rid: str) -> None:
    res = dev.sync([dev.op("complaints", rid, {
        "centre_id": "c1", "content": "窗口人员态度生硬", "status": "open",
        "complainant": {"name": "王秀英", "phone": "13812345678"}})])
    assert res["results"][0]["status"] == "applied", res
    res = dev.sync([dev.op("complaints", rid, {"reply": "已约谈窗口人员并致歉", "status": "replied"})])
    assert res["results"][0]["status"] == "applied", res


def test_complaint_verification_supervisor_confirms_from_the_list(device: Any, client: TestClient) -> None:
    ctr, sup = device("ctr1"), device("sup1")
    _replied(ctr, "cv-1")
    item = _listed(client, sup, "cv-1")
    assert item["data"]["complainant"]["phone"] == "138****5678"  # masked like every list
    res = sup.sync([sup.op("complaints", "cv-1", {
        "status": "verified", "verified": True, "verification.by": sup.user["id"],
        "verification.at": 1_700_000_000_000, "verification.passed": True}, base=item["version"])])
    assert res["results"][0]["status"] == "applied", res
    data = _pull(ctr, "cv-1")  # the centre's phone gets it by sync
    assert data["status"] == "verified" and data["verified"] is True
    assert data["verification"]["passed"] is True and data["verification"]["by"] == sup.user["id"]
    entries = client.get("/api/v1/audit", headers=sup.headers).json()["entries"]
    assert any(e["action"] == "op" and e["target"] == "complaints/cv-1" and e["outcome"] == "applied"
               and e["username"] == "sup1" for e in entries)


def test_complaint_verification_send_back_reopens_for_a_new_reply(device: Any, client: TestClient) -> None:
    ctr, sup = device("ctr1"), device("sup1")
    _replied(ctr, "cv-2")
    item = _listed(client, sup, "cv-2")
    res = sup.sync([sup.op("complaints", "cv-2", {
        "status": "open", "verification.by": sup.user["id"], "verification.at": 1_700_000_000_000,
        "verification.passed": False, "verification.comment": "答复未说明整改措施"}, base=item["version"])])
    assert res["results"][0]["status"] == "applied", res
    data = _pull(ctr, "cv-2")
    assert data["status"] == "open" and data["verification"]["comment"] == "答复未说明整改措施"
    # The centre replies again; the list offers it for verification once more.
    res = ctr.sync([ctr.op("complaints", "cv-2", {"reply": "已书面说明整改措施", "status": "replied"})])
    assert res["results"][0]["status"] == "applied", res
    assert _listed(client, sup, "cv-2")["data"]["reply"] == "已书面说明整改措施"


def test_complaint_verification_field_and_centre_staff_are_refused(device: Any, client: TestClient) -> None:
    ctr, f1 = device("ctr1"), device("f1")
    _replied(ctr, "cv-3")
    for dev, values in ((f1, {"status": "verified", "verified": True}),
                        (f1, {"verification.passed": True}),
                        (ctr, {"verification.passed": False, "verification.comment": "自己退回"})):
        res = dev.sync([dev.op("complaints", "cv-3", values)])
        assert res["results"][0]["status"] == "rejected", res
        assert res["results"][0]["code"] == "forbidden", res
    data = _pull(ctr, "cv-3")
    assert data["status"] == "replied" and "verification" not in data and "verified" not in data
    # Quarantined, so a supervisor can review the refusals.
    q = client.get("/api/v1/quarantine?status=open", headers=device("sup1").headers).json()["quarantine"]
    assert sum(1 for e in q if e["record"] == "cv-3" and e["code"] == "forbidden") == 3


def test_complaint_verification_bad_input_changes_nothing(device: Any, client: TestClient) -> None:
    ctr, sup = device("ctr1"), device("sup1")
    res = ctr.sync([ctr.op("complaints", "cv-4",
                           {"centre_id": "c1", "content": "无人接电话", "status": "open"})])
    assert res["results"][0]["status"] == "applied", res
    # No reply yet: nothing to verify (the lifecycle: open goes to replied or dismissed first).
    res = sup.sync([sup.op("complaints", "cv-4", {"status": "verified", "verified": True})])
    assert res["results"][0]["status"] == "rejected", res
    assert res["results"][0]["code"] == "invalid_transition", res
    assert res["results"][0]["details"]["allowed"] == ["replied", "dismissed"], res
    _replied(ctr, "cv-5")
    # A verification that empties the reply: verified needs one.
    res = sup.sync([sup.op("complaints", "cv-5", {"status": "verified", "verified": True, "reply": ""})])
    assert res["results"][0]["status"] == "rejected", res
    assert (res["results"][0]["code"], res["results"][0]["details"]["path"]) == ("invalid", "reply"), res
    for values in ({"verification.passed": "yes"}, {"verification.comment": "x" * 2001},
                   {"verification.by": "no spaces allowed"}, {"verification.extra": 1}):
        res = sup.sync([sup.op("complaints", "cv-5", values)])
        assert res["results"][0]["status"] == "rejected", (values, res)
        assert res["results"][0]["code"] == "invalid", (values, res)
    assert _pull(ctr, "cv-4")["status"] == "open"
    assert "verification" not in _pull(ctr, "cv-5")
