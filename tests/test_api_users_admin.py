"""Users and reference data admin: list, add, reset password, access, catalogue import; scoped,
audited, refusing bad input; and the same on the CLI."""

from __future__ import annotations

import io
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from starlette.testclient import TestClient

from server.catalogue import matter_id
from server.cli import main
from tests.conftest import PASSWORD

USERS = "/api/v1/users"
SAMPLE = Path(__file__).resolve().parents[1] / "server" / "demo" / "catalogue.csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def login(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password,
                                                   "device_name": "t"})


def actions(client: TestClient, headers: dict[str, str]) -> list[str]:
    return [e["action"] for e in client.get("/api/v1/audit", headers=headers).json()["entries"]
            if e["action"] != "op"]


def user_id(client: TestClient, headers: dict[str, str], username: str) -> str:
    items = client.get(USERS, params={"q": username}, headers=headers).json()["items"]
    [found] = [u for u in items if u["username"] == username]
    return str(found["id"])


def test_users_list_is_scoped_and_paged(client: TestClient, device: Any) -> None:
    sup, admin = device("sup1"), device("admin")
    mine = client.get(USERS, headers=sup.headers).json()["items"]
    names = {u["username"] for u in mine}
    assert {"f1", "f2", "ctr1", "sup1", "multi"} <= names and not names & {"f3", "sup2", "admin"}
    f1 = next(u for u in mine if u["username"] == "f1")
    assert f1["centre_ids"] == ["c1"] and f1["role"] == "field" and f1["disabled"] is False
    assert "password_hash" not in f1
    every = client.get(USERS, headers=admin.headers).json()["items"]
    assert {"f3", "sup2", "admin"} <= {u["username"] for u in every}
    page = client.get(USERS, params={"limit": 2}, headers=admin.headers).json()
    rest = client.get(USERS, params={"limit": 100, "cursor": page["next"]}, headers=admin.headers).json()
    assert len(page["items"]) + len(rest["items"]) == len(every)
    fields = client.get(USERS, params={"role": "field"}, headers=sup.headers).json()["items"]
    assert {u["role"] for u in fields} == {"field"}
    r = client.get(USERS, headers=device("f1").headers)
    assert r.status_code == 403
    assert client.get(USERS, params={"role": "king"}, headers=sup.headers).status_code == 400


def test_users_add_within_own_county_only(client: TestClient, device: Any) -> None:
    sup = device("sup1")
    r = client.post(USERS, json={"username": "newfield", "password": "Longer-pass-1",
                                 "role": "field", "centre_ids": ["c2"], "name": "李四"},
                    headers=sup.headers)
    assert r.status_code == 201, r.text
    assert r.json()["centre_ids"] == ["c2"] and r.json()["name"] == "李四"
    assert login(client, "newfield", "Longer-pass-1").status_code == 200
    for body, status in (
            ({"username": "x1", "password": "Longer-pass-1", "role": "field", "centre_ids": ["c3"]}, 403),
            ({"username": "x2", "password": "Longer-pass-1", "role": "admin"}, 403),
            ({"username": "x3", "password": "Longer-pass-1", "role": "supervisor", "county_id": "k2"}, 403),
            ({"username": "x4", "password": "short", "role": "field", "centre_ids": ["c1"]}, 400),
            ({"username": "x5", "password": "Longer-pass-1", "role": "field"}, 400),
            ({"username": "x6", "password": "Longer-pass-1", "role": "king"}, 400),
            ({"username": "", "password": "Longer-pass-1", "role": "field", "centre_ids": ["c1"]}, 400),
            ({"username": "f1", "password": "Longer-pass-1", "role": "field", "centre_ids": ["c1"]}, 409),
            ({"username": "x7", "password": "Longer-pass-1", "role": "field", "centre_ids": "c1"}, 400)):
        r = client.post(USERS, json=body, headers=sup.headers)
        assert r.status_code == status, (body, r.text)
    sup_made = client.post(USERS, json={"username": "sup1b", "password": "Longer-pass-1",
                                        "role": "supervisor"}, headers=sup.headers)
    assert sup_made.status_code == 201 and sup_made.json()["county_id"] == "k1"
    assert actions(client, sup.headers).count("add_user") == 2
    assert client.post(USERS, json={"username": "y", "password": "Longer-pass-1", "role": "field",
                                    "centre_ids": ["c1"]}, headers=device("f1").headers).status_code == 403


def test_users_reset_password_revokes_devices_and_is_audited(client: TestClient, device: Any) -> None:
    sup, f1 = device("sup1"), device("f1")
    uid = user_id(client, sup.headers, "f1")
    r = client.post(f"{USERS}/{uid}/reset-password", json={"password": "Brand-new-pass"},
                    headers=sup.headers)
    assert r.status_code == 200 and r.json()["devices_revoked"] >= 1
    assert client.post("/api/v1/sync", json={"cursor": None}, headers=f1.headers).status_code == 401
    assert login(client, "f1").status_code == 401
    assert login(client, "f1", "Brand-new-pass").status_code == 200
    assert "reset_password" in actions(client, sup.headers)
    other = user_id(client, device("admin").headers, "f3")
    r = client.post(f"{USERS}/{other}/reset-password", json={"password": "Brand-new-pass"},
                    headers=sup.headers)
    assert r.status_code == 404
    r = client.post(f"{USERS}/{uid}/reset-password", json={"password": 12345678}, headers=sup.headers)
    assert r.status_code == 400


