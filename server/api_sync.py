"""``POST /api/v1/sync``: push pending ops, then pull changes, in one round trip.

The push runs in the writer (one transaction, committed before the reply); the pull
reads a snapshot taken after that commit, so a device always receives its own
writes with their server versions.
"""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sync import clock
from sync.errors import BadRequest, DeviceRevoked, PayloadTooLarge, StaleSchema
from sync.schema import load

from .auth import Principal, now_ms
from .http import raw_response, read_json
from .state import int_param, principal, state
from .store import Actor, Batch, Page, RawOp, current_version, pull, whole_ms

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
MAX_OP_ID = 128


def encode_cursor(version: int, scope_key: str, db_id: str) -> str:
    """An opaque cursor: the last version seen, the scope and the database it was seen in."""
    text = f"{version}:{scope_key}:{db_id}"
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, str, str] | None:
    """Inverse of ``encode_cursor``; None for a cursor this server did not make."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        version, key, db_id = text.split(":", 2)
        value = int(version)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    return (value, key, db_id) if value >= 0 else None


def resume_point(cursor: str | None, scope_key: str, db_id: str, newest: int) -> tuple[int, bool]:
    """Where a pull starts, and whether the device must replace its copy (``reset``).

    A cursor from another scope, another database, a version this database never
    reached (restored from a backup) or no cursor format of ours all mean: start over.
    """
    if not cursor:
        return 0, False
    parsed = decode_cursor(cursor)
    if parsed is None:
        return 0, True
    version, key, made_in = parsed
    if key != scope_key or made_in != db_id or version > newest:
        return 0, True
    return version, False


def parse_ops(doc: dict[str, Any], max_ops: int) -> list[RawOp]:
    """The request's ops; every op must at least be an object with a string ``id``."""
    ops = doc.get("ops", [])
    if ops is None:
        return []
    if not isinstance(ops, list):
        raise BadRequest("ops: expected an array", details={"field": "ops"})
    if len(ops) > max_ops:
        raise PayloadTooLarge(f"at most {max_ops} ops per request; send the rest next time",
                              code="too_many_ops", details={"limit": max_ops})
    out = []
    for i, op in enumerate(ops):
        if not isinstance(op, dict):
            raise BadRequest(f"ops[{i}]: expected an object", details={"index": i})
        op_id = op.get("id")
        if not isinstance(op_id, str) or not op_id or len(op_id) > MAX_OP_ID:
            raise BadRequest(f"ops[{i}].id: expected a string of 1–{MAX_OP_ID} characters",
                             details={"index": i})
        out.append(RawOp.from_json(op))
    return out


def _push(conn: sqlite3.Connection, who: Principal, ops: list[RawOp], device_clock: int | None,
          status: dict[str, Any] | None, now: int, stale: bool) -> list[dict[str, Any]]:
    """Apply the ops and record the device's contact, inside the writer's transaction.

    Nothing a revoked device sends changes data on its own say-so: its ``at`` is its own
    clock, so "made before the revocation" cannot be trusted (a stolen phone could backdate
    any number of ops). Every op it sends is quarantined (``device_revoked``), never
    dropped, for a supervisor of the county to release (``POST
    /api/v1/quarantine/{op}/release``) or drop with a reason.
    """
    offset = clock.offset(device_clock, now) if device_clock is not None else 0
    row = conn.execute("SELECT last_stamp, revoked_at FROM devices WHERE id=?",
                       (who.device_id,)).fetchone()
    last_stamp = int(row[0] or 0) if row else 0
    ats = [o.at if whole_ms(o.at) else now for o in ops]
    stamps, last_stamp = clock.stamps(ats, offset, now, last_stamp)
    actor = Actor(who.user_id, who.device_id, who.role, who.scope)
    batch = Batch(conn, actor, now)
    if stale:
        # Kept in quarantine like any rejection, so nothing is lost while the app updates.
        results = batch.reject_all(ops, StaleSchema(
            "this app's data format is out of date: update the app, then sync again",
            details={"min_schema": load().min_client}))
    elif who.revoked_at is not None:
        results = batch.reject_all(ops, DeviceRevoked(
            "sent after this device was revoked: kept for a supervisor of the county to review"),
            stamps)
    else:
        results = batch.run(ops, stamps) if ops else []
    conn.execute("UPDATE devices SET last_seen=?, offset_ms=?, last_stamp=?, status=? WHERE id=?",
                 (now, offset, last_stamp, _dumps(status) if status is not None else None,
                  who.device_id))
    return results


async def sync(request: Request) -> Response:
    """One round trip: push then pull (see DESIGN.md's HTTP contract)."""
    fs = state(request)
    who = await principal(request, allow_revoked=True)
    cfg = fs.config
    doc = await read_json(request, cfg.max_body_bytes, cfg.max_inflated_bytes)
    ops = parse_ops(doc, cfg.max_ops)
    device_clock = doc.get("clock")
    if device_clock is not None:
        device_clock = int_param(device_clock, "clock")
    limit = int_param(doc.get("limit", cfg.page_default), "limit", minimum=1)
    limit = min(limit, cfg.page_max)
    status = doc.get("status")
    if status is not None and not isinstance(status, dict):
        raise BadRequest("status: expected an object", details={"field": "status"})
    schema_seen = doc.get("schema_version")
    cursor = doc.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise BadRequest("cursor: expected a string or null", code="invalid_cursor")

    stale = schema_seen is not None and \
        int_param(schema_seen, "schema_version") < load().min_client
    now = now_ms()
    results = await fs.writer.execute(
        lambda conn: _push(conn, who, ops, device_clock, status, now, stale))
    if who.revoked_at is not None:
        err = DeviceRevoked("this device was revoked: its unsent changes were received and wait"
                            " for a supervisor's review; wipe local data now",
                            details={"device_id": who.device_id,
                                     "quarantined": sum(r["status"] == "rejected"
                                                        for r in results)})
        err.results = results
        raise err
    def read(conn: sqlite3.Connection) -> tuple[Page, bool]:
        after, reset = resume_point(cursor, who.scope.key(), fs.db_id, current_version(conn))
        return pull(conn, who.scope, after, limit), reset

    page, reset = await fs.readers.run(read)
    body = '{"results":%s,"changes":[%s],"cursor":%s,"more":%s,"reset":%s}' % (
        _dumps(results), ",".join(page.entries),
        _dumps(encode_cursor(page.last_version, who.scope.key(), fs.db_id)),
        "true" if page.more else "false", "true" if reset else "false")
    return raw_response(request, body.encode())
