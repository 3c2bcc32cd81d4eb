"""The one county builder of both test worlds.

In-process API tests (``tests/conftest.py``) and real-server tests (``tests/support/server.py``)
build their databases with :func:`build_county`, through the same writer and merge engine
the ``fieldsync centre add`` / ``user add`` commands use, and every test user has the one
:data:`PASSWORD`. Two counties are described:

- :data:`API_COUNTY`, for the in-process API tests: two counties, so scope can be crossed.
  k1 holds centres c1 (城关镇) and c2 (石桥镇), k2 holds c3 (白沙乡). Users: f1, f1b (field,
  c1), f2 (field, c2), ctr1 (centre, c1), f3 (field, c3), sup1 (supervisor, k1),
  sup2 (supervisor, k2), admin (admin), multi (field, c1 and c2).
- :data:`FIELD_COUNTY`, for real servers and the PWA: one county k-qingshan with centres
  c-shiqiao and c-liulin. Users: field1, field2 (field, c-shiqiao), field3 (field, c-liulin),
  centre1 (centre, c-shiqiao), super1 (supervisor), admin1 (admin).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from server.auth import add_user, hash_password
from server.clock import now_ms
from server.store.sqlite import checkpoint
from server.system import init_db, system_write
from server.writer import Writer

PASSWORD = "Test-pass-2026"
COUNTY = "k-qingshan"


@dataclass(frozen=True)
class Centre:
    """A township centre (a ``centres`` record)."""

    id: str
    name: str
    county: str = COUNTY


@dataclass(frozen=True)
class User:
    """A user; ``county`` matters for supervisors (and files audit entries)."""

    username: str
    role: str
    centres: tuple[str, ...] = ()
    county: str | None = COUNTY
    password: str = PASSWORD


@dataclass(frozen=True)
class County:
    """Centres and users to build a database of."""

    centres: tuple[Centre, ...]
    users: tuple[User, ...]


API_COUNTY = County(
    centres=(Centre("c1", "城关镇", "k1"), Centre("c2", "石桥镇", "k1"), Centre("c3", "白沙乡", "k2")),
    users=(User("f1", "field", ("c1",), None), User("f1b", "field", ("c1",), None),
           User("f2", "field", ("c2",), None), User("ctr1", "centre", ("c1",), None),
           User("f3", "field", ("c3",), None), User("sup1", "supervisor", (), "k1"),
           User("sup2", "supervisor", (), "k2"), User("admin", "admin", (), None),
           User("multi", "field", ("c1", "c2"), None)))

FIELD_COUNTY = County(
    centres=(Centre("c-shiqiao", "石桥镇便民服务中心"), Centre("c-liulin", "柳林乡便民服务中心")),
    users=(User("field1", "field", ("c-shiqiao",)), User("field2", "field", ("c-shiqiao",)),
           User("field3", "field", ("c-liulin",)), User("centre1", "centre", ("c-shiqiao",)),
           User("super1", "supervisor"), User("admin1", "admin")))


def build_county(db: str | Path, centres: Sequence[Centre], users: Sequence[User]) -> None:
    """Create a fresh database at ``db`` holding ``centres`` and ``users``.

    The database is checkpointed at the end, so a plain file copy of it is complete.
    """
    init_db(str(db))
    hashes: dict[str, str] = {}  # an argon2 hash per distinct password, not per user
    writer = Writer(str(db))
    try:
        if centres:
            writer.run(lambda conn: system_write(conn, [
                ("centres", c.id, {"name": c.name, "county_id": c.county}, now_ms())
                for c in centres]))
        for u in users:
            hashed = hashes.setdefault(u.password, hash_password(u.password))
            writer.run(lambda conn, u=u, hashed=hashed: add_user(  # type: ignore[misc]
                conn, username=u.username, password=u.password, role=u.role,
                centre_ids=u.centres, county_id=u.county, password_hash=hashed))
    finally:
        writer.close()
    checkpoint(db)
