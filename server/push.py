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
import sqlite3
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from sync.errors import Invalid

MAX_ENDPOINT = 2048
# The title is fixed per kind, so no applicant's name or number can slip into a push.
TITLES = {
    "assigned": "有新任务指派给您",
    "returned": "检查被退回，请修改",
    "ordered": "有新的整改要求",
    "due_soon": "有办件明日到期",
    "overdue": "有事项已超期",
}
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


def subscribe(conn: sqlite3.Connection, sub: Subscription, user_id: str, device_id: str,
              now: int) -> None:
    """Keep ``sub`` for ``user_id`` (an endpoint re-subscribed by another login moves to it)."""
    conn.execute("INSERT INTO push_subscriptions (endpoint, user_id, device_id, p256dh, auth,"
                 " created_at) VALUES (?,?,?,?,?,?) ON CONFLICT(endpoint) DO UPDATE SET"
                 " user_id=excluded.user_id, device_id=excluded.device_id,"
                 " p256dh=excluded.p256dh, auth=excluded.auth, created_at=excluded.created_at",
                 (sub.endpoint, user_id, device_id, sub.p256dh, sub.auth, now))


def unsubscribe(conn: sqlite3.Connection, endpoint: str, user_id: str) -> bool:
    """Forget the caller's subscription and anything queued for it; False if there was none."""
    gone = conn.execute("DELETE FROM push_subscriptions WHERE endpoint=? AND user_id=?",
                        (endpoint, user_id)).rowcount
    if gone:
        conn.execute("DELETE FROM push_queue WHERE endpoint=?", (endpoint,))
    return bool(gone)


def payload(kind: str, collection: str, record: str) -> str:
    """The message body: what happened to which record, and the kind's fixed title."""
    if kind not in TITLES:
        raise ValueError(f"unknown push kind {kind!r}")
    return json.dumps({"kind": kind, "collection": collection, "record": record,
                       "title": TITLES[kind]}, ensure_ascii=False, separators=(",", ":"))


def enqueue(conn: sqlite3.Connection, user_ids: list[str], kind: str, collection: str,
            record: str, now: int) -> int:
    """Queue one message per subscription of ``user_ids`` (in the caller's transaction)."""
    body = payload(kind, collection, record)
    marks = ",".join("?" * len(user_ids))
    if not user_ids:
        return 0
    return conn.execute(
        "INSERT INTO push_queue (endpoint, payload, attempts, next_at, created_at)"
        f" SELECT endpoint, ?, 0, ?, ? FROM push_subscriptions WHERE user_id IN ({marks})",
        (body, now, now, *user_ids)).rowcount


@dataclass(frozen=True)
class Queued:
    """A message due to be sent."""

    id: int
    subscription: Subscription
    payload: str
    attempts: int


def due(conn: sqlite3.Connection, now: int, limit: int) -> list[Queued]:
    """Messages whose time has come, oldest first."""
    return [Queued(qid, Subscription(endpoint, p256dh, auth), body, attempts)
            for qid, endpoint, p256dh, auth, body, attempts in conn.execute(
                "SELECT q.id, q.endpoint, s.p256dh, s.auth, q.payload, q.attempts FROM push_queue q"
                " JOIN push_subscriptions s ON s.endpoint = q.endpoint WHERE q.next_at <= ?"
                " ORDER BY q.next_at, q.id LIMIT ?", (now, limit))]


def backoff_ms(attempts: int) -> int:
    """Wait before attempt ``attempts + 1``: 30 s, 1 min, 2 min, … at most an hour."""
    return int(min(BACKOFF_BASE_MS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_MS))


def settle(conn: sqlite3.Connection, outcomes: list[tuple[Queued, str, str | None]], now: int,
           max_attempts: int) -> None:
    """Record what sending did: ``sent`` (drop the message), ``gone`` (drop the subscription
    and its messages), ``retry`` (later, with backoff, until ``max_attempts``)."""
    for item, outcome, error in outcomes:
        if outcome == "sent":
            conn.execute("DELETE FROM push_queue WHERE id=?", (item.id,))
        elif outcome == "gone":
            conn.execute("DELETE FROM push_subscriptions WHERE endpoint=?",
                         (item.subscription.endpoint,))
            conn.execute("DELETE FROM push_queue WHERE endpoint=?", (item.subscription.endpoint,))
        elif item.attempts + 1 >= max_attempts:
            conn.execute("DELETE FROM push_queue WHERE id=?", (item.id,))
        else:
            conn.execute("UPDATE push_queue SET attempts=?, next_at=?, last_error=? WHERE id=?",
                         (item.attempts + 1, now + backoff_ms(item.attempts + 1),
                          (error or "")[:500], item.id))
    # Messages whose subscription went away meanwhile can never be sent.
    conn.execute("DELETE FROM push_queue WHERE endpoint NOT IN"
                 " (SELECT endpoint FROM push_subscriptions)")
