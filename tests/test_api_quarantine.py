"""Issue 9, finding 1: a revoked phone cannot change data on its own say-so. Everything it
sends after revocation waits in quarantine (``device_revoked``) until a supervisor of the
county releases it (applied as that device's op, audited) or drops it with a reason.
Release re-runs any quarantined op through the normal checks."""

from __future__ import annotations

import hashlib
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import Device, now_ms, visit

HOUR = 3_600_000
SYNC = "/api/v1/sync"


def db(client: TestClient) -> sqlite3.Connection:
    return sqlite3.connect(client.app.state.fs.config.db)  # type: ignore[attr-defined]


def one(client: TestClient, sql: str, *args: Any) -> Any:
    with closing(db(client)) as conn:
        return conn.execute(sql, args).fetchone()


def revoke(client: TestClient, d: Device, by: Device) -> None:
    r = client.post(f"/api/v1/devices/{d.device_id}/revoke", headers=by.headers)
    assert r.status_code == 200 and r.json()["revoked"] is True


def listing(client: TestClient, who: Device, query: str = "") -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/quarantine{query}", headers=who.headers)
    assert r.status_code == 200, r.text
    return list(r.json()["quarantine"])


def test_quarantine_revoked_device_backdated_op_waits_then_is_released(
        device: Any, client: TestClient) -> None:
    d, sup1, sup2 = device("f1"), device("sup1"), device("sup2")
    d.sync()
    revoke(client, d, sup1)
    # The issue's reproduction: a new visit "made" an hour before the revocation.
    op = d.op("visits", "v-stolen", visit(notes="吊销后补发"), at=now_ms() - HOUR)
    r = client.post(SYNC, json={"clock": d.clock(), "ops": [op]}, headers=d.headers)
    assert r.status_code == 401
    body = r.json()
    assert body["error"]["code"] == "device_revoked" and body["wipe"] is True
    assert body["error"]["details"]["quarantined"] == 1
    [res] = body["results"]
    assert res["status"] == "rejected" and res["code"] == "device_revoked"
    assert one(client, "SELECT count(*) FROM records WHERE id='v-stolen'")[0] == 0
    assert one(client, "SELECT count(*) FROM ops WHERE id=?", op["id"])[0] == 0

    # the county's supervisor sees it, with its reason; another county's does not
    [entry] = [e for e in listing(client, sup1) if e["op_id"] == op["id"]]
    assert entry["code"] == "device_revoked" and entry["status"] == "open"
    assert entry["device"] == d.device_id and entry["username"] == "f1"
    assert entry["op"]["set"]["notes"] == "吊销后补发" and entry["county_id"] == "k1"
    assert not [e for e in listing(client, sup2) if e["op_id"] == op["id"]]
    r = client.post(f"/api/v1/quarantine/{op['id']}/release", headers=sup2.headers)
    assert r.status_code == 404

    r = client.post(f"/api/v1/quarantine/{op['id']}/release", headers=sup1.headers)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "applied"
    row = one(client, "SELECT json_extract(data, '$.notes') FROM records WHERE id='v-stolen'")
    assert row == ("吊销后补发",)
    assert one(client, "SELECT device, user_id FROM ops WHERE id=?", op["id"]) == (
        d.device_id, d.user["id"])
    assert one(client, "SELECT status, resolved_by FROM quarantine WHERE op_id=?",
               op["id"]) == ("released", sup1.user["id"])
    audit = one(client, "SELECT user_id, outcome, details FROM audit WHERE"
                        " action='release_quarantined' AND target=?", op["id"])
    assert audit[0] == sup1.user["id"] and audit[1] == "applied"
    assert '"was":"device_revoked"' in audit[2].replace(" ", "")
    # releasing twice is refused; the phone resending it is a duplicate
    r = client.post(f"/api/v1/quarantine/{op['id']}/release", headers=sup1.headers)
    assert r.status_code == 409 and r.json()["error"]["code"] == "already_resolved"
    r = client.post(SYNC, json={"clock": d.clock(), "ops": [op]}, headers=d.headers)
    assert r.status_code == 401 and r.json()["results"][0]["status"] == "duplicate"


