"""The quarantine, reviewed: list what was refused, release an op, or drop it with a reason.

Every rejected op is kept (``records.Batch._reject``) with its reason and the sender's
county. Supervisors of that county (admins: everywhere) review them. Releasing re-runs the
op through every normal check as the op of the device that sent it (its user's current
role and scope), at the time it reached the server, so a fix (an app update for
``stale_schema``, a rights change for ``forbidden``) or a supervisor's word (for a revoked
device's ``device_revoked``) lets it in; still refused, it stays in quarantine with the new
reason. Dropping keeps the row, marked, with the reason. Both are written to the audit log
in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from sync.ops import check_op
from sync.schema import load

from ..errors import Conflict, NotFound
from ..scope import Scope
from . import audit
from .records import Actor, Batch
from .users import scope_for

STATES = ("open", "released", "dropped")
COLUMNS = ("op_id", "device", "user_id", "collection", "record", "code", "message", "op",
           "received_at", "attempts", "status", "county_id", "stamp", "resolved_by",
           "resolved_at", "reason", "details")


@dataclass(frozen=True)
class Reviewer:
    """Who reviews: a supervisor or admin, on one of their devices."""

    user_id: str
    username: str
    device_id: str
    scope: Scope
    county_id: str | None  # the county their audit entries are filed under
    address: str | None = None


def _public(row: dict[str, Any]) -> dict[str, Any]:
    doc = {k: v for k, v in row.items() if k != "stamp"}
    doc["op"] = json.loads(doc["op"])
    # The refusal's details (``invalid_transition``: path, from, to, allowed); {} for none, and
    # for a row kept before they were stored.
    doc["details"] = json.loads(doc["details"]) if doc["details"] else {}
    for key in ("received_at", "resolved_at"):
        doc[key] = audit.iso(doc[key]) if doc[key] is not None else None
    return doc


def _visible(scope: Scope) -> tuple[str, list[Any]]:
    if scope.everything:
        return "", []
    counties = sorted(scope.county_ids)
    marks = ",".join("?" * len(counties))
    # Rows kept before the county was recorded are filed under their sender's counties.
    return (f" AND (q.county_id IN ({marks}) OR (q.county_id IS NULL AND (q.user_id IN"
            f" (SELECT id FROM users WHERE county_id IN ({marks})) OR q.user_id IN"
            " (SELECT uc.user_id FROM user_centres uc JOIN records c ON c.collection='centres'"
            f" AND c.id = uc.centre_id WHERE c.county_id IN ({marks})))))"), \
        list(counties) * 3


def in_scope(conn: sqlite3.Connection, scope: Scope, status: str | None, code: str | None,
             limit: int) -> list[dict[str, Any]]:
    """Quarantined ops filed under ``scope``'s counties, newest first, with usernames."""
    where, args = _visible(scope)
    if status is not None:
        where += " AND q.status = ?"
        args.append(status)
    if code is not None:
        where += " AND q.code = ?"
        args.append(code)
    sql = (f"SELECT {', '.join('q.' + c for c in COLUMNS)}, u.username FROM quarantine q"
           f" LEFT JOIN users u ON u.id = q.user_id WHERE 1=1{where}"
           " ORDER BY q.received_at DESC LIMIT ?")
    out = []
    for row in conn.execute(sql, (*args, limit)):
        doc = _public(dict(zip(COLUMNS, row[:-1], strict=True)))
        doc["username"] = row[-1]
        out.append(doc)
    return out


def _open_entry(conn: sqlite3.Connection, scope: Scope, op_id: str) -> dict[str, Any]:
    where, args = _visible(scope)
    row = conn.execute(f"SELECT {', '.join('q.' + c for c in COLUMNS)} FROM quarantine q"
                       f" WHERE q.op_id = ?{where}", (op_id, *args)).fetchone()
    if row is None:
        raise NotFound("no such quarantined op in your scope", details={"op": op_id})
    entry = dict(zip(COLUMNS, row, strict=True))
    if entry["status"] != "open":
        raise Conflict(f"this op was already {entry['status']}", code="already_resolved",
                       details={"status": entry["status"], "reason": entry["reason"]})
    return entry


def release(conn: sqlite3.Connection, by: Reviewer, op_id: str, now: int) -> dict[str, Any]:
    """Re-run a quarantined op as its device's op; returns its result (``applied``, ...,
    or ``rejected`` with the new reason, the op then staying in quarantine)."""
    row = _open_entry(conn, by.scope, op_id)
    user = conn.execute("SELECT role, county_id FROM users WHERE id=?",
                        (row["user_id"],)).fetchone()
    if user is None:
        raise Conflict("the op's sender no longer exists: drop it instead",
                       code="unknown_sender", details={"op": op_id})
    sent = json.loads(row["op"])
    op = check_op({**sent, "id": op_id}, load())
    actor = Actor(row["user_id"], row["device"], user[0],
                  scope_for(conn, row["user_id"], user[0], user[1]))
    # At the time it reached the server at the latest: later edits it never saw still win.
    stamp = min(int(row["stamp"] if row["stamp"] is not None else row["received_at"]),
                int(row["received_at"]))
    result = Batch(conn, actor, now).run([op], [stamp])[0]
    ok = result["status"] != "rejected"
    if ok:
        conn.execute("UPDATE quarantine SET status='released', resolved_by=?, resolved_at=?"
                     " WHERE op_id=?", (by.user_id, now, op_id))
    audit.record(conn, at=now, action="release_quarantined", outcome=result["status"],
                 user_id=by.user_id, username=by.username, device_id=by.device_id,
                 county_id=row["county_id"] or by.county_id, target=op_id,
                 details={"was": row["code"], "record": f"{row['collection']}/{row['record']}",
                          "sender": row["user_id"], "sender_device": row["device"],
                          **({} if ok else {"code": result["code"]})},
                 address=by.address)
    return result


def drop(conn: sqlite3.Connection, by: Reviewer, op_id: str, reason: str,
         now: int) -> dict[str, Any]:
    """Mark a quarantined op dropped, with the reviewer's reason (the row is kept)."""
    row = _open_entry(conn, by.scope, op_id)
    conn.execute("UPDATE quarantine SET status='dropped', resolved_by=?, resolved_at=?, reason=?"
                 " WHERE op_id=?", (by.user_id, now, reason, op_id))
    audit.record(conn, at=now, action="drop_quarantined", outcome="ok", user_id=by.user_id,
                 username=by.username, device_id=by.device_id,
                 county_id=row["county_id"] or by.county_id, target=op_id,
                 details={"was": row["code"], "record": f"{row['collection']}/{row['record']}",
                          "sender": row["user_id"], "reason": reason}, address=by.address)
    return {"op": op_id, "status": "dropped", "reason": reason}
