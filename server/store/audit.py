"""The audit log: logins, ops, refusals, revocations, conflict resolutions.

Events are appended by the writer in the same transaction as what they record.
Accepted and rejected ops are already kept, with who, which device and when, in
``ops`` and ``quarantine``; the query joins them in, so each op is recorded once.
SQLite triggers make the table append-only and keep entries at least 180 days.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from typing import Any

from ..scope import Scope
from .sqlite import json_object


def record(conn: sqlite3.Connection, *, at: int, action: str, outcome: str,
           user_id: str | None = None, username: str | None = None, device_id: str | None = None,
           county_id: str | None = None, target: str | None = None,
           details: dict[str, Any] | None = None, address: str | None = None) -> None:
    """Append one event (call inside the writer's transaction)."""
    conn.execute(
        "INSERT INTO audit (at, user_id, username, device_id, county_id, action, target, outcome,"
        " details, address) VALUES (?,?,?,?,?,?,?,?,?,?)",
        (at, user_id, username, device_id, county_id, action, target, outcome,
         json.dumps(details, ensure_ascii=False) if details else None, address))


def iso(ms: int) -> str:
    """Epoch ms as an ISO-8601 UTC timestamp."""
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


_EVENT_SQL = f"""
SELECT a.at, a.user_id, a.username, a.device_id, a.action, a.target, a.outcome, a.details
FROM audit a WHERE a.at >= ? AND a.at < ? {{scope}}
UNION ALL
SELECT o.received_at, o.user_id, u.username, o.device, 'op', o.collection || '/' || o.record,
       o.status, {json_object(("op", "o.id"), ("version", "o.version"))}
FROM ops o LEFT JOIN users u ON u.id = o.user_id
LEFT JOIN records r ON r.collection = o.collection AND r.id = o.record
WHERE o.received_at >= ? AND o.received_at < ? {{op_scope}}
UNION ALL
SELECT q.received_at, q.user_id, u.username, q.device, 'op', q.collection || '/' || q.record,
       'rejected', {json_object(("op", "q.op_id"), ("code", "q.code"), ("message", "q.message"),
                                ("attempts", "q.attempts"))}
FROM quarantine q LEFT JOIN users u ON u.id = q.user_id
WHERE q.received_at >= ? AND q.received_at < ? {{q_scope}}
ORDER BY 1 DESC LIMIT ?
"""


def query(conn: sqlite3.Connection, scope: Scope, since: int, until: int,
          limit: int) -> list[dict[str, Any]]:
    """Audit entries visible to ``scope`` (a supervisor: their county), newest first."""
    if scope.everything:
        sql = _EVENT_SQL.format(scope="", op_scope="", q_scope="")
        args: list[Any] = [since, until, since, until, since, until, limit]
    else:
        counties = sorted(scope.county_ids)
        marks = ",".join("?" * len(counties))
        sql = _EVENT_SQL.format(
            scope=f"AND a.county_id IN ({marks})", op_scope=f"AND r.county_id IN ({marks})",
            q_scope=f"AND q.user_id IN (SELECT id FROM users WHERE county_id IN ({marks}) OR id IN"
                    f" (SELECT uc.user_id FROM user_centres uc JOIN records c ON"
                    f" c.collection='centres' AND c.id = uc.centre_id WHERE c.county_id IN ({marks})))")
        args = [since, until, *counties, since, until, *counties, since, until, *counties,
                *counties, limit]
    out = []
    for at, user_id, username, device_id, action, target, outcome, details in conn.execute(sql, args):
        out.append({"at": iso(at), "user_id": user_id, "username": username,
                    "device_id": device_id, "action": action, "target": target,
                    "outcome": outcome, "details": json.loads(details) if details else {}})
    return out