def test_quarantine_every_op_of_a_revoked_device_waits_even_old_work(
        device: Any, client: TestClient) -> None:
    d, sup1 = device("f1"), device("sup1")
    made_before = d.op("visits", "v-before", visit(notes="离线时做的"), at=now_ms() - 2 * HOUR)
    revoke(client, d, sup1)
    made_after = d.op("visits", "v-after", visit(notes="之后"))
    r = client.post(SYNC, json={"clock": d.clock(), "ops": [made_before, made_after]},
                    headers=d.headers)
    assert r.status_code == 401
    assert [x["code"] for x in r.json()["results"]] == ["device_revoked", "device_revoked"]
    assert one(client, "SELECT count(*) FROM records WHERE id IN ('v-before', 'v-after')")[0] == 0


def test_quarantine_drop_needs_a_reason_and_is_audited(device: Any, client: TestClient) -> None:
    d, sup1, f2 = device("f1"), device("sup1"), device("f2")
    revoke(client, d, sup1)
    op = d.op("visits", "v-junk", visit(notes="可疑"))
    client.post(SYNC, json={"clock": d.clock(), "ops": [op]}, headers=d.headers)
    url = f"/api/v1/quarantine/{op['id']}/drop"
    for body in ({}, {"reason": "  "}, {"reason": 5}):
        r = client.post(url, json=body, headers=sup1.headers)
        assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "reason"
    r = client.post(url, json={"reason": "手机丢失，非本人操作"}, headers=f2.headers)
    assert r.status_code == 403  # only supervisors and admins review
    r = client.post(url, json={"reason": "手机丢失，非本人操作"}, headers=sup1.headers)
    assert r.status_code == 200 and r.json()["status"] == "dropped"
    assert one(client, "SELECT status, reason FROM quarantine WHERE op_id=?", op["id"]) == (
        "dropped", "手机丢失，非本人操作")
    assert one(client, "SELECT outcome FROM audit WHERE action='drop_quarantined' AND target=?",
               op["id"]) == ("ok",)
    assert [e["op_id"] for e in listing(client, sup1, "?status=dropped")] == [op["id"]]
    assert not [e for e in listing(client, sup1) if e["op_id"] == op["id"]]  # open only
    r = client.post(f"/api/v1/quarantine/{op['id']}/release", headers=sup1.headers)
    assert r.status_code == 409
    assert one(client, "SELECT count(*) FROM records WHERE id='v-junk'")[0] == 0


def test_quarantine_release_reruns_the_normal_checks(device: Any, client: TestClient) -> None:
    f1, sup1 = device("f1"), device("sup1")
    # a field user's approval: still forbidden on release, and stays in quarantine
    [made] = f1.sync([f1.op("inspections", "i1", {"centre_id": "c1", "template_id": "t1",
                                                   "template_version": 1,
                                                   "status": "submitted"})])["results"]
    assert made["status"] == "applied"
    f1.sync()
    bad = f1.op("inspections", "i1", {"status": "approved"})
    assert f1.sync([bad])["results"][0]["code"] == "forbidden"
    r = client.post(f"/api/v1/quarantine/{bad['id']}/release", headers=sup1.headers)
    assert r.status_code == 409
    err = r.json()["error"]
    assert err["code"] == "still_rejected" and err["details"]["code"] == "forbidden"
    assert one(client, "SELECT status, attempts FROM quarantine WHERE op_id=?",
               bad["id"]) == ("open", 2)
    assert one(client, "SELECT outcome FROM audit WHERE action='release_quarantined'"
                       " AND target=?", bad["id"]) == ("rejected",)
    # an op held back only because the app was out of date goes in once released
    stale = f1.op("visits", "v-stale", visit(notes="旧版本"))
    doc = f1.sync([stale], schema_version=0)
    assert doc["results"][0]["code"] == "stale_schema"
    r = client.post(f"/api/v1/quarantine/{stale['id']}/release", headers=sup1.headers)
    assert r.status_code == 200 and r.json()["status"] == "applied"
    assert one(client, "SELECT count(*) FROM records WHERE id='v-stale'")[0] == 1


