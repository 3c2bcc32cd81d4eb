"""Server-computed fields (deadlines, overdue flags, rating points, an award's notice end
and expiry).

Each collection's computed fields are listed in ``schemas.json``; this module says
how to compute them from a record's merged leaves. Pure: the caller passes the time
and the reference data the rules need.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .deadlines import due_ms
from .schema import load

COMPLAINT_REPLY_DAYS = 5
OPEN_CASE = frozenset({"accepted", "supplement", "handling"})


@dataclass(frozen=True)
class Context:
    """What computed fields may depend on besides the record itself."""

    now: int
    matter_days: Mapping[str, int] = field(default_factory=dict)


def _cases(leaves: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    accepted = leaves.get("accepted_at")
    days = ctx.matter_days.get(str(leaves.get("matter_id")))
    if accepted is None or days is None:
        return {"due_at": None, "overdue": False}
    due = due_ms(int(accepted), days)
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
    due = due_ms(int(received), COMPLAINT_REPLY_DAYS)
    replied = leaves.get("replied_at")
    overdue = (int(replied) if replied is not None else ctx.now) > due
    return {"reply_due": due, "overdue": overdue}


def _evaluations(leaves: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    rating = load().ratings.get(str(leaves.get("rating")))
    return {"points": int(rating["points"]) if rating else None}


AWARD_NOTICE_DAYS = 3  # public notice (公示), working days
AWARD_YEARS = 2  # a title lasts two years, then is re-checked
RECHECK_NOTICE_MS = 60 * 86_400_000  # the re-check reminder starts 60 days before expiry


def _plus_years(ms: int, years: int) -> int:
    """The same China-time date and hour ``years`` later (29 February → 28 February)."""
    cst = dt.timezone(dt.timedelta(hours=8))
    at = dt.datetime.fromtimestamp(ms / 1000, cst)
    try:
        later = at.replace(year=at.year + years)
    except ValueError:
        later = at.replace(year=at.year + years, day=28)
    return int(later.timestamp() * 1000)


def _awards(leaves: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    started = leaves.get("notice_started_at")
    awarded = leaves.get("awarded_at")
    expires = _plus_years(int(awarded), AWARD_YEARS) if awarded is not None else None
    rechecked = leaves.get("recheck.at")
    due = expires is not None and leaves.get("status") == "awarded" \
        and ctx.now >= expires - RECHECK_NOTICE_MS \
        and not (rechecked is not None and int(rechecked) >= expires - RECHECK_NOTICE_MS)
    return {"notice_ends_at": due_ms(int(started), AWARD_NOTICE_DAYS) if started is not None else None,
            "expires_at": expires, "recheck_due": due}


RULES: dict[str, Callable[[Mapping[str, Any], Context], dict[str, Any]]] = {
    "cases": _cases,
    "complaints": _complaints,
    "evaluations": _evaluations,
    "awards": _awards,
}


def compute(collection: str, leaves: Mapping[str, Any], ctx: Context) -> dict[str, Any]:
    """The computed top-level fields for a record of ``collection`` (may be empty)."""
    rule = RULES.get(collection)
    return rule(leaves, ctx) if rule else {}
