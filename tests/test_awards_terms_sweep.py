"""Award terms run by the sweep: a title's two-year re-check reminder turns on as time passes
(a new version that syncs), a title past its expiry without a
passing re-check is withdrawn once (even when the sweep runs again), and a re-check passed once
the reminder is on renews the title for another term. Only supervisors and admins re-check."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from typing import Any

from starlette.testclient import TestClient

from server.jobs.sweep import sweep
from server.writer import Writer
from sync.computed import RECHECK_NOTICE_MS
from tests.test_api_reports import at
from tests.test_awards_rules import setup, step, walk_to_notice

DAY = 86_400_000


def _award(client: TestClient, rid: str) -> tuple[int, dict[str, Any]]:
    with closing(sqlite3.connect(client.app.state.fs.config.db)) as conn:  # type: ignore[attr-defined]
        version, data = conn.execute("SELECT version, data FROM records WHERE collection='awards'"
                                     " AND id=?", (rid,)).fetchone()
    return int(version), json.loads(data)


def _sweep(client: TestClient, now: int) -> dict[str, int]:
    writer = Writer(client.app.state.fs.config.db)  # type: ignore[attr-defined]
    try:
        return sweep(writer, now)
    finally:
        writer.close()


def _awarded(client: TestClient, device: Any, rid: str, awarded_at: int) -> None:
    ctr, sup = device("ctr1"), device("sup1")
    walk_to_notice(ctr, sup, rid, at("2026-11-02"))
    res = step(sup, rid, {"status": "awarded", "awarded_at": awarded_at})
    assert res["status"] == "applied", res


def test_awards_terms_reminder_then_withdrawal_once(client: TestClient, device: Any) -> None:
    setup(client)
    sup = device("sup1")
    now = sup.clock()
    # Awarded so that the title expires in 70 days: no reminder yet.
    _awarded(client, device, "a-term", now - (2 * 365 - 70) * DAY)
    version, data = _award(client, "a-term")
    expires = data["expires_at"]
    assert data["recheck_due"] is False and 69 * DAY < expires - now < 72 * DAY
    assert _sweep(client, now)["recheck_due"] == 0
    # Twenty days on, the reminder is due: the sweep writes it (a new version), once.
    later = expires - RECHECK_NOTICE_MS + DAY
    counts = _sweep(client, later)
    assert counts["recheck_due"] == 1 and counts["withdrawn"] == 0, counts
    after, data = _award(client, "a-term")
    assert after > version and data["recheck_due"] is True and data["status"] == "awarded"
    assert _sweep(client, later + DAY)["recheck_due"] == 0
    # The reminder reaches the county's supervisors and the centre's staff, once per term.
    with closing(sqlite3.connect(client.app.state.fs.config.db)) as conn:  # type: ignore[attr-defined]
        told = sorted(json.loads(d)["user_id"] for (d,) in conn.execute(
            "SELECT data FROM records WHERE collection='notifications'"
            " AND json_extract(data, '$.kind')='recheck'"
            " AND json_extract(data, '$.subject.record')='a-term'"))
        people = dict(conn.execute("SELECT username, id FROM users"))
    assert told == sorted([people["sup1"], people["ctr1"], people["f1"], people["f1b"],
                           people["multi"]]), told
    # Expired without a re-check: withdrawn by the system, with the reason; only once.
    counts = _sweep(client, expires + 1)
    assert counts["withdrawn"] == 1, counts
    _, data = _award(client, "a-term")
    assert data["status"] == "withdrawn" and "未通过复查，自动撤销" in data["withdrawn_reason"]
    assert data["recheck_due"] is False
    assert _sweep(client, expires + 2)["withdrawn"] == 0
    # The withdrawal syncs like any edit and is in the audit log; it made no conflict.
    with closing(sqlite3.connect(client.app.state.fs.config.db)) as conn:  # type: ignore[attr-defined]
        assert conn.execute("SELECT count(*) FROM conflicts WHERE record='a-term'").fetchone()[0] == 0
        ops = conn.execute("SELECT count(*) FROM ops WHERE record='a-term' AND id LIKE"
                           " 'sweep-expire-%' AND status='applied'").fetchone()[0]
    assert ops == 1
    # Withdrawn is final (frozen): a late re-check cannot bring it back.
    late = step(sup, "a-term", {"recheck.passed": True, "recheck.at": expires + 3})
    assert late["status"] == "rejected" and late["code"] == "immutable", late


def test_awards_terms_passed_recheck_renews_the_title(client: TestClient, device: Any) -> None:
    setup(client)
    sup, ctr = device("sup1"), device("ctr1")
    now = sup.clock()
    _awarded(client, device, "a-renew", now - (2 * 365 - 30) * DAY)  # reminder already on
    _, data = _award(client, "a-renew")
    first = data["expires_at"]
    assert data["recheck_due"] is True
    # Centre staff cannot record a re-check; a supervisor can, and a pass renews the term.
    refused = step(ctr, "a-renew", {"recheck.passed": True, "recheck.at": now})
    assert refused["status"] == "rejected" and refused["code"] == "forbidden", refused
    res = step(sup, "a-renew", {"recheck.by": sup.user["id"], "recheck.at": now, "recheck.passed": True})
    assert res["status"] == "applied", res
    _, data = _award(client, "a-renew")
    assert data["recheck_due"] is False and data["expires_at"] > first + 600 * DAY
    counts = _sweep(client, first + DAY)
    assert counts["withdrawn"] == 0, counts
    assert _award(client, "a-renew")[1]["status"] == "awarded"


def test_awards_terms_early_recheck_does_not_renew(client: TestClient, device: Any) -> None:
    setup(client)
    sup = device("sup1")
    now = sup.clock()
    _awarded(client, device, "a-early", now - 100 * DAY)  # expires in about 630 days
    _, data = _award(client, "a-early")
    first = data["expires_at"]
    res = step(sup, "a-early", {"recheck.by": sup.user["id"], "recheck.at": now, "recheck.passed": True})
    assert res["status"] == "applied", res
    assert _award(client, "a-early")[1]["expires_at"] == first
    assert _sweep(client, first + 1)["withdrawn"] == 1
