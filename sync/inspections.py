"""Rules of the inspection loop that need more than one field's rights (pure).

- Nobody reviews an inspection they inspected: an op that sets the status to ``returned`` or
  ``approved``, or writes ``review.*`` / ``reviews.*``, by a user named in the inspection's
  ``inspector_ids`` is ``forbidden``. (Which roles may review at all is schemas.json's
  per-path rights; this is the one rule about *who* among them.)
- A rectification's ``reinspection_id`` names an inspection of the same centre whose
  ``item_ids`` are exactly the rectification's items (a re-inspection scores only those).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import repeat
from typing import Any

from .errors import Forbidden, Invalid
from .references import named

REVIEW_VALUES = ("returned", "approved")


def _reviews(leaves: Mapping[str, Any]) -> bool:
    if leaves.get("status") in REVIEW_VALUES:
        return True
    # every path of the op is looked at (an inspection's ~100): the scan runs in C
    return "review" in leaves or any(map(str.startswith, leaves, repeat(("review.", "reviews."))))


def check_reviewer(merged: Mapping[str, Any], op_set: Mapping[str, Any], user_id: str) -> None:
    """Raise Forbidden when ``user_id`` reviews an inspection that names them as inspector.

    ``merged`` is the inspection after the op (its ``inspector_ids`` as stored or set),
    ``op_set`` the paths the op sets.
    """
    if not _reviews(op_set):
        return
    inspectors = merged.get("inspector_ids")
    if isinstance(inspectors, list) and user_id in inspectors:
        raise Forbidden("an inspection is reviewed by someone who did not inspect it",
                        details={"path": "status" if "status" in op_set else "review"})


def check_reinspection(rect: Mapping[str, Any], inspection: Mapping[str, Any] | None) -> None:
    """Raise Invalid (path ``reinspection_id``) unless the named inspection re-inspects
    exactly the rectification's items, at the rectification's centre."""
    inspection = named(rect, "reinspection_id", inspection, what="inspection", same="centre_id")
    if inspection is None:
        return
    wanted = rect.get("item_ids")
    got = inspection.get("item_ids")
    if not isinstance(got, list) or not isinstance(wanted, list) or sorted(got) != sorted(wanted):
        raise Invalid("reinspection_id: the re-inspection's item_ids must be the rectification's items",
                      path="reinspection_id", details={"expected": wanted, "got": got})
