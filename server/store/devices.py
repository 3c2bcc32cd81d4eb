"""Devices: registration, bearer-token lookup, each device's clock state and last contact,
listing and revocation. Only a token's SHA-256 is stored."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..scope import Scope

COLUMNS = ("id", "user_id", "username", "name", "created_at", "last_seen", "offset_ms", "status",
           "revoked_at", "revoked_by")
_SELECT = ("SELECT " + ", ".join("u.username" if c == "username" else "d." + c for c in COLUMNS)
           + " FROM devices d JOIN users u ON u.id = d.user_id")
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


@dataclass(frozen=True)
class TokenOwner:
    """What a bearer token's hash leads to: the device and its user."""

    device_id: str
    revoked_at: int | None
    last_stamp: int
    created_at: int
    last_seen: int | None
    user_id: str
    username: str
    name: str
    role: str
    county_id: str | None
    disabled: bool


def create_device(conn: sqlite3.Connection, device_id: str, user_id: str, name: str,
                  token_hash: str, now: int) -> None:
    """Register a device of ``user_id`` with its token's hash."""
    conn.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen)"
        " VALUES (?,?,?,?,?,?)", (device_id, user_id, name, token_hash, now, now))


def by_token(conn: sqlite3.Connection, token_hash: str) -> TokenOwner | None:
    """The device (and user) a token's hash belongs to."""
    row = conn.execute(
        "SELECT d.id, d.revoked_at, d.last_stamp, d.created_at, d.last_seen, u.id, u.username,"
        " u.name, u.role, u.county_id, u.disabled FROM devices d JOIN users u ON u.id = d.user_id"
        " WHERE d.token_hash=?", (token_hash,)).fetchone()
    if row is None:
        return None
    return TokenOwner(row[0], row[1], int(row[2] or 0), int(row[3]), row[4], row[5], row[6],
                      row[7], row[8], row[9], bool(row[10]))


def last_stamp(conn: sqlite3.Connection, device_id: str) -> int:
    """The last corrected stamp given to one of the device's ops (0 if none)."""
    row = conn.execute("SELECT last_stamp FROM devices WHERE id=?", (device_id,)).fetchone()
    return int(row[0] or 0) if row else 0


def record_contact(conn: sqlite3.Connection, device_id: str, now: int, offset: int, stamp: int,
                   status: Mapping[str, Any] | None) -> None:
    """Note a sync: when, the clock offset, the last stamp and the status the app reported."""
    conn.execute("UPDATE devices SET last_seen=?, offset_ms=?, last_stamp=?, status=? WHERE id=?",
                 (now, offset, stamp, _dumps(status) if status is not None else None, device_id))


def owner(conn: sqlite3.Connection, device_id: str) -> str | None:
    """The user a device belongs to, or None if there is no such device."""
    row = conn.execute("SELECT user_id FROM devices WHERE id=?", (device_id,)).fetchone()
    return None if row is None else str(row[0])


def get(conn: sqlite3.Connection, device_id: str) -> dict[str, Any]:
    """One device as a row mapping (``COLUMNS``)."""
    return dict(zip(COLUMNS, conn.execute(_SELECT + " WHERE d.id=?", (device_id,)).fetchone(),
                    strict=True))


def _reach(user_id: str, scope: Scope) -> tuple[str, list[Any]]:
    """SQL (on ``u``, a users row) for the users whose devices ``user_id`` may manage:
    an admin every user, a supervisor their county's users (by county or by a centre of it),
    anyone else only themselves."""
    if scope.everything:
        return "1=1", []
    counties = sorted(scope.county_ids) if scope.role == "supervisor" else []
    if not counties:
        return "u.id = ?", [user_id]
    marks = ",".join("?" * len(counties))
    return (f"(u.id = ? OR u.county_id IN ({marks}) OR EXISTS (SELECT 1 FROM user_centres uc"
            " JOIN records c ON c.collection='centres' AND c.id = uc.centre_id"
            f" WHERE uc.user_id = u.id AND c.county_id IN ({marks})))",
            [user_id, *counties, *counties])


def reach(user_id: str, scope: Scope) -> tuple[str, list[Any]]:
    """SQL (on ``u``, a users row) and its arguments for the users ``user_id`` may manage."""
    return _reach(user_id, scope)


def manageable(conn: sqlite3.Connection, user_id: str, scope: Scope,
               limit: int) -> list[dict[str, Any]]:
    """Devices ``user_id`` (reaching ``scope``) may manage, most recently seen first, in one query."""
    where, args = _reach(user_id, scope)
    rows = conn.execute(_SELECT + f" WHERE {where} ORDER BY d.last_seen DESC LIMIT ?", (*args, limit))
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def may_manage(conn: sqlite3.Connection, user_id: str, scope: Scope, target: str) -> bool:
    """Whether ``user_id`` (reaching ``scope``) may see and revoke ``target``'s devices."""
    where, args = _reach(user_id, scope)
    return conn.execute(f"SELECT 1 FROM users u WHERE u.id = ? AND {where}",
                        (target, *args)).fetchone() is not None


def revoke(conn: sqlite3.Connection, device_id: str, by: str, now: int) -> int:
    """Revoke one device unless it is revoked already; returns 1 if it was revoked now."""
    cur = conn.execute("UPDATE devices SET revoked_at=?, revoked_by=? WHERE revoked_at IS NULL"
                       " AND id=?", (now, by, device_id))
    return int(cur.rowcount)


def revoke_all_of(conn: sqlite3.Connection, user_id: str, by: str, now: int) -> int:
    """Revoke every unrevoked device of a user; returns how many."""
    cur = conn.execute("UPDATE devices SET revoked_at=?, revoked_by=? WHERE revoked_at IS NULL"
                       " AND user_id=?", (now, by, user_id))
    return int(cur.rowcount)
