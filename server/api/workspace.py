"""Who may use the county workspace's endpoints (reports, lists, boards, exports).

Field staff work from their phone's synced copy and never reach the workspace: the server
refuses them here (403 ``forbidden``), whatever the PWA shows. Centre staff, inspectors,
supervisors and admins are then scoped by each endpoint (an inspector never receives
applicants' personal data).
"""

from __future__ import annotations

from starlette.requests import Request

from sync.errors import Forbidden

from ..auth import Principal
from ..state import principal

NOT_IN_WORKSPACE = frozenset({"field"})


async def workspace_principal(request: Request) -> Principal:
    """The caller, if their role uses the workspace; else ``Forbidden``."""
    who = await principal(request)
    if who.role in NOT_IN_WORKSPACE:
        raise Forbidden(f"role {who.role} has no access to the county workspace", details={"role": who.role})
    return who
