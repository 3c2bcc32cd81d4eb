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
from .cases import as_pauses
from .deadlines import case_clock, due_ms
from .schema import load

COMPLAINT_REPLY_DAYS = 5
OPEN_CASE = frozenset({"accepted", "supplement", "handling"})


@dataclass(frozen=True)
class Context:
    """What computed fields may depend on besides the record itself."""

    now: int
    matter_days: Mapping[str, int] = field(default_factory=dict)
    calendar: Calendar = BUNDLED


def _cases(leaves: Mapping[str, Any], ctx: Context, kept: Mapping[str, Any]) -> dict[str, Any]:
    pauses = kept.get("pauses") or []
    out: dict[str, Any] = {"due_at": None, "overdue": False, "pauses": pauses, "days_owed": None}
    accepted = leaves.get("accepted_at")
    days = ctx.matter_days.get(str(leaves.get("matter_id")))
    if not isinstance(accepted, int) or days is None:
        return out
    extension = leaves.get("extension.days")
    completed = leaves.get("completed_at")
    status = leaves.get("status")
    done = status == "completed" and isinstance(completed, int)
    end = completed if isinstance(completed, int) and done else ctx.now
    clock = case_clock(accepted, days, as_pauses(pauses), now=end,
                       extension_days=extension if isinstance(extension, int) else 0,
                       calendar=ctx.calendar)
    out["due_at"] = clock.due_at
    out["overdue"] = clock.overdue and (done or status in OPEN_CASE)
    out["days_owed"] = None if clock.running else clock.remaining_days
    return out


def _complaints(leaves: Mapping[str, Any], ctx: Context, kept: Mapping[str, Any]) -> dict[str, Any]:
    received = leaves.get("received_at")
    if received is None:
        return {"reply_due": None, "overdue": False}
    due = due_ms(int(received), COMPLAINT_REPLY_DAYS, ctx.calendar)
    replied = leaves.get("replied_at")
    overdue = (int(replied) if replied is not None else ctx.now) > due
    return {"reply_due": due, "overdue": overdue}


def _evaluations(leaves: Mapping[str, Any], ctx: Context, kept: Mapping[str, Any]) -> dict[str, Any]:
    rating = load().ratings.get(str(leaves.get("rating")))
    return {"points": int(rating["points"]) if rating else None}


RULES: dict[str, Callable[[Mapping[str, Any], Context, Mapping[str, Any]], dict[str, Any]]] = {
    "cases": _cases,
    "complaints": _complaints,
    "evaluations": _evaluations,
}


def compute(collection: str, leaves: Mapping[str, Any], ctx: Context,
            kept: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The computed top-level fields for a record of ``collection`` (may be empty).

    ``kept`` holds history the server keeps op by op (a case's ``pauses``): it cannot be
    recomputed from the merged leaves alone.
    """
    rule = RULES.get(collection)
    return rule(leaves, ctx, kept or {}) if rule else {}
