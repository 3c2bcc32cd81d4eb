"""Users admin: list, add, reset a password, enable, assign role, county and centres.

A supervisor manages the users of their own county (never an admin, never making one, never
giving centres of another county); an admin manages everyone. Every change is audited in the
same transaction. ``POST /api/v1/users/{id}/disable`` is in ``server.api.devices``.

- ``GET /api/v1/users?q=&role=&cursor=&limit=`` → ``{"items": [...], "next"}`` by username.
- ``POST /api/v1/users`` ``{"username", "password", "role", "name"?, "centre_ids"?, "county_id"?}`` → 201.
- ``POST /api/v1/users/{id}/reset-password`` ``{"password"}``: every device of theirs is revoked.
- ``POST /api/v1/users/{id}/enable``.
- ``PUT /api/v1/users/{id}/access`` ``{"role", "centre_ids", "county_id"?}``: their devices
  get a reset at the next sync (the scope changed).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sync.errors import Forbidden

from ..auth import Principal, hash_password
from ..clock import now_ms
from ..errors import BadRequest, NotFound
from ..http import client_address, json_response, read_json
from ..scope import ROLES
from ..state import AppState, int_param, principal, state
from ..store import audit, devices, users
from ..store.users import county_of

MANAGERS = frozenset({"supervisor", "admin"})
MIN_PASSWORD = 8


def _manager(who: Principal) -> None:
    if who.role not in MANAGERS:
        raise Forbidden("only a supervisor or admin manages users")


def _text(doc: dict[str, Any], key: str, *, required: bool = True, maximum: int = 64) -> str | None:
    value = doc.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip() or len(value) > maximum:
        raise BadRequest(f"{key}: expected text of 1–{maximum} characters", details={"field": key})
    return value.strip()


def _password(doc: dict[str, Any]) -> str:
    value = doc.get("password")
    if not isinstance(value, str) or not MIN_PASSWORD <= len(value) <= 200:
        raise BadRequest(f"password: {MIN_PASSWORD}–200 characters", details={"field": "password"})
    return value


def _access(doc: dict[str, Any]) -> tuple[str, tuple[str, ...], str | None]:
    role = doc.get("role")
    if role not in ROLES:
        raise BadRequest(f"role: one of {', '.join(ROLES)}", details={"field": "role"})
    centres = doc.get("centre_ids", [])
    if not isinstance(centres, list) or len(centres) > 100 \
            or not all(isinstance(c, str) and 0 < len(c) <= 64 for c in centres):
        raise BadRequest("centre_ids: a list of centre ids", details={"field": "centre_ids"})
    county = doc.get("county_id")
    if county is not None and (not isinstance(county, str) or not 0 < len(county) <= 64):
        raise BadRequest("county_id: a county id", details={"field": "county_id"})
    return str(role), tuple(sorted(set(centres))), county


def _check_grant(conn: sqlite3.Connection, who: Principal, role: str, centres: tuple[str, ...],
                 county: str | None) -> str | None:
    """Refuse what a supervisor may not give; returns the county to store."""
    if who.scope.everything:
        return county
    if role == "admin":
        raise Forbidden("a supervisor does not make admins", details={"field": "role"})
    own = sorted(who.scope.county_ids)
    for cid in centres:
        if county_of(conn, cid) not in own:
            raise Forbidden(f"centre {cid} is outside your county", details={"centre_id": cid})
    if county is not None and county not in own:
        raise Forbidden(f"county {county} is not yours", details={"county_id": county})
    return county or (own[0] if own and role == "supervisor" else county)


def _target(conn: sqlite3.Connection, who: Principal, user_id: str) -> dict[str, Any]:
    found = users.get_by_id(conn, user_id)
    if found is None or not devices.may_manage(conn, who.user_id, who.scope, user_id) \
            or (found["role"] == "admin" and not who.scope.everything):
        raise NotFound("no such user in your scope")
    return found


@dataclass(frozen=True)
class _Managing:
    """A supervisor's or admin's request to the users admin: who asks, and from where."""

    fs: AppState
    who: Principal
    address: str

    def audit(self, conn: sqlite3.Connection, action: str, target: str,
              details: dict[str, Any]) -> None:
        """Record the change in the caller's transaction."""
        who = self.who
        audit.record(conn, at=now_ms(), action=action, outcome="ok", user_id=who.user_id,
                     username=who.username, device_id=who.device_id, county_id=who.audit_county,
                     target=target, details=details, address=self.address)

    async def write(self, request: Request, change: Callable[[sqlite3.Connection], Any],
                    status: int = 200) -> Response:
        """Run ``change`` on the writer and answer with what it returns."""
        return json_response(request, await self.fs.writer.execute(change), status)


