"""Paged, filtered lists and boards for the county workspace, so a supervisor never syncs the
county's records to see a list.

``GET /api/v1/records/{collection}?centre_id=&status=&overdue=&due_before=&q=&cursor=&limit=``
→ ``{"items": [...], "next": cursor|null}``, newest first. Boards, soonest due first:
``GET /api/v1/boards/overdue`` (open cases overdue or due within ``within_days``, each with
its accountability records), ``/boards/rectifications`` (open orders),
``/boards/complaints`` (waiting for a reply). Every row names its centre and township
(``centre_name``); applicants' ID numbers and phones are masked for every role.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sync.computed import RECHECK_NOTICE_MS
from sync.errors import Forbidden
from sync.schema import load

from ..assessment import CST
from ..auth import Principal
from ..clock import now_ms
from ..errors import BadRequest, NotFound
from ..http import json_response
from ..masking import mask_record
from ..state import int_param, parse_bool, state
from ..store import lists
from ..store.sqlite import FACT_COLLECTIONS
from .reports import scoped_centres
from .workspace import workspace_principal

OPEN_CASE = ("accepted", "supplement", "handling")
OPEN_RECTIFICATION = ("open", "responded", "overdue")
WAITING_COMPLAINT = ("open",)
DAY_MS = 86_400_000
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def listed_collection(who: Principal, name: str) -> str:
    """A collection the workspace lists (404 for any other; 403 for one the role never
    receives, by the same rule as a pull: ``Scope.can_read_collection``)."""
    if name not in FACT_COLLECTIONS or name not in load().collections:
        raise NotFound(f"no list of {name!r}", details={"collection": name})
    if not who.scope.can_read_collection(name):
        raise Forbidden(f"role {who.role} does not receive {name}", details={"collection": name})
    return name


def parse_day(value: str, field: str) -> int:
    """``YYYY-MM-DD`` as the epoch ms of that day's midnight in China time; else 400."""
    if not _DATE.match(value):
        raise BadRequest(f"{field}: expected YYYY-MM-DD", details={"field": field})
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise BadRequest(f"{field}: no such date", details={"field": field}) from None
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=CST).timestamp() * 1000)


def statuses() -> list[str]:
    """Every status a centre's collection knows (as OpenAPI lists them)."""
    out: set[str] = set()
    for coll in load().collections.values():
        spec = coll.fields.get("status")
        if coll.scope == "centre" and isinstance(spec, dict):
            out.update(spec.get("enum", []))
    return sorted(out)


def parse_status(value: str | None) -> str | None:
    """A status some listed collection knows (absent: None); else 400. A status another
    collection has simply matches nothing here."""
    if value is None:
        return None
    allowed = statuses()
    if value not in allowed:
        raise BadRequest(f"status: expected one of {', '.join(allowed)}",
                         details={"field": "status", "allowed": allowed})
    return value


def parse_query(value: str | None) -> str | None:
    """A search text of 1–100 characters (absent or empty: None)."""
    if not value:
        return None
    if len(value) > 100:
        raise BadRequest("q: at most 100 characters", details={"field": "q"})
    return value


def _cursor(value: str | None, parts: int) -> tuple[int, ...] | None:
    if value is None:
        return None
    pieces = value.split(".")
    if len(pieces) != parts or not all(p.isdigit() and len(p) < 19 for p in pieces):
        raise BadRequest("cursor: not a cursor this list gave", details={"field": "cursor"})
    return tuple(int(p) for p in pieces)


def _limit(request: Request) -> int:
    return int_param(request.query_params.get("limit", "50"), "limit", minimum=1, maximum=200)


def row(item: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """A list row: the record (personal data masked) with its township's name."""
    return {"collection": item["collection"], "id": item["id"], "version": item["version"],
            "centre_id": item["centre_id"], "centre_name": names.get(item["centre_id"] or ""),
            "data": mask_record(item["data"])}


async def list_records(request: Request) -> Response:
    """One page of a collection's records in scope, filtered, newest first."""
    fs = state(request)
    who = await workspace_principal(request)
    q = request.query_params
    collection = listed_collection(who, request.path_params["collection"])
    filters = lists.Filters(
        status=parse_status(q.get("status")),
        overdue=parse_bool(q.get("overdue"), "overdue"),
        due_before=parse_day(q["due_before"], "due_before") if "due_before" in q else None,
        q=parse_query(q.get("q")))
    centres = scoped_centres(who, q.get("centre_id"))
    cursor = _cursor(q.get("cursor"), 1)
    limit = _limit(request)

    def run(conn: sqlite3.Connection) -> dict[str, Any]:
        items, nxt = lists.page(conn, collection, centres, filters,
                                cursor[0] if cursor else None, limit)
        names = lists.centre_names(conn)
        return {"items": [row(i, names) for i in items],
                "next": str(nxt) if nxt is not None else None}

    return json_response(request, await fs.readers.run(run))


def _board(collection: str, statuses: tuple[str, ...],
           extra: Callable[[sqlite3.Connection, list[dict[str, Any]]], None] | None = None,
           soon: bool = False, within: int = 3) -> Callable[[Request], Any]:
    async def board(request: Request) -> Response:
        fs = state(request)
        who = await workspace_principal(request)
        q = request.query_params
        listed_collection(who, collection)
        centres = scoped_centres(who, q.get("centre_id"))
        cursor = _cursor(q.get("cursor"), 2)
        limit = _limit(request)
        now = now_ms()
        due_before = None
        if soon:
            days = int_param(q.get("within_days", str(within)), "within_days", minimum=0,
                             maximum=60)
            due_before = now + days * DAY_MS
        filters = lists.Filters(statuses=statuses, due_before=due_before)

        def run(conn: sqlite3.Connection) -> dict[str, Any]:
            items, nxt = lists.by_due(conn, collection, centres, filters,
                                      (cursor[0], cursor[1]) if cursor else None, limit)
            names = lists.centre_names(conn)
            rows = [{**row(i, names), "due": i["key"][0], "overdue": i["key"][0] < now}
                    for i in items]
            if extra is not None:
                extra(conn, rows)
            return {"items": rows, "next": f"{nxt[0]}.{nxt[1]}" if nxt else None}

        return json_response(request, await fs.readers.run(run))

    board.__doc__ = f"Open {collection} in scope by due time (a board of the workspace)."
    return board


def _with_accountability(conn: sqlite3.Connection, rows: list[dict[str, Any]]) -> None:
    found = lists.accountability_of(conn, "cases", [r["id"] for r in rows]) \
        if "accountability" in load().collections else {}
    for r in rows:
        r["accountability"] = found.get(r["id"], [])


overdue_board = _board("cases", OPEN_CASE, _with_accountability, soon=True)
rectifications_board = _board("rectifications", OPEN_RECTIFICATION)
complaints_board = _board("complaints", WAITING_COMPLAINT)
# The re-check reminder: titles expiring within 60 days (the computed ``recheck_due``
# window), or expired, soonest first; ``due`` is the award's ``expires_at``.
awards_recheck_board = _board("awards", ("awarded",), soon=True,
                              within=RECHECK_NOTICE_MS // DAY_MS)
