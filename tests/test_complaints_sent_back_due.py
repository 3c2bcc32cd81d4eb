"""A complaint sent back for a new reply (replied → open) owes that reply within five working
days of the send-back, and falls overdue (computed, and by the sweep) when none comes by then.

The send-back's time is the server's (the op's corrected time, whatever the workspace's clock
says); the first ``replied_at`` is kept; ``reopened_at`` and ``answered_at`` are server-kept
computed fields (``sync.cases.track_reply``); a subject keeps its one accountability record."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from server.store.holidays import load_calendar
from sync.calendar import BUNDLED
from sync.cases import track_reply
from sync.computed import Context, compute
from sync.deadlines import DAY_MS, due_ms
from tests.conftest import Device, now_ms
from tests.test_sweep_overdue import run_sweep, sweep_counts

T0 = 1_764_547_200_000  # 2025-12-01 08:00 China time, a Monday


# -- the pure rules ---------------------------------------------------------------------

def test_track_reply_reopening_and_the_new_answer() -> None:
    assert track_reply({}, None, "open", T0) == {}  # intake: nothing owed beyond receipt
    assert track_reply({}, "open", "replied", T0) == {}  # the first reply: replied_at says it
    sent = track_reply({}, "replied", "open", T0)
    assert sent == {"reopened_at": T0, "answered_at": None}
    assert track_reply({}, "dismissed", "open", T0) == sent  # a dismissal reopened owes one too
    assert track_reply(sent, "open", "open", T0 + 5) == sent  # an edit while open answers nothing
    assert track_reply(sent, "open", "replied", T0 + 9) == {"reopened_at": T0, "answered_at": T0 + 9}
    assert track_reply(sent, "open", "dismissed", T0 + 9)["answered_at"] == T0 + 9
    # A reply made offline before the send-back reached the server still answers it at the
    # send-back at the earliest (never "answered before it was asked").
    assert track_reply(sent, "open", "replied", T0 - 99)["answered_at"] == T0
    answered = track_reply(sent, "open", "replied", T0 + 9)
    assert track_reply(answered, "replied", "verified", T0 + 20) == answered
    again = track_reply(answered, "replied", "open", T0 + 30)
    assert again == {"reopened_at": T0 + 30, "answered_at": None}


def _complaint(now: int, kept: dict[str, Any] | None = None, **leaves: Any) -> dict[str, Any]:
    return compute("complaints", {"received_at": T0, **leaves}, Context(now=now), kept or {})


def test_compute_without_a_send_back_counts_from_receipt() -> None:
    due = due_ms(T0, 5, BUNDLED)
    assert _complaint(T0) == {"reply_due": due, "overdue": False, "reopened_at": None,
                              "answered_at": None}
    assert _complaint(due + 1)["overdue"] is True
    replied = _complaint(due + DAY_MS, replied_at=T0 + 1)
    assert replied == {"reply_due": due, "overdue": False, "reopened_at": None,
                       "answered_at": T0 + 1}
    assert _complaint(due + DAY_MS, replied_at=due + 1)["overdue"] is True  # replied late


def test_compute_after_a_send_back_counts_from_it() -> None:
    first = due_ms(T0, 5, BUNDLED)
    back = first + 3 * DAY_MS  # sent back after the first deadline passed
    due = due_ms(back, 5, BUNDLED)
    assert due > first
    kept = {"reopened_at": back, "answered_at": None}
    waiting = _complaint(back + 1, kept, replied_at=T0 + 1, status="open")
    assert waiting == {"reply_due": due, "overdue": False, "reopened_at": back, "answered_at": None}
    assert _complaint(due + 1, kept, replied_at=T0 + 1, status="open")["overdue"] is True
    on_time = {"reopened_at": back, "answered_at": due - 1}
    assert _complaint(due + 10 * DAY_MS, on_time, replied_at=T0 + 1)["overdue"] is False
    late = {"reopened_at": back, "answered_at": due + 1}
    assert _complaint(due + 10 * DAY_MS, late, replied_at=T0 + 1) == {
        "reply_due": due, "overdue": True, "reopened_at": back, "answered_at": due + 1}


# -- through the API and the sweep --------------------------------------------------------

def _stored(db: str, rid: str) -> tuple[int, dict[str, Any]]:
    conn = sqlite3.connect(db)
    try:
        version, data = conn.execute("SELECT version, data FROM records WHERE collection ="
                                     " 'complaints' AND id = ?", (rid,)).fetchone()
    finally:
        conn.close()
    return int(version), json.loads(data)


def _calendar(db: str) -> Any:
    conn = sqlite3.connect(db)
    try:
        return load_calendar(conn)
    finally:
        conn.close()


def _accountability(db: str, rid: str) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [r for (r,) in conn.execute("SELECT id FROM records WHERE collection ="
                                           " 'accountability' AND id LIKE ?", (f"%{rid}",))]
    finally:
        conn.close()


def _replied(ctr: Device, rid: str, **extra: Any) -> None:
    res = ctr.sync([ctr.op("complaints", rid, {"centre_id": "c1", "content": "窗口人员态度生硬",
                                               "status": "open", **extra}),
                    ctr.op("complaints", rid, {"reply": "已约谈窗口人员并致歉", "status": "replied"})])
    assert [r["status"] for r in res["results"]] == ["applied", "applied"], res


def _reply_again(ctr: Device, rid: str, text: str) -> None:
    ctr.sync_all()  # the phone has the send-back first: its reply is based on it
    res = ctr.sync([ctr.op("complaints", rid, {"reply": text, "status": "replied"})])
    assert res["results"][0]["status"] == "applied", res


def _send_back(sup: Device, db: str, rid: str) -> dict[str, Any]:
    version, _ = _stored(db, rid)
    res = sup.sync([sup.op("complaints", rid, {
        "status": "open", "verification.by": sup.user["id"], "verification.at": sup.clock(),
        "verification.passed": False, "verification.comment": "答复未说明整改措施"}, base=version)])
    assert res["results"][0]["status"] == "applied", res
    return _stored(db, rid)[1]


@pytest.mark.parametrize("skew_days", [0, 3])
def test_send_back_owes_a_new_reply_within_five_working_days(
        device: Any, county_db: str, skew_days: int) -> None:
    ctr = device("ctr1")
    sup = device("sup1", skew_ms=skew_days * DAY_MS)  # a workspace whose clock runs fast
    _replied(ctr, "sb-1", received_at=ctr.clock() - 3 * DAY_MS)  # entered after the fact
    _, first = _stored(county_db, "sb-1")
    before = now_ms()
    data = _send_back(sup, county_db, "sb-1")
    after = now_ms()
    back = data["reopened_at"]
    # The send-back's time is the server's: its clock, not the workspace's.
    assert before - 1000 <= back <= after and data["verification"]["at"] == back
    assert data["reply_due"] == due_ms(back, 5, _calendar(county_db)) > first["reply_due"]
    assert data["replied_at"] == first["replied_at"] and data["answered_at"] is None
    assert data["status"] == "open" and data["overdue"] is False
    # The new reply: answered, the first replied_at still kept.
    _reply_again(ctr, "sb-1", "已书面说明整改措施")
    _, data = _stored(county_db, "sb-1")
    assert data["replied_at"] == first["replied_at"]
    assert back <= data["answered_at"] <= now_ms() and data["overdue"] is False


def test_sweep_turns_a_sent_back_complaint_overdue_without_a_new_reply(
        device: Any, county_db: str) -> None:
    ctr, sup = device("ctr1"), device("sup1")
    _replied(ctr, "sb-late")
    _replied(ctr, "sb-ok")
    late, ok = _send_back(sup, county_db, "sb-late"), _send_back(sup, county_db, "sb-ok")
    _reply_again(ctr, "sb-ok", "已补充整改措施")
    # Five working days after the send-back have passed (and the sweep before them does nothing).
    assert run_sweep(county_db, late["reply_due"] - 1) == {"overdue": 0, "accountability": 0}
    after = max(late["reply_due"], ok["reply_due"]) + DAY_MS
    assert run_sweep(county_db, after) == {"overdue": 1, "accountability": 1}
    _, late = _stored(county_db, "sb-late")
    _, ok = _stored(county_db, "sb-ok")
    assert late["overdue"] is True and late["status"] == "open"
    assert ok["overdue"] is False
    assert _accountability(county_db, "sb-late") == ["acc-complaints-sb-late"]
    assert _accountability(county_db, "sb-ok") == []
    # The phone pulls the change like any edit.
    ctr.cursor = None
    pulled = {ch["record"]: ch["data"] for page in ctr.sync_all() for ch in page["changes"]}
    assert pulled["sb-late"]["overdue"] is True
    assert pulled["sb-late"]["reply_due"] == late["reply_due"]
    # A second sweep finds nothing new.
    assert run_sweep(county_db, after + DAY_MS) == {"overdue": 0, "accountability": 0}


def test_a_subject_keeps_its_one_accountability_record_when_late_twice(
        device: Any, county_db: str) -> None:
    ctr, sup = device("ctr1"), device("sup1")
    # Received long ago (entered after the fact): the first reply, now, is late.
    _replied(ctr, "sb-twice", received_at=ctr.clock() - 30 * DAY_MS)
    assert _stored(county_db, "sb-twice")[1]["overdue"] is True
    assert run_sweep(county_db, now_ms()) == {"overdue": 0, "accountability": 1}
    data = _send_back(sup, county_db, "sb-twice")
    assert data["overdue"] is False  # a new reply is owed, not yet late
    assert run_sweep(county_db, data["reply_due"] + DAY_MS) == {"overdue": 1, "accountability": 0}
    assert _stored(county_db, "sb-twice")[1]["overdue"] is True
    assert _accountability(county_db, "sb-twice") == ["acc-complaints-sb-twice"]


def _notices(db: str, rid: str) -> list[tuple[str, str, str, int, int]]:
    """``(kind, user_id, title, at, version)`` of the notifications about complaint ``rid``."""
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute(
            "SELECT json_extract(data, '$.kind'), json_extract(data, '$.user_id'),"
            " json_extract(data, '$.title'), json_extract(data, '$.at'), version FROM records"
            " WHERE collection = 'notifications' AND json_extract(data, '$.subject.record') = ?"
            " AND json_extract(data, '$.subject.collection') = 'complaints'", (rid,)))
    finally:
        conn.close()


def test_late_again_tells_its_people_once_per_missed_deadline(
        device: Any, county_db: str) -> None:
    ctr, sup = device("ctr1"), device("sup1")
    _replied(ctr, "sb-again", received_at=ctr.clock() - 30 * DAY_MS)  # the first reply late
    counts = sweep_counts(county_db, now_ms())
    assert (counts["accountability"], counts["overdue_again"]) == (1, 0)
    first = {uid for kind, uid, *_ in _notices(county_db, "sb-again") if kind == "overdue"}
    assert ctr.user["id"] in first  # nobody named on a complaint: the centre's staff
    data = _send_back(sup, county_db, "sb-again")
    # On time with the new reply: nobody is told anything.
    assert sweep_counts(county_db, data["reply_due"] - 1)["overdue_again"] == 0
    when = data["reply_due"] + DAY_MS
    counts = sweep_counts(county_db, when)
    assert (counts["overdue"], counts["accountability"]) == (1, 0)
    assert counts["overdue_again"] == len(first)
    again = [n for n in _notices(county_db, "sb-again") if n[0] == "overdue_again"]
    # The same people as the first time, each once, with the fixed title and the sweep's time.
    assert {n[1] for n in again} == first and len(again) == len(first)
    assert {(n[2], n[3]) for n in again} == {("有事项再次超期", when)}
    # A later sweep tells nobody again of the same deadline, and writes nothing.
    before = _notices(county_db, "sb-again")
    assert sweep_counts(county_db, when + DAY_MS)["overdue_again"] == 0
    assert _notices(county_db, "sb-again") == before
    # Their phone pulls it like any record.
    ctr.cursor = None
    pulled = [ch["data"] for page in ctr.sync_all() for ch in page["changes"]
              if ch["collection"] == "notifications"]
    assert any(d["kind"] == "overdue_again" and d["subject"]["record"] == "sb-again"
               for d in pulled)
    # Answered late, the complaint is no longer open work: nothing more to tell.
    _reply_again(ctr, "sb-again", "已补充说明")
    assert sweep_counts(county_db, when + 2 * DAY_MS)["overdue_again"] == 0


def test_a_complaint_sent_back_before_the_server_kept_reopened_at(device: Any, county_db: str) -> None:
    """A database from before: the complaint's document has no ``reopened_at``; the sweep
    takes the send-back's time from its verification and finds it overdue all the same."""
    ctr, sup = device("ctr1"), device("sup1")
    _replied(ctr, "sb-old")
    data = _send_back(sup, county_db, "sb-old")
    old = {k: v for k, v in data.items() if k not in ("reopened_at", "answered_at")}
    old["reply_due"] = due_ms(old["received_at"], 5, _calendar(county_db))  # as computed then
    conn = sqlite3.connect(county_db)
    try:
        conn.execute("UPDATE records SET data = ? WHERE collection = 'complaints' AND id = 'sb-old'",
                     (json.dumps(old),))
        conn.execute("UPDATE facts SET done = NULL, due = ? WHERE collection = 'complaints'"
                     " AND id = 'sb-old'", (old["reply_due"],))
        conn.commit()
    finally:
        conn.close()
    counts = run_sweep(county_db, data["reply_due"] + DAY_MS)
    assert counts == {"overdue": 1, "accountability": 1}
    _, now = _stored(county_db, "sb-old")
    assert now["reply_due"] == data["reply_due"] and now["reopened_at"] == data["verification"]["at"]
