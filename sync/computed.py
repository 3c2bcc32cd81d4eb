"""Server-computed fields (deadlines, overdue flags, rating points).

Each collection's computed fields are listed in ``schemas.json``; this module says
how to compute them from a record's merged leaves. Pure: the caller passes the time
and the reference data the rules need.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .calendar import BUNDLED, Calendar
from .deadlines import due_ms
from .schema import load

COMPLAINT_REPLY_DAYS = 5
OPEN_CASE = frozenset({"accepted", "supplement", "handling"})


@dataclass(frozen=True)
class Context:
    """What computed fields may depend on besides the record itself."""

    now: int
    matter_days: Mapping[str, int] = field(default_factory=dict)
    calendar: Calendar = BUNDLED


def _cases(leaves: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    accepted = leaves.get("accepted_at")
    days = ctx.matter_days.get(str(leaves.get("matter_id")))
    if accepted is None or days is None:
        return {"due_at": None, "overdue": False}
    due = due_ms(int(accepted), days, ctx.calendar)
    completed = leaves.get("completed_at")
    if completed is not None:
        overdue = int(completed) > due
    else:
        overdue = leaves.get("status") in OPEN_CASE and ctx.now > due
    return {"due_at": due, "overdue": overdue}


def _complaints(leaves: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    received = leaves.get("received_at")
    if received is None:
        return {"reply_due": None, "overdue": False}
    due = due_ms(int(received), COMPLAINT_REPLY_DAYS, ctx.calendar)
    replied = leaves.get("replied_at")
    overdue = (int(replied) if replied is not None else ctx.now) > due
    return {"reply_due": due, "overdue": overdue}


def _evaluations(leaves: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    rating = load().ratings.get(str(leaves.get("rating")))
    return {"points": int(rating["points"]) if rating else None}


RULES: dict[str, Callable[[Mapping[str, Any], Context], dict[str, Any]]] = {
    "cases": _cases,
    "complaints": _complaints,
    "evaluations": _evaluations,
}


def compute(collection: str, leaves: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    """The computed top-level fields for a record of ``collection`` (may be empty)."""
    rule = RULES.get(collection)
    return rule(leaves, ctx) if rule else {}