async def _managing(request: Request) -> _Managing:
    """Every users-admin request starts here: logged in (401), a manager (403)."""
    who = await principal(request)
    _manager(who)
    return _Managing(state(request), who, client_address(request))


async def list_users(request: Request) -> Response:
    """Users the caller manages, by username, paged."""
    who = (await _managing(request)).who
    q = request.query_params
    role = q.get("role")
    if role is not None and role not in ROLES:
        raise BadRequest(f"role: one of {', '.join(ROLES)}", details={"field": "role"})
    search = q.get("q") or None
    if search is not None and len(search) > 64:
        raise BadRequest("q: at most 64 characters", details={"field": "q"})
    limit = int_param(q.get("limit", "100"), "limit", minimum=1, maximum=500)
    after = q.get("cursor")

    def run(conn: sqlite3.Connection) -> dict[str, Any]:
        found = users.list_users(conn, devices.reach(who.user_id, who.scope), search, role,
                                 after, limit + 1)
        more = len(found) > limit
        found = found[:limit]
        for u in found:
            u["created_at"] = audit.iso(int(str(u["created_at"])))
        return {"items": found, "next": str(found[-1]["username"]) if more else None}

    return json_response(request, await state(request).readers.run(run))


async def add_user(request: Request) -> Response:
    """Create a user (201 with the user)."""
    m = await _managing(request)
    doc = await read_json(request, 64 * 1024, 64 * 1024)
    username = _text(doc, "username")
    name = _text(doc, "name", required=False)
    password = _password(doc)
    role, centres, county = _access(doc)
    hashed = hash_password(password)

    def add(conn: sqlite3.Connection) -> dict[str, Any]:
        stored_county = _check_grant(conn, m.who, role, centres, county)
        uid = users.add_user(conn, username=str(username), password_hash=hashed, role=role,
                             now=now_ms(), name=name, centre_ids=centres, county_id=stored_county)
        m.audit(conn, "add_user", uid, {"username": username, "role": role,
                                        "centre_ids": list(centres), "county_id": stored_county})
        created = dict(users.get_by_id(conn, uid) or {})
        created["created_at"] = audit.iso(int(str(created["created_at"])))
        return created

    return await m.write(request, add, 201)


async def reset_password(request: Request) -> Response:
    """Set a new password; every device of the user is revoked (they log in again)."""
    m = await _managing(request)
    user_id = request.path_params["user_id"]
    doc = await read_json(request, 64 * 1024, 64 * 1024)
    hashed = hash_password(_password(doc))

    def reset(conn: sqlite3.Connection) -> dict[str, Any]:
        _target(conn, m.who, user_id)
        users.set_password_hash(conn, user_id, hashed)
        n = devices.revoke_all_of(conn, user_id, m.who.user_id, now_ms()) \
            if user_id != m.who.user_id else 0
        m.audit(conn, "reset_password", user_id, {"devices_revoked": n})
        return {"user_id": user_id, "devices_revoked": n}

    return await m.write(request, reset)


async def enable_user(request: Request) -> Response:
    """Allow a disabled user's logins again."""
    m = await _managing(request)
    user_id = request.path_params["user_id"]

    def enable(conn: sqlite3.Connection) -> dict[str, Any]:
        _target(conn, m.who, user_id)
        users.set_enabled(conn, user_id)
        m.audit(conn, "enable_user", user_id, {})
        return {"user_id": user_id, "disabled": False}

    return await m.write(request, enable)


async def set_access(request: Request) -> Response:
    """Give a user a role, centres and county (not oneself)."""
    m = await _managing(request)
    user_id = request.path_params["user_id"]
    doc = await read_json(request, 64 * 1024, 64 * 1024)
    role, centres, county = _access(doc)

    def assign(conn: sqlite3.Connection) -> dict[str, Any]:
        before = _target(conn, m.who, user_id)
        if user_id == m.who.user_id:
            raise Forbidden("you do not change your own role or centres")
        stored_county = _check_grant(conn, m.who, role, centres, county)
        users.set_access(conn, user_id, role, stored_county, centres)
        m.audit(conn, "set_access", user_id, {
            "from": {"role": before["role"], "centre_ids": before["centre_ids"],
                     "county_id": before["county_id"]},
            "to": {"role": role, "centre_ids": list(centres), "county_id": stored_county}})
        after = users.get_by_id(conn, user_id) or {}
        after["created_at"] = audit.iso(int(str(after["created_at"])))
        return after

    return await m.write(request, assign)
