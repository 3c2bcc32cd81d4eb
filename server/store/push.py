"""Web Push subscriptions and the durable push queue (tables ``push_subscriptions``,
``push_queue``); what they mean is in ``server.push``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ..push import Queued, Subscription, payload


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


def subscribed(conn: sqlite3.Connection, user_ids: Sequence[str]) -> set[str]:
    """Which of ``user_ids`` have at least one subscription."""
    found: set[str] = set()
    for i in range(0, len(user_ids), 900):
        part = user_ids[i:i + 900]
        found.update(uid for (uid,) in conn.execute(
            "SELECT DISTINCT user_id FROM push_subscriptions"
            f" WHERE user_id IN ({','.join('?' * len(part))})", part))
    return found


def enqueue(conn: sqlite3.Connection, user_ids: list[str], kind: str, collection: str,
            record: str, now: int, title: str | None = None) -> int:
    """Queue one message per subscription of ``user_ids`` (in the caller's transaction)."""
    body = payload(kind, collection, record, title)
    marks = ",".join("?" * len(user_ids))
    if not user_ids:
        return 0
    return conn.execute(
        "INSERT INTO push_queue (endpoint, payload, attempts, next_at, created_at)"
        f" SELECT endpoint, ?, 0, ?, ? FROM push_subscriptions WHERE user_id IN ({marks})",
        (body, now, now, *user_ids)).rowcount


def due(conn: sqlite3.Connection, now: int, limit: int) -> list[Queued]:
    """Messages whose time has come, oldest first."""
    return [Queued(qid, Subscription(endpoint, p256dh, auth), body, attempts)
            for qid, endpoint, p256dh, auth, body, attempts in conn.execute(
                "SELECT q.id, q.endpoint, s.p256dh, s.auth, q.payload, q.attempts FROM push_queue q"
                " JOIN push_subscriptions s ON s.endpoint = q.endpoint WHERE q.next_at <= ?"
                " ORDER BY q.next_at, q.id LIMIT ?", (now, limit))]


def forget(conn: sqlite3.Connection, gone: Sequence[Queued]) -> None:
    """Drop the subscriptions the push service said are gone, with their queued messages
    (in the queue runner's settling transaction)."""
    if not gone:  # the usual case: nothing to drop, nothing to scan
        return
    for endpoint in {item.subscription.endpoint for item in gone}:
        conn.execute("DELETE FROM push_subscriptions WHERE endpoint=?", (endpoint,))
        conn.execute("DELETE FROM push_queue WHERE endpoint=?", (endpoint,))
    # Messages whose subscription went away meanwhile can never be sent.
    conn.execute("DELETE FROM push_queue WHERE endpoint NOT IN"
                 " (SELECT endpoint FROM push_subscriptions)")
