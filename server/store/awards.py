"""The award flow's checks that need reference data the pure rights function has not
(``sync/rights.py`` already enforces who may set which status, the transition table and
the required paths). Called from the one place every op is applied (``Batch._apply``):

- ``nominated``: the centre (or the window named) is eligible for the award's period by
  the monthly assessment's rule (``server.assessment.standing`` over the period's approved
  inspections: mean >= 90, no veto);
- ``notice`` -> ``awarded``: only after the public notice's end (``notice_ends_at``, three
  working days, computed) and with no open objection (one without a resolution, or upheld);
- a failed re-check (``recheck.passed`` false) withdraws the title: the op must set
  ``status`` ``withdrawn`` (with ``withdrawn_reason``) beside it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from sync.errors import Invalid, InvalidTransition

from ..assessment import ELIGIBLE_AVERAGE, period_bounds, standing
from .reports import approved_inspections


def _objections(leaves: Mapping[str, Any]) -> list[str]:
    """Objection ids still open: no resolution yet, or upheld."""
    found: dict[str, dict[str, Any]] = {}
    for path, value in leaves.items():
        if path.startswith("objections."):
            parts = path.split(".", 2)
            if len(parts) == 3:
                found.setdefault(parts[1], {})[parts[2]] = value
    return sorted(oid for oid, o in found.items()
                  if o.get("upheld") is True or not str(o.get("resolution") or "").strip())


def check(conn: sqlite3.Connection, before: Mapping[str, Any] | None,
          after: Mapping[str, Any], computed: Mapping[str, Any], now: int) -> None:
    """Raise ``Invalid``/``InvalidTransition`` when the award ``after`` (merged leaves,
    ``computed`` its computed fields at ``now``) breaks a rule above."""
    old = before.get("status") if before else None
    new = after.get("status")
    if new != old and new == "nominated":
        _check_eligible(conn, after)
    if new != old and new == "awarded":
        ends = computed.get("notice_ends_at")
        if old == "notice" and (not isinstance(ends, int) or now < ends):
            raise InvalidTransition(
                "status: awarded only after the public notice ends",
                details={"from": old, "to": new, "notice_ends_at": ends, "now": now})
        still = _objections(after)
        if still:
            raise InvalidTransition(
                "status: awarded only when no objection is open",
                details={"from": old, "to": new, "objections": still})
    if after.get("recheck.passed") is False and new != "withdrawn":
        raise Invalid("status: a failed re-check withdraws the title (set status withdrawn"
                      " with withdrawn_reason)", path="status",
                      details={"recheck.passed": False, "status": new})


def _check_eligible(conn: sqlite3.Connection, award: Mapping[str, Any]) -> None:
    period = str(award.get("period") or "")
    bounds = period_bounds(period)
    if bounds is None:
        raise Invalid(f"period: not a month, quarter or year: {period!r}", path="period")
    centre = str(award.get("centre_id"))
    window = award.get("window_id")
    found = approved_inspections(conn, [centre], *bounds)
    if isinstance(window, str):
        found = [i for i in found if i["window_id"] == window]
    result = standing([(i["score"], i["vetoed"]) for i in found])
    if not result["eligible"]:
        raise Invalid(
            f"status: nominated only when eligible for {period} (a mean score of at least"
            f" {ELIGIBLE_AVERAGE:g} over approved inspections and no veto)", path="status",
            details={"period": period, "centre_id": centre, "window_id": window,
                     "threshold": ELIGIBLE_AVERAGE, **result})