def test_users_access_changes_role_and_centres(client: TestClient, device: Any) -> None:
    sup = device("sup1")
    uid = user_id(client, sup.headers, "f2")
    r = client.put(f"{USERS}/{uid}/access", json={"role": "centre", "centre_ids": ["c1", "c2"]},
                   headers=sup.headers)
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "centre" and r.json()["centre_ids"] == ["c1", "c2"]
    r = client.put(f"{USERS}/{uid}/access", json={"role": "field", "centre_ids": ["c3"]},
                   headers=sup.headers)
    assert r.status_code == 403
    me = user_id(client, sup.headers, "sup1")
    r = client.put(f"{USERS}/{me}/access", json={"role": "field", "centre_ids": ["c1"]},
                   headers=sup.headers)
    assert r.status_code == 403
    entries = client.get("/api/v1/audit", headers=sup.headers).json()["entries"]
    [entry] = [e for e in entries if e["action"] == "set_access"]
    assert entry["details"]["from"]["role"] == "field" and entry["details"]["to"]["role"] == "centre"
    disabled = client.post(f"{USERS}/{uid}/disable", headers=sup.headers)
    assert disabled.status_code == 200
    assert client.post(f"{USERS}/{uid}/enable", headers=sup.headers).status_code == 200
    assert login(client, "f2").status_code == 200


def test_matters_import_csv_and_xlsx_all_or_nothing(client: TestClient, device: Any) -> None:
    sup = device("sup1")
    url = "/api/v1/matters/import"
    r = client.post(url, content=SAMPLE.read_bytes(), headers={**sup.headers, "Content-Type": "text/csv"})
    assert r.status_code == 200, r.text
    assert r.json()["imported"] == 5
    fs = client.app.state.fs  # type: ignore[attr-defined]
    with closing(sqlite3.connect(fs.config.db)) as conn:
        row = conn.execute("SELECT county_id, data FROM records WHERE id=?",
                           (matter_id("k1", "最低生活保障申请"),)).fetchone()
    assert row[0] == "k1" and '"time_limit_days":20' in row[1] and "家庭经济状况核对授权书" in row[1]
    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf)
    sheet = book.add_worksheet()
    for i, line in enumerate([["事项名称", "办件类型", "承诺时限", "设定依据", "申请材料", "收费标准"],
                              ["最低生活保障申请", "承诺件", 15, "《社会救助暂行办法》", "身份证", "不收费"],
                              ["新事项", "即办件", "", "", "", ""]]):
        sheet.write_row(i, 0, line)
    book.close()
    r = client.post(url, content=buf.getvalue(), headers={**sup.headers, "Content-Type": XLSX})
    assert r.status_code == 200, r.text
    with closing(sqlite3.connect(fs.config.db)) as conn:
        n = conn.execute("SELECT count(*) FROM records WHERE collection='matters'").fetchone()[0]
        days = conn.execute("SELECT json_extract(data, '$.time_limit_days') FROM records WHERE id=?",
                            (matter_id("k1", "最低生活保障申请"),)).fetchone()[0]
    assert (n, days) == (6, 15)  # updated in place, not doubled
    bad = "事项名称,办件类型,承诺时限\n好事项,承诺件,5\n坏事项,随便件,5\n".encode()
    r = client.post(url, content=bad, headers={**sup.headers, "Content-Type": "text/csv"})
    assert r.status_code == 422
    [problem] = r.json()["error"]["details"]["problems"]
    assert problem["row"] == 3 and problem["column"] == "办件类型"
    with closing(sqlite3.connect(fs.config.db)) as conn:
        assert conn.execute("SELECT count(*) FROM records WHERE collection='matters'").fetchone()[0] == 6
    assert client.post(url, content=b"PK\x03\x04junk", headers={**sup.headers, "Content-Type": XLSX}
                       ).status_code == 422
    assert client.post(url, content=b"x", headers={**sup.headers, "Content-Type": "text/plain"}
                       ).status_code == 415
    assert client.post(url, params={"county_id": "k2"}, content=SAMPLE.read_bytes(),
                       headers={**sup.headers, "Content-Type": "text/csv"}).status_code == 403
    assert client.post(url, content=SAMPLE.read_bytes(),
                       headers={**device("f1").headers, "Content-Type": "text/csv"}).status_code == 403
    assert actions(client, sup.headers).count("import_matters") == 2


def test_cli_user_list_disable_reset_and_matters_import(county_db: str,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["user", "list", "--db", county_db, "--county", "k1"]) == 0
    out = capsys.readouterr().out
    assert "f1" in out and "sup1" in out and "f3 " not in out
    assert main(["user", "disable", "--db", county_db, "--username", "f2"]) == 0
    assert main(["user", "reset-password", "--db", county_db, "--username", "f1",
                 "--password", "Another-pass-9"]) == 0
    assert main(["user", "reset-password", "--db", county_db, "--username", "nobody",
                 "--password", "Another-pass-9"]) == 1
    assert main(["matters", "import", "--db", county_db, "--county", "k1", "--file", str(SAMPLE)]) == 0
    assert "5 matters imported" in capsys.readouterr().out
    assert main(["matters", "import", "--db", county_db, "--county", "nowhere", "--file", str(SAMPLE)]) == 1
    with closing(sqlite3.connect(county_db)) as conn:
        assert conn.execute("SELECT disabled FROM users WHERE username='f2'").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM records WHERE collection='matters'").fetchone() == (5,)
        assert {a for (a,) in conn.execute("SELECT action FROM audit")} >= {
            "disable_user", "reset_password", "import_matters"}
