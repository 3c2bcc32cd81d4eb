"""Users, their centres, and the scope a user reaches.

``field`` and ``centre`` users act in their centres; a ``supervisor`` in every centre of
their county, an ``inspector`` too but in fewer collections; an ``admin`` everywhere (see
``server.scope``).
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass

from ..errors import BadRequest, Conflict
from ..scope import COUNTY_ROLES, ROLE_COLLECTIONS, ROLES, Scope
from .records import centre_exists
from .sqlite import contains, unindexed


@dataclass(frozen=True)
class User:
    """A user row with their centres."""

    id: str
    username: str
    name: str
    role: str
    county_id: str | None
    centre_ids: tuple[str, ...]
    password_hash: str
    disabled: bool


def add_user(conn: sqlite3.Connection, *, username: str, password_hash: str, role: str, now: int,
             name: str | None = None, centre_ids: tuple[str, ...] = (),
             county_id: str | None = None, user_id: str | None = None) -> str:
    """Create a user (inside the writer's transaction); returns the new id (random unless
    ``user_id`` fixes it, as the demo county does so its records can name their staff)."""
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}")
    if not username or len(username) > 64:
        raise BadRequest("username must be 1–64 characters")
    if role in ("field", "centre") and not centre_ids:
        raise BadRequest(f"a {role} user belongs to at least one centre (--centre)")
    if role in COUNTY_ROLES and not county_id:
        raise BadRequest(f"a {role} belongs to a county (--county)")
    if county_id and conn.execute("SELECT 1 FROM records WHERE collection='centres'"
                                  " AND county_id=? AND deleted=0", (county_id,)).fetchone() is None:
        raise BadRequest(f"unknown county {county_id!r}: no centre belongs to it yet"
                         f" (add one first: fieldsync centre add --county {county_id} ...)")
    for cid in centre_ids:
        if not centre_exists(conn, cid):
            raise BadRequest(f"unknown centre {cid!r}")
    if conn.execute("SELECT 1 FROM users WHERE username=?", (username,)).fetchone():
        raise Conflict(f"username {username!r} is taken")
    if user_id is None:
        user_id = "u-" + uuid.uuid4().hex[:12]
    elif user_exists(conn, user_id):
        raise Conflict(f"user id {user_id!r} is taken")
    conn.execute(
        "INSERT INTO users (id, username, name, password_hash, role, county_id, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (user_id, username, name or username, password_hash, role, county_id, now))
    conn.executemany("INSERT INTO user_centres (user_id, centre_id) VALUES (?,?)",
                     [(user_id, c) for c in centre_ids])
    return user_id


def user_exists(conn: sqlite3.Connection, user_id: str) -> bool:
    """Whether a user with this id exists."""
    return conn.execute("SELECT 1 FROM users WHERE id=?", (user_id,)).fetchone() is not None


def get_user(conn: sqlite3.Connection, username: str) -> User | None:
    """Look a user up by username."""
    row = conn.execute(
        "SELECT id, username, name, role, county_id, password_hash, disabled FROM users"
        " WHERE username=?", (username,)).fetchone()
    if row is None:
        return None
    centres = tuple(r[0] for r in conn.execute(
        "SELECT centre_id FROM user_centres WHERE user_id=? ORDER BY centre_id", (row[0],)))
    return User(row[0], row[1], row[2], row[3], row[4], centres, row[5], bool(row[6]))


def disable_user(conn: sqlite3.Connection, user_id: str) -> None:
    """Refuse the user's logins from now on (their devices are revoked separately)."""
    conn.execute("UPDATE users SET disabled=1 WHERE id=?", (user_id,))


def user_counties(conn: sqlite3.Connection, user_id: str) -> set[str]:
    """Every county a user belongs to (their own, or their centres')."""
    row = conn.execute("SELECT county_id FROM users WHERE id=?", (user_id,)).fetchone()
    counties = {row[0]} if row and row[0] else set()
    counties |= {r[0] for r in conn.execute(
        "SELECT c.county_id FROM user_centres uc JOIN records c ON c.collection='centres'"
        " AND c.id = uc.centre_id WHERE uc.user_id=?", (user_id,)) if r[0]}
    return counties


