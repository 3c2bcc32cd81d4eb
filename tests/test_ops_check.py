"""Unit tests of the one op checker (sync.ops): an op is parsed and judged once."""

from __future__ import annotations

from typing import Any

import pytest

from sync.errors import Invalid, UnknownCollection
from sync.ops import MAX_INT, check_new, check_op, check_stored
from sync.schema import load


def sent(**fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": "o1", "collection": "visits", "record": "r1", "base": 0,
                           "at": 1_763_798_400_000, "set": {"centre_id": "c1", "kind": "home_service"}}
    doc.update(fields)
    return doc


def test_ops_check_expands_set_into_checked_leaf_paths() -> None:
    op = check_op(sent(set={"centre_id": "c1", "location": {"lat": 30.5}}), load())
    assert op.error is None
    assert dict(op.set) == {"centre_id": "c1", "location.lat": 30.5}
    assert (op.collection, op.record, op.base, op.delete) == ("visits", "r1", 0, False)


@pytest.mark.parametrize(("fields", "path"), [
    ({"collection": 7}, "collection"), ({"record": "has space"}, "record"),
    ({"base": -1}, "base"), ({"base": True}, "base"), ({"at": MAX_INT + 1}, "at"),
    ({"at": "now"}, "at"), ({"set": []}, "set"), ({"delete": "yes"}, "delete"),
    ({"set": {"centre_id": 5}}, "centre_id"), ({"set": {"nope": 1}}, "nope"),
])
def test_ops_check_carries_the_first_error_instead_of_raising(fields: dict[str, Any], path: str) -> None:
    op = check_op(sent(**fields), load())
    assert isinstance(op.error, Invalid) and op.error.path == path
    assert op.sent["id"] == "o1" and op.id == "o1"


def test_ops_check_names_an_unknown_collection() -> None:
    op = check_op(sent(collection="spells"), load())
    assert isinstance(op.error, UnknownCollection) and op.collection == "spells"


def test_ops_check_keeps_what_the_client_sent_for_quarantine() -> None:
    doc = sent(set={"centre_id": "c1", "kind": 3}, extra="ignored")
    op = check_op(doc, load())
    assert op.error is not None
    assert dict(op.sent) == {k: doc[k] for k in ("id", "collection", "record", "base", "at", "set")} \
        | {"delete": False}


def test_ops_check_new_record_needs_a_field() -> None:
    with pytest.raises(Invalid) as exc:
        check_new(check_op(sent(set={}), load()))
    assert exc.value.path == "set"


def test_ops_check_refuses_changing_centre_once_set() -> None:
    op = check_op(sent(set={"centre_id": "c2"}), load())
    with pytest.raises(Invalid) as exc:
        check_stored(op, {"centre_id": "c1", "kind": "home_service"})
    assert exc.value.path == "centre_id"
    check_stored(op, {"kind": "home_service"})  # unset before: may be set
    check_stored(check_op(sent(set={"centre_id": "c1"}), load()), {"centre_id": "c1"})  # same value
