"""``/api/v1/quarantine``: supervisors review refused ops (list, release, drop).

See ``server.store.quarantine`` for what a release and a drop do. The list shows each op as
sent with applicants' ID numbers and phones masked, as every list does; a reviewer who must
see them whole to judge an op asks ``unmasked=1`` (a supervisor with a ``reason``), as for an
export, and the audit log has it before the answer leaves. A release applies the op as
stored, whole.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sync.errors import Forbidden

from ..clock import now_ms
from ..errors import BadRequest, WebError
from ..http import client_address, json_response, read_json
from ..masking import mask_op
from ..state import int_param, principal, state
from ..store import audit, quarantine
from ..store.quarantine import Reviewer
from .workspace import unmask_asked

REVIEWERS = frozenset({"supervisor", "admin"})


class StillRejected(WebError):
    """A released op was refused again; ``details['code']`` is the new reason (it stays)."""

    code = "still_rejected"


async def _reviewer(request: Request) -> tuple[Reviewer, str]:
    """The reviewer calling, and their role."""
    who = await principal(request)
    if who.role not in REVIEWERS:
        raise Forbidden("only a supervisor or admin reviews the quarantine")
    return Reviewer(who.user_id, who.username, who.device_id, who.scope, who.audit_county,
                    client_address(request)), who.role


def _status(value: str | None) -> str | None:
    if value is None:
        return "open"
    if value == "all":
        return None
    if value not in quarantine.STATES:
        raise BadRequest("status: expected open, released, dropped or all",
                         details={"field": "status"})
    return value


async def list_quarantine(request: Request) -> Response:
    """Quarantined ops of the caller's county, newest first (``?status=open|released|dropped|all``,
    ``?code=``, ``?limit=``), applicants' numbers masked unless ``?unmasked=1&reason=``."""
    fs = state(request)
    by, role = await _reviewer(request)
    q = request.query_params
    status = _status(q.get("status"))
    limit = int_param(q.get("limit", "200"), "limit", minimum=1, maximum=1000)
    code = q.get("code") or None
    unmasked, reason = unmask_asked(request, role, "review the quarantine")
    items = await fs.readers.run(lambda c: quarantine.in_scope(c, by.scope, status, code, limit))
    if unmasked:
        details = {"status": status or "all", "code": code, "ops": [i["op_id"] for i in items][:50],
                   "count": len(items), "reason": reason}
        await fs.writer.execute(lambda conn: audit.record(
            conn, at=now_ms(), action="quarantine_unmasked", outcome="ok", user_id=by.user_id,
            username=by.username, device_id=by.device_id, county_id=by.county_id,
            target="quarantine", details=details, address=by.address))
    else:
        for item in items:
            item["op"] = mask_op(item["op"])
    return json_response(request, {"quarantine": items})


async def release(request: Request) -> Response:
    """Apply one quarantined op as its device's op, through every normal check (audited)."""
    fs = state(request)
    by, _role = await _reviewer(request)
    op_id = request.path_params["op_id"]
    result = await fs.writer.execute(lambda c: quarantine.release(c, by, op_id, now_ms()))
    if result["status"] == "rejected":
        # Committed first (the new reason is on the quarantined op), then reported.
        raise StillRejected(f"still refused: {result['message']}",
                            details={**result.get("details", {}), "op": op_id,
                                     "code": result["code"]})
    return json_response(request, result)


async def drop(request: Request) -> Response:
    """Drop one quarantined op, with a reason (kept and audited)."""
    fs = state(request)
    by, _role = await _reviewer(request)
    doc = await read_json(request, 64 * 1024, 64 * 1024)
    reason = doc.get("reason")
    if not isinstance(reason, str) or not reason.strip() or len(reason) > 1000:
        raise BadRequest("reason: say why the op is dropped (1–1000 characters)",
                         details={"field": "reason"})
    op_id = request.path_params["op_id"]
    text = reason.strip()
    result = await fs.writer.execute(lambda c: quarantine.drop(c, by, op_id, text, now_ms()))
    return json_response(request, result)
