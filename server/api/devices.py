"""Devices and users: who synced when, revoking a device, disabling a user.

``GET /api/v1/devices`` lists devices: an admin sees all, a supervisor their
county's, anyone else their own. ``POST /api/v1/devices/{id}/revoke`` ends a
device's token (its next request gets 401 ``device_revoked`` with ``wipe``).
``POST /api/v1/users/{id}/disable`` ends every device of a user and refuses logins.
A device or user outside the caller's reach is reported as not found.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sync.errors import Forbidden

from ..auth import Principal
from ..clock import now_ms
from ..errors import NotFound
from ..http import client_address, json_response
from ..state import int_param, principal, state
from ..store import audit, devices, users

MANAGERS = frozenset({"supervisor", "admin"})


def _device(doc: dict[str, Any]) -> dict[str, Any]:
    doc = dict(doc)
    doc["status"] = json.loads(doc["status"]) if doc["status"] else None
    for key in ("created_at", "last_seen", "revoked_at"):
        doc[key] = audit.iso(doc[key]) if doc[key] is not None else None
    doc["revoked"] = doc["revoked_at"] is not None
    return doc


def _only_managers(who: Principal, doing: str) -> None:
    if who.role not in MANAGERS:
        raise Forbidden(f"only a supervisor or admin {doing}")


async def list_devices(request: Request) -> Response:
    """Devices the caller may manage, most recently seen first."""
    fs = state(request)
    who = await principal(request)
    limit = int_param(request.query_params.get("limit", "500"), "limit", minimum=1, maximum=5000)
    rows = await fs.readers.run(lambda c: devices.manageable(c, who.user_id, who.scope, limit))
    return json_response(request, {"devices": [_device(r) for r in rows]})


async def revoke_device(request: Request) -> Response:
    """Revoke one device (idempotent); the device learns it at its next request."""
    fs = state(request)
    who = await principal(request)
    device_id = request.path_params["device_id"]
    address = client_address(request)

    def revoke(conn: sqlite3.Connection) -> dict[str, Any]:
        owner = devices.owner(conn, device_id)
        if owner is None or not devices.may_manage(conn, who.user_id, who.scope, owner):
            raise NotFound("no such device in your scope")
        now = now_ms()
        n = devices.revoke(conn, device_id, who.user_id, now)
        audit.record(conn, at=now, action="revoke_device", outcome="ok" if n else "already",
                     user_id=who.user_id, username=who.username, device_id=who.device_id,
                     county_id=who.audit_county, target=device_id, address=address)
        return _device(devices.get(conn, device_id))

    return json_response(request, await fs.writer.execute(revoke))


async def disable_user(request: Request) -> Response:
    """Disable a user: logins refused, every device revoked (supervisor of their county, admin)."""
    fs = state(request)
    who = await principal(request)
    user_id = request.path_params["user_id"]
    _only_managers(who, "disables users")
    address = client_address(request)

    def disable(conn: sqlite3.Connection) -> dict[str, Any]:
        if not users.user_exists(conn, user_id) or user_id == who.user_id \
                or not devices.may_manage(conn, who.user_id, who.scope, user_id):
            raise NotFound("no such user in your scope")
        now = now_ms()
        users.disable_user(conn, user_id)
        n = devices.revoke_all_of(conn, user_id, who.user_id, now)
        audit.record(conn, at=now, action="disable_user", outcome="ok", user_id=who.user_id,
                     username=who.username, device_id=who.device_id, county_id=who.audit_county,
                     target=user_id, details={"devices_revoked": n}, address=address)
        return {"user_id": user_id, "disabled": True, "devices_revoked": n}

    return json_response(request, await fs.writer.execute(disable))


async def audit_log(request: Request) -> Response:
    """Audit entries of the caller's county (supervisor) or everything (admin)."""
    fs = state(request)
    who = await principal(request)
    _only_managers(who, "reads the audit log")
    q = request.query_params
    until = int_param(q.get("until", str(now_ms() + 1)), "until")
    since = int_param(q.get("since", "0"), "since")
    limit = int_param(q.get("limit", "500"), "limit", minimum=1, maximum=5000)
    entries = await fs.readers.run(lambda c: audit.query(c, who.scope, since, until, limit))
    return json_response(request, {"entries": entries})
