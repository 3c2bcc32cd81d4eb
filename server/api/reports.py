"""Reports: the county workspace's figures per centre and month (contract v1.1 "Reports").

``GET /api/v1/reports/overview?month=YYYY-MM`` gives each centre in the caller's scope its
month's figures; ``GET /api/v1/reports/trend?months=12&centre_id=`` the same figures for
each of the last ``months`` months (ending with ``month``, default this one), for
sparklines. Months are calendar months in China time (UTC+8). Definitions are in
``docs/contract.md``; the SQL is in ``server.store.reports``.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sync.errors import Forbidden

from ..assessment import CST, ELIGIBLE_AVERAGE, month_bounds, standing
from ..auth import Principal
from ..clock import now_ms
from ..errors import BadRequest
from ..http import json_response
from ..state import int_param, state
from ..store import reports
from .workspace import workspace_principal

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def this_month(now: int) -> tuple[int, int]:
    """The current month in China time as ``(year, month)``."""
    today = dt.datetime.fromtimestamp(now / 1000, CST)
    return today.year, today.month


def parse_month(value: str | None, now: int) -> tuple[int, int]:
    """``YYYY-MM`` (2000–2099) as ``(year, month)``; absent: this month. Else 400."""
    if value is None:
        return this_month(now)
    m = _MONTH.match(value)
    if not m or not 2000 <= int(m[1]) <= 2099 or not 1 <= int(m[2]) <= 12:
        raise BadRequest("month: expected YYYY-MM (2000-01 … 2099-12)", details={"field": "month"})
    return int(m[1]), int(m[2])


def month_name(year: int, month: int) -> str:
    """``YYYY-MM``."""
    return f"{year:04d}-{month:02d}"


def back(year: int, month: int, n: int) -> tuple[int, int]:
    """The month ``n`` months before ``(year, month)``."""
    index = year * 12 + (month - 1) - n
    return index // 12, index % 12 + 1


def scoped_centres(who: Principal, centre_id: str | None) -> list[str]:
    """The centres to report on: the caller's scope, or one centre of it (403 outside)."""
    if centre_id is None:
        return sorted(who.scope.centre_ids)
    if not who.scope.can_read_centre(centre_id):
        raise Forbidden(f"centre {centre_id} is outside your scope", details={"centre_id": centre_id})
    return [centre_id]


def _overview(conn: sqlite3.Connection, ids: list[str], year: int, month: int,
              now: int) -> dict[str, Any]:
    start, end = month_bounds(year, month)
    named = reports.centres(conn, ids)
    figures = reports.month_figures(conn, [c for c, _n in named], start, end, now)
    return {"month": month_name(year, month),
            "centres": [{"centre_id": cid, "name": name, **figures[cid]} for cid, name in named]}


async def overview(request: Request) -> Response:
    """Each centre in scope with its figures for ``month`` (default: this month)."""
    fs = state(request)
    who = await workspace_principal(request)
    now = now_ms()
    q = request.query_params
    year, month = parse_month(q.get("month"), now)
    ids = scoped_centres(who, q.get("centre_id"))
    doc = await fs.readers.run(lambda conn: _overview(conn, ids, year, month, now))
    return json_response(request, doc)


async def trend(request: Request) -> Response:
    """The overview's figures for each of ``months`` months ending with ``month``, oldest first."""
    fs = state(request)
    who = await workspace_principal(request)
    now = now_ms()
    q = request.query_params
    year, month = parse_month(q.get("month"), now)
    months = int_param(q.get("months", "12"), "months", minimum=1, maximum=24)
    ids = scoped_centres(who, q.get("centre_id"))

    def run(conn: sqlite3.Connection) -> dict[str, Any]:
        series = []
        for n in range(months - 1, -1, -1):
            y, m = back(year, month, n)
            series.append(_overview(conn, ids, y, m, now))
        return {"months": [s["month"] for s in series],
                "centres": [{"centre_id": c["centre_id"], "name": c["name"],
                             "series": {f: [s["centres"][i][f] for s in series]
                                        for f in reports.FIGURES}}
                            for i, c in enumerate(series[-1]["centres"])]}

    return json_response(request, await fs.readers.run(run))


def _assessment(conn: sqlite3.Connection, ids: list[str], year: int, month: int) -> dict[str, Any]:
    start, end = month_bounds(year, month)
    named = reports.centres(conn, ids)
    found = reports.approved_inspections(conn, [c for c, _n in named], start, end)
    window_names = reports.windows(conn, [c for c, _n in named])
    out = []
    for cid, name in named:
        mine = [i for i in found if i["centre_id"] == cid]
        by_window: dict[str, list[tuple[float | None, bool]]] = {}
        for i in mine:
            if i["window_id"]:
                by_window.setdefault(i["window_id"], []).append((i["score"], i["vetoed"]))
        out.append({"centre_id": cid, "name": name,
                    **standing([(i["score"], i["vetoed"]) for i in mine]),
                    "windows": [{"window_id": wid,
                                 "name": window_names.get(cid, {}).get(wid, wid),
                                 **standing(by_window[wid])} for wid in sorted(by_window)]})
    return {"month": month_name(year, month), "threshold": ELIGIBLE_AVERAGE, "centres": out}


async def assessment(request: Request) -> Response:
    """Each centre's and window's monthly standardisation score from approved inspections,
    vetoes and eligibility for nomination (DOMAIN.md "Assessment and awards")."""
    fs = state(request)
    who = await workspace_principal(request)
    q = request.query_params
    year, month = parse_month(q.get("month"), now_ms())
    ids = scoped_centres(who, q.get("centre_id"))
    return json_response(request, await fs.readers.run(
        lambda conn: _assessment(conn, ids, year, month)))
