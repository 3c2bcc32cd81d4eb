"""The complaint lifecycle (投诉): open → replied → verified, or sent back to open; a
complaint may be dismissed (不予受理, with the reply saying why) and reopened. Only
supervisors and admins verify or send a reply back. Every pair of states and every role
checked against the table (sync/rights.py, from schemas.json), and every forbidden
transition through the API: rejected ``invalid_transition`` with what is allowed,
quarantined, the record unchanged (the roles' refusals: test_complaint_review_rights.py).
Overdue is not a state: the sweep sets the computed ``overdue`` flag, whatever the status."""

from __future__ import annotations

import itertools
import json
import sqlite3
from contextlib import closing
from typing import Any

import pytest
from starlette.testclient import TestClient

from sync.errors import Forbidden, Invalid, InvalidTransition
from sync.rights import SYSTEM, enforce
from sync.schema import load

ROLES = ["field", "centre", "supervisor", "admin"]  # the complaints' writers
REVIEWERS = {"supervisor", "admin"}
STATES = ["open", "replied", "verified", "dismissed"]
# The contract (docs/contract.md, "Complaint lifecycle"), written out by hand.
FLOW = {
    "": {"open", "replied", "dismissed"},
    "open": {"replied", "dismissed"},
    "replied": {"verified", "open"},
    "dismissed": {"open"},
    "verified": set(),
}
BASE = {"centre_id": "c1", "content": "窗口人员态度生硬", "received_at": 1_763_798_400_000,
        "reply": "已约谈窗口人员并致歉"}


def rules() -> Any:
    return load().collection("complaints").rules


def test_complaint_lifecycle_table_is_the_contracts() -> None:
    table = load().collection("complaints").rules.transitions["status"]
    assert {src: set(to) for src, to in table.items()} == {k: v for k, v in FLOW.items() if v}
    enum = load().collection("complaints").fields["status"]
    assert set(enum["enum"]) == set(STATES)


@pytest.mark.parametrize(("src", "dst", "role"),
                         list(itertools.product(["", *STATES], STATES, ROLES)))
def test_complaint_lifecycle_every_pair_and_role(src: str, dst: str, role: str) -> None:
    stored = None if src == "" else {**BASE, "status": src}
    writes: dict[str, Any] = {"status": dst} if stored else {**BASE, "status": dst}
    merged = {**(stored or {}), **writes}

    def run() -> None:
        enforce(rules(), role, stored, writes, merged=merged)

    if dst == src:
        run()  # resending the stored value is not a transition
    elif (dst == "verified" or (src, dst) == ("replied", "open")) and role not in REVIEWERS:
        # verifying and sending a reply back are the county's (the centre replies)
        with pytest.raises(Forbidden):
            run()
    elif dst not in FLOW[src]:
        with pytest.raises(InvalidTransition) as err:
            run()
        details = err.value.details
        assert (details["path"], details["from"], details["to"]) == ("status", src, dst)
        assert set(details["allowed"]) == FLOW[src]
    else:
        run()


def test_complaint_lifecycle_dismissal_needs_the_reply_saying_why() -> None:
    stored = {**{k: v for k, v in BASE.items() if k != "reply"}, "status": "open"}
    for empty in (None, ""):
        writes = {"status": "dismissed", "reply": empty}
        with pytest.raises(Invalid) as err:
            enforce(rules(), "centre", stored, writes, merged={**stored, **writes})
        assert err.value.details["path"] == "reply"
    writes = {"status": "dismissed", "reply": "经调查核实，反映情况不属实，已向投诉人解释说明"}
    enforce(rules(), "centre", stored, writes, merged={**stored, **writes})


def test_complaint_lifecycle_system_writes_are_not_judged() -> None:
    # the demo county and the sweep write as the system (sync/rights.py)
    enforce(rules(), SYSTEM, {**BASE, "status": "verified"}, {"status": "open"})


def _stored(client: TestClient, rid: str) -> tuple[int, dict[str, Any]]:
    db = client.app.state.fs.config.db  # type: ignore[attr-defined]
    with closing(sqlite3.connect(db)) as conn:
        version, data = conn.execute("SELECT version, data FROM records WHERE collection='complaints'"
                                     " AND id=?", (rid,)).fetchone()
    return int(version), json.loads(data)


def _quarantined(client: TestClient, op_id: str) -> str | None:
    db = client.app.state.fs.config.db  # type: ignore[attr-defined]
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT code FROM quarantine WHERE op_id=?", (op_id,)).fetchone()
    return None if row is None else str(row[0])


# A legal path to each state, by the roles that take it.
PATHS: dict[str, list[tuple[str, dict[str, Any]]]] = {
    "open": [("ctr1", {"status": "open"})],
    "replied": [("ctr1", {"status": "open"}), ("ctr1", {"reply": BASE["reply"], "status": "replied"})],
    "verified": [("ctr1", {"status": "open"}), ("ctr1", {"reply": BASE["reply"], "status": "replied"}),
                 ("sup1", {"status": "verified", "verified": True})],
    "dismissed": [("ctr1", {"status": "open"}),
                  ("ctr1", {"reply": "经调查反映情况不属实，已解释说明", "status": "dismissed"})],
}
FORBIDDEN = [(src, dst) for src in ["", *STATES] for dst in STATES
             if dst != src and dst not in FLOW[src]]


@pytest.mark.parametrize(("src", "dst"), FORBIDDEN)
def test_complaint_lifecycle_forbidden_transition_is_quarantined(
        device: Any, client: TestClient, src: str, dst: str) -> None:
    devices = {"ctr1": device("ctr1"), "sup1": device("sup1")}
    rid = f"cl-{src or 'new'}-{dst}"
    first = True
    for who, values in PATHS.get(src, []):
        dev = devices[who]
        dev.sync()
        body = {"centre_id": "c1", "content": BASE["content"], **values} if first else values
        # a supervisor's device holds no complaints: its op names the version it saw
        base = None if first else _stored(client, rid)[0]
        first = False
        [res] = dev.sync([dev.op("complaints", rid, body, base=base)])["results"]
        assert res["status"] == "applied", res
    before = _stored(client, rid) if src else None
    # verified is the reviewers' value: a supervisor tries it, a centre the others
    dev = devices["sup1" if dst == "verified" else "ctr1"]
    dev.sync()
    values = {"status": dst, "reply": "补充答复"} if src else {
        "centre_id": "c1", "content": BASE["content"], "reply": "补充答复", "status": dst}
    op = dev.op("complaints", rid, values, base=before[0] if before else None)
    [res] = dev.sync([op])["results"]
    assert (res["status"], res["code"]) == ("rejected", "invalid_transition"), res
    details = res["details"]
    assert (details["path"], details["from"], details["to"]) == ("status", src, dst)
    assert set(details["allowed"]) == FLOW[src]
    assert _quarantined(client, op["id"]) == "invalid_transition"
    if before is None:
        with pytest.raises(TypeError):  # still no such record
            _stored(client, rid)
    else:
        assert _stored(client, rid) == before

