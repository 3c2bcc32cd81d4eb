"""Web Push subscriptions and the durable queue of messages to send (RFC 8030/8291/8292).

A notification is first a record that syncs like everything else; Web Push only wakes
the phone where it works. Messages wait in ``push_queue`` (they survive a restart) until
``server.jobs.push`` delivers them, retries them with backoff, or drops a subscription
the push service says is gone. A message carries no personal data: the kind, the
record it is about and a fixed title per kind.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from sync.errors import Invalid
from sync.notify import TITLES  # fixed per kind: no personal data can slip into a push

MAX_ENDPOINT = 2048
BACKOFF_BASE_MS = 30_000
BACKOFF_MAX_MS = 3_600_000


@dataclass(frozen=True)
class Subscription:
    """A browser's PushSubscription: where to send, and the keys to encrypt for."""

    endpoint: str
    p256dh: str
    auth: str

    def info(self) -> dict[str, Any]:
        """As pywebpush takes it."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


def _b64(value: Any, path: str, size: int) -> bytes:
    if not isinstance(value, str) or not 1 <= len(value) <= 200:
        raise Invalid(f"{path}: expected a base64url string", path=path)
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise Invalid(f"{path}: not base64url", path=path) from None
    if len(raw) != size:
        raise Invalid(f"{path}: expected {size} bytes, got {len(raw)}", path=path)
    return raw


def parse_subscription(doc: Any, *, allow_http: bool) -> Subscription:
    """Validate PushSubscription JSON (``{endpoint, expirationTime, keys: {p256dh, auth}}``)."""
    if not isinstance(doc, dict):
        raise Invalid("expected a PushSubscription object")
    endpoint = doc.get("endpoint")
    if not isinstance(endpoint, str) or not 1 <= len(endpoint) <= MAX_ENDPOINT:
        raise Invalid(f"endpoint: expected a URL of at most {MAX_ENDPOINT} characters",
                      path="endpoint")
    try:
        url = urlsplit(endpoint)
        port = url.port
    except ValueError:
        raise Invalid("endpoint: not a URL", path="endpoint") from None
    schemes = ("https", "http") if allow_http else ("https",)
    if url.scheme not in schemes or not url.hostname or url.username or url.password or port == 0:
        raise Invalid("endpoint: expected an https:// URL of a push service", path="endpoint")
    expiry = doc.get("expirationTime")
    if expiry is not None and (isinstance(expiry, bool) or not isinstance(expiry, int | float)):
        raise Invalid("expirationTime: expected a number or null", path="expirationTime")
    keys = doc.get("keys")
    if not isinstance(keys, dict):
        raise Invalid("keys: expected {p256dh, auth}", path="keys")
    point = _b64(keys.get("p256dh"), "keys.p256dh", 65)
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise Invalid("keys.p256dh: not a P-256 public key", path="keys.p256dh") from None
    _b64(keys.get("auth"), "keys.auth", 16)
    return Subscription(endpoint, str(keys["p256dh"]), str(keys["auth"]))


def payload(kind: str, collection: str, record: str, title: str | None = None) -> str:
    """The message body: what happened to which record, and the kind's fixed title (or
    ``title``, a group's counted one: ``sync.notify.group_title``, no personal data)."""
    if kind not in TITLES:
        raise ValueError(f"unknown push kind {kind!r}")
    return json.dumps({"kind": kind, "collection": collection, "record": record,
                       "title": title or TITLES[kind]}, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Queued:
    """A message due to be sent."""

    id: int
    subscription: Subscription
    payload: str
    attempts: int


def backoff_ms(attempts: int) -> int:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min, … at most an hour."""
    return int(min(BACKOFF_BASE_MS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_MS))

