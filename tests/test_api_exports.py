"""Exports (台账): XLSX read back with openpyxl, CSV with BOM, scope, dates, masking and the
audited unmasking."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
from starlette.testclient import TestClient

from tests.test_api_lists import PERSON
from tests.test_api_reports import at, write

EXPORTS = "/api/v1/exports"


def county(client: TestClient) -> None:
    m = {"name": "营业执照", "county_id": "k1", "kind": "time_limited", "time_limit_days": 5}
    write(client, [("matters", "m1", m, at("2026-09-01"))])
    write(client, [
        ("cases", "oct-1", {"centre_id": "c1", "matter_id": "m1", "status": "completed",
                            "channel": "window", "applicant": PERSON, "accepted_at": at("2026-10-12"),
                            "completed_at": at("2026-10-14"), "notes": "=HYPERLINK(\"x\")"},
         at("2026-10-14")),
        ("cases", "oct-31", {"centre_id": "c2", "matter_id": "m1", "status": "handling",
                             "applicant": PERSON, "accepted_at": at("2026-10-31", 23)},
         at("2026-10-31", 23)),
        ("cases", "nov-1", {"centre_id": "c1", "matter_id": "m1", "status": "handling",
                            "applicant": PERSON, "accepted_at": at("2026-11-01", 0)},
         at("2026-11-01", 0)),
        ("complaints", "q1", {"centre_id": "c1", "content": "排队太久", "status": "open",
                              "complainant": PERSON, "received_at": at("2026-10-12")},
         at("2026-10-12")),
    ])


def xlsx_rows(body: bytes) -> list[list[Any]]:
    book = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
    sheet = book.worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)]


def audit_actions(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    entries = client.get("/api/v1/audit", headers=headers).json()["entries"]
    return [e for e in entries if e["action"].startswith("export")]


def test_exports_xlsx_reads_back_with_chinese_headers_masked(client: TestClient, device: Any) -> None:
    county(client)
    sup = device("sup1")
    r = client.get(f"{EXPORTS}/cases.xlsx", params={"from": "2026-10-01", "to": "2026-10-31"},
                   headers=sup.headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r.headers["content-disposition"]
    rows = xlsx_rows(r.content)
    head = rows[0]
    assert head[:4] == ["编号", "乡镇", "事项", "申请人"] and "身份证号" in head and "承诺办结时间" in head
    body = {row[0]: dict(zip(head, row, strict=True)) for row in rows[1:]}
    assert set(body) == {"oct-1", "oct-31"}  # 1 November 00:00 China time is out
    first = body["oct-1"]
    assert (first["乡镇"], first["事项"], first["状态"], first["渠道"]) == \
        ("城关镇", "营业执照", "办结", "窗口")
    assert first["身份证号"] == "110105********1234" and first["联系电话"] == "138****5678"
    assert first["受理时间"] == "2026-10-12 10:00" and first["是否超期"] == "否"
    assert first["备注"] == "=HYPERLINK(\"x\")"  # text, never a formula
    assert body["oct-31"]["乡镇"] == "石桥镇"


def test_exports_csv_has_bom_and_respects_scope(client: TestClient, device: Any) -> None:
    county(client)
    f1 = device("ctr1")  # centre staff: their centre's ledgers (field staff get none)
    r = client.get(f"{EXPORTS}/cases.csv", headers=f1.headers)
    assert r.status_code == 200, r.text
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "编号"
    assert sorted(row[0] for row in rows[1:]) == ["nov-1", "oct-1"]  # c1 only
    notes = rows[0].index("备注")
    assert {row[notes] for row in rows[1:]} >= {"'=HYPERLINK(\"x\")"}  # no formula in Excel
    assert "13812345678" not in r.content.decode("utf-8-sig")
    one = client.get(f"{EXPORTS}/cases.csv", params={"centre_id": "c2"}, headers=device("sup1").headers)
    assert [row[0] for row in csv.reader(io.StringIO(one.content.decode("utf-8-sig")))][1:] == ["oct-31"]
    r = client.get(f"{EXPORTS}/cases.csv", params={"centre_id": "c2"}, headers=f1.headers)
    assert r.status_code == 403
    complaints = client.get(f"{EXPORTS}/complaints.xlsx", headers=f1.headers)
    rows = xlsx_rows(complaints.content)
    assert rows[0][2] == "投诉内容" and rows[1][2] == "排队太久"


def test_exports_unmasked_only_for_admin_or_supervisor_with_reason(client: TestClient,
                                                                    device: Any) -> None:
    county(client)
    sup, admin, f1, ctr = device("sup1"), device("admin"), device("f1"), device("ctr1")
    for who in (f1, ctr):
        r = client.get(f"{EXPORTS}/cases.csv", params={"unmasked": "1", "reason": "核查"},
                       headers=who.headers)
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = client.get(f"{EXPORTS}/cases.csv", params={"unmasked": "1"}, headers=sup.headers)
    assert r.status_code == 403 and r.json()["error"]["details"] == {"field": "reason"}
    assert audit_actions(client, sup.headers) == []  # nothing was exported
    r = client.get(f"{EXPORTS}/cases.csv", params={"unmasked": "1", "reason": "信访核查 2026-031"},
                   headers=sup.headers)
    assert r.status_code == 200 and "110105198001011234" in r.content.decode("utf-8-sig")
    [entry] = audit_actions(client, sup.headers)
    assert entry["action"] == "export_unmasked" and entry["username"] == "sup1"
    assert entry["details"]["reason"] == "信访核查 2026-031"
    assert entry["details"]["collection"] == "cases"
    r = client.get(f"{EXPORTS}/cases.xlsx", params={"unmasked": "1"}, headers=admin.headers)
    assert r.status_code == 200
    rows = xlsx_rows(r.content)
    assert "110105198001011234" in rows[1]
    masked = client.get(f"{EXPORTS}/cases.csv", headers=sup.headers)
    assert masked.status_code == 200
    assert [e["action"] for e in audit_actions(client, sup.headers)][:1] == ["export"]


def test_exports_refuse_bad_requests(client: TestClient, device: Any) -> None:
    sup = device("sup1")
    for name in ("cases.pdf", "cases", "users.csv", "centres.xlsx", ".csv"):
        r = client.get(f"{EXPORTS}/{name}", headers=sup.headers)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", name
    for params, field in (({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"),
                          ({"unmasked": "maybe"}, "unmasked")):
        r = client.get(f"{EXPORTS}/cases.csv", params=params, headers=sup.headers)
        assert r.status_code == 400 and r.json()["error"]["details"]["field"] == field
    r = client.get(f"{EXPORTS}/cases.csv", params={"unmasked": "1", "reason": "x" * 201},
                   headers=sup.headers)
    assert r.status_code == 400
    assert client.get(f"{EXPORTS}/cases.csv").status_code == 401
    # from after to: an empty ledger, headers only
    r = client.get(f"{EXPORTS}/cases.csv", params={"from": "2026-10-02", "to": "2026-10-01"},
                   headers=sup.headers)
    assert r.status_code == 200 and len(r.content.decode("utf-8-sig").splitlines()) == 1
