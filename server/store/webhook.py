"""The SMS gateway webhook's durable queue (table ``webhook_queue``; ``server.jobs.webhook``).

New notifications are taken from ``records`` in version order past a cursor kept in
``meta`` (``webhook_version``); each becomes one queued call (unique per notification,
so a collection run twice queues nothing twice), sent and retried by the job
(``server.jobs.queue``).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection
from dataclasses import dataclass

CURSOR = "webhook_version"
STALE_MS = 24 * 3600 * 1000
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def collect(conn: sqlite3.Connection, counties: Collection[str], now: int,
            limit: int = 1000) -> tuple[int, int]:
    """Queue a call for each notification newer than the cursor (of ``counties``, or of
    every county when empty, and at most a day old: a gateway switched on late does not
    text the past); advance the cursor; return how many were read and queued."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (CURSOR,)).fetchone()
    after = int(row[0]) if row else 0
    centre_county = dict(conn.execute("SELECT id, county_id FROM records WHERE collection='centres'"))
    rows = conn.execute(
        "SELECT r.id, r.version, r.data, u.username FROM records r LEFT JOIN users u"
        " ON u.id = r.owner_id WHERE r.collection='notifications' AND r.deleted=0"
        " AND r.version > ? ORDER BY r.version LIMIT ?", (after, limit)).fetchall()
    queued = 0
    for rid, _version, data, username in rows:
        doc = json.loads(data)
        subject = doc.get("subject") or {}
        county = centre_county.get(subject.get("centre_id"))
        if (counties and county not in counties) or int(doc.get("at") or 0) < now - STALE_MS:
            continue
        # The gateway maps the user to a phone number; no applicant's data is sent.
        body = _dumps({"id": rid, "user_id": doc.get("user_id"), "username": username,
                       "county_id": county, "kind": doc.get("kind"), "title": doc.get("title"),
                       "subject": {"collection": subject.get("collection"),
                                   "record": subject.get("record")}, "at": doc.get("at")})
        queued += conn.execute("INSERT INTO webhook_queue (notification, body, attempts, next_at,"
                               " created_at) VALUES (?,?,0,?,?) ON CONFLICT DO NOTHING",
                               (rid, body, now, now)).rowcount
    if rows:
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE"
                     " SET value=excluded.value", (CURSOR, str(rows[-1][1])))
    return len(rows), queued


@dataclass(frozen=True)
class Call:
    """A webhook call waiting in the queue."""

    id: int
    body: str
    attempts: int


def due(conn: sqlite3.Connection, now: int, limit: int) -> list[Call]:
    """Calls whose time has come, oldest first."""
    return [Call(*row) for row in conn.execute(
        "SELECT id, body, attempts FROM webhook_queue WHERE next_at <= ?"
        " ORDER BY next_at, id LIMIT ?", (now, limit))]


def pending(conn: sqlite3.Connection) -> int:
    """How many calls wait in the queue."""
    return int(conn.execute("SELECT count(*) FROM webhook_queue").fetchone()[0])
