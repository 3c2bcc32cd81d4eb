"""The rectification lifecycle (整改): open → responded (with a response) or overdue (the
sweep; by hand only the county) → responded; responded → verified | failed (the county,
naming the re-inspection); a verdict is final (its status, responses, items and
re-inspection frozen). Every pair of states and every role against the table."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from sync.errors import Forbidden, Immutable, InvalidTransition
from sync.rights import enforce
from sync.schema import load

ROLES = ["field", "centre", "inspector", "supervisor", "admin"]  # the collection's writers
REVIEWERS = {"supervisor", "admin"}
STATES = ["open", "overdue", "responded", "verified", "failed"]
# The contract (docs/contract.md, "Rectifications"), written out by hand.
FLOW = {"": {"open"}, "open": {"responded", "overdue"}, "overdue": {"responded"},
        "responded": {"verified", "failed"}, "verified": set(), "failed": set()}
BASE = {"centre_id": "c1", "inspection_id": "i1", "responses.e1.note": "已整改",
        "responses.e1.at": 1_700_000_000_000, "reinspection_id": "i2"}


def rules() -> Any:
    return load().collection("rectifications").rules


def test_rectification_lifecycle_table_is_the_contracts() -> None:
    table = rules().transitions["status"]
    assert {src: set(to) for src, to in table.items()} == {k: v for k, v in FLOW.items() if v}


@pytest.mark.parametrize(("src", "dst", "role"),
                         list(itertools.product(["", *STATES], STATES, ROLES)))
def test_rectification_lifecycle_every_pair_and_role(src: str, dst: str, role: str) -> None:
    stored = None if src == "" else {**BASE, "status": src}
    # a new order: the inspector's fields, no re-inspection yet (that field is the county's)
    new = {k: v for k, v in BASE.items() if k != "reinspection_id"}
    writes: dict[str, Any] = {"status": dst} if stored else {**new, "status": dst}

    def run() -> None:
        enforce(rules(), role, stored, writes, merged={**(stored or {}), **writes})

    if src in ("verified", "failed"):
        with pytest.raises(Immutable):  # a verdict is final: its status is not touched again
            run()
    elif dst == src:
        run()
    elif dst in ("verified", "failed", "overdue") and role not in REVIEWERS:
        with pytest.raises(Forbidden):
            run()
    elif dst not in FLOW[src]:
        with pytest.raises(InvalidTransition) as err:
            run()
        assert set(err.value.details["allowed"]) == FLOW[src]
    else:
        run()
