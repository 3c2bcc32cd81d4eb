"""Password hashes, bearer tokens and who a request is (``Principal``).

Passwords are argon2id hashes. A login creates a device with a random bearer token;
only the token's SHA-256 is stored, so a copy of the database cannot be used to act
as anyone. Revoking a device ends its token at once.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import uuid
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .clock import now_ms
from .errors import BadRequest, DeviceRevoked, TokenExpired, Unauthorized
from .scope import COUNTY_ROLES, Scope
from .store import devices, users
from .store.users import User, scope_for

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
    """Create a user with ``password`` (or an argon2 ``password_hash`` made already, as the
    demo does for many users sharing one); returns the user id (see ``store.users.add_user``)."""
    if password_hash is None:
        check_password(password)
    return users.add_user(conn, username=username, role=role, now=now_ms(), name=name,
                          password_hash=password_hash or hash_password(password),
                          centre_ids=centre_ids, county_id=county_id, user_id=user_id)


def create_device(conn: sqlite3.Connection, user: User, device_name: str) -> tuple[str, str]:
    """Register a device for ``user``; returns ``(device_id, token)``."""
    token = secrets.token_urlsafe(32)
    device_id = "d-" + uuid.uuid4().hex
    devices.create_device(conn, device_id, user.id, device_name, token_hash(token), now_ms())
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
    row = devices.by_token(conn, token_hash(token))
    if row is None:
        raise Unauthorized("unknown or ended token")
    t = now_ms() if now is None else now
    revoked_at = row.revoked_at
    if row.disabled and revoked_at is None:
        revoked_at = t
    if revoked_at is not None and not allow_revoked:
        raise DeviceRevoked("this device was revoked: send what you can, then wipe local data",
                            details={"device_id": row.device_id})
    if revoked_at is None:
        if t - row.created_at > max_s * 1000:
            raise TokenExpired("this login has expired: log in again", details={"reason": "lifetime"})
        if t - int(row.last_seen or row.created_at) > idle_s * 1000:
            raise TokenExpired("this login was unused too long: log in again",
                               details={"reason": "idle"})
    return Principal(row.user_id, row.username, row.name, row.role, row.device_id, row.county_id,
                     scope_for(conn, row.user_id, row.role, row.county_id), row.last_stamp,
                     revoked_at)
