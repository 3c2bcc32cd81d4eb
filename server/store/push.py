"""Web Push subscriptions and the durable push queue (tables ``push_subscriptions``,
``push_queue``); what they mean is in ``server.push``."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ..push import Queued, Subscription, backoff_ms, payload


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


def due(conn: sqlite3.Connection, now: int, limit: int) -> list[Queued]:
    """Messages whose time has come, oldest first."""
    return [Queued(qid, Subscription(endpoint, p256dh, auth), body, attempts)
            for qid, endpoint, p256dh, auth, body, attempts in conn.execute(
                "SELECT q.id, q.endpoint, s.p256dh, s.auth, q.payload, q.attempts FROM push_queue q"
                " JOIN push_subscriptions s ON s.endpoint = q.endpoint WHERE q.next_at <= ?"
                " ORDER BY q.next_at, q.id LIMIT ?", (now, limit))]


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
