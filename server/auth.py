"""Users, password hashes, devices and bearer tokens.

Passwords are argon2id hashes. A login creates a device with a random bearer token;
only the token's SHA-256 is stored, so a copy of the database cannot be used to act
as anyone. Revoking a device ends its token at once.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import time
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from sync.errors import BadRequest, Conflict, DeviceRevoked, TokenExpired, Unauthorized

from .scope import COUNTY_ROLES, ROLES, Scope, scope_for

# OWASP's argon2id minimum (19 MiB, t=2): strong, yet a login stays ~20 ms on a phone-era CPU.
_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY = _hasher.hash("fieldsync-dummy-password")


PASSWORD_RULE = "8 to 200 characters, with at least one letter and one digit"


def check_password(password: str) -> None:
    """Raise ``BadRequest`` unless ``password`` follows ``PASSWORD_RULE`` (the one rule of the
    server and the CLI)."""
    if not (8 <= len(password) <= 200 and any(c.isalpha() for c in password)
            and any(c.isdigit() for c in password)):
        raise BadRequest(f"password: {PASSWORD_RULE}", details={"field": "password"})


def now_ms() -> int:
    """The server's clock, epoch ms."""
    return int(time.time() * 1000)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(hashed: str | None, password: str) -> bool:
    """Check a password; costs the same when the user does not exist."""
    try:
        return _hasher.verify(hashed or _DUMMY, password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


def token_hash(token: str) -> str:
    """What is stored for a bearer token."""
    return hashlib.sha256(token.encode()).hexdigest()


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


@dataclass(frozen=True)
class Principal:
    """An authenticated request: who, on which device, reaching what."""

    user_id: str
    username: str
    name: str
    role: str
    device_id: str
    county_id: str | None
    scope: Scope
    last_stamp: int
    revoked_at: int | None = None

    @property
    def audit_county(self) -> str | None:
        """The county this principal's actions are filed under in the audit log."""
        if self.county_id:
            return self.county_id
        return next(iter(self.scope.county_ids)) if len(self.scope.county_ids) == 1 else None


def add_user(conn: sqlite3.Connection, *, username: str, password: str, role: str,
             name: str | None = None, centre_ids: tuple[str, ...] = (),
             county_id: str | None = None, password_hash: str | None = None,
             user_id: str | None = None) -> str:
    """Create a user (inside the writer's transaction); returns the new id (random unless
    ``user_id`` fixes it, as the demo county does so its records can name their staff)."""
    if role not in ROLES:
        raise BadRequest(f"role must be one of {', '.join(ROLES)}")
    if not username or len(username) > 64:
        raise BadRequest("username must be 1–64 characters")
    if role in ("field", "centre") and not centre_ids:
        raise BadRequest(f"a {role} user belongs to at least one centre (--centre)")
    if password_hash is None:
        check_password(password)
    if role in COUNTY_ROLES and not county_id:
        raise BadRequest(f"a {role} belongs to a county (--county)")
    if county_id and conn.execute("SELECT 1 FROM records WHERE collection='centres'"
                                  " AND county_id=? AND deleted=0", (county_id,)).fetchone() is None:
        raise BadRequest(f"unknown county {county_id!r}: no centre belongs to it yet"
                         f" (add one first: fieldsync centre add --county {county_id} ...)")
    for cid in centre_ids:
        if conn.execute("SELECT 1 FROM records WHERE collection='centres' AND id=?",
                        (cid,)).fetchone() is None:
            raise BadRequest(f"unknown centre {cid!r}")
    if conn.execute("SELECT 1 FROM users WHERE username=?", (username,)).fetchone():
        raise Conflict(f"username {username!r} is taken")
    if user_id is None:
        user_id = "u-" + uuid.uuid4().hex[:12]
    elif conn.execute("SELECT 1 FROM users WHERE id=?", (user_id,)).fetchone():
        raise Conflict(f"user id {user_id!r} is taken")
    conn.execute(
        "INSERT INTO users (id, username, name, password_hash, role, county_id, created_at)"
        " VALUES (?,?,?,?,?,?,?)",
        (user_id, username, name or username, password_hash or hash_password(password), role,
         county_id, now_ms()))
    conn.executemany("INSERT INTO user_centres (user_id, centre_id) VALUES (?,?)",
                     [(user_id, c) for c in centre_ids])
    return user_id


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


def create_device(conn: sqlite3.Connection, user: User, device_name: str) -> tuple[str, str]:
    """Register a device for ``user``; returns ``(device_id, token)``."""
    token = secrets.token_urlsafe(32)
    device_id = "d-" + uuid.uuid4().hex
    conn.execute(
        "INSERT INTO devices (id, user_id, name, token_hash, created_at, last_seen)"
        " VALUES (?,?,?,?,?,?)",
        (device_id, user.id, device_name, token_hash(token), now_ms(), now_ms()))
    return device_id, token


def login_payload(conn: sqlite3.Connection, user: User, device_id: str, token: str) -> dict[str, object]:
    """The login response body (DESIGN.md's contract)."""
    scope = scope_for(conn, user.id, user.role, user.county_id)
    centres = sorted(scope.centre_ids) if user.role in (*COUNTY_ROLES, "admin") \
        else list(user.centre_ids)
    return {"token": token, "device_id": device_id,
            "user": {"id": user.id, "username": user.username, "name": user.name,
                     "role": user.role, "centre_ids": centres, "county_id": user.county_id
                     or (sorted(scope.county_ids)[0] if scope.county_ids else None)}}


def authenticate(conn: sqlite3.Connection, authorization: str | None, *, idle_s: int,
                 max_s: int, allow_revoked: bool = False, now: int | None = None) -> Principal:
    """Resolve ``Authorization: Bearer …`` to a principal, or raise a 401 error.

    ``allow_revoked`` lets the sync endpoint take a revoked device's last push (its
    work made before the revocation) before it tells the device to wipe.
    """
    if not authorization or not authorization.startswith("Bearer "):
        raise Unauthorized("missing bearer token")
    token = authorization[len("Bearer "):].strip()
    if not token or len(token) > 200:
        raise Unauthorized("bad bearer token")
    row = conn.execute(
        "SELECT d.id, d.revoked_at, d.last_stamp, d.created_at, d.last_seen, u.id, u.username,"
        " u.name, u.role, u.county_id, u.disabled FROM devices d JOIN users u ON u.id = d.user_id"
        " WHERE d.token_hash=?", (token_hash(token),)).fetchone()
    if row is None:
        raise Unauthorized("unknown or ended token")
    (device_id, revoked_at, last_stamp, created_at, last_seen, user_id, username, name, role,
     county_id, disabled) = row
    t = now_ms() if now is None else now
    if disabled and revoked_at is None:
        revoked_at = t
    if revoked_at is not None and not allow_revoked:
        raise DeviceRevoked("this device was revoked: send what you can, then wipe local data",
                            details={"device_id": device_id})
    if revoked_at is None:
        if t - int(created_at) > max_s * 1000:
            raise TokenExpired("this login has expired: log in again", details={"reason": "lifetime"})
        if t - int(last_seen or created_at) > idle_s * 1000:
            raise TokenExpired("this login was unused too long: log in again",
                               details={"reason": "idle"})
    return Principal(user_id, username, name, role, device_id, county_id,
                     scope_for(conn, user_id, role, county_id), int(last_stamp or 0), revoked_at)


def revoke_devices(conn: sqlite3.Connection, where: str, args: tuple[object, ...], by: str) -> int:
    """Mark matching unrevoked devices revoked now; returns how many."""
    cur = conn.execute(f"UPDATE devices SET revoked_at=?, revoked_by=? WHERE revoked_at IS NULL"
                       f" AND {where}", (now_ms(), by, *args))
    return int(cur.rowcount)
