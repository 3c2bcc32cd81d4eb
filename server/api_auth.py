"""``POST /api/v1/auth/login``: password in, device-bound bearer token out."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from sync.errors import BadCredentials, BadRequest

from .auth import create_device, get_user, login_payload, verify_password
from .http import json_response, read_json
from .state import state


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
    address = request.client.host if request.client else "unknown"
    keys = (f"user:{username.lower()}", f"addr:{address}")
    fs.limiter.check(*keys)
    user = await fs.readers.run(lambda conn: get_user(conn, username))
    ok = await run_in_threadpool(verify_password, user.password_hash if user else None, password)
    if not ok or user is None or user.disabled:
        fs.limiter.fail(*keys)
        raise BadCredentials("wrong username or password")
    fs.limiter.succeed(keys[0])
    device_id, token = await fs.writer.execute(lambda conn: create_device(conn, user, device_name))
    payload = await fs.readers.run(lambda conn: login_payload(conn, user, device_id, token))
    return json_response(request, payload)
