"""The SQLite backend: everything of the store that only SQLite speaks, in one place.

The schema (``WITHOUT ROWID``, triggers with ``RAISE``), connections and their pragmas
(WAL lets readers run while the single writer commits; ``synchronous=FULL`` makes every
commit durable before the client hears ``applied``), migration (sqlite-utils), and the
few SQL functions that differ between databases (``json_field``, ``contains``,
``json_object``). The other store modules write plain SQL (``?`` placeholders, ``ON
CONFLICT`` upserts) and call these for the rest, so another backend plugs in here.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
  rid INTEGER PRIMARY KEY,
  collection TEXT NOT NULL, id TEXT NOT NULL,
  centre_id TEXT, county_id TEXT,
  version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL, meta TEXT NOT NULL, created_version INTEGER NOT NULL,
  owner_id TEXT,
  UNIQUE (collection, id)
);
CREATE INDEX IF NOT EXISTS records_version ON records(version);
CREATE INDEX IF NOT EXISTS records_centre ON records(centre_id, version);
CREATE INDEX IF NOT EXISTS records_collection_centre ON records(collection, centre_id, version);
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
CREATE TABLE IF NOT EXISTS notice_counters (
  centre_id TEXT NOT NULL, year INTEGER NOT NULL, kind TEXT NOT NULL, last INTEGER NOT NULL,
  PRIMARY KEY (centre_id, year, kind)
);
CREATE TABLE IF NOT EXISTS webhook_queue (
  id INTEGER PRIMARY KEY, notification TEXT NOT NULL UNIQUE, body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL, created_at INTEGER NOT NULL,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS webhook_queue_due ON webhook_queue(next_at);
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

_OPEN = {"cases": "json_extract(data, '$.status') IN ('accepted', 'handling')",
         "complaints": "json_extract(data, '$.replied_at') IS NULL",
         "rectifications": "json_extract(data, '$.status') = 'open'"}
_DUE = {"cases": "due_at", "complaints": "reply_due", "rectifications": "due_at"}


def watch_where(collection: str) -> str:
    """Open work of ``collection`` not yet overdue: the rows the deadline sweep looks at.

    Word for word the WHERE of that collection's partial index below, so SQLite uses it:
    a sweep reads what has fallen due (or is about to), never closed history."""
    return (f"collection = '{collection}' AND deleted = 0 AND {_OPEN[collection]}"
            " AND coalesce(json_extract(data, '$.overdue'), 0) = 0")


# Indexes on columns migrate() may add (they exist only after it ran) and the sweep's
# partial indexes: open work by due time, overdue records for the accountability anti-join;
# a person's own records (notifications), found by owner, never by centre or county.
AFTER_COLUMNS = "\n".join([
    "CREATE INDEX IF NOT EXISTS records_owner ON records(owner_id, version)"
    " WHERE owner_id IS NOT NULL;",
    "CREATE INDEX IF NOT EXISTS records_overdue ON records(collection, id)"
    " WHERE json_extract(data, '$.overdue') = 1;",
    *(f"CREATE INDEX IF NOT EXISTS records_open_due_{c} ON records(json_extract(data,"
      f" '$.{_DUE[c]}')) WHERE {watch_where(c)};" for c in _OPEN)])


# -- report facts ---------------------------------------------------------------------
# The figures and lists of the county workspace read a few fields of many records. Reading
# them out of the JSON of 200,000 cases per request is too slow, so triggers keep one narrow
# row per record of the reported collections in ``facts`` (the JSON stays the truth; a
# migration rebuilds ``facts`` from it). Per collection: ``status``; ``kind`` (a visit's kind,
# an evaluation's rating, an accountability record's kind); ``at`` (the record's date:
# accepted, started, received, rated, detected, nominated); ``done`` (completed, replied,
# ended); ``due`` (due_at, reply_due; an award's notice end while on notice, else its
# expiry); ``overdue``; ``score`` and ``vetoed`` (inspections, an award's score).
FACT_COLLECTIONS = ("cases", "visits", "inspections", "rectifications", "evaluations",
                    "complaints", "accountability", "awards")


def _j(src: str, key: str) -> str:
    return f"json_extract({src}.data, '$.{key}')"


def _fact_exprs(src: str) -> dict[str, str]:
    """Each column of ``facts`` (but ``rid``, ``collection``, ``id``) as SQL on row ``src``."""
    c = f"{src}.collection"
    return {
        "centre_id": f"{src}.centre_id", "status": _j(src, "status"),
        "kind": f"CASE {c} WHEN 'visits' THEN {_j(src, 'kind')} WHEN 'evaluations' THEN {_j(src, 'rating')}"
        f" WHEN 'accountability' THEN {_j(src, 'kind')} WHEN 'cases' THEN {_j(src, 'channel')}"
        f" WHEN 'awards' THEN {_j(src, 'kind')} END",
        "at": f"CASE {c} WHEN 'cases' THEN coalesce({_j(src, 'accepted_at')}, {_j(src, 'completed_at')})"
        f" WHEN 'visits' THEN coalesce({_j(src, 'started_at')}, {_j(src, 'planned_at')},"
        f" {_j(src, 'ended_at')})"
        f" WHEN 'inspections' THEN coalesce({_j(src, 'started_at')}, {_j(src, 'submitted_at')})"
        f" WHEN 'rectifications' THEN coalesce({_j(src, 'ordered_at')}, {_j(src, 'due_at')})"
        f" WHEN 'evaluations' THEN {_j(src, 'at')} WHEN 'complaints' THEN {_j(src, 'received_at')}"
        f" WHEN 'accountability' THEN {_j(src, 'detected_at')}"
        f" WHEN 'awards' THEN {_j(src, 'nomination.at')} END",
        "done": f"CASE {c} WHEN 'cases' THEN {_j(src, 'completed_at')} WHEN 'complaints' THEN"
        f" {_j(src, 'replied_at')} WHEN 'visits' THEN {_j(src, 'ended_at')} END",
        "due": f"CASE {c} WHEN 'complaints' THEN {_j(src, 'reply_due')} WHEN 'awards' THEN CASE"
        f" {_j(src, 'status')} WHEN 'notice' THEN {_j(src, 'notice_ends_at')}"
        f" ELSE {_j(src, 'expires_at')} END ELSE {_j(src, 'due_at')} END",
        "overdue": _j(src, "overdue"), "score": _j(src, "score"), "vetoed": _j(src, "vetoed")}


def _fact_columns(src: str) -> str:
    return ", ".join([f"{src}.rid", f"{src}.collection", f"{src}.id", *_fact_exprs(src).values()])


# Plain INSERT: inside a trigger, the outer statement's conflict policy (the records upsert)
# would override an OR REPLACE anyway; the update trigger deletes the old row first.
_FACT_INSERT = ("INSERT INTO facts (rid, collection, id, centre_id, status, kind, at,"
                " done, due, overdue, score, vetoed)")
_FACT_WANTED = "collection IN (" + ", ".join(f"'{c}'" for c in FACT_COLLECTIONS) + ")"

FACTS_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS facts (
  rid INTEGER PRIMARY KEY, collection TEXT NOT NULL, id TEXT NOT NULL, centre_id TEXT,
  status TEXT, kind TEXT, at INTEGER, done INTEGER, due INTEGER, overdue INTEGER,
  score REAL, vetoed INTEGER
);
CREATE INDEX IF NOT EXISTS facts_at ON facts(collection, at, centre_id, kind, status);
CREATE INDEX IF NOT EXISTS facts_done ON facts(collection, done, centre_id, due, status);
CREATE INDEX IF NOT EXISTS facts_due ON facts(collection, due, centre_id, status, done);
CREATE INDEX IF NOT EXISTS facts_status ON facts(collection, status, due, centre_id, at);
CREATE INDEX IF NOT EXISTS facts_centre ON facts(collection, centre_id, rid);
CREATE INDEX IF NOT EXISTS facts_recent ON facts(collection, rid);
CREATE TABLE IF NOT EXISTS facts_held (id INTEGER PRIMARY KEY);
DROP TRIGGER IF EXISTS facts_insert;
CREATE TRIGGER facts_insert AFTER INSERT ON records
WHEN new.{_FACT_WANTED} AND new.deleted = 0 AND NOT EXISTS (SELECT 1 FROM facts_held)
BEGIN {_FACT_INSERT} SELECT {_fact_columns("new")}; END;
DROP TRIGGER IF EXISTS facts_update;
CREATE TRIGGER facts_update AFTER UPDATE OF data, deleted, centre_id ON records
WHEN new.{_FACT_WANTED} AND NOT EXISTS (SELECT 1 FROM facts_held)
BEGIN
  DELETE FROM facts WHERE rid = new.rid;
  {_FACT_INSERT} SELECT {_fact_columns("new")} WHERE new.deleted = 0;
END;
"""