def test_quarantine_list_is_for_reviewers_and_validates_its_query(
        device: Any, client: TestClient) -> None:
    f1, sup1, admin = device("f1"), device("sup1"), device("admin")
    assert client.get("/api/v1/quarantine", headers=f1.headers).status_code == 403
    r = client.get("/api/v1/quarantine?status=maybe", headers=sup1.headers)
    assert r.status_code == 400
    bad = f1.op("visits", "v-bad", visit(kind="nonsense"))
    f1.sync([bad])
    assert [e["code"] for e in listing(client, admin, "?code=invalid")] == ["invalid"]
    r = client.post("/api/v1/quarantine/nope/release", headers=sup1.headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_quarantine_revoked_token_cannot_store_attachments(
        device: Any, client: TestClient) -> None:
    d, sup1 = device("f1"), device("sup1")
    revoke(client, d, sup1)
    photo = b"\xff\xd8\xff" + b"x" * 5000
    sha = hashlib.sha256(photo).hexdigest()
    for headers in ({}, {"Content-Range": f"bytes 0-99/{len(photo)}"}):
        body = photo if not headers else photo[:100]
        r = client.put(f"/api/v1/attachments/{sha}", content=body,
                       headers={**d.headers, "Content-Type": "image/jpeg", **headers})
        assert r.status_code == 401 and r.json()["error"]["code"] == "device_revoked"
        assert r.json()["wipe"] is True
    assert one(client, "SELECT count(*) FROM attachments")[0] == 0
    assert one(client, "SELECT count(*) FROM attachment_partials")[0] == 0
    files = Path(client.app.state.fs.config.files_dir)  # type: ignore[attr-defined]
    assert not files.exists() or not any(p.is_file() for p in files.rglob("*"))


def test_quarantine_rows_from_before_the_county_column_reach_the_senders_supervisor(
        device: Any, client: TestClient) -> None:
    f1, sup1, sup2 = device("f1"), device("sup1"), device("sup2")
    bad = f1.op("visits", "v-old", visit(kind="nonsense"))
    f1.sync([bad])
    with closing(db(client)) as conn, conn:  # as an older server left it
        conn.execute("UPDATE quarantine SET county_id=NULL WHERE op_id=?", (bad["id"],))
    assert [e["op_id"] for e in listing(client, sup1)] == [bad["id"]]
    assert listing(client, sup2) == []


def test_quarantine_keeps_the_refusals_details(device: Any, client: TestClient) -> None:
    """An ``invalid_transition`` says which statuses were allowed; the quarantine keeps that
    with the op and gives it back (``details``), a resent op with its latest details."""
    f1, sup1 = device("f1"), device("sup1")
    sup1.sync([sup1.op("matters", "m5", {"name": "个体工商户登记", "county_id": "k1",
                                         "kind": "time_limited", "time_limit_days": 5})])
    made = f1.sync([f1.op("cases", "k-q", {"centre_id": "c1", "matter_id": "m5", "status": "consulted"})])
    assert made["results"][0]["status"] == "applied", made
    jump = f1.op("cases", "k-q", {"status": "completed"})
    [res] = f1.sync([jump])["results"]
    assert res["code"] == "invalid_transition", res
    want = {"path": "status", "from": "consulted", "to": "completed", "allowed": ["accepted", "refused"]}
    assert res["details"] == want
    [entry] = [e for e in listing(client, sup1) if e["op_id"] == jump["id"]]
    assert entry["details"] == want and entry["code"] == "invalid_transition"
    # Every refusal's details, whatever its code.
    bad = f1.op("visits", "v-stale-details", visit(notes="x"))
    f1.sync([bad], schema_version=0)
    [stale] = [e for e in listing(client, sup1) if e["op_id"] == bad["id"]]
    assert stale["code"] == "stale_schema" and stale["details"] == {"min_schema": 1}
    # Released and refused again: the row keeps the new refusal's details.
    r = client.post(f"/api/v1/quarantine/{jump['id']}/release", headers=sup1.headers)
    assert r.status_code == 409 and r.json()["error"]["details"]["allowed"] == ["accepted", "refused"]
    [entry] = [e for e in listing(client, sup1) if e["op_id"] == jump["id"]]
    assert entry["details"] == want and entry["attempts"] == 2


def test_quarantine_rows_from_before_details_were_kept(tmp_path: Path) -> None:
    """An older database's quarantine table gains ``details`` (null for its rows, listed as {})."""
    from server.scope import Scope
    from server.store.quarantine import in_scope
    from server.store.sqlite import connect, migrate
    path = tmp_path / "old.db"
    with closing(sqlite3.connect(path)) as old, old:
        old.execute("CREATE TABLE quarantine (op_id TEXT PRIMARY KEY, device TEXT, user_id TEXT,"
                    " collection TEXT, record TEXT, code TEXT NOT NULL, message TEXT NOT NULL,"
                    " op TEXT NOT NULL, received_at INTEGER NOT NULL, attempts INTEGER NOT NULL"
                    " DEFAULT 1, status TEXT NOT NULL DEFAULT 'open', county_id TEXT, stamp INTEGER,"
                    " resolved_by TEXT, resolved_at INTEGER, reason TEXT)")
        old.execute("INSERT INTO quarantine (op_id, device, user_id, collection, record, code,"
                    " message, op, received_at, county_id) VALUES ('op-old', 'd1', 'u1', 'cases',"
                    " 'k1', 'invalid_transition', 'status: consulted -> completed', '{}', 1, 'k1')")
    conn = connect(path)
    try:
        migrate(conn)
        assert "details" in {r[1] for r in conn.execute("PRAGMA table_info(quarantine)")}
        scope = Scope(role="supervisor", centre_ids=frozenset(), county_ids=frozenset({"k1"}))
        [entry] = in_scope(conn, scope, "open", None, 10)
        assert entry["op_id"] == "op-old" and entry["details"] == {}
    finally:
        conn.close()


def test_quarantine_list_masks_applicants_numbers_and_release_keeps_them_whole(
        device: Any, client: TestClient) -> None:
    d, sup1 = device("f1"), device("sup1")
    d.sync()
    revoke(client, d, sup1)
    idn, tel = "110105198001011234", "13812345678"
    # One op by leaf paths (as the phone sends them), one with the person whole.
    by_leaf = d.op("visits", "v-leaf", visit(**{"applicant.name": "王芳", "applicant.id_number": idn,
                                                 "applicant.phone": tel}))
    whole = d.op("visits", "v-whole", visit(applicant={"name": "李强", "id_number": idn,
                                                       "phone": tel}))
    r = client.post(SYNC, json={"clock": d.clock(), "ops": [by_leaf, whole]}, headers=d.headers)
    assert r.status_code == 401
    entries = {e["op_id"]: e["op"]["set"] for e in listing(client, sup1)}
    leaf, person = entries[by_leaf["id"]], entries[whole["id"]]
    assert leaf["applicant.id_number"] == "110105********1234"
    assert leaf["applicant.phone"] == "138****5678" and leaf["applicant.name"] == "王芳"
    assert person["applicant"] == {"name": "李强", "id_number": "110105********1234",
                                   "phone": "138****5678"}
    assert leaf["kind"] == "home_service"  # the rest as sent
    # Whole when a reviewer asks with a reason, audited first; a supervisor without one, or
    # a reason too long, is refused.
    r = client.get("/api/v1/quarantine?unmasked=1", headers=sup1.headers)
    assert r.status_code == 403 and r.json()["error"]["details"] == {"field": "reason"}
    r = client.get(f"/api/v1/quarantine?unmasked=1&reason={'x' * 201}", headers=sup1.headers)
    assert r.status_code == 400 and r.json()["error"]["details"] == {"field": "reason"}
    assert one(client, "SELECT count(*) FROM audit WHERE action='quarantine_unmasked'")[0] == 0
    r = client.get("/api/v1/quarantine?unmasked=1&reason=核对身份证号", headers=sup1.headers)
    assert r.status_code == 200
    shown = {e["op_id"]: e["op"]["set"] for e in r.json()["quarantine"]}
    assert shown[by_leaf["id"]]["applicant.id_number"] == idn
    assert shown[whole["id"]]["applicant"]["phone"] == tel
    row = one(client, "SELECT user_id, details FROM audit WHERE action='quarantine_unmasked'")
    assert row[0] == sup1.user["id"] and "核对身份证号" in row[1] and by_leaf["id"] in row[1]
    # Released, the op is applied as it was sent, whole.
    for op, rid in ((by_leaf, "v-leaf"), (whole, "v-whole")):
        r = client.post(f"/api/v1/quarantine/{op['id']}/release", headers=sup1.headers)
        assert r.status_code == 200 and r.json()["status"] == "applied", r.text
        assert one(client, "SELECT json_extract(data, '$.applicant.id_number'),"
                           " json_extract(data, '$.applicant.phone') FROM records WHERE id=?",
                   rid) == (idn, tel)
