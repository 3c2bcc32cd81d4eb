"""Writes made by the system itself (CLI, demo seeding), through the same writer
and merge engine as every device's ops."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Sequence
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


def import_matters(conn: sqlite3.Connection, county_id: str, content: bytes,
                   filename: str) -> dict[str, Any]:
    """Write the matters of a catalogue sheet (``server.catalogue``) for ``county_id``, all or
    nothing: any problem raises ``Invalid`` listing them (``details.problems``)."""
    from . import catalogue
    from .store.users import county_exists

    if not county_exists(conn, county_id):
        raise Invalid(f"no centre belongs to county {county_id!r}",
                      details={"field": "county_id"})
    try:
        rows = catalogue.read_rows(content, filename)
    except Exception as exc:  # a damaged workbook raises anything from zipfile to XML errors
        raise Invalid(f"the file cannot be read: {type(exc).__name__}",
                      details={"problems": [{"row": None, "column": None,
                                             "message": "not a readable .xlsx or .csv"}]}) from None
    matters, problems = catalogue.parse(rows, county_id)
    if problems:
        raise Invalid(f"{len(problems)} problem(s) in the catalogue", details={"problems": problems[:100]})
    if not matters:
        raise Invalid("the catalogue holds no matters", details={"problems": []})
    now = now_ms()
    system_write(conn, [("matters", mid, data, now) for mid, data in matters], now)
    return {"county_id": county_id, "imported": len(matters),
            "matters": [{"id": mid, "name": data["name"]} for mid, data in matters]}


def import_matters_cmd(db: str, county_id: str, path: str) -> dict[str, Any]:
    """``fieldsync matters import``."""
    from pathlib import Path

    from .store import audit

    content = Path(path).read_bytes()
    writer = Writer(db)
    try:
        def run(conn: sqlite3.Connection) -> dict[str, Any]:
            result = import_matters(conn, county_id, content, path)
            audit.record(conn, at=now_ms(), action="import_matters", outcome="ok", username="cli",
                         county_id=county_id, target=county_id,
                         details={"imported": result["imported"], "via": "cli"})
            return result
        return writer.run(run)
    finally:
        writer.close()


def list_users_cmd(db: str, county: str | None) -> list[dict[str, Any]]:
    """``fieldsync user list``."""
    from .store.users import all_users

    writer = Writer(db)
    try:
        return [dict(u) for u in writer.run(lambda conn: all_users(conn, county))]
    finally:
        writer.close()


def _by_username(conn: sqlite3.Connection, username: str) -> str:
    from .store.users import id_of

    uid = id_of(conn, username)
    if uid is None:
        raise BadRequest(f"no user {username!r}")
    return uid


def _lock_out(db: str, username: str, action: str,
              change: Callable[[sqlite3.Connection, str], None]) -> int:
    """Apply ``change`` to the user, revoke every device of theirs and audit ``action``
    as the CLI, in one write; returns how many devices were revoked."""
    from .store import audit, devices

    writer = Writer(db)
    try:
        def run(conn: sqlite3.Connection) -> int:
            uid = _by_username(conn, username)
            now = now_ms()
            change(conn, uid)
            n = devices.revoke_all_of(conn, uid, "system", now)
            audit.record(conn, at=now, action=action, outcome="ok", username="cli",
                         target=uid, details={"devices_revoked": n, "via": "cli"})
            return n
        return writer.run(run)
    finally:
        writer.close()


def disable_user_cmd(db: str, username: str) -> int:
    """``fieldsync user disable``: logins refused, every device revoked (audited)."""
    from .store import users

    return _lock_out(db, username, "disable_user", users.disable_user)


def reset_password_cmd(db: str, username: str, password: str) -> int:
    """``fieldsync user reset-password``: a new password, every device revoked (audited)."""
    from .auth import hash_password
    from .store import users

    if len(password) < 8:
        raise BadRequest("the password needs at least 8 characters")
    hashed = hash_password(password)
    return _lock_out(db, username, "reset_password",
                     lambda conn, uid: users.set_password_hash(conn, uid, hashed))
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
