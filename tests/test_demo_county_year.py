"""The seeded demo county (``fieldsync demo``) on real SQLite, through the server's own
reports: twelve months of work in every month, inspections and rectifications in every
state, a monthly assessment with eligible and ineligible centres, an overview and a trend
that tell the townships apart, awards at every stage of the flow, work against the clock
(open cases near and past due, supplements, refusals, complaints in every state,
accountability open, explained and closed, call-backs due, notifications; complaints sent
back, overdue or not, dismissed with a reason, reopened, entered after the fact; refused ops
in the supervisor's quarantine queue), and applicants that are real-looking people, not
placeholders."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.clock import now_ms
from server.config import Config
from server.demo import seed
from server.demo.data import DEMO_PASSWORD, DemoCounty, build_demo
from sync.deadlines import add_working_days, due_ms, local_date
from sync.schema import load

CST = dt.timezone(dt.timedelta(hours=8))
AWARD_FLOW = {"nominated", "leader_signed", "supervision_reviewed", "group_reviewed", "decided",
              "notice", "awarded", "rejected", "withdrawn"}
PLACEHOLDER = re.compile(r"某|测试|test|xxx|样例|示例|张三|李四|王五|lorem|待填|未知|\?", re.I)


@pytest.fixture(scope="module")
def county() -> DemoCounty:
    return build_demo()


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory, county: DemoCounty) -> str:
    db = str(tmp_path_factory.mktemp("demo") / "demo.db")
    seed(db, county)
    return db


@pytest.fixture(scope="module")
def conn(demo_db: str) -> Iterator[sqlite3.Connection]:
    c = sqlite3.connect(demo_db)
    yield c
    c.close()


@pytest.fixture(scope="module")
def api(demo_db: str) -> Iterator[tuple[TestClient, dict[str, str]]]:
    with TestClient(create_app(Config(db=demo_db))) as client:
        r = client.post("/api/v1/auth/login", json={
            "username": "supervisor", "password": DEMO_PASSWORD, "device_name": "demo test"})
        assert r.status_code == 200, r.text
        yield client, {"Authorization": f"Bearer {r.json()['token']}"}


def months_back(n: int) -> str:
    """``YYYY-MM`` of the month ``n`` months before this one (China time)."""
    today = dt.datetime.fromtimestamp(now_ms() / 1000, CST).date()
    y, m = divmod(today.year * 12 + today.month - 1 - n, 12)
    return f"{y}-{m + 1:02d}"


def statuses(conn: sqlite3.Connection, collection: str) -> dict[str, int]:
    return dict(conn.execute("SELECT json_extract(data,'$.status'), count(*) FROM records"
                             " WHERE collection=? AND deleted=0 GROUP BY 1", (collection,)))


def test_demo_county_has_work_in_each_of_the_last_12_months(conn: sqlite3.Connection) -> None:
    wanted = {months_back(n) for n in range(1, 13)}
    for collection, extra in (("cases", "AND status='completed'"),
                              ("visits", "AND kind='home_service'"),
                              ("inspections", "AND status='approved'"), ("evaluations", "")):
        found = dict(conn.execute(
            "SELECT strftime('%Y-%m', coalesce(done, at) / 1000, 'unixepoch', '+8 hours'),"
            f" count(*) FROM facts WHERE collection=? {extra} GROUP BY 1", (collection,)))
        low = {m: found.get(m, 0) for m in wanted if found.get(m, 0) < 10}
        assert not low, (collection, low)


def test_demo_county_inspections_in_every_state_scored_by_the_server(conn: sqlite3.Connection) -> None:
    assert {"draft", "submitted", "returned", "approved"} <= set(statuses(conn, "inspections"))
    rows = [(json.loads(d), status) for d, status in conn.execute(
        "SELECT data, json_extract(data,'$.status') FROM records WHERE collection='inspections'")]
    standard = [d for d, _s in rows if d["template_id"] == "tpl-window-standard"]
    assert standard and all(isinstance(d["score"], float | int) for d in standard)
    assert len({d["score"] for d in standard}) > 20  # scores differ, not one canned figure
    approved = [d for d, s in rows if s == "approved"]
    assert any(d["vetoed"] for d in approved) and any(not d["vetoed"] for d in approved)
    returned = [d for d, s in rows if s == "returned"]
    for d in returned:  # the comment is pinned to items of the inspection
        assert d["review"]["comment"] and set(d["review"]["item_ids"]) <= set(d["items"])
    assert any(len(d.get("reviews") or {}) == 2 for d in approved)  # returned, then approved


def test_demo_county_rectifications_in_every_state(conn: sqlite3.Connection) -> None:
    assert {"open", "overdue", "responded", "verified", "failed"} <= set(statuses(conn, "rectifications"))
    flagged = conn.execute("SELECT count(*) FROM records WHERE collection='rectifications'"
                           " AND json_extract(data,'$.overdue')=1"
                           " AND json_extract(data,'$.status') IN ('open','overdue')").fetchone()[0]
    assert flagged >= 2
    kinds = {k for (k,) in conn.execute(
        "SELECT DISTINCT json_extract(data,'$.kind') FROM records WHERE collection='accountability'")}
    assert {"overdue_case", "overdue_complaint", "overdue_rectification"} <= kinds


def test_demo_county_last_months_assessment_has_eligible_and_ineligible_centres(
        api: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = api
    r = client.get(f"/api/v1/reports/assessment?month={months_back(1)}", headers=headers)
    assert r.status_code == 200, r.text
    centres = r.json()["centres"]
    assert len(centres) == 12 and all(c["inspections"] >= 1 for c in centres)
    eligible = [c for c in centres if c["eligible"]]
    assert eligible and all(c["score"] >= 90 and not c["vetoed"] for c in eligible)
    assert any(c["vetoed"] for c in centres)
    assert any(not c["vetoed"] and c["score"] < 90 for c in centres)


def test_demo_county_overview_and_trend_tell_the_townships_apart(
        api: tuple[TestClient, dict[str, str]]) -> None:
    client, headers = api
    r = client.get(f"/api/v1/reports/overview?month={months_back(1)}", headers=headers)
    assert r.status_code == 200, r.text
    rows = r.json()["centres"]
    assert len(rows) == 12 and all(c["cases_completed"] > 0 for c in rows)
    assert sum(c["home_visits"] for c in rows) > 0
    assert all(c["inspection_score"] is not None for c in rows)
    assert len({c["on_time_rate"] for c in rows}) > 1
    assert next(c for c in rows if c["centre_id"] == "c07")["on_time_rate"] < 1
    r = client.get(f"/api/v1/reports/trend?month={months_back(1)}&months=12", headers=headers)
    assert r.status_code == 200, r.text
    trend = r.json()
    assert trend["months"] == [months_back(n) for n in range(12, 0, -1)]
    series = {c["centre_id"]: c["series"] for c in trend["centres"]}
    for n in range(12):
        assert sum(s["cases_completed"][n] for s in series.values()) > 100
        assert sum(s["home_visits"][n] for s in series.values()) > 0
        assert all(s["inspection_score"][n] is not None for s in series.values())

    def year(figure: str, centre: str) -> float:
        values = [v for v in series[centre][figure] if v is not None]
        return sum(values) / len(values)

    # The best-run township beats the worst-run one over the year on every measure.
    assert year("on_time_rate", "c01") > year("on_time_rate", "c07")
    assert year("satisfaction_rate", "c01") > year("satisfaction_rate", "c07") + 0.1
    assert year("inspection_score", "c01") > year("inspection_score", "c07") + 8
    assert len({round(year("on_time_rate", c), 3) for c in series}) >= 6


def test_demo_county_awards_at_every_stage_of_the_flow(
        conn: sqlite3.Connection, api: tuple[TestClient, dict[str, str]]) -> None:
    now = now_ms()
    awards = [json.loads(d) for (d,) in conn.execute(
        "SELECT data FROM records WHERE collection='awards'")]
    by = {a["status"]: a for a in awards}
    assert set(by) == AWARD_FLOW
    notice = by["notice"]
    assert notice["notice_started_at"] <= now < notice["notice_ends_at"]
    awarded = by["awarded"]
    assert awarded["notice_ends_at"] < awarded["awarded_at"] < now
    assert awarded["expires_at"] > now and awarded["recheck_due"] is False
    assert by["rejected"]["rejected_reason"] and by["withdrawn"]["recheck"]["passed"] is False
    # Every one was nominated for a month its window was eligible in (the server checks it
    # when the nomination is applied); the in-progress ones are about recent months.
    client, headers = api
    for a in awards:
        r = client.get(f"/api/v1/reports/assessment?month={a['period']}&centre_id={a['centre_id']}",
                       headers=headers)
        window = next(w for w in r.json()["centres"][0]["windows"] if w["window_id"] == a["window_id"])
        assert window["eligible"], a
    assert by["nominated"]["period"] in (months_back(1), months_back(2))


def test_demo_county_has_work_against_the_clock(conn: sqlite3.Connection) -> None:
    def count(sql: str, *args: object) -> int:
        return int(conn.execute(sql, args).fetchone()[0])

    now = now_ms()
    cases = "SELECT count(*) FROM records WHERE collection='cases' AND "
    assert count(cases + "json_extract(data,'$.overdue')=1 AND json_extract(data,'$.status')"
                 " IN ('accepted','handling')") >= 6
    assert count(cases + "json_extract(data,'$.status') IN ('accepted','handling')"
                 " AND json_extract(data,'$.overdue')=0 AND json_extract(data,'$.due_at') < ?",
                 now + 3 * 86_400_000) >= 1  # due soon
    assert count(cases + "json_extract(data,'$.status')='supplement'"
                 " AND json_array_length(data,'$.missing_materials') > 0") >= 6
    assert count(cases + "json_extract(data,'$.status')='refused'"
                 " AND length(json_extract(data,'$.refusal_reason')) > 0") >= 1
    assert count(cases + "json_extract(data,'$.status')='returned'"
                 " AND length(json_extract(data,'$.return_reason')) > 0") >= 6
    # Every refusal and return has the reason its notice prints, in Chinese punctuation.
    for status, reason in (("refused", "refusal_reason"), ("returned", "return_reason")):
        texts = [t for (t,) in conn.execute(
            f"SELECT json_extract(data,'$.{reason}') FROM records WHERE collection='cases'"
            " AND json_extract(data,'$.status')=?", (status,))]
        assert texts and all(isinstance(t, str) and t.strip() for t in texts), status
        assert not [t for t in texts if re.search(r"[\u4e00-\u9fff][,:]", t)], status
    assert count(cases + "json_extract(data,'$.callback_due') > ?", now) >= 1
    assert set(statuses(conn, "complaints")) == {"open", "replied", "verified", "dismissed"}
    acc = statuses(conn, "accountability")
    assert set(acc) == {"open", "explained", "closed"}
    assert count("SELECT count(*) FROM records WHERE collection='accountability'"
                 " AND json_extract(data,'$.status')='explained'"
                 " AND length(json_extract(data,'$.explanation')) > 0") == acc["explained"]
    # Found as a server sweeping all along would have: the morning after the deadline (or now),
    # never before it; open ones are the recent ones; closed ones carry the county's conclusion.
    for due, found, status, conclusion in conn.execute(
            "SELECT json_extract(data,'$.due_at'), json_extract(data,'$.detected_at'),"
            " json_extract(data,'$.status'), json_extract(data,'$.conclusion') FROM records"
            " WHERE collection='accountability'"):
        assert due < found <= min(due + 2 * 86_400_000, now), (due, found)
        assert status != "open" or found > now - 4 * 86_400_000, (status, found)
        assert status != "closed" or conclusion, status
    kinds = {k for (k,) in conn.execute(
        "SELECT DISTINCT json_extract(data,'$.kind') FROM records WHERE collection='notifications'")}
    assert {"assigned", "overdue", "reopened"} <= kinds
    # Complaints whose reply the supervisor sent back: open again, with the reason.
    assert count("SELECT count(*) FROM records WHERE collection='complaints'"
                 " AND json_extract(data,'$.status')='open'"
                 " AND json_extract(data,'$.verification.passed')=0"
                 " AND length(json_extract(data,'$.verification.comment')) > 0") >= 2
    # Each notification belongs to one person: it is pulled by its owner only.
    assert count("SELECT count(*) FROM records WHERE collection='notifications'"
                 " AND (owner_id IS NULL OR owner_id != json_extract(data,'$.user_id'))") == 0


def _people(conn: sqlite3.Connection) -> Iterator[tuple[str, dict[str, Any]]]:
    for coll, rid, data in conn.execute(
            "SELECT collection, id, data FROM records WHERE collection IN ('cases','visits','complaints')"):
        doc = json.loads(data)
        for key in ("applicant", "complainant"):
            if key in doc:
                yield f"{coll}/{rid}.{key}", doc[key]


def test_demo_county_applicants_are_real_looking_people(conn: sqlite3.Connection) -> None:
    seen = 0
    for where, person in _people(conn):
        assert re.fullmatch(r"[\u4e00-\u9fff]{2,4}", person["name"]), where
        for value in person.values():
            assert not PLACEHOLDER.search(str(value)), (where, value)
        if "id_number" in person:
            assert re.fullmatch(r"\d{17}[\dX]", person["id_number"]), where
        if "phone" in person:
            assert re.fullmatch(r"1[3-9]\d{9}", person["phone"]), where
        seen += 1
    assert seen > 5000
    for (address,) in conn.execute("SELECT json_extract(data,'$.address') FROM records"
                                   " WHERE collection='visits'"):
        assert re.fullmatch(r"青山县[\u4e00-\u9fff]+村\d+组\d+号", address), address



def test_demo_county_complaints_have_legal_histories(conn: sqlite3.Connection,
                                                    county: DemoCounty) -> None:
    """The demo quarantines nothing but the refusals it means to show, and every complaint's
    state is reached by a path of the lifecycle that the roles may take (verified by a
    supervisor), each step passing the schemas' rules on the record's data (dismissed and
    verified ones carry their reply)."""
    from sync.rights import enforce
    from tests.support.devicesim import flatten

    assert sorted(conn.execute("SELECT op_id, code FROM quarantine")) == sorted(
        (s.id, s.refused) for s in county.refusals)
    rules = load().collection("complaints").rules
    computed = load().collection("complaints").computed  # the server's, never a device's write
    table = rules.transitions["status"]

    def path_to(goal: str) -> list[str]:
        paths, seen = [[""]], {""}
        while paths:
            path = paths.pop(0)
            if path[-1] == goal:
                return path[1:]
            for nxt in table.get(path[-1], ()):
                if nxt not in seen:
                    seen.add(nxt)
                    paths.append([*path, nxt])
        raise AssertionError(f"no path to {goal!r}")

    rows = conn.execute("SELECT id, data FROM records WHERE collection='complaints'").fetchall()
    assert len(rows) > 50
    for rid, raw in rows:
        data = {k: v for k, v in flatten(json.loads(raw)).items() if k.split(".")[0] not in computed}
        review = {k: v for k, v in data.items() if k == "verified" or k.startswith("verification.")}
        own = {k: v for k, v in data.items() if k not in review}
        stored: dict[str, Any] | None = None
        for step in path_to(data.get("status") or "open"):
            # the centre's fields with its first state; a supervisor's with the verification
            role = "supervisor" if step == "verified" else "centre"
            writes = {**(own if stored is None else {}), **(review if role == "supervisor" else {}),
                      "status": step}
            merged = {**(stored or {}), **writes}
            enforce(rules, role, stored, writes, merged=merged)  # raises on an illegal step
            stored = merged
        if review and data.get("status") != "verified":  # a supervisor's look at a dismissal
            enforce(rules, "supervisor", stored, review, merged={**(stored or {}), **review})
        assert (rid, stored and stored.get("status")) == (rid, data.get("status") or "open")


def test_demo_county_edits_make_no_conflicts_and_accepted_cases_are_numbered(
        conn: sqlite3.Connection) -> None:
    """The demo's own edits (explanations, closings, send-backs, overdue orders) are made on
    the versions their people would have seen, so no phone opens on a flood of false
    conflicts; every accepted case can print its 受理通知书 with a number."""
    assert conn.execute("SELECT collection, count(*) FROM conflicts GROUP BY collection").fetchall() == []
    unnumbered = accepted = 0
    for (data,) in conn.execute("SELECT data FROM records WHERE collection='cases' AND deleted=0"):
        doc = json.loads(data)
        if doc.get("status") in ("accepted", "supplement", "handling", "completed"):
            accepted += 1
            unnumbered += not (doc.get("notice_numbers") or {}).get("acceptance")
    assert accepted > 1000 and unnumbered == 0, (accepted, unnumbered)


def _doc(conn: sqlite3.Connection, collection: str, rid: str) -> dict[str, Any]:
    return dict(json.loads(conn.execute("SELECT data FROM records WHERE collection=? AND id=?",
                                        (collection, rid)).fetchone()[0]))


def _accountability_of(conn: sqlite3.Connection, rid: str) -> list[tuple[str, dict[str, Any]]]:
    return [(aid, json.loads(d)) for aid, d in conn.execute(
        "SELECT id, data FROM records WHERE collection='accountability'"
        " AND json_extract(data,'$.subject.record')=?", (rid,))]


def test_demo_county_sent_back_complaints_owe_a_new_reply(conn: sqlite3.Connection,
                                                          county: DemoCounty) -> None:
    """Replies the supervisor sent back (replied → open, verification.passed false) owe a new
    one five working days after the send-back (``reopened_at``, the send-back's corrected
    time): some sent back a week and more ago are overdue, each with its one accountability
    record (``acc-complaints-<id>``, due at the new deadline), others sent back lately are
    still within it; 城关镇 (c01), the centre login the demo prints first, has both."""
    now = now_ms()
    late: list[str] = []
    within: list[str] = []
    steps = [s for s in county.activity if s.set.get("verification.passed") is False]
    for step in steps:
        doc = _doc(conn, "complaints", step.record)
        assert doc["status"] == "open" and doc["verification"]["passed"] is False
        assert doc["verification"]["comment"] == step.set["verification.comment"]
        assert doc["verification"]["at"] == doc["reopened_at"] == step.at
        assert doc["answered_at"] is None and doc["replied_at"] < step.at  # the first reply kept
        assert doc["reply_due"] == due_ms(step.at, 5)
        accounts = _accountability_of(conn, step.record)
        if doc["reply_due"] < now:
            assert doc["overdue"] is True
            assert [(aid, a["kind"], a["due_at"]) for aid, a in accounts] == [
                (f"acc-complaints-{step.record}", "overdue_complaint", doc["reply_due"])]
            late.append(doc["centre_id"])
        else:
            assert doc["overdue"] is False and accounts == []
            within.append(doc["centre_id"])
    assert len(late) >= 2 and len(within) >= 2
    assert "c01" in late and "c01" in within


def test_demo_county_dismissals_with_reasons_and_one_reopened(conn: sqlite3.Connection,
                                                              county: DemoCounty) -> None:
    """A centre's 不予受理 (open → dismissed) keeps its reason as the reply, answered when it
    was made; a dismissal the centre reopened (dismissed → open) waits for a new reply due
    five working days after the reopening, the old reason still there to read."""
    now = now_ms()
    reopen = {s.record: s for s in county.activity if s.set == {"status": "open"}}
    dismissals = [s for s in county.activity if s.set.get("status") == "dismissed"]
    standing = [s for s in dismissals if s.record not in reopen]
    assert standing and reopen and set(reopen) <= {s.record for s in dismissals}
    for step in standing:
        doc = _doc(conn, "complaints", step.record)
        assert doc["status"] == "dismissed" and doc["reply"] == step.set["reply"]
        assert doc["answered_at"] == doc["replied_at"] == step.at
        assert doc["reopened_at"] is None and doc["overdue"] is False
    for rid, step in reopen.items():
        doc = _doc(conn, "complaints", rid)
        reason = next(s.set["reply"] for s in dismissals if s.record == rid)
        assert doc["status"] == "open" and doc["reply"] == reason and "verification" not in doc
        assert doc["reopened_at"] == step.at and doc["answered_at"] is None
        assert doc["reply_due"] == due_ms(step.at, 5) > now and doc["overdue"] is False
        assert _accountability_of(conn, rid) == []


def test_demo_county_complaint_entered_after_the_fact(conn: sqlite3.Connection,
                                                      county: DemoCounty) -> None:
    """A letter entered at the window days after it came in keeps its earlier ``received_at``
    (sent with the intake op), and its reply is due from that, not from the intake."""
    steps = [s for s in county.activity if "received_at" in s.set]
    assert steps
    for step in steps:
        doc = _doc(conn, "complaints", step.record)
        assert doc["received_at"] == step.set["received_at"]
        assert add_working_days(local_date(doc["received_at"]), 2) <= local_date(step.at)
        assert doc["reply_due"] == due_ms(doc["received_at"], 5) < due_ms(step.at, 5)
        assert doc["status"] == "open" and doc["reopened_at"] is None


def _login(client: TestClient, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/login", json={
        "username": username, "password": DEMO_PASSWORD, "device_name": "demo test"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def test_demo_county_centre_worker_pulls_each_complaint_state(
        api: tuple[TestClient, dict[str, str]], conn: sqlite3.Connection,
        county: DemoCounty) -> None:
    """The c01 centre login's phone pulls, in its own centre, a complaint in each state the
    demo's people left (sent back and overdue, sent back within its new deadline, dismissed
    with its reason, a dismissal reopened, a letter entered late) as the store holds it,
    with the overdue one's accountability record and a ``reopened`` notification of each
    send-back."""
    client, _ = api
    headers = _login(client, "c01-centre")
    pulled: dict[tuple[str, str], dict[str, Any]] = {}
    cursor = None
    while True:
        r = client.post("/api/v1/sync", headers=headers,
                        json={"cursor": cursor, "ops": [], "limit": 5000})
        assert r.status_code == 200, r.text
        body = r.json()
        pulled.update({(c["collection"], c["record"]): c["data"] for c in body["changes"]})
        cursor = body["cursor"]
        if not body["more"]:
            break
    reopened = {s.record for s in county.activity if s.set == {"status": "open"}}
    kinds = {
        "sent back, overdue": [s for s in county.activity
                               if s.set.get("verification.passed") is False],
        "sent back, within": [s for s in county.activity
                              if s.set.get("verification.passed") is False],
        "dismissed": [s for s in county.activity if s.set.get("status") == "dismissed"
                      and s.record not in reopened],
        "reopened": [s for s in county.activity if s.record in reopened],
        "entered late": [s for s in county.activity if "received_at" in s.set]}
    for kind, steps in kinds.items():
        got = {s.record: pulled[("complaints", s.record)] for s in steps
               if ("complaints", s.record) in pulled}
        if kind.startswith("sent back"):
            got = {rid: d for rid, d in got.items() if d["overdue"] == kind.endswith("overdue")}
        assert got, kind
        for rid, doc in got.items():
            assert doc["centre_id"] == "c01" and doc == _doc(conn, "complaints", rid), kind
            if doc["overdue"]:
                assert ("accountability", f"acc-complaints-{rid}") in pulled
    told = {d["subject"]["record"] for (coll, _r), d in pulled.items()
            if coll == "notifications" and d["kind"] == "reopened"}
    sent_back = {s.record for s in kinds["sent back, overdue"]}
    assert {rid for (coll, rid) in pulled if coll == "complaints" and rid in sent_back} <= told


def test_demo_county_quarantine_queue_has_refusals_with_details(
        api: tuple[TestClient, dict[str, str]], conn: sqlite3.Connection,
        county: DemoCounty) -> None:
    """The supervisor's quarantine queue holds a field worker's refused status change
    (``invalid_transition`` with path, from, to and allowed) and a refused late extension
    (``invalid`` at ``extension`` with the deadline it came after), filed under the county
    and sent by demo users; neither changed its case."""
    client, headers = api
    r = client.get("/api/v1/quarantine", headers=headers)
    assert r.status_code == 200, r.text
    queue = {q["op_id"]: q for q in r.json()["quarantine"]}
    assert set(queue) == {s.id for s in county.refusals}
    codes = {s.refused for s in county.refusals}
    assert codes == {"invalid_transition", "invalid"}
    for step in county.refusals:
        q = queue[step.id]
        assert (q["code"], q["collection"], q["record"], q["county_id"], q["status"]) == (
            step.refused, step.collection, step.record, county.county_id, "open")
        assert q["username"] == step.user_id.removeprefix("u-") and q["op"]["set"] == step.set
        case = _doc(conn, "cases", step.record)
        if step.refused == "invalid_transition":
            allowed = load().collection("cases").rules.transitions["status"]["handling"]
            assert q["details"] == {"path": "status", "from": "handling", "to": "refused",
                                    "allowed": list(allowed)}
            assert case["status"] == "handling" and "refusal_reason" not in case
        else:
            assert q["details"] == {"path": "extension", "due_at": case["due_at"]}
            assert case["due_at"] < step.at and case["overdue"] is True
            assert "extension" not in case