def filing_county(conn: sqlite3.Connection, user: User | None) -> str | None:
    """The county a user's audit entries are filed under (None if several or none)."""
    if user is None:
        return None
    counties = user_counties(conn, user.id)
    return next(iter(counties)) if len(counties) == 1 else None


def county_of(conn: sqlite3.Connection, centre_id: str) -> str | None:
    """The county a centre belongs to (from the centres collection)."""
    row = conn.execute("SELECT county_id FROM records WHERE collection='centres' AND id=?",
                       (centre_id,)).fetchone()
    return None if row is None else row[0]


def scope_for(conn: sqlite3.Connection, user_id: str, role: str,
              county_id: str | None) -> Scope:
    """Compute a user's scope from their role, centres and county."""
    if role == "admin":
        every = [r[0] for r in conn.execute(
            "SELECT id FROM records WHERE collection='centres' AND deleted=0")]
        all_counties = [r[0] for r in conn.execute(
            "SELECT DISTINCT county_id FROM records WHERE collection='centres'")]
        return Scope(role, frozenset(every), frozenset(c for c in all_counties if c), True)
    if role in COUNTY_ROLES:
        # The centres are a handful of rows; the county index would walk all the county's
        # records (hundreds of thousands) to find them, on every request.
        county_centres = [r[0] for r in conn.execute(
            "SELECT id FROM records WHERE collection='centres'"
            f" AND {unindexed('county_id')}=? AND deleted=0", (county_id,))]
        return Scope(role, frozenset(county_centres), frozenset([county_id] if county_id else []),
                     collections=ROLE_COLLECTIONS.get(role))
    centres = [r[0] for r in conn.execute(
        "SELECT centre_id FROM user_centres WHERE user_id=?", (user_id,))]
    counties = {county_of(conn, c) for c in centres}
    return Scope(role, frozenset(centres), frozenset(c for c in counties if c is not None))


USER_COLUMNS = ("id", "username", "name", "role", "county_id", "disabled", "created_at")


def list_users(conn: sqlite3.Connection, reach: tuple[str, list[object]], q: str | None,
               role: str | None, after: str | None, limit: int) -> list[dict[str, object]]:
    """Users matched by ``reach`` (SQL on ``u`` from ``devices.reach``), by username, with
    their centres; ``q`` searches username and name; continues after username ``after``."""
    where, args = [reach[0]], list(reach[1])
    if q:
        where.append(f"({contains('u.username')} OR {contains('u.name')})")
        args += [q, q]
    if role:
        where.append("u.role = ?")
        args.append(role)
    if after is not None:
        where.append("u.username > ?")
        args.append(after)
    rows = conn.execute(f"SELECT {', '.join('u.' + c for c in USER_COLUMNS)} FROM users u"
                        f" WHERE {' AND '.join(where)} ORDER BY u.username LIMIT ?",
                        (*args, limit)).fetchall()
    out = []
    for row in rows:
        doc: dict[str, object] = dict(zip(USER_COLUMNS, row, strict=True))
        doc["disabled"] = bool(doc["disabled"])
        doc["centre_ids"] = [r[0] for r in conn.execute(
            "SELECT centre_id FROM user_centres WHERE user_id=? ORDER BY centre_id", (row[0],))]
        out.append(doc)
    return out


def get_by_id(conn: sqlite3.Connection, user_id: str) -> dict[str, object] | None:
    """One user (as ``list_users`` gives them), or None."""
    row = conn.execute("SELECT username FROM users WHERE id=?", (user_id,)).fetchone()
    if row is None:
        return None
    found = list_users(conn, ("u.id = ?", [user_id]), None, None, None, 1)
    return found[0] if found else None


