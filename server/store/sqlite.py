"""The SQLite backend: everything of the store that only SQLite speaks, in one place.

The schema (``WITHOUT ROWID``, triggers with ``RAISE``), connections and their pragmas
(WAL lets readers run while the single writer commits; ``synchronous=FULL`` makes every
commit durable before the client hears ``applied``), migration (sqlite-utils), and the
few SQL functions that differ between databases (``json_field``, ``contains``,
``json_object``). The other store modules write plain SQL (``?`` placeholders, ``ON
CONFLICT`` upserts) and call these for the rest, so another backend plugs in here.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import sqlite_utils

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
  rid INTEGER PRIMARY KEY,
  collection TEXT NOT NULL, id TEXT NOT NULL,
  centre_id TEXT, county_id TEXT,
  version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL, meta TEXT NOT NULL, created_version INTEGER NOT NULL,
  UNIQUE (collection, id)
);
CREATE INDEX IF NOT EXISTS records_version ON records(version);
CREATE INDEX IF NOT EXISTS records_centre ON records(centre_id, version);
CREATE INDEX IF NOT EXISTS records_county ON records(county_id, version);
CREATE INDEX IF NOT EXISTS records_reference ON records(county_id, version) WHERE centre_id IS NULL;
CREATE TABLE IF NOT EXISTS changes (
  version INTEGER PRIMARY KEY, collection TEXT NOT NULL, record TEXT NOT NULL,
  op TEXT, device TEXT, user_id TEXT, at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ops (
  id TEXT PRIMARY KEY, device TEXT, user_id TEXT, collection TEXT, record TEXT,
  status TEXT NOT NULL, version INTEGER, received_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS quarantine (
  op_id TEXT PRIMARY KEY, device TEXT, user_id TEXT, collection TEXT, record TEXT,
  code TEXT NOT NULL, message TEXT NOT NULL, op TEXT NOT NULL,
  received_at INTEGER NOT NULL, attempts INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'open', county_id TEXT, stamp INTEGER,
  resolved_by TEXT, resolved_at INTEGER, reason TEXT
);
CREATE INDEX IF NOT EXISTS quarantine_review ON quarantine(county_id, status, received_at);
CREATE TABLE IF NOT EXISTS conflicts (
  id TEXT PRIMARY KEY, collection TEXT NOT NULL, record TEXT NOT NULL, path TEXT NOT NULL,
  value TEXT, device TEXT, op TEXT, at INTEGER, version INTEGER NOT NULL,
  resolved_version INTEGER, resolved_by TEXT, resolved_at INTEGER, resolution TEXT
);
CREATE INDEX IF NOT EXISTS conflicts_open ON conflicts(record)
  WHERE resolved_version IS NULL;
CREATE TABLE IF NOT EXISTS users (
  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  password_hash TEXT NOT NULL, role TEXT NOT NULL, county_id TEXT,
  disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS user_centres (
  user_id TEXT NOT NULL, centre_id TEXT NOT NULL, PRIMARY KEY (user_id, centre_id)
);
CREATE TABLE IF NOT EXISTS devices (
  id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL,
  last_seen INTEGER, offset_ms INTEGER, last_stamp INTEGER NOT NULL DEFAULT 0,
  status TEXT, revoked_at INTEGER, revoked_by TEXT
);
CREATE INDEX IF NOT EXISTS devices_user ON devices(user_id);
CREATE TABLE IF NOT EXISTS audit (
  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, user_id TEXT, username TEXT, device_id TEXT,
  county_id TEXT, action TEXT NOT NULL, target TEXT, outcome TEXT NOT NULL, details TEXT,
  address TEXT
);
CREATE INDEX IF NOT EXISTS audit_county ON audit(county_id, at);
CREATE INDEX IF NOT EXISTS audit_at ON audit(at);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_keep_180_days BEFORE DELETE ON audit
WHEN old.at > (strftime('%s', 'now') - 180 * 86400) * 1000
BEGIN SELECT RAISE(ABORT, 'audit entries are kept at least 180 days'); END;
CREATE TABLE IF NOT EXISTS holidays (
  year INTEGER PRIMARY KEY, schedule TEXT NOT NULL, source TEXT, loaded_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS push_subscriptions (
  endpoint TEXT PRIMARY KEY, user_id TEXT NOT NULL, device_id TEXT, p256dh TEXT NOT NULL,
  auth TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS push_subscriptions_user ON push_subscriptions(user_id);
CREATE TABLE IF NOT EXISTS push_queue (
  id INTEGER PRIMARY KEY, endpoint TEXT NOT NULL, payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, created_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS push_queue_due ON push_queue(next_at);
CREATE TABLE IF NOT EXISTS attachments (
  sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, content_type TEXT NOT NULL,
  complete INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, completed_at INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attachment_uploads (
  sha256 TEXT NOT NULL, user_id TEXT NOT NULL, device_id TEXT, at INTEGER NOT NULL,
  PRIMARY KEY (sha256, user_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS attachment_partials (
  sha256 TEXT NOT NULL, user_id TEXT NOT NULL, device_id TEXT, token TEXT NOT NULL,
  total INTEGER NOT NULL, content_type TEXT NOT NULL, ranges TEXT NOT NULL,
  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (sha256, user_id)
) WITHOUT ROWID;
"""


