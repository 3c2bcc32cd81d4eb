"""The accountability lifecycle (问责): the sweep makes a record (open); the centre explains
(needs the explanation); a supervisor closes it with a conclusion (结案意见), or sends the
explanation back with the reason (open again); closed is final, and what it was closed on
stands. What the record is about (centre, subject, kind, staff, due and
detection times) is the server's alone. Every pair of states and every role against the
table, and every forbidden move through the API: refused with its code, quarantined, the
record unchanged."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from starlette.testclient import TestClient

from sync.errors import Forbidden, InvalidTransition
from sync.rights import enforce
from sync.schema import load
from tests.conftest import now_ms
from tests.support.records import quarantined, versioned
from tests.test_sweep_overdue import run_sweep, seed

ROLES = ["centre", "supervisor", "admin"]  # the collection's writers
REVIEWERS = {"supervisor", "admin"}
STATES = ["open", "explained", "closed"]
# The contract (docs/contract.md, "Accountability"), written out by hand.
FLOW = {"": {"open"}, "open": {"explained", "closed"}, "explained": {"closed", "open"},
        "closed": set()}
SERVERS = ["centre_id", "subject.collection", "subject.record", "kind", "staff_id", "due_at",
           "detected_at"]
BASE = {"centre_id": "c1", "subject.collection": "cases", "subject.record": "k1",
        "kind": "overdue_case", "explanation": "申请人补充材料未按时送达",
        "conclusion": "情况属实，予以通报", "send_back_reason": "说明未写改进措施"}
DAY_MS = 86_400_000


def rules() -> Any:
    return load().collection("accountability").rules


def test_accountability_lifecycle_table_is_the_contracts() -> None:
    table = rules().transitions["status"]
    assert {src: set(to) for src, to in table.items()} == {k: v for k, v in FLOW.items() if v}


@pytest.mark.parametrize(("src", "dst", "role"),
                         list(itertools.product(["", *STATES], STATES, ROLES)))
def test_accountability_lifecycle_every_pair_and_role(src: str, dst: str, role: str) -> None:
    stored = None if src == "" else {**BASE, "status": src}
    # A new record carries what each state needs (as BASE does for a stored one).
    writes: dict[str, Any] = {"status": dst} if stored else {
        "status": dst, "explanation": "x", "conclusion": "x", "send_back_reason": "x"}

    def run() -> None:
        enforce(rules(), role, stored, writes, merged={**(stored or {}), **writes})

    if dst == src:
        run()  # resending the stored value is not a move
    elif dst in ("open", "closed") and role not in REVIEWERS:
        with pytest.raises(Forbidden):  # opening and closing are the county's (and the sweep's)
            run()
    elif dst not in FLOW[src]:
        with pytest.raises(InvalidTransition) as err:
            run()
        assert set(err.value.details["allowed"]) == FLOW[src]
    else:
        run()


@pytest.mark.parametrize(("role", "path"), list(itertools.product(ROLES, SERVERS)))
def test_accountability_lifecycle_what_it_is_about_is_the_servers(role: str, path: str) -> None:
    with pytest.raises(Forbidden):
        enforce(rules(), role, {**BASE, "status": "open"}, {path: "x"})


RID = "acc-cases-open1"  # the sweep's record for seed()'s overdue case


def _made(device: Any, client: TestClient) -> tuple[Any, Any]:
    sup, _f1, ctr = seed(device)
    db = client.app.state.fs.config.db  # type: ignore[attr-defined]
    run_sweep(db, now_ms() + 30 * DAY_MS)
    ctr.sync()
    sup.sync()
    return ctr, sup


def _refused(client: TestClient, dev: Any, values: dict[str, Any], code: str) -> dict[str, Any]:
    db = client.app.state.fs.config.db  # type: ignore[attr-defined]
    before = versioned(db, "accountability", RID)
    op = dev.op("accountability", RID, values, base=before[0] if before else None)
    [res] = dev.sync([op])["results"]
    assert (res["status"], res["code"]) == ("rejected", code), (values, res)
    assert quarantined(db, op["id"]) == code
    assert versioned(db, "accountability", RID) == before
    return dict(res)


def _applied(client: TestClient, dev: Any, values: dict[str, Any]) -> None:
    db = client.app.state.fs.config.db  # type: ignore[attr-defined]
    version = versioned(db, "accountability", RID)
    [res] = dev.sync([dev.op("accountability", RID, values, base=version[0] if version else None)])["results"]
    assert res["status"] == "applied", (values, res)


def test_accountability_lifecycle_forbidden_moves_through_the_api(device: Any, client: TestClient) -> None:
    ctr, sup = _made(device, client)
    f1 = device("f1")
    _refused(client, ctr, {"status": "closed"}, "forbidden")  # the centre does not close
    _refused(client, ctr, {"status": "explained"}, "invalid")  # an explanation needs its text
    _refused(client, f1, {"status": "explained", "explanation": "x"}, "forbidden")  # not a writer
    valid = {"subject.collection": "complaints", "subject.record": "k2", "kind": "overdue_complaint",
             "staff_id": "u9", "due_at": 1_700_000_000_000, "detected_at": 1_700_000_000_000}
    for path, value in valid.items():
        _refused(client, sup, {path: value}, "forbidden")
    _refused(client, sup, {"centre_id": "c2"}, "invalid")  # a record's centre never changes
    _applied(client, ctr, {"status": "explained", "explanation": "申请人补充材料未按时送达"})
    _refused(client, ctr, {"status": "open"}, "forbidden")  # sending back is the county's
    # Sent back with what is wrong with it, closed with the county's conclusion: both needed,
    # both the county's to write.
    res = _refused(client, sup, {"status": "open"}, "invalid")
    assert res["details"]["path"] == "send_back_reason"
    _refused(client, sup, {"status": "open", "send_back_reason": "  "}, "invalid")
    _applied(client, sup, {"status": "open", "send_back_reason": "未写明改进措施"})
    _applied(client, ctr, {"status": "explained", "explanation": "已补充：窗口人员请假未交接"})
    # A second send-back says why again: the first one's reason answers nothing.
    res = _refused(client, sup, {"status": "open"}, "invalid")
    assert res["details"]["path"] == "send_back_reason"
    _refused(client, ctr, {"conclusion": "免予追责"}, "forbidden")
    res = _refused(client, sup, {"status": "closed"}, "invalid")
    assert res["details"]["path"] == "conclusion"
    _applied(client, sup, {"status": "closed", "conclusion": "情况属实，予以通报批评"})
    res = _refused(client, sup, {"status": "open"}, "invalid_transition")  # closed is final
    assert res["details"]["allowed"] == []
    # What it was closed on stands: neither the conclusion nor the explanation changes after.
    _refused(client, sup, {"conclusion": "改为免予追责"}, "immutable")
    _refused(client, ctr, {"explanation": "再补充"}, "immutable")


def test_accountability_lifecycle_only_the_sweep_makes_one(device: Any, client: TestClient) -> None:
    ctr, sup = device("ctr1"), device("sup1")
    made = {"centre_id": "c1", "subject": {"collection": "cases", "record": "k9"},
            "kind": "overdue_case", "status": "open"}
    db = client.app.state.fs.config.db  # type: ignore[attr-defined]
    for dev in (ctr, sup):
        op = dev.op("accountability", "acc-cases-k9", made)
        [res] = dev.sync([op])["results"]
        assert (res["status"], res["code"]) == ("rejected", "forbidden"), res
        assert quarantined(db, op["id"]) == "forbidden"
    assert versioned(db, "accountability", "acc-cases-k9") is None
