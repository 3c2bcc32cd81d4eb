"""Single-record edits of centres, their windows and the matter catalogue (the workspace's
forms send them as sync ops): supervisors and admins only (the schemas' writers), checked by
the schema (a window's number and served matters included), refused ops change nothing and
are quarantined, applied ones are in the audit log and reach the centre's phones."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

MATTER = {"name": "残疾人证申领", "county_id": "k1", "kind": "time_limited", "time_limit_days": 5,
          "legal_basis": "《残疾人保障法》", "materials": ["居民身份证", "照片"], "fee": "不收费",
          "active": True}


def _pull(dev: Any, collection: str, rid: str) -> dict[str, Any]:
    dev.cursor = None
    found: dict[str, Any] = {}
    for page in dev.sync_all():
        for ch in page["changes"]:
            if ch["collection"] == collection and ch["record"] == rid:
                found = ch["data"]
    return found


def test_catalogue_edits_supervisor_adds_matter_and_window(device: Any, client: TestClient) -> None:
    sup, f1 = device("sup1"), device("f1")
    res = sup.sync([sup.op("matters", "m-new", MATTER),
                    sup.op("centres", "c1", {"windows.w3": {"number": "3", "name": "社保窗口",
                                                            "matter_ids": ["m-new"], "active": True},
                                             "complaint_phone": "0731-12345"})])
    assert [r["status"] for r in res["results"]] == ["applied", "applied"], res
    centre = _pull(f1, "centres", "c1")  # the field phone gets the reference data
    assert centre["windows"]["w3"] == {"number": "3", "name": "社保窗口", "matter_ids": ["m-new"],
                                       "active": True}
    assert _pull(f1, "matters", "m-new")["time_limit_days"] == 5
    # The public page names the window by number and the matters it serves.
    page = client.get("/public/centres/c1").text
    assert "<td>3 社保窗口</td>" in page and "<td>残疾人证申领</td></tr>" in page
    entries = client.get("/api/v1/audit", headers=sup.headers).json()["entries"]
    targets = {e["target"] for e in entries if e["action"] == "op" and e["outcome"] == "applied"
               and e["username"] == "sup1"}
    assert {"matters/m-new", "centres/c1"} <= targets


def test_catalogue_edits_field_and_centre_staff_are_refused(device: Any, client: TestClient) -> None:
    f1, ctr = device("f1"), device("ctr1")
    for dev, collection, rid, values in (
            (f1, "matters", "m-f1", MATTER),
            (ctr, "centres", "c1", {"windows.w9": {"name": "自设窗口"}}),
            (ctr, "centres", "c1", {"complaint_phone": "110"})):
        res = dev.sync([dev.op(collection, rid, values)])
        assert res["results"][0]["status"] == "rejected", res
        assert res["results"][0]["code"] == "forbidden", res
    assert _pull(f1, "matters", "m-f1") == {}
    centre = _pull(f1, "centres", "c1")
    assert "windows" not in centre and "complaint_phone" not in centre
    q = client.get("/api/v1/quarantine?status=open", headers=device("sup1").headers).json()["quarantine"]
    assert {(e["collection"], e["record"]) for e in q} >= {("matters", "m-f1"), ("centres", "c1")}


def test_catalogue_edits_bad_values_are_refused_at_their_path(device: Any) -> None:
    sup = device("sup1")
    bad: list[tuple[str, str, dict[str, Any], str]] = [
        ("matters", "m-b1", {**MATTER, "time_limit_days": 400}, "time_limit_days"),
        ("matters", "m-b2", {**MATTER, "kind": "someday"}, "kind"),
        ("matters", "m-b3", {k: v for k, v in MATTER.items() if k != "name"}, "name"),
        ("matters", "m-b4", {**MATTER, "materials": "身份证"}, "materials"),
        ("centres", "c1", {"windows.w1.number": "x" * 21}, "windows.w1.number"),
        ("centres", "c1", {"windows.w1.matter_ids": "m-new"}, "windows.w1.matter_ids"),
        ("centres", "c1", {"windows.w1.matter_ids": ["has space"]}, "windows.w1.matter_ids"),
        ("centres", "c1", {"windows.w1.phone": "电话"}, "windows.w1.phone"),
        ("centres", "c1", {"complaint_phone": "call me"}, "complaint_phone"),
    ]
    for collection, rid, values, path in bad:
        res = sup.sync([sup.op(collection, rid, values)])
        result = res["results"][0]
        assert result["status"] == "rejected" and result["code"] == "invalid", (values, res)
        assert str(result.get("details", {}).get("path", "")).startswith(path), (values, result)
    assert _pull(sup, "matters", "m-b1") == {}
    assert "windows" not in _pull(sup, "centres", "c1")
