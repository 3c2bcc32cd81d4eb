"""Who may verify a complaint's reply or send it back (投诉核实, 退回重新答复): only the
county's supervisors and admins (the centre replies). Through the API, every such move by
every other role that writes complaints is rejected ``forbidden`` (naming the move and the
roles that may make it), quarantined, and changes nothing; a supervisor of another county
is refused too; the county's supervisor and an admin make both moves."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from tests.support.records import quarantined, versioned

REPLY = "已约谈窗口人员并致歉"
# The reviewers' moves out of `replied`, with what each op writes besides the status
# (as the workspace sends them: pwa/app/views/ws/complaints.js).
MOVES = {
    "verified": {"status": "verified", "verified": True},
    "open": {"status": "open"},
}


def _stored(client: TestClient, rid: str) -> tuple[int, dict[str, Any]] | None:
    return versioned(client.app.state.fs.config.db, "complaints", rid)  # type: ignore[attr-defined]


def _quarantined(client: TestClient, op_id: str) -> str | None:
    return quarantined(client.app.state.fs.config.db, op_id)  # type: ignore[attr-defined]


def _replied(dev: Any, rid: str) -> None:
    for values in ({"centre_id": "c1", "content": "窗口人员态度生硬", "status": "open"},
                   {"reply": REPLY, "status": "replied"}):
        [res] = dev.sync([dev.op("complaints", rid, values)])["results"]
        assert res["status"] == "applied", res


@pytest.mark.parametrize("dst", sorted(MOVES))
@pytest.mark.parametrize("username", ["f1", "ctr1"])  # field and centre staff of the centre
def test_complaint_review_rights_other_roles_are_forbidden(
        device: Any, client: TestClient, username: str, dst: str) -> None:
    rid = f"crr-{username}-{dst}"
    _replied(device("ctr1"), rid)
    before = _stored(client, rid)
    dev = device(username)
    dev.sync()  # the phone holds the replied complaint
    op = dev.op("complaints", rid, MOVES[dst])
    [res] = dev.sync([op])["results"]
    assert (res["status"], res["code"]) == ("rejected", "forbidden"), res
    assert res["details"]["path"] == "status" and res["details"]["value"] == dst, res
    assert set(res["details"]["roles"]) == {"supervisor", "admin"}, res
    assert _quarantined(client, op["id"]) == "forbidden"
    assert _stored(client, rid) == before


@pytest.mark.parametrize("dst", sorted(MOVES))
def test_complaint_review_rights_another_countys_supervisor_is_refused(
        device: Any, client: TestClient, dst: str) -> None:
    rid = f"crr-sup2-{dst}"
    _replied(device("ctr1"), rid)
    before = _stored(client, rid)
    sup2 = device("sup2")  # county k2; centre c1 is in k1
    op = sup2.op("complaints", rid, MOVES[dst], base=before[0])
    [res] = sup2.sync([op])["results"]
    assert (res["status"], res["code"]) == ("rejected", "forbidden"), res
    assert _stored(client, rid) == before


@pytest.mark.parametrize("dst", sorted(MOVES))
@pytest.mark.parametrize("username", ["sup1", "admin"])
def test_complaint_review_rights_county_reviewers_make_both_moves(
        device: Any, client: TestClient, username: str, dst: str) -> None:
    rid = f"crr-{username}-{dst}"
    _replied(device("ctr1"), rid)
    version, _ = _stored(client, rid)
    dev = device(username)
    [res] = dev.sync([dev.op("complaints", rid, MOVES[dst], base=version)])["results"]
    assert res["status"] == "applied", res
    assert _stored(client, rid)[1]["status"] == dst


def test_complaint_review_rights_centre_still_opens_replies_and_reopens(
        device: Any, client: TestClient) -> None:
    """The rule judges the move out of `replied`, not every arrival at `open`."""
    ctr = device("ctr1")
    for values in ({"centre_id": "c1", "content": "无人接电话", "status": "open"},
                   {"reply": "经核查反映情况不属实，已解释说明", "status": "dismissed"},
                   {"status": "open"}, {"reply": REPLY, "status": "replied"}):
        [res] = ctr.sync([ctr.op("complaints", "crr-centre", values)])["results"]
        assert res["status"] == "applied", (values, res)
    assert _stored(client, "crr-centre")[1]["status"] == "replied"