# Batch writes (the store's ``Batch``: a sync push, the sweep) hold the triggers and bring
# ``facts`` up to date once per statement instead: a trigger costs far more per row than
# the same work done set-wise (measured: 20,000 cases turned overdue, 1.6 s in the update
# trigger, 0.04 s as below), and a refresh rewrites only the index entries whose columns
# changed (a case turning overdue changes no indexed column).
_INDEXED = ("centre_id", "status", "kind", "at", "done", "due")  # in some index of facts
_PLAIN = ("overdue", "score", "vetoed")  # in none


@contextmanager
def facts_held(conn: sqlite3.Connection) -> Iterator[None]:
    """Within this block (inside the caller's transaction) writes to ``records`` leave
    ``facts`` alone; the caller then calls ``refresh_facts`` for the records it wrote. Never
    seen outside the transaction: the hold is gone before it commits, or rolled back."""
    if conn.execute("SELECT 1 FROM facts_held").fetchone() is not None:
        yield  # held already by an enclosing block, which lets go
        return
    conn.execute("INSERT INTO facts_held (id) VALUES (1)")
    try:
        yield
    finally:
        conn.execute("DELETE FROM facts_held")


def refresh_facts(conn: sqlite3.Connection, collection: str, ids: Sequence[str]) -> None:
    """Bring the facts of these records of ``collection`` up to date with their rows, as the
    triggers would have (the same ``facts`` afterwards, to the row)."""
    if collection not in FACT_COLLECTIONS:
        return
    exprs = _fact_exprs("r")
    indexed = ", ".join(exprs[c] for c in _INDEXED)
    plain = ", ".join(exprs[c] for c in _PLAIN)
    for i in range(0, len(ids), 5000):
        args = (collection, json.dumps(list(ids[i:i + 5000])))
        live = ("SELECT rid FROM records WHERE collection = ? AND id IN"
                " (SELECT value FROM json_each(?))")
        conn.execute(f"DELETE FROM facts WHERE rid IN ({live} AND deleted = 1)", args)
        conn.execute(f"UPDATE facts SET ({', '.join(_PLAIN)}) = (SELECT {plain} FROM records r"
                     f" WHERE r.rid = facts.rid) WHERE rid IN ({live} AND deleted = 0)", args)
        conn.execute(f"UPDATE facts SET ({', '.join(_INDEXED)}) = (SELECT {indexed} FROM records r"
                     f" WHERE r.rid = facts.rid) WHERE rid IN ({live} AND deleted = 0)"
                     f" AND ({', '.join(_INDEXED)}) IS NOT (SELECT {indexed} FROM records r"
                     " WHERE r.rid = facts.rid)", args)
        # New rows last: made from their record once, not made and then refreshed.
        conn.execute(f"{_FACT_INSERT} SELECT {_fact_columns('r')} FROM records r"
                     " WHERE r.collection = ? AND r.id IN (SELECT value FROM json_each(?))"
                     " AND r.deleted = 0 AND NOT EXISTS (SELECT 1 FROM facts f WHERE f.rid = r.rid)",
                     args)


