"""Writes made by the system itself (CLI, demo seeding), through the same writer
and merge engine as every device's ops."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sync import rubric
from sync.errors import Invalid
from sync.ops import check_op
from sync.schema import load

from .auth import add_user
from .clock import now_ms
from .config import Config
from .errors import BadRequest
from .store.records import Actor, Batch, centre_exists, record_exists
from .store.sqlite import is_database
from .vapid import ensure_key
from .writer import Writer

SYSTEM = Actor(user_id="system", device_id="system", role="system", scope=None)


def init_db(path: str) -> None:
    """Create the database and its tables, and the VAPID key beside it (idempotent)."""
    Writer(path).close()
    ensure_key(Config.from_env(db=path).vapid_key_path)


def require_db(path: str) -> None:
    """Raise ``BadRequest`` unless ``path`` is a fieldsync database made by ``init``.

    Commands other than ``init`` never create one: a mistyped path would otherwise
    serve, or add users to, a new empty database.
    """
    if not is_database(path):
        raise BadRequest(f"no fieldsync database at {path}: create it first with"
                         f" fieldsync init --db {path}")


def system_write(conn: sqlite3.Connection, items: Sequence[tuple[str, str, dict[str, Any], int]],
                 now: int | None = None) -> list[dict[str, Any]]:
    """Apply ``(collection, record_id, data, at)`` writes as the system (no scope limits).

    Raises ``Invalid`` for the first rejected write, so callers never half-succeed silently.
    """
    schemas = load()
    ops = [check_op({"id": f"sys-{uuid.uuid4().hex}", "collection": coll, "record": rid,
                     "base": 0, "at": at, "set": data}, schemas) for coll, rid, data, at in items]
    results = Batch(conn, SYSTEM, now or now_ms()).run(ops, [at for *_x, at in items])
    for item, res in zip(items, results, strict=True):
        if res["status"] == "rejected":
            raise Invalid(f"{item[0]}/{item[1]}: {res['message']}", details=res.get("details"))
    return results


def add_centre(db: str, centre_id: str, name: str, county: str) -> None:
    """``fieldsync centre add``: a centres record, written like any other."""
    require_db(db)
    writer = Writer(db)
    try:
        def write(conn: sqlite3.Connection) -> None:
            if centre_exists(conn, centre_id):
                raise BadRequest(f"centre {centre_id!r} exists already")
            system_write(conn, [("centres", centre_id, {"name": name, "county_id": county},
                                 now_ms())])
        writer.run(write)
    finally:
        writer.close()


def add_user_cmd(db: str, *, username: str, password: str, role: str, name: str | None,
                 centres: tuple[str, ...], county: str | None) -> str:
    """``fieldsync user add``."""
    require_db(db)
    writer = Writer(db)
    try:
        return writer.run(lambda conn: add_user(conn, username=username, password=password,
                                                role=role, name=name, centre_ids=centres,
                                                county_id=county))
    finally:
        writer.close()


def import_template(db: str, file: str, *, county: str | None = None,
                    record_id: str | None = None) -> str:
    """``fieldsync templates import``: a county's own rubric template from a JSON file.

    The file holds a template's data (``server/demo/rubrics/*.json`` are examples);
    ``county`` fills or overrides its ``county_id``. The record id defaults to
    ``tpl-<file stem>-v<version>`` (a new version is a new record). Returns the id.
    """
    try:
        data = json.loads(Path(file).read_text("utf-8"))
    except (OSError, ValueError) as err:
        raise BadRequest(f"cannot read {file}: {err}") from None
    if not isinstance(data, dict):
        raise BadRequest(f"{file}: a template must be a JSON object")
    if county is not None:
        data["county_id"] = county
    data.setdefault("version", 1)
    rubric.validate_template(data)
    rid = record_id or f"tpl-{Path(file).stem}-v{data['version']}"
    writer = Writer(db)
    try:
        def write(conn: sqlite3.Connection) -> None:
            if record_exists(conn, "templates", rid):
                raise BadRequest(f"template {rid!r} exists already (a new version needs a new id)")
            system_write(conn, [("templates", rid, data, now_ms())])
        writer.run(write)
    finally:
        writer.close()
    return rid
