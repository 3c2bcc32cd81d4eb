"""Every forbidden case transition (办件) through the API: the case is brought to its state by
legal steps, then a centre's op moving it where the contract does not allow is rejected
``invalid_transition`` naming what is allowed, quarantined, and the record is unchanged
(the pure table, every pair and role: test_rights_enforce.py). A case's extension (延期) is a
supervisor's: field and centre staff are refused ``forbidden``."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient

from sync.schema import load
from tests.support.records import quarantined, versioned

# The contract's table, written out by hand once (docs/contract.md, "Case lifecycle").
from tests.test_rights_enforce import CASE_FLOW as FLOW
from tests.test_rights_enforce import CASE_STATES as STATES
from tests.test_rights_enforce import REASONS

ACCEPTED = {"status": "accepted"}
# A legal path to each state.
PATHS: dict[str, list[dict[str, Any]]] = {
    "consulted": [{"status": "consulted"}],
    "accepted": [ACCEPTED],
    "supplement": [ACCEPTED, {"status": "supplement", "missing_materials": REASONS["missing_materials"]}],
    "handling": [ACCEPTED, {"status": "handling"}],
    "completed": [ACCEPTED, {"status": "completed"}],
    "refused": [{"status": "refused", "refusal_reason": REASONS["refusal_reason"]}],
    "returned": [ACCEPTED, {"status": "returned", "return_reason": REASONS["return_reason"]}],
}
FORBIDDEN = [(src, dst) for src in ["", *STATES] for dst in STATES
             if dst != src and dst not in FLOW[src]]


def _stored(client: TestClient, rid: str) -> tuple[int, dict[str, Any]] | None:
    return versioned(client.app.state.fs.config.db, "cases", rid)  # type: ignore[attr-defined]


def _quarantined(client: TestClient, op_id: str) -> str | None:
    return quarantined(client.app.state.fs.config.db, op_id)  # type: ignore[attr-defined]


def test_case_lifecycle_api_table_is_the_schemas() -> None:
    table = load().collection("cases").rules.transitions["status"]
    assert {src: set(to) for src, to in table.items()} == {k: v for k, v in FLOW.items() if v}
    assert len(FORBIDDEN) == 34


@pytest.mark.parametrize(("src", "dst"), FORBIDDEN)
def test_case_lifecycle_api_forbidden_transition_is_quarantined(
        device: Any, client: TestClient, src: str, dst: str) -> None:
    ctr = device("ctr1")
    rid = f"case-{src or 'new'}-{dst}"
    base = {"centre_id": "c1", "matter_id": "m1"}
    for i, values in enumerate(PATHS.get(src, [])):
        [res] = ctr.sync([ctr.op("cases", rid, {**base, **values} if i == 0 else values)])["results"]
        assert res["status"] == "applied", (values, res)
    before = _stored(client, rid)
    # the reasons each state needs come along, so only the transition itself can be wrong
    values = {"status": dst, **REASONS} if src else {**base, "status": dst, **REASONS}
    op = ctr.op("cases", rid, values)
    [res] = ctr.sync([op])["results"]
    assert (res["status"], res["code"]) == ("rejected", "invalid_transition"), res
    details = res["details"]
    assert (details["path"], details["from"], details["to"]) == ("status", src, dst)
    assert set(details["allowed"]) == FLOW[src]
    assert _quarantined(client, op["id"]) == "invalid_transition"
    assert _stored(client, rid) == before


@pytest.mark.parametrize("username", ["f1", "ctr1"])
def test_case_lifecycle_api_extension_is_a_supervisors(
        device: Any, client: TestClient, username: str) -> None:
    ctr = device("ctr1")
    rid = f"case-ext-{username}"
    [res] = ctr.sync([ctr.op("cases", rid, {"centre_id": "c1", "matter_id": "m1", **ACCEPTED})])["results"]
    assert res["status"] == "applied", res
    before = _stored(client, rid)
    dev = device(username)
    dev.sync()
    op = dev.op("cases", rid, {"extension.days": 5, "extension.reason": "需现场踏勘"})
    [res] = dev.sync([op])["results"]
    assert (res["status"], res["code"]) == ("rejected", "forbidden"), res
    assert _quarantined(client, op["id"]) == "forbidden"
    assert _stored(client, rid) == before