def id_of(conn: sqlite3.Connection, username: str) -> str | None:
    """The id of the user with ``username``, or None."""
    row = conn.execute("SELECT id FROM users WHERE username=?", (username,)).fetchone()
    return None if row is None else str(row[0])


def set_password_hash(conn: sqlite3.Connection, user_id: str, password_hash: str) -> None:
    """Replace a user's password (their devices are revoked separately)."""
    conn.execute("UPDATE users SET password_hash=? WHERE id=?", (password_hash, user_id))


def set_enabled(conn: sqlite3.Connection, user_id: str) -> None:
    """Allow a disabled user's logins again."""
    conn.execute("UPDATE users SET disabled=0 WHERE id=?", (user_id,))


def set_access(conn: sqlite3.Connection, user_id: str, role: str, county_id: str | None,
               centre_ids: tuple[str, ...]) -> None:
    """Give a user a role, a county and centres (checked by ``add_user``'s rules)."""
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}", details={"field": "role"})
    if role in ("field", "centre") and not centre_ids:
        raise BadRequest(f"a {role} user belongs to at least one centre",
                         details={"field": "centre_ids"})
    if role == "supervisor" and not county_id:
        raise BadRequest("a supervisor belongs to a county", details={"field": "county_id"})
    for cid in centre_ids:
        if not centre_exists(conn, cid):
            raise BadRequest(f"unknown centre {cid!r}", details={"field": "centre_ids"})
    conn.execute("UPDATE users SET role=?, county_id=? WHERE id=?", (role, county_id, user_id))
    conn.execute("DELETE FROM user_centres WHERE user_id=?", (user_id,))
    conn.executemany("INSERT INTO user_centres (user_id, centre_id) VALUES (?,?)",
                     [(user_id, c) for c in centre_ids])


def all_users(conn: sqlite3.Connection, county_id: str | None) -> list[dict[str, object]]:
    """Every user (of ``county_id`` by county or centre, when given), for the CLI."""
    if county_id is None:
        return list_users(conn, ("1=1", []), None, None, None, 1_000_000)
    return list_users(conn, (
        "(u.county_id = ? OR EXISTS (SELECT 1 FROM user_centres uc JOIN records c ON"
        " c.collection='centres' AND c.id = uc.centre_id WHERE uc.user_id = u.id AND"
        " c.county_id = ?))", [county_id, county_id]), None, None, None, 1_000_000)


def county_exists(conn: sqlite3.Connection, county_id: str) -> bool:
    """Whether some centre belongs to ``county_id``."""
    return conn.execute("SELECT 1 FROM records WHERE collection='centres'"
                        f" AND {unindexed('county_id')}=? AND deleted=0 LIMIT 1",
                        (county_id,)).fetchone() is not None


def colleagues(conn: sqlite3.Connection, centre_ids: frozenset[str]) -> list[dict[str, object]]:
    """The enabled people of ``centre_ids`` (field and centre staff) as a hand-over picker
    needs them: id, display name, role and their centres among ``centre_ids``; nothing more
    (no username, no county, no personal data beyond the name), ordered by name."""
    if not centre_ids:
        return []
    wanted = sorted(centre_ids)
    marks = ",".join("?" * len(wanted))
    rows = conn.execute(
        "SELECT u.id, u.name, u.role, uc.centre_id FROM users u JOIN user_centres uc"
        f" ON uc.user_id = u.id WHERE uc.centre_id IN ({marks}) AND u.disabled = 0"
        " AND u.role IN ('field', 'centre') ORDER BY u.name, u.id, uc.centre_id", wanted).fetchall()
    out: dict[str, dict[str, object]] = {}
    for uid, name, role, centre in rows:
        doc = out.setdefault(uid, {"id": uid, "name": name, "role": role, "centre_ids": []})
        centres = doc["centre_ids"]
        assert isinstance(centres, list)
        centres.append(centre)
    return list(out.values())
