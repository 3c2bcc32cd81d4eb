"""``POST /api/v1/sync``: push pending ops, then pull changes, in one round trip.

Each op is parsed and checked once, here, into a ``CheckedOp`` (``sync.ops``). The push
runs in the writer (one transaction, committed before the reply); the pull reads a
snapshot taken after that commit, so a device always receives its own writes with their
server versions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from sync import clock
from sync.errors import StaleSchema
from sync.ops import MAX_OP_ID, CheckedOp, check_op, op_id_ok
from sync.schema import Schemas, load

from ..auth import Principal
from ..clock import now_ms
from ..errors import BadRequest, DeviceRevoked, PayloadTooLarge
from ..http import raw_response, read_json
from ..state import int_param, principal, state
from ..store import devices
from ..store.pages import Page, pull
from ..store.records import Actor, Batch, current_version
from ..wire import decode_cursor, encode_cursor, sync_body


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


def parse_ops(doc: Mapping[str, Any], max_ops: int, schemas: Schemas) -> list[CheckedOp]:
    """The request's ops, each checked into a ``CheckedOp``.

    The request is refused (400/413) unless ``ops`` is an array of objects with string
    ids; anything else wrong with an op rejects that op only.
    """
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
        if not op_id_ok(op.get("id")):
            raise BadRequest(f"ops[{i}].id: expected a string of 1–{MAX_OP_ID} characters",
                             details={"index": i})
        out.append(check_op(op, schemas))
    return out


def _push(conn: sqlite3.Connection, who: Principal, ops: list[CheckedOp], device_clock: int | None,
          status: dict[str, Any] | None, now: int, stale: bool) -> list[dict[str, Any]]:
    """Apply the ops and record the device's contact, inside the writer's transaction.

    Nothing a revoked device sends changes data on its own say-so: its ``at`` is its own
    clock, so "made before the revocation" cannot be trusted (a stolen phone could backdate
    any number of ops). Every op it sends is quarantined (``device_revoked``), never
    dropped, for a supervisor of the county to release (``POST
    /api/v1/quarantine/{op}/release``) or drop with a reason.
    """
    offset = clock.offset(device_clock, now) if device_clock is not None else 0
    ats = [now if o.at is None else o.at for o in ops]
    stamps, last_stamp = clock.stamps(ats, offset, now, devices.last_stamp(conn, who.device_id))
    if stale:
        # Kept in quarantine like any rejection, so nothing is lost while the app updates.
        err = StaleSchema("this app's data format is out of date: update the app, then sync again",
                          details={"min_schema": load().min_client})
        ops = [o.rejected(err) for o in ops]
    elif who.revoked_at is not None:
        late = DeviceRevoked("sent after this device was revoked: kept for a supervisor of the"
                             " county to review")
        ops = [o.rejected(late) for o in ops]
    batch = Batch(conn, Actor(who.user_id, who.device_id, who.role, who.scope), now)
    results = batch.run(ops, stamps) if ops else []
    devices.record_contact(conn, who.device_id, now, offset, last_stamp, status)
    return results


async def sync(request: Request) -> Response:
    """One round trip: push then pull (see docs/contract.md)."""
    fs = state(request)
    who = await principal(request, allow_revoked=True)
    cfg = fs.config
    doc = await read_json(request, cfg.max_body_bytes, cfg.max_inflated_bytes)
    schemas = load()
    ops = parse_ops(doc, cfg.max_ops, schemas)
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
        int_param(schema_seen, "schema_version") < schemas.min_client
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
        after, reset = resume_point(cursor, who.scope.pull_scope().key(), fs.db_id,
                                    current_version(conn))
        return pull(conn, who.scope.pull_scope(), after, limit, who.user_id), reset

    page, reset = await fs.readers.run(read)
    cursor_out = encode_cursor(page.last_version, who.scope.pull_scope().key(), fs.db_id)
    return raw_response(request, sync_body(results, page, cursor_out, reset))
