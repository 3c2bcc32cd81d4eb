"""The quarantine, reviewed: list what was refused, release an op, or drop it with a reason.

Every rejected op is kept (``Batch._reject``) with its reason and the sender's county.
Supervisors of that county (admins: everywhere) review them. Releasing re-runs the op
through every normal check as the op of the device that sent it (its user's current
role and scope), at the time it reached the server, so a fix (an app update for
``stale_schema``, a rights change for ``forbidden``) or a supervisor's word (for a
revoked device's ``device_revoked``) lets it in; if it is still refused, it stays in
quarantine with the new reason. Dropping keeps the row, marked, with the reason. Both
are written to the audit log in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from sync.errors import BadRequest, Conflict, NotFound

from . import audit
from .auth import Principal
from .scope import scope_for
from .store import Actor, Batch, RawOp

STATES = ("open", "released", "dropped")
_COLS = ("op_id", "device", "user_id", "collection", "record", "code", "message", "op",
         "received_at", "attempts", "status", "county_id", "stamp", "resolved_by",
         "resolved_at", "reason")


@dataclass(frozen=True)
class Entry:
    """One quarantined op as stored."""

    row: dict[str, Any]

    def public(self) -> dict[str, Any]:
        """The entry as the review list shows it."""
        doc = {k: v for k, v in self.row.items() if k not in ("stamp",)}
        doc["op"] = json.loads(doc["op"])
        for key in ("received_at", "resolved_at"):
            doc[key] = audit.iso(doc[key]) if doc[key] is not None else None
        return doc


def _visible_clause(who: Principal) -> tuple[str, list[Any]]:
    if who.scope.everything:
        return "", []
    counties = sorted(who.scope.county_ids)
    return f" AND q.county_id IN ({','.join('?' * len(counties))})", list(counties)


def list_entries(conn: sqlite3.Connection, who: Principal, status: str | None,
                 code: str | None, limit: int) -> list[dict[str, Any]]:
    """Quarantined ops the reviewer may see, newest first, with usernames."""
    where, args = _visible_clause(who)
    if status is not None:
        where += " AND q.status = ?"
        args.append(status)
    if code is not None:
        where += " AND q.code = ?"
        args.append(code)
    sql = (f"SELECT {', '.join('q.' + c for c in _COLS)}, u.username FROM quarantine q"
           f" LEFT JOIN users u ON u.id = q.user_id WHERE 1=1{where}"
           " ORDER BY q.received_at DESC LIMIT ?")
    out = []
    for row in conn.execute(sql, (*args, limit)):
        doc = Entry(dict(zip(_COLS, row[:-1], strict=True))).public()
        doc["username"] = row[-1]
        out.append(doc)
    return out


def _load(conn: sqlite3.Connection, who: Principal, op_id: str) -> Entry:
    where, args = _visible_clause(who)
    row = conn.execute(f"SELECT {', '.join('q.' + c for c in _COLS)} FROM quarantine q"
                       f" WHERE q.op_id = ?{where}", (op_id, *args)).fetchone()
    if row is None:
        raise NotFound("no such quarantined op in your scope", details={"op": op_id})
    entry = Entry(dict(zip(_COLS, row, strict=True)))
    if entry.row["status"] != "open":
        raise Conflict(f"this op was already {entry.row['status']}", code="already_resolved",
                       details={"status": entry.row["status"], "reason": entry.row["reason"]})
    return entry


def release(conn: sqlite3.Connection, who: Principal, op_id: str, now: int,
            address: str | None) -> dict[str, Any]:
    """Re-run a quarantined op as its device's op; returns its result (``applied``, ...,
    or ``rejected`` with the new reason, the op then staying in quarantine)."""
    entry = _load(conn, who, op_id)
    row = entry.row
    user = conn.execute("SELECT role, county_id FROM users WHERE id=?",
                        (row["user_id"],)).fetchone()
    if user is None:
        raise Conflict("the op's sender no longer exists: drop it instead", code="unknown_sender")
    doc = json.loads(row["op"])
    raw = RawOp(str(doc.get("id", op_id)), doc.get("collection"), doc.get("record"),
                doc.get("base", 0), doc.get("at"), doc.get("set"), doc.get("delete", False))
    actor = Actor(row["user_id"], row["device"], user[0],
                  scope_for(conn, row["user_id"], user[0], user[1]))
    # At the time it reached the server at the latest: later edits it never saw still win.
    stamp = min(int(row["stamp"] if row["stamp"] is not None else row["received_at"]),
                int(row["received_at"]))
    result = Batch(conn, actor, now).run([raw], [stamp])[0]
    ok = result["status"] != "rejected"
    if ok:
        conn.execute("UPDATE quarantine SET status='released', resolved_by=?, resolved_at=?"
                     " WHERE op_id=?", (who.user_id, now, op_id))
    audit.record(conn, at=now, action="release_quarantined", outcome=result["status"],
                 user_id=who.user_id, username=who.username, device_id=who.device_id,
                 county_id=row["county_id"] or who.audit_county, target=op_id,
                 details={"was": row["code"], "record": f"{row['collection']}/{row['record']}",
                          "sender": row["user_id"], "sender_device": row["device"],
                          **({"code": result["code"]} if not ok else {})},
                 address=address)
    return result


def drop(conn: sqlite3.Connection, who: Principal, op_id: str, reason: str, now: int,
         address: str | None) -> dict[str, Any]:
    """Mark a quarantined op dropped, with the reviewer's reason (the row is kept)."""
    entry = _load(conn, who, op_id)
    row = entry.row
    conn.execute("UPDATE quarantine SET status='dropped', resolved_by=?, resolved_at=?, reason=?"
                 " WHERE op_id=?", (who.user_id, now, reason, op_id))
    audit.record(conn, at=now, action="drop_quarantined", outcome="ok", user_id=who.user_id,
                 username=who.username, device_id=who.device_id,
                 county_id=row["county_id"] or who.audit_county, target=op_id,
                 details={"was": row["code"], "record": f"{row['collection']}/{row['record']}",
                          "sender": row["user_id"], "reason": reason}, address=address)
    return {"op": op_id, "status": "dropped", "reason": reason}


def check_status(value: str | None) -> str | None:
    """The ``status`` filter of the list (``all`` = no filter)."""
    if value is None:
        return "open"
    if value == "all":
        return None
    if value not in STATES:
        raise BadRequest("status: expected open, released, dropped or all",
                         details={"field": "status"})
    return value
