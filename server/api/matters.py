"""Importing the county's matter catalogue sheet (政务服务事项目录) on the web.

``POST /api/v1/matters/import?county_id=`` with the file as the body: an ``.xlsx``
(``Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``) or a
``.csv`` (``text/csv``). Supervisors import for their own county, admins for any. All or
nothing: any problem is a 422 ``invalid`` listing each one (row, column, message). Audited.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sync.errors import Forbidden

from ..clock import now_ms
from ..errors import BadRequest, UnsupportedMediaType
from ..http import client_address, json_response, read_body
from ..state import principal, state
from ..store import audit
from ..system import import_matters

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LIMIT = 5 * 1024 * 1024


async def import_catalogue(request: Request) -> Response:
    """Create or update the county's matters from a catalogue sheet."""
    fs = state(request)
    who = await principal(request)
    if who.role not in ("supervisor", "admin"):
        raise Forbidden("only a supervisor or admin imports the matter catalogue")
    county = request.query_params.get("county_id") or (
        sorted(who.scope.county_ids)[0] if len(who.scope.county_ids) == 1 else None)
    if not county or len(county) > 64:
        raise BadRequest("county_id: which county's catalogue", details={"field": "county_id"})
    if not who.scope.can_read_county(county) or (who.role != "admin" and county not in who.scope.county_ids):
        raise Forbidden(f"county {county} is not yours", details={"county_id": county})
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in (XLSX, "text/csv"):
        raise UnsupportedMediaType(f"send the sheet as {XLSX} or text/csv")
    body = await read_body(request, LIMIT, LIMIT)
    name = "catalogue.xlsx" if ctype == XLSX else "catalogue.csv"
    address = client_address(request)

    def run(conn: sqlite3.Connection) -> dict[str, Any]:
        result = import_matters(conn, county, body, name)
        audit.record(conn, at=now_ms(), action="import_matters", outcome="ok",
                     user_id=who.user_id, username=who.username, device_id=who.device_id,
                     county_id=who.audit_county, target=county,
                     details={"imported": result["imported"], "bytes": len(body)}, address=address)
        return result

    return json_response(request, await fs.writer.execute(run))
