"""Web Push endpoints: the VAPID public key, subscribing and unsubscribing.

``GET /api/v1/push/vapid-public-key`` -> ``{"key": base64url}`` (the browser's
``applicationServerKey``); ``POST /api/v1/push/subscriptions`` with PushSubscription
JSON keeps it for the caller; ``DELETE`` with ``{"endpoint"}`` forgets it.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from sync.errors import Invalid

from .. import push
from ..clock import now_ms
from ..errors import NotFound
from ..http import json_response, read_json
from ..state import principal, state
from ..store import push as push_store
from ..vapid import public_key_b64

# A PushSubscription is small; anything larger is not one.
MAX_BODY = 8 * 1024


async def vapid_public_key(request: Request) -> Response:
    """The server's VAPID public key (public by nature: no login needed)."""
    return json_response(request, {"key": public_key_b64(state(request).config.vapid_key_path)})


async def subscribe(request: Request) -> Response:
    """Keep the caller's PushSubscription (201); 4xx on anything that is not one."""
    who = await principal(request)
    fs = state(request)
    doc = await read_json(request, MAX_BODY, MAX_BODY)
    sub = push.parse_subscription(doc, allow_http=bool(fs.config.push_allow_http))
    await fs.writer.execute(lambda conn: push_store.subscribe(conn, sub, who.user_id, who.device_id,
                                                        now_ms()))
    return json_response(request, {"endpoint": sub.endpoint, "subscribed": True}, status=201)


async def unsubscribe(request: Request) -> Response:
    """Forget the caller's subscription named by ``endpoint`` (404 if the caller has none)."""
    who = await principal(request)
    doc = await read_json(request, MAX_BODY, MAX_BODY)
    endpoint = doc.get("endpoint")
    if not isinstance(endpoint, str) or not 1 <= len(endpoint) <= push.MAX_ENDPOINT:
        raise Invalid("endpoint: expected the subscription's endpoint URL", path="endpoint")
    if not await state(request).writer.execute(lambda conn: push_store.unsubscribe(conn, endpoint,
                                                                             who.user_id)):
        raise NotFound("no such subscription of yours")
    return json_response(request, {"endpoint": endpoint, "subscribed": False})
