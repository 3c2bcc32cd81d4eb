"""``POST /api/v1/auth/login``: password in, device-bound bearer token out."""

from __future__ import annotations

import sqlite3

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from ..auth import create_device, login_payload, verify_password
from ..clock import now_ms
from ..errors import BadCredentials, BadRequest, RateLimited
from ..http import client_address, json_response, read_json
from ..state import state
from ..store import audit
from ..store.users import User, filing_county, get_user


async def login(request: Request) -> Response:
    """Check the password (rate-limited) and register a device for this session."""
    fs = state(request)
    doc = await read_json(request, 64 * 1024, 64 * 1024)
    username, password = doc.get("username"), doc.get("password")
    device_name = doc.get("device_name", "device")
    for key, value in (("username", username), ("password", password),
                       ("device_name", device_name)):
        if not isinstance(value, str) or not value or len(value) > 200:
            raise BadRequest(f"{key}: expected a non-empty string", details={"field": key})
    assert isinstance(username, str) and isinstance(password, str)
    assert isinstance(device_name, str)
    address = client_address(request)
    account = username.lower()
    try:
        fs.limiter.check(account, address)
    except RateLimited:
        await fs.writer.execute(lambda conn: audit.record(
            conn, at=now_ms(), action="login", outcome="locked_out", username=username[:64],
            address=address))
        raise
    user = await fs.readers.run(lambda conn: get_user(conn, username))
    ok = await run_in_threadpool(verify_password, user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        fs.limiter.fail(account, address)
        await fs.writer.execute(lambda conn: audit.record(
            conn, at=now_ms(), action="login", outcome="failed", username=username[:64],
            user_id=user.id if user else None, county_id=filing_county(conn, user),
            details={"reason": "disabled" if user and ok else "bad_credentials"}, address=address))
        raise BadCredentials("wrong username or password")
    fs.limiter.succeed(account)

    def register(conn: sqlite3.Connection, u: User = user) -> tuple[str, str]:
        device_id, token = create_device(conn, u, device_name)
        audit.record(conn, at=now_ms(), action="login", outcome="ok", user_id=u.id,
                     username=u.username, device_id=device_id, county_id=filing_county(conn, u),
                     target=device_name[:100], address=address)
        return device_id, token

    device_id, token = await fs.writer.execute(register)
    payload = await fs.readers.run(lambda conn: login_payload(conn, user, device_id, token))
    return json_response(request, payload)