def connect(path: str | Path, *, synchronous: str = "FULL", readonly: bool = False) -> sqlite3.Connection:
    """Open the database with fieldsync's pragmas (WAL, foreign keys, busy timeout)."""
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False,
                               isolation_level=None)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={_sync_level(synchronous)}")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA cache_size=-32000")
    return conn


def _sync_level(value: str) -> str:
    level = value.upper()
    if level not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"bad synchronous setting {value!r}")
    return level


def migrate(conn: sqlite3.Connection) -> None:
    """Bring a database up to ``SCHEMA``: create what is missing, add new columns.

    ``CREATE TABLE IF NOT EXISTS`` leaves an older table as it was, so columns a later
    version added to ``SCHEMA`` are added here (sqlite-utils compares the two).
    """
    db = sqlite_utils.Database(conn)
    conn.executescript(SCHEMA)
    wanted = sqlite_utils.Database(memory=True)
    wanted.conn.executescript(SCHEMA)
    for name in wanted.table_names():
        have = db[name].columns_dict
        for column in wanted.table(name).columns:
            if column.name not in have:
                db.table(name).add_column(column.name, _affinity(column.type),
                                          not_null_default=_default(column.default_value))
    conn.execute("INSERT INTO meta (key, value) VALUES ('db_id', ?) ON CONFLICT DO NOTHING",
                 (uuid.uuid4().hex[:16],))


def _affinity(declared: str) -> str:
    return {"INTEGER": "INTEGER", "TEXT": "TEXT", "REAL": "FLOAT", "BLOB": "BLOB"}.get(
        declared.upper(), "TEXT")


def _default(value: str | None) -> object:
    if value is None:
        return None
    return int(value) if value.lstrip("-").isdigit() else value.strip("'")


def db_id(conn: sqlite3.Connection) -> str:
    """This database's random id (cursors from another database mean: start over)."""
    return str(conn.execute("SELECT value FROM meta WHERE key='db_id'").fetchone()[0])


def is_database(path: str | Path) -> bool:
    """Whether ``path`` is a fieldsync database (made by ``fieldsync init``), read-only."""
    if not Path(path).is_file():
        return False
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT 1 FROM sqlite_master WHERE type='table'"
                                " AND name='meta'").fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def has_users(path: str | Path) -> bool:
    """Whether the database file at ``path`` exists and holds at least one user."""
    if not Path(path).exists():
        return False
    conn = sqlite3.connect(str(path))
    try:
        row = conn.execute("SELECT count(*) FROM sqlite_master WHERE name='users'").fetchone()
        return bool(row[0]) and bool(conn.execute("SELECT count(*) FROM users").fetchone()[0])
    finally:
        conn.close()


def checkpoint(path: str | Path) -> None:
    """Fold the WAL into the database file, so a plain copy of the file is complete."""
    conn = sqlite3.connect(str(path))
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()


# -- SQL that differs between databases ------------------------------------------------

def json_field(column: str, key: str) -> str:
    """SQL for the top-level ``key`` of the JSON text in ``column``."""
    return f"json_extract({column}, '$.{key}')"


def contains(column: str) -> str:
    """SQL true when the text in ``column`` contains the next ``?`` parameter."""
    return f"instr({column}, ?) > 0"


def json_object(*pairs: tuple[str, str]) -> str:
    """SQL building a JSON object from ``(key, SQL expression)`` pairs."""
    return "json_object(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"