def _build_facts(conn: sqlite3.Connection) -> None:
    """Create ``facts`` and (re)fill it from the records when its definition is new to this
    database (an older database, or a release that reports another field); the triggers are
    made afresh each time."""
    # One write transaction: two processes migrating at once (a server and `fieldsync sweep`)
    # would otherwise interleave the triggers' DROP/CREATE pairs or the refill.
    conn.executescript("BEGIN IMMEDIATE;")
    try:
        fresh = conn.execute("SELECT count(*) FROM sqlite_master WHERE name='facts'").fetchone()[0] == 0
        for statement in _statements(FACTS_SCHEMA):
            conn.execute(statement)
        wanted = hashlib.sha256(FACTS_SCHEMA.encode()).hexdigest()[:16]
        row = conn.execute("SELECT value FROM meta WHERE key='facts'").fetchone()
        if fresh or row is None or row[0] != wanted:
            conn.execute("DELETE FROM facts")
            conn.execute(f"{_FACT_INSERT} SELECT {_fact_columns('records')} FROM records"
                         f" WHERE records.{_FACT_WANTED} AND records.deleted = 0")
            conn.execute("INSERT INTO meta (key, value) VALUES ('facts', ?)"
                         " ON CONFLICT (key) DO UPDATE SET value = excluded.value", (wanted,))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _statements(script: str) -> list[str]:
    """Split a schema script into statements (``execute`` takes one at a time)."""
    out: list[str] = []
    buf = ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s]


