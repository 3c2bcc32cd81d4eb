"""``/api/v1/quarantine``: supervisors review refused ops (list, release, drop)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sync.errors import BadRequest, FieldsyncError, Forbidden

from . import quarantine
from .auth import Principal, now_ms
from .http import client_address, json_response, read_json
from .state import int_param, principal, state

REVIEWERS = frozenset({"supervisor", "admin"})


async def _reviewer(request: Request) -> Principal:
    who = await principal(request)
    if who.role not in REVIEWERS:
        raise Forbidden("only a supervisor or admin reviews the quarantine")
    return who


async def list_quarantine(request: Request) -> Response:
    """Quarantined ops of the caller's county, newest first (``?status=open|released|dropped|all``,
    ``?code=``, ``?limit=``)."""
    fs = state(request)
    who = await _reviewer(request)
    q = request.query_params
    status = quarantine.check_status(q.get("status"))
    limit = int_param(q.get("limit", "200"), "limit", minimum=1, maximum=1000)
    code = q.get("code") or None
    items = await fs.readers.run(lambda c: quarantine.list_entries(c, who, status, code, limit))
    return json_response(request, {"quarantine": items})


async def release(request: Request) -> Response:
    """Apply one quarantined op as its device's op, through every normal check (audited)."""
    fs = state(request)
    who = await _reviewer(request)
    op_id = request.path_params["op_id"]
    address = client_address(request)
    result = await fs.writer.execute(
        lambda c: quarantine.release(c, who, op_id, now_ms(), address))
    if result["status"] == "rejected":
        # Committed first (the new reason is on the quarantined op), then reported.
        raise FieldsyncError(f"still refused: {result['message']}", code="still_rejected",
                             status=409, details={"op": op_id, "code": result["code"],
                                                  **result.get("details", {})})
    return json_response(request, result)


async def drop(request: Request) -> Response:
    """Drop one quarantined op, with a reason (kept and audited)."""
    fs = state(request)
    who = await _reviewer(request)
    doc = await read_json(request, 64 * 1024, 64 * 1024)
    reason = doc.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
        raise BadRequest("reason: say why the op is dropped (1–1000 characters)",
                         details={"field": "reason"})
    op_id = request.path_params["op_id"]
    address = client_address(request)
    result = await fs.writer.execute(
        lambda c: quarantine.drop(c, who, op_id, reason.strip(), now_ms(), address))
    return json_response(request, result)
