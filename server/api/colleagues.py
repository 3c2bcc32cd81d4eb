"""``GET /api/v1/colleagues[?centre_id=]``: the people of the caller's centres, for pickers.

A case's hand-over (首问负责) names a colleague; the phone shows colleagues by name, so it
keeps this small reference list (id, display name, role, centres) and refreshes it after a
sync. Field and centre staff get the people of their own centres, supervisors and inspectors
those of their county, admins everyone's; ``centre_id`` narrows it to one centre of the scope
(another centre → 403 ``forbidden``). Only enabled field and centre staff are listed, and only
what the picker needs: no username, no phone, no county.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sync.errors import Forbidden

from ..errors import BadRequest
from ..http import json_response
from ..state import principal, state
from ..store.users import colleagues as store_colleagues


async def colleagues(request: Request) -> Response:
    """The enabled field and centre staff of the caller's centres (or one of them)."""
    who = await principal(request)
    centres = who.scope.centre_ids
    centre = request.query_params.get("centre_id")
    if centre is not None:
        if not centre or len(centre) > 64:
            raise BadRequest("centre_id: a centre id", details={"field": "centre_id"})
        if not who.scope.can_read_centre(centre):
            raise Forbidden(f"centre {centre} is not yours", details={"centre_id": centre})
        centres = frozenset([centre])
    people = await state(request).readers.run(lambda conn: store_colleagues(conn, centres))
    return json_response(request, {"users": people})
