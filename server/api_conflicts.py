"""Conflicts: list the losers kept by the merge, and resolve them.

``GET /api/v1/conflicts`` lists conflicts on records in the caller's scope.
``POST /api/v1/conflicts/{id}/resolve`` (supervisor, admin) chooses the kept value
(``{"choose": "kept"}``), confirms the current one (``{"choose": "current"}``), or
writes a new one (``{"value": …}``). A resolution is an ordinary write made after
seeing everything, so it syncs to every device like any change.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sync import paths
from sync.errors import BadRequest, Conflict, Forbidden, NotFound
from sync.merge import DELETED

from . import audit
from .auth import Principal, now_ms
from .http import json_response, read_json
from .state import int_param, principal, state
from .store import Actor, Batch, RawOp, current_version

RESOLVERS = frozenset({"supervisor", "admin"})
_COLS = ("id", "collection", "record", "path", "value", "device", "op", "at", "version",
         "resolved_version", "resolved_by", "resolved_at", "resolution")


def _row(row: tuple[Any, ...]) -> dict[str, Any]:
    doc = dict(zip(_COLS, row, strict=True))
    doc["value"] = json.loads(doc["value"]) if doc["value"] is not None else None
    doc["resolution"] = json.loads(doc["resolution"]) if doc["resolution"] else None
    doc["open"] = doc["resolved_version"] is None
    return doc


def _visible(conn: sqlite3.Connection, who: Principal, collection: str, record: str) -> bool:
    row = conn.execute("SELECT centre_id, county_id FROM records WHERE collection=? AND id=?",
                       (collection, record)).fetchone()
    if row is None or not who.scope.can_read_collection(collection):
        return False
    centre, county = row
    return who.scope.can_read_centre(centre) if centre else who.scope.can_read_county(county)


def _list(conn: sqlite3.Connection, who: Principal, state_filter: str,
          collection: str | None, record: str | None, limit: int) -> list[dict[str, Any]]:
    where, args = [], []
    if state_filter == "open":
        where.append("c.resolved_version IS NULL")
    elif state_filter == "resolved":
        where.append("c.resolved_version IS NOT NULL")
    if collection:
        where.append("c.collection = ?")
        args.append(collection)
    if record:
        where.append("c.record = ?")
        args.append(record)
    if not who.scope.everything:
        centres, counties = sorted(who.scope.centre_ids), sorted(who.scope.county_ids)
        where.append(f"(r.centre_id IN ({','.join('?' * len(centres))}) OR (r.centre_id IS NULL"
                     f" AND r.county_id IN ({','.join('?' * len(counties))})))")
        args += centres + counties
    if who.scope.collections is not None:
        where.append(f"c.collection IN ({','.join('?' * len(who.scope.collections))})")
        args += sorted(who.scope.collections)
    sql = (f"SELECT {', '.join('c.' + c for c in _COLS)} FROM conflicts c JOIN records r"
           " ON r.collection = c.collection AND r.id = c.record"
           f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY c.version DESC LIMIT ?")
    return [_row(r) for r in conn.execute(sql, (*args, limit))]


async def list_conflicts(request: Request) -> Response:
    """Conflicts in the caller's scope (``?state=open|resolved|all``, newest first)."""
    fs = state(request)
    who = await principal(request)
    q = request.query_params
    state_filter = q.get("state", "open")
    if state_filter not in ("open", "resolved", "all"):
        raise BadRequest("state: expected open, resolved or all", details={"field": "state"})
    limit = int_param(q.get("limit", "200"), "limit", minimum=1, maximum=1000)
    items = await fs.readers.run(lambda conn: _list(conn, who, state_filter, q.get("collection"),
                                                    q.get("record"), limit))
    return json_response(request, {"conflicts": items})


def _resolve(conn: sqlite3.Connection, who: Principal, conflict_id: str,
             doc: dict[str, Any]) -> dict[str, Any]:
    row = conn.execute(f"SELECT {', '.join(_COLS)} FROM conflicts WHERE id=?",
                       (conflict_id,)).fetchone()
    if row is None or not _visible(conn, who, row[1], row[2]):
        raise NotFound("no such conflict in your scope")
    c = _row(row)
    if not c["open"]:
        raise Conflict("this conflict was already resolved", code="already_resolved",
                       details={"resolution": c["resolution"]})
    choose = doc.get("choose")
    if choose is not None and choose not in ("kept", "current"):
        raise BadRequest("choose: expected 'kept' or 'current'", details={"field": "choose"})
    if (choose is None) == ("value" not in doc):
        raise BadRequest("give either choose or value", details={"field": "choose"})
    now = now_ms()
    version_before = current_version(conn)
    record_row = conn.execute("SELECT version, data, deleted FROM records WHERE collection=?"
                              " AND id=?", (c["collection"], c["record"])).fetchone()
    current = bool(record_row[2]) if c["path"] == DELETED else \
        paths.get(json.loads(record_row[1]), c["path"])
    value = c["value"] if choose == "kept" else current if choose == "current" else doc["value"]
    actor = Actor(who.user_id, who.device_id, who.role, who.scope)
    stamp = max(now, who.last_stamp + 1)
    batch = Batch(conn, actor, now)
    if value == current:
        _touch(conn, c, who, now)
    else:
        is_delete = c["path"] == DELETED
        if is_delete and not isinstance(value, bool):
            raise BadRequest("value: expected true or false for a deletion conflict")
        raw = RawOp(f"resolve-{conflict_id}", c["collection"], c["record"],
                    int(record_row[0]), now, None if is_delete else {c["path"]: value},
                    delete=is_delete and value is True, restore=is_delete and value is False)
        result = batch.run([raw], [stamp])[0]
        if result["status"] == "rejected":
            raise BadRequest(result["message"], code=result["code"],
                             details=result.get("details", {}))
    version = current_version(conn)
    resolution = {"choose": choose, "value": value}
    conn.execute("UPDATE conflicts SET resolved_version=?, resolved_by=?, resolved_at=?,"
                 " resolution=? WHERE id=?",
                 (version, who.user_id, now, json.dumps(resolution, ensure_ascii=False),
                  conflict_id))
    audit.record(conn, at=now, action="resolve_conflict", outcome="ok", user_id=who.user_id,
                 username=who.username, device_id=who.device_id, county_id=who.audit_county,
                 target=conflict_id, details={"record": f"{c['collection']}/{c['record']}",
                                              "path": c["path"], "choose": choose})
    return {"conflict": conflict_id, "status": "resolved", "value": value,
            "version": version if version > version_before else None}


def _touch(conn: sqlite3.Connection, c: dict[str, Any], who: Principal, now: int) -> None:
    """Give the record a new version so devices drop the resolved conflict from view."""
    version = current_version(conn) + 1
    conn.execute("UPDATE records SET version=? WHERE collection=? AND id=?",
                 (version, c["collection"], c["record"]))
    conn.execute("INSERT INTO changes (version, collection, record, op, device, user_id, at)"
                 " VALUES (?,?,?,?,?,?,?)", (version, c["collection"], c["record"],
                                             f"resolve-{c['id']}", who.device_id, who.user_id, now))


async def resolve_conflict(request: Request) -> Response:
    """Resolve one conflict (supervisor or admin of that record's county)."""
    fs = state(request)
    who = await principal(request)
    if who.role not in RESOLVERS:
        raise Forbidden("only a supervisor or admin resolves conflicts")
    doc = await read_json(request, 1024 * 1024, 1024 * 1024)
    conflict_id = request.path_params["conflict_id"]
    result = await fs.writer.execute(lambda conn: _resolve(conn, who, conflict_id, doc))
    return json_response(request, result)
