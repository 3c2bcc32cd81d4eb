"""The monthly assessment's rule, shared by ``GET /api/v1/reports/assessment`` and the
award checks in the store: a standing is the mean score of a period's approved inspections
and whether any was vetoed; a centre or window is eligible for nomination at a mean of at
least 90 with no veto (DOMAIN.md "Assessment and awards"). No SQL here."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

CST = dt.timezone(dt.timedelta(hours=8))
ELIGIBLE_AVERAGE = 90.0
_PERIOD = re.compile(r"^(\d{4})(?:-(\d{2})|-Q([1-4]))?$")


def standing(scores: list[tuple[float | None, bool]]) -> dict[str, Any]:
    """A period's standardisation standing from ``(score, vetoed)`` of approved inspections:
    the mean score, whether any was vetoed, and eligibility for nomination (a mean of at
    least 90 and no veto)."""
    counted = [s for s, _v in scores if s is not None]
    vetoed = any(v for _s, v in scores)
    mean = round(sum(counted) / len(counted), 2) if counted else None
    return {"inspections": len(scores), "score": mean, "vetoed": vetoed,
            "eligible": mean is not None and mean >= ELIGIBLE_AVERAGE and not vetoed}


def month_bounds(year: int, month: int) -> tuple[int, int]:
    """Epoch ms of the first instant of the month and of the next one, China time."""
    start = dt.datetime(year, month, 1, tzinfo=CST)
    nxt = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=CST)
    return int(start.timestamp() * 1000), int(nxt.timestamp() * 1000)


def period_bounds(period: str) -> tuple[int, int] | None:
    """An award's ``period`` (``YYYY``, ``YYYY-MM`` or ``YYYY-Qn``) as epoch ms
    ``[start, end)`` in China time; None when it is not one."""
    m = _PERIOD.match(period)
    if not m:
        return None
    year = int(m[1])
    if m[2]:
        if not 1 <= int(m[2]) <= 12:
            return None
        return month_bounds(year, int(m[2]))
    first, months = (3 * int(m[3]) - 2, 3) if m[3] else (1, 12)
    start, _ = month_bounds(year, first)
    _, end = month_bounds(year + (first + months - 2) // 12, (first + months - 2) % 12 + 1)
    return start, end
