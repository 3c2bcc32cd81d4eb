"""A client's op, parsed and checked once into ``CheckedOp``.

``check_op`` is the one place an op's shape and values are judged: types of its fields,
the record id, the collection, and its ``set`` against the collection's schema (expanded
to leaf paths). A malformed op is not a malformed request: it becomes a ``CheckedOp``
carrying its ``error``, so the store quarantines it like any rejection and the other ops
of the request still apply. ``check_stored`` adds the checks that need the stored
record: ``check_new`` (a new record needs a field) and ``check_stored`` (scope fields
never change once set).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import FieldsyncError, Invalid
from .schema import Schemas, check_name

MAX_INT = 2**53 - 1  # the largest integer every client (JavaScript included) holds exactly
MAX_OP_ID = 128
RECORD_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
IMMUTABLE = ("centre_id", "county_id")  # a record's scope: fixed once set


def whole_ms(value: Any) -> bool:
    """Whether ``value`` is an integer in ``[0, MAX_INT]`` (epoch ms, versions)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INT


def op_id_ok(value: Any) -> bool:
    """Whether ``value`` can be an op id (the idempotency key): a string of 1–128 characters."""
    return isinstance(value, str) and 0 < len(value) <= MAX_OP_ID


# Slotted, not frozen: built per op of a push (see ``sync.merge``); never assigned to after __init__.
@dataclass(slots=True)
class CheckedOp:
    """One op after every check that needs no stored record.

    ``error`` is set when the op failed them; then only ``id``, ``at`` and ``sent`` are
    meaningful. ``set`` holds validated leaf paths. ``restore`` is internal: a conflict
    resolution bringing a deleted record back. ``sent`` is the op as the client sent it
    (kept in quarantine when the op is rejected).
    """

    id: str
    collection: str
    record: str
    base: int
    at: int | None
    set: Mapping[str, Any]
    delete: bool = False
    restore: bool = False
    error: FieldsyncError | None = None
    sent: Mapping[str, Any] = field(default_factory=dict)

    def rejected(self, error: FieldsyncError) -> CheckedOp:
        """This op, refused with ``error`` (e.g. a stale app's or a revoked device's)."""
        return CheckedOp(self.id, self.collection, self.record, self.base, self.at, self.set,
                         self.delete, self.restore, error, self.sent)


def check_op(doc: Mapping[str, Any], schemas: Schemas, *, restore: bool = False) -> CheckedOp:
    """Parse a client op (an object whose ``id`` passed ``op_id_ok``) into a ``CheckedOp``."""
    sent = {"id": doc["id"], "collection": doc.get("collection"), "record": doc.get("record"),
            "base": doc.get("base", 0), "at": doc.get("at"), "set": doc.get("set"),
            "delete": doc.get("delete", False)}
    at = sent["at"] if whole_ms(sent["at"]) else None
    try:
        coll, record, base, values, delete = _check(sent, schemas)
    except FieldsyncError as err:
        return CheckedOp(str(sent["id"]), str(sent["collection"]), str(sent["record"]), 0, at,
                         {}, False, restore, err, sent)
    return CheckedOp(str(sent["id"]), coll, record, base, at, values, delete, restore, None, sent)


def _check(sent: Mapping[str, Any],
           schemas: Schemas) -> tuple[str, str, int, dict[str, Any], bool]:
    coll, record, base, values, delete = (sent["collection"], sent["record"], sent["base"],
                                          sent["set"], sent["delete"])
    if not isinstance(coll, str):
        raise Invalid("collection: expected a string", path="collection")
    if not isinstance(record, str) or not RECORD_ID.match(record):
        raise Invalid("record: expected an id of 1–100 letters, digits, '-', '_', '.', ':'",
                      path="record")
    check_name(record, "record")  # ids become keys on the phone
    if not whole_ms(base):
        raise Invalid("base: expected an integer ≥ 0", path="base")
    if not whole_ms(sent["at"]):
        raise Invalid("at: expected epoch milliseconds", path="at")
    if values is not None and not isinstance(values, dict):
        raise Invalid("set: expected an object", path="set")
    if not isinstance(delete, bool):
        raise Invalid("delete: expected true or false", path="delete")
    leaves = schemas.expand(coll, values if values is not None else {})
    return coll, record, int(base), leaves, delete


def check_new(op: CheckedOp) -> None:
    """A new record (none stored under its id) needs at least one field."""
    if not op.set and not op.delete and not op.restore:
        raise Invalid("a new record needs at least one field", path="set")


def check_stored(op: CheckedOp, stored: Mapping[str, Any]) -> None:
    """Checks against the stored record's leaves: its scope fields never change once set."""
    for name in IMMUTABLE:
        if name in op.set and stored.get(name) not in (None, op.set[name]):
            raise Invalid(f"{name}: cannot change once set", path=name)
