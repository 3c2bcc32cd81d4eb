"""Conflicts: list the losers kept by the merge, and resolve them.

``GET /api/v1/conflicts`` lists conflicts on records in the caller's scope.
``POST /api/v1/conflicts/{id}/resolve`` (supervisor, admin) chooses the kept value
(``{"choose": "kept"}``), confirms the current one (``{"choose": "current"}``), or
writes a new one (``{"value": …}``). A resolution is an ordinary write made after
seeing everything, so it syncs to every device like any change.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sync.errors import FieldsyncError, Forbidden
from sync.merge import DELETED
from sync.ops import check_op
from sync.schema import load

from ..auth import Principal
from ..clock import now_ms
from ..errors import BadRequest, Conflict, NotFound
from ..http import json_response, read_json
from ..state import int_param, principal, state
from ..store import audit, conflicts, lists
from ..store.records import Actor, Batch, current_value, current_version, record_scope, touch

RESOLVERS = frozenset({"supervisor", "admin"})


def _visible(conn: sqlite3.Connection, who: Principal, collection: str, record: str) -> bool:
    where = record_scope(conn, collection, record)
    if where is None or not who.scope.can_read_collection(collection):
        return False
    centre, county = where
    return who.scope.can_read_centre(centre) if centre else who.scope.can_read_county(county)


async def list_conflicts(request: Request) -> Response:
    """Conflicts in the caller's scope (``?state=open|resolved|all``, newest first), each with
    its record's centre and township, paged (``limit``, ``cursor`` from ``next``)."""
    fs = state(request)
    who = await principal(request)
    q = request.query_params
    state_filter = q.get("state", "open")
    if state_filter not in ("open", "resolved", "all"):
        raise BadRequest("state: expected open, resolved or all", details={"field": "state"})
    limit = int_param(q.get("limit", "200"), "limit", minimum=1, maximum=1000)
    before = None
    if "cursor" in q:
        version, _, last_id = q["cursor"].partition(".")
        before = (int_param(version, "cursor", minimum=1), last_id)

    def run(conn: sqlite3.Connection) -> dict[str, Any]:
        items = conflicts.in_scope(conn, who.scope, state_filter, q.get("collection"),
                                   q.get("record"), limit + 1, before)
        names = lists.centre_names(conn)
        for item in items:
            item["centre_name"] = names.get(item["centre_id"] or "")
        more = len(items) > limit
        items = items[:limit]
        return {"conflicts": items, "next": f"{items[-1]['version']}.{items[-1]['id']}" if more else None}

    # ``next`` continues the list (``cursor``): older conflicts, each page newest first.
    return json_response(request, await fs.readers.run(run))


def _resolve(conn: sqlite3.Connection, who: Principal, conflict_id: str,
             doc: dict[str, Any]) -> dict[str, Any]:
    c = conflicts.get(conn, conflict_id)
    if c is None or not _visible(conn, who, c["collection"], c["record"]):
        raise NotFound("no such conflict in your scope")
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
    record_version, current = current_value(conn, c["collection"], c["record"], c["path"])
    value = c["value"] if choose == "kept" else current if choose == "current" else doc["value"]
    actor = Actor(who.user_id, who.device_id, who.role, who.scope)
    op_id = f"resolve-{conflict_id}"
    if value == current:
        # Nothing to write, but devices must drop the resolved conflict from view.
        touch(conn, c["collection"], c["record"], op_id, actor, now)
    else:
        is_delete = c["path"] == DELETED
        if is_delete and not isinstance(value, bool):
            raise BadRequest("value: expected true or false for a deletion conflict")
        op = check_op({"id": op_id, "collection": c["collection"], "record": c["record"],
                       "base": record_version, "at": now,
                       "set": None if is_delete else {c["path"]: value},
                       "delete": is_delete and value is True},
                      load(), restore=is_delete and value is False)
        result = Batch(conn, actor, now).run([op], [max(now, who.last_stamp + 1)])[0]
        if result["status"] == "rejected":  # refused as any op would be: same code
            raise FieldsyncError(result["message"], code=result["code"],
                                 details=result.get("details", {}))
    version = current_version(conn)
    conflicts.mark_resolved(conn, conflict_id, version, who.user_id, now,
                            {"choose": choose, "value": value})
    audit.record(conn, at=now, action="resolve_conflict", outcome="ok", user_id=who.user_id,
                 username=who.username, device_id=who.device_id, county_id=who.audit_county,
                 target=conflict_id, details={"record": f"{c['collection']}/{c['record']}",
                                              "path": c["path"], "choose": choose})
    return {"conflict": conflict_id, "status": "resolved", "value": value,
            "version": version if version > version_before else None}


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

