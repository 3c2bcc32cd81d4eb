"""Workspace lists and boards: paged, filtered, scoped, masked, with the township's name."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from server.clock import now_ms
from server.masking import mask_id, mask_phone, mask_record
from tests.test_api_reports import at, write

RECORDS = "/api/v1/records"
DAY = 86_400_000
PERSON = {"name": "王小明", "id_number": "110105198001011234", "phone": "13812345678"}


def cases(client: TestClient, n: int, centre: str = "c1", **extra: Any) -> None:
    m = {"name": "营业执照", "county_id": "k1", "kind": "time_limited", "time_limit_days": 5}
    write(client, [("matters", "m1", m, at("2026-09-01"))])
    write(client, [("cases", f"{centre}-case{i}", {
        "centre_id": centre, "matter_id": "m1", "status": "handling", "applicant": PERSON,
        "accepted_at": at("2026-10-12"), **extra}, at("2026-10-12")) for i in range(n)])


def get(client: TestClient, url: str, headers: dict[str, str], **params: Any) -> Any:
    r = client.get(url, params=params, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_masking_keeps_the_ends_only() -> None:
    assert mask_id("110105198001011234") == "110105********1234"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id("12345") == "*****" and mask_phone("110") == "***"
    doc = mask_record({"applicant": PERSON, "notes": "x"})
    assert doc["applicant"] == {"name": "王小明", "id_number": "110105********1234",
                                "phone": "138****5678"} and doc["notes"] == "x"


def test_lists_page_through_every_record_once(client: TestClient, device: Any) -> None:
    cases(client, 7)
    sup = device("sup1")
    seen: list[str] = []
    doc = get(client, f"{RECORDS}/cases", sup.headers, limit=3)
    pages = 1
    while True:
        seen += [i["id"] for i in doc["items"]]
        if doc["next"] is None:
            break
        doc = get(client, f"{RECORDS}/cases", sup.headers, limit=3, cursor=doc["next"])
        pages += 1
    assert pages == 3 and sorted(seen) == sorted(f"c1-case{i}" for i in range(7))
    assert len(set(seen)) == 7
    item = get(client, f"{RECORDS}/cases", sup.headers, limit=1)["items"][0]
    assert item["centre_id"] == "c1" and item["centre_name"] == "城关镇"
    assert item["data"]["applicant"]["id_number"] == "110105********1234"
    assert item["data"]["applicant"]["phone"] == "138****5678"
    assert "13812345678" not in client.get(f"{RECORDS}/cases", headers=sup.headers).text


def test_lists_filter_by_status_overdue_due_and_text(client: TestClient, device: Any) -> None:
    cases(client, 2)
    write(client, [("cases", "done1", {"centre_id": "c1", "matter_id": "m1", "status": "completed",
                                       "accepted_at": at("2026-10-12"),
                                       "completed_at": at("2026-10-13"), "notes": "加急件"},
                    at("2026-10-13"))])
    sup = device("sup1")
    ids = lambda **p: sorted(i["id"] for i in get(client, f"{RECORDS}/cases", sup.headers, **p)["items"])  # noqa: E731
    assert ids(status="completed") == ["done1"]
    assert ids(overdue="1") == ["c1-case0", "c1-case1"]  # due 19 Oct, still handling
    assert ids(overdue="0") == ["done1"]
    assert ids(due_before="2026-10-19") == []
    assert ids(due_before="2026-10-20") == ["c1-case0", "c1-case1", "done1"]
    assert ids(q="加急") == ["done1"]
    assert ids(q="王小明") == ["c1-case0", "c1-case1"]
    assert ids(q="1101051980") == []  # ID numbers are never searched
    assert ids(status="open") == []  # a complaint's status: nothing among cases


def test_lists_are_scoped_and_refuse_bad_input(client: TestClient, device: Any) -> None:
    cases(client, 1, "c1")
    cases(client, 1, "c2")
    f2, sup2 = device("ctr1"), device("sup2")  # centre staff of c1 (field staff get 403)
    assert [i["id"] for i in get(client, f"{RECORDS}/cases", f2.headers)["items"]] == ["c1-case0"]
    assert get(client, f"{RECORDS}/cases", sup2.headers)["items"] == []
    r = client.get(f"{RECORDS}/cases", params={"centre_id": "c2"}, headers=f2.headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    for params, field in (({"status": "nope"}, "status"), ({"overdue": "maybe"}, "overdue"),
                          ({"due_before": "2026-02-30"}, "due_before"),
                          ({"due_before": "tomorrow"}, "due_before"), ({"cursor": "x"}, "cursor"),
                          ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"),
                          ({"q": "x" * 101}, "q")):
        r = client.get(f"{RECORDS}/cases", params=params, headers=f2.headers)
        assert r.status_code == 400, params
        assert r.json()["error"]["details"]["field"] == field
    for name in ("centres", "users", "nothing"):
        r = client.get(f"{RECORDS}/{name}", headers=f2.headers)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    assert client.get(f"{RECORDS}/cases").status_code == 401


def test_boards_list_open_work_soonest_due_first(client: TestClient, device: Any) -> None:
    now = now_ms()
    cases(client, 1)  # due 19 Oct: overdue
    write(client, [
        ("cases", "soon", {"centre_id": "c2", "matter_id": "m1", "status": "accepted",
                           "accepted_at": now - 4 * DAY}, now - 4 * DAY),
        ("cases", "later", {"centre_id": "c1", "matter_id": "m1", "status": "accepted",
                            "accepted_at": now - 1000}, now - 1000),
        ("complaints", "waiting", {"centre_id": "c2", "content": "排队太久", "status": "open",
                                   "received_at": now - DAY, "complainant": PERSON}, now - DAY),
        ("complaints", "replied", {"centre_id": "c2", "content": "x", "status": "replied",
                                   "received_at": now - DAY, "reply": "好"}, now - DAY),
        # due_at is computed from due_days working days after the order
        ("rectifications", "r1", {"centre_id": "c1", "inspection_id": "i1", "status": "open",
                                  "due_days": 5}, now),
        ("rectifications", "r0", {"centre_id": "c2", "inspection_id": "i1", "status": "responded",
                                  "due_days": 1}, now),
        ("rectifications", "r9", {"centre_id": "c2", "inspection_id": "i1", "status": "verified",
                                  "due_days": 1}, now),
    ])
    sup = device("sup1")
    board = get(client, "/api/v1/boards/overdue", sup.headers, within_days=30)
    ids = [i["id"] for i in board["items"]]
    assert ids[0] == "c1-case0" and "soon" in ids and "later" in ids
    first = board["items"][0]
    assert first["overdue"] is True and first["centre_name"] == "城关镇"
    assert first["accountability"] == []
    assert first["data"]["applicant"]["id_number"] == "110105********1234"
    # within_days=0: only what is due by now
    assert [i["id"] for i in get(client, "/api/v1/boards/overdue", sup.headers,
                                 within_days=0)["items"]] == ["c1-case0"]
    page1 = get(client, "/api/v1/boards/overdue", sup.headers, within_days=30, limit=1)
    page2 = get(client, "/api/v1/boards/overdue", sup.headers, within_days=30, limit=1,
                cursor=page1["next"])
    assert [page1["items"][0]["id"], page2["items"][0]["id"]] == ids[:2]
    rect = get(client, "/api/v1/boards/rectifications", sup.headers)
    assert [i["id"] for i in rect["items"]] == ["r0", "r1"]
    comp = get(client, "/api/v1/boards/complaints", sup.headers)
    assert [i["id"] for i in comp["items"]] == ["waiting"]
    assert comp["items"][0]["centre_name"] == "石桥镇"
    assert comp["items"][0]["data"]["complainant"]["phone"] == "138****5678"
    ctr1 = device("ctr1")  # centre staff of c1: their centre's board (field staff get 403)
    assert [i["id"] for i in get(client, "/api/v1/boards/rectifications", ctr1.headers)["items"]] \
        == ["r1"]
    r = client.get("/api/v1/boards/overdue", params={"cursor": "12"}, headers=sup.headers)
    assert r.status_code == 400


def test_conflicts_inbox_pages_with_townships(client: TestClient, device: Any) -> None:
    a, b, sup = device("f1"), device("f1b"), device("sup1")
    for n in range(3):
        rec = f"visit-{n}"
        a.sync([a.op("visits", rec, {"centre_id": "c1", "kind": "home_service"})])
        b.sync()
        base = b.versions[("visits", rec)]
        a.sync([a.op("visits", rec, {"notes": "A"}, base=base)])
        b.sync([b.op("visits", rec, {"notes": "B"}, base=base)])
    url = "/api/v1/conflicts"
    first = get(client, url, sup.headers, limit=2)
    assert len(first["conflicts"]) == 2 and first["next"]
    assert {c["centre_name"] for c in first["conflicts"]} == {"城关镇"}
    rest = get(client, url, sup.headers, limit=2, cursor=first["next"])
    assert len(rest["conflicts"]) == 1 and rest["next"] is None
    every = {c["id"] for c in first["conflicts"] + rest["conflicts"]}
    assert len(every) == 3
    assert get(client, url, device("sup2").headers)["conflicts"] == []
    r = client.get(url, params={"cursor": "x.y"}, headers=sup.headers)
    assert r.status_code == 400


def test_lists_follow_edits_and_deletions(client: TestClient, device: Any) -> None:
    f1, sup = device("f1"), device("sup1")
    f1.sync([f1.op("visits", "v1", {"centre_id": "c1", "kind": "home_service", "status": "planned"})])
    f1.sync([f1.op("visits", "v1", {"status": "done"})])
    assert [i["data"]["status"] for i in get(client, f"{RECORDS}/visits", sup.headers)["items"]] \
        == ["done"]
    assert get(client, f"{RECORDS}/visits", sup.headers, status="planned")["items"] == []
    f1.sync([f1.op("visits", "v1", delete=True)])
    assert get(client, f"{RECORDS}/visits", sup.headers)["items"] == []


def test_lists_facts_are_rebuilt_for_an_older_database(county_db: str) -> None:
    import sqlite3
    from contextlib import closing

    from server.app import create_app
    from server.config import Config
    from server.store.sqlite import connect, migrate

    with TestClient(create_app(Config(db=county_db))) as c:
        cases(c, 2)
    with closing(sqlite3.connect(county_db)) as conn, conn:
        conn.execute("DROP TABLE facts")
    with closing(connect(county_db)) as conn:
        migrate(conn)
        assert conn.execute("SELECT count(*) FROM facts WHERE collection='cases'").fetchone()[0] == 2


def test_boards_overdue_rows_carry_their_accountability(client: TestClient, device: Any) -> None:
    from server.jobs.sweep import sweep

    cases(client, 1)  # due 19 October, still handling
    fs = client.app.state.fs  # type: ignore[attr-defined]
    assert sweep(fs.writer, now_ms())["accountability"] >= 1
    sup = device("sup1")
    [row] = get(client, "/api/v1/boards/overdue", sup.headers, within_days=0)["items"]
    [record] = row["accountability"]
    assert record["kind"] == "overdue_case" and record["subject"]["record"] == row["id"]
    assert record["status"] == "open"
    listed = get(client, f"{RECORDS}/accountability", sup.headers)["items"]
    assert [i["data"]["subject"]["record"] for i in listed] == [row["id"]]
    r = client.get("/api/v1/exports/accountability.csv", headers=sup.headers)
    assert r.status_code == 200 and "办件超期" in r.content.decode("utf-8-sig")