def connect(path: str | Path, *, synchronous: str = "FULL", readonly: bool = False,
            cache_kb: int = 32_000) -> sqlite3.Connection:
    """Open the database with fieldsync's pragmas (WAL, foreign keys, busy timeout, a page
    cache of ``cache_kb``)."""
    if readonly:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False,
                               isolation_level=None)
    else:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={_sync_level(synchronous)}")
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute(f"PRAGMA cache_size={-int(cache_kb)}")
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
    import sqlite_utils  # imported here: an export worker process reads and never migrates

    db = sqlite_utils.Database(conn)
    conn.executescript(SCHEMA)
    _build_facts(conn)
    wanted = sqlite_utils.Database(memory=True)
    wanted.conn.executescript(SCHEMA)
    # Check and add under one write lock, as _build_facts does: two processes migrating at
    # once (a server and `fieldsync sweep`) would otherwise both see a column missing and
    # the second ALTER fail "duplicate column". Inside the lock the check sees the other's.
    conn.execute("BEGIN IMMEDIATE")
    try:
        for name in wanted.table_names():
            have = db[name].columns_dict
            for column in wanted.table(name).columns:
                if column.name not in have:
                    db.table(name).add_column(column.name, _affinity(column.type),
                                              not_null_default=_default(column.default_value))
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    # Indexes on columns added above: only now do they exist in an older database.
    conn.executescript(AFTER_COLUMNS)
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


def json_values(column: str, count: int) -> str:
    """SQL for a JSON array of the values at the next ``count`` ``?`` paths (``$.a.b``) of the
    JSON text in ``column``, null where absent: the text is parsed once for all of them."""
    if count == 1:  # json_extract of one path gives the bare value, not an array
        return f"json_array({column} -> ?)"
    return f"json_extract({column}, {', '.join('?' * count)})"


def contains(column: str) -> str:
    """SQL true when the text in ``column`` contains the next ``?`` parameter."""
    return f"instr({column}, ?) > 0"


def unindexed(column: str) -> str:
    """``column`` as an expression the planner will not use an index for (SQLite: ``+col``).

    The reports narrow by time or status; a scope's centres are most of the county, so an
    index on ``centre_id`` (or one on due times, which nearly every case passes) would walk
    far more rows than the range does."""
    return f"+{column}"


def json_object(*pairs: tuple[str, str]) -> str:
    """SQL building a JSON object from ``(key, SQL expression)`` pairs."""
    return "json_object(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"
