"""Who may use the county workspace's endpoints (reports, lists, boards, exports), and who
may see applicants' ID numbers and phones whole there.

Field staff work from their phone's synced copy and never reach the workspace: the server
refuses them here (403 ``forbidden``), whatever the PWA shows. Centre staff, inspectors,
supervisors and admins are then scoped by each endpoint (an inspector never receives
applicants' personal data).
"""

from __future__ import annotations

from starlette.requests import Request

from sync.errors import Forbidden

from ..auth import Principal
from ..errors import BadRequest
from ..state import parse_bool, principal

NOT_IN_WORKSPACE = frozenset({"field"})


async def workspace_principal(request: Request) -> Principal:
    """The caller, if their role uses the workspace; else ``Forbidden``."""
    who = await principal(request)
    if who.role in NOT_IN_WORKSPACE:
        raise Forbidden(f"role {who.role} has no access to the county workspace", details={"role": who.role})
    return who


def unmask_asked(request: Request, role: str, what: str) -> tuple[bool, str | None]:
    """``(unmasked, reason)`` from ``?unmasked=1&reason=``: only an admin, or a supervisor
    giving a reason (≤ 200 characters), may see applicants' numbers whole (``what``: the
    action, for the refusal's message); anyone else asking is ``Forbidden``. The caller
    audits an unmasked answer before sending it."""
    q = request.query_params
    unmasked = bool(parse_bool(q.get("unmasked"), "unmasked"))
    reason = (q.get("reason") or "").strip() or None
    if not unmasked:
        return False, None
    if role not in ("admin", "supervisor"):
        raise Forbidden(f"only an admin, or a supervisor giving a reason, may {what} unmasked")
    if role == "supervisor" and reason is None:
        raise Forbidden(f"a supervisor may {what} unmasked only giving a reason",
                        details={"field": "reason"})
    if reason is not None and len(reason) > 200:
        raise BadRequest("reason: at most 200 characters", details={"field": "reason"})
    return True, reason
