"""Exports of many rows, built by the export worker process: the XLSX read back whole with
openpyxl (header, every row in date order, the sheet's dimension), masked unless an admin
asks and is audited, text kept exactly, the CSV of the same request with its BOM and the same
rows, and a date and centre filter."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl
from starlette.testclient import TestClient

from tests.test_api_exports import audit_actions
from tests.test_api_reports import at, write

EXPORTS = "/api/v1/exports"
N = 1_203  # more than two of the writer's blocks of rows (server.xlsxstream.BLOCK)
ID, PHONE = "110105198001011234", "13812345678"


def many_cases(client: TestClient) -> None:
    """N October cases in c1 and c2 (one each half hour), one in November (outside the filter)."""
    write(client, [("matters", "m1", {"name": "营业执照", "county_id": "k1", "kind": "time_limited",
                                      "time_limit_days": 5}, at("2026-09-01"))])
    items = []
    for i in range(N):
        accepted = at("2026-10-01", 0) + i * 1_800_000
        items.append(("cases", f"k{i:05d}", {
            "centre_id": "c1" if i % 3 else "c2", "matter_id": "m1", "channel": "window",
            "status": "completed" if i % 2 else "handling",
            "applicant": {"name": f"申请人{i}", "id_number": ID, "phone": PHONE},
            "accepted_at": accepted,
            "missing_materials": ["身份证", "户口簿"] if i % 7 == 0 else None}, accepted))
    items.append(("cases", "november", {"centre_id": "c1", "matter_id": "m1", "status": "handling",
                                        "accepted_at": at("2026-11-02")}, at("2026-11-02")))
    for start in range(0, len(items), 400):
        write(client, items[start:start + 400])


def read_xlsx(body: bytes) -> tuple[list[list[Any]], int, int]:
    """(rows, max_row, max_column) as openpyxl reads them."""
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return [list(r) for r in sheet.iter_rows(values_only=True)], sheet.max_row, sheet.max_column


def test_exports_xlsx_of_many_rows_reads_back_whole_masked(client: TestClient, device: Any) -> None:
    many_cases(client)
    sup = device("sup1")
    r = client.get(f"{EXPORTS}/cases.xlsx", params={"from": "2026-10-01", "to": "2026-10-31"},
                   headers=sup.headers)
    assert r.status_code == 200, r.text
    assert r.headers["x-rows"] == str(N)
    rows, max_row, max_col = read_xlsx(r.content)
    head = rows[0]
    assert head[:6] == ["编号", "乡镇", "事项", "申请人", "身份证号", "联系电话"]
    assert (max_row, max_col) == (N + 1, len(head)) and len(rows) == N + 1
    body = [dict(zip(head, row, strict=True)) for row in rows[1:]]
    # Every October case once, by date (the ids were made in date order), November left out.
    assert [b["编号"] for b in body] == sorted(f"k{i:05d}" for i in range(N))
    first, seventh = body[0], body[7]
    assert (first["乡镇"], first["事项"], first["状态"], first["渠道"]) == \
        ("石桥镇", "营业执照", "办理中", "窗口")
    assert first["受理时间"] == "2026-10-01 00:00" and first["承诺办结时间"].startswith("2026-10-")
    assert body[1]["乡镇"] == "城关镇" and body[1]["状态"] == "办结"
    assert {b["是否超期"] for b in body} <= {"是", "否"}  # computed by the server
    assert seventh["补正材料"] == "身份证、户口簿" and seventh["受理时间"] == "2026-10-01 03:30"
    assert first["备注"] is None  # an empty value is no cell at all
    assert {b["身份证号"] for b in body} == {"110105********1234"}
    assert {b["联系电话"] for b in body} == {"138****5678"}
    assert ID.encode() not in r.content and PHONE.encode() not in r.content
    assert [e["action"] for e in audit_actions(client, sup.headers)] == ["export"]


def test_exports_unmasked_many_rows_only_for_admin_and_audited(client: TestClient, device: Any) -> None:
    many_cases(client)
    admin, ctr = device("admin"), device("ctr1")
    r = client.get(f"{EXPORTS}/cases.xlsx", params={"unmasked": "1"}, headers=ctr.headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    r = client.get(f"{EXPORTS}/cases.xlsx", params={"unmasked": "1", "to": "2026-10-31"},
                   headers=admin.headers)
    assert r.status_code == 200, r.text
    rows, _max_row, _max_col = read_xlsx(r.content)
    ids = rows[0].index("身份证号")
    assert len(rows) == N + 1 and {row[ids] for row in rows[1:]} == {ID}
    [entry] = audit_actions(client, admin.headers)
    assert entry["action"] == "export_unmasked" and entry["details"]["unmasked"] is True
    assert entry["details"]["format"] == "xlsx" and entry["details"]["to"] == "2026-10-31"


def test_exports_csv_matches_the_xlsx_and_filters_by_centre(client: TestClient, device: Any) -> None:
    many_cases(client)
    sup = device("sup1")
    params = {"from": "2026-10-01", "to": "2026-10-31", "centre_id": "c2"}
    x = client.get(f"{EXPORTS}/cases.xlsx", params=params, headers=sup.headers)
    c = client.get(f"{EXPORTS}/cases.csv", params=params, headers=sup.headers)
    assert x.status_code == 200 and c.status_code == 200, (x.text, c.text)
    assert c.content.startswith(b"\xef\xbb\xbf")
    from_csv = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    from_xlsx, _max_row, _max_col = read_xlsx(x.content)
    expected = sorted(f"k{i:05d}" for i in range(N) if i % 3 == 0)  # c2's cases
    assert [row[0] for row in from_csv[1:]] == expected == [row[0] for row in from_xlsx[1:]]
    assert c.headers["x-rows"] == x.headers["x-rows"] == str(len(expected))
    assert from_csv[0] == from_xlsx[0]
    for a, b in zip(from_csv[1:], from_xlsx[1:], strict=True):
        assert a == ["" if v is None else str(v) for v in b]
    assert {row[1] for row in from_csv[1:]} == {"石桥镇"}


def test_exports_xlsx_keeps_text_exactly(client: TestClient, device: Any) -> None:
    long = "长" * 2_000  # the most a text field holds (a cell's 32,767: tests/test_xlsxstream_*)
    notes = {"amp": "A&B <c> \"d\" 'e'", "space": "  两头有空格  ", "lines": "第一行\n第二行",
             "formula": "=SUM(A1:A3)", "plus": "+86 138", "long": long}
    write(client, [("cases", f"t-{k}", {"centre_id": "c1", "matter_id": "m1", "status": "handling",
                                        "notes": v, "accepted_at": at("2026-10-12")}, at("2026-10-12"))
                   for k, v in notes.items()])
    r = client.get(f"{EXPORTS}/cases.xlsx", headers=device("sup1").headers)
    assert r.status_code == 200, r.text
    rows, _max_row, _max_col = read_xlsx(r.content)
    col = rows[0].index("备注")
    got = {row[0]: row[col] for row in rows[1:]}
    assert got == {f"t-{k}": v for k, v in notes.items()}
