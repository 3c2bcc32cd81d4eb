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
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync import paths as leafpaths

from ..jsoncodec import dumps as _json_text

# The sqlite3 module binds a parameter of an exact int, float, str or bytearray as it is;
# for any other (None too) it first asks its adapters, and without one for the type it
# looks for ``__adapt__`` and ``__conform__`` by name, each miss an AttributeError built
# and dropped: some 3,000 instructions for every None bound (a new visit's facts row binds
# five). An adapter for None returning None (``{}.get``: a C call, no Python frame) answers
# at the first lookup; None is then bound as NULL, as before.
_NO_ADAPTERS: dict[object, None] = {}
sqlite3.register_adapter(type(None), _NO_ADAPTERS.get)

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
  resolved_by TEXT, resolved_at INTEGER, reason TEXT, details TEXT
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

# Open work per collection in terms of its ``facts`` row (which exists for live records only).
_OPEN = {"cases": "{a}status IN ('accepted', 'handling')",
         "complaints": "{a}done IS NULL",  # a complaint's ``done``: the reply it owes
         "rectifications": "{a}status = 'open'"}


def open_where(collection: str, alias: str = "") -> str:
    """Open work of ``collection`` on ``facts``, overdue or not (``watch_where`` without its
    overdue test)."""
    return _OPEN[collection].format(a=f"{alias}." if alias else "")


def watch_where(collection: str, alias: str = "") -> str:
    """Open work of ``collection`` not yet overdue, on ``facts`` (``alias``: its name in the
    query): the rows the deadline sweep looks at. The same as the stored documents' status
    accepted or handling (cases), the reply owed not yet given (complaints: ``FACTS``' done),
    status open (rectifications), not deleted, overdue false or missing: ``facts`` holds
    those fields as ``json_extract`` reads them, and a row only while its record is live.

    Word for word the WHERE of that collection's partial index ``facts_open_due_<collection>``
    (``FACTS_SCHEMA``), so SQLite uses it: a sweep reads what has fallen due (or is about to),
    never closed history. Plain columns, not the records' JSON: the indexes on ``records`` this
    replaced parsed a document's JSON for their key and WHERE, old and new row, whenever a case,
    complaint or rectification was written (about 30 % of the refresh's ``UPDATE``)."""
    a = f"{alias}." if alias else ""
    return (f"{a}collection = '{collection}' AND {open_where(collection, alias)}"
            f" AND coalesce({a}overdue, 0) = 0")


# Indexes on columns migrate() may add (they exist only after it ran); a person's own records
# (notifications), found by owner, never by centre or county. Overdue records for the
# accountability anti-join are found in ``facts`` (``facts_overdue``), open work by due time
# too (``facts_open_due_*``): an index on ``records`` whose WHERE reads the JSON parsed every
# record ever written, about a tenth of a push's insert time.
AFTER_COLUMNS = "\n".join([
    "CREATE INDEX IF NOT EXISTS records_owner ON records(owner_id, version)"
    " WHERE owner_id IS NOT NULL;",
    "DROP INDEX IF EXISTS records_overdue;",
    "DROP INDEX IF EXISTS records_county;",
    *(f"DROP INDEX IF EXISTS records_open_due_{c};" for c in _OPEN)])


# -- report facts ---------------------------------------------------------------------
# The figures and lists of the county workspace read a few fields of many records. Reading
# them out of the JSON of 200,000 cases per request is too slow, so one narrow row per
# record of the reported collections is kept in ``facts`` (the JSON stays the truth; a
# migration rebuilds ``facts`` from it). Per collection: ``status``; ``kind`` (a visit's kind,
# an evaluation's rating, an accountability record's kind); ``at`` (the record's date:
# accepted, started, received, rated, detected, nominated); ``done`` (completed, replied,
# ended); ``due`` (due_at, reply_due; an award's notice end while on notice, else its
# expiry); ``overdue``; ``score`` and ``vetoed`` (inspections, an award's score).
#
# Every writer of ``records`` (``records.Batch``: pushes, the sweep, server-made records)
# writes the facts of the records it wrote with ``write_facts``, from the documents it has
# in hand: no triggers (a trigger program per row, even held, and the JSON parsed once per
# column, cost a third of a push's insert time). ``FACTS`` below is the one definition: the
# Python of ``write_facts`` and the SQL of a rebuild are both made from it, and a test
# compares the two after every kind of write.
FACT_COLLECTIONS = ("cases", "visits", "inspections", "rectifications", "evaluations",
                    "complaints", "accountability", "awards")


@dataclass(frozen=True)
class Switch:
    """A fact taken from ``then`` while the document's ``path`` equals ``value``, else
    from ``otherwise`` (an award's due time: its notice end while on notice)."""

    path: str
    value: str
    then: tuple[str, ...]
    otherwise: tuple[str, ...]


Source = tuple[str, ...] | Switch  # the first non-null of these data paths, or a Switch
#: facts column -> collection ("*": any other) -> where its value comes from
FACTS: dict[str, dict[str, Source]] = {
    "status": {"*": ("status",)},
    "kind": {"visits": ("kind",), "evaluations": ("rating",), "accountability": ("kind",),
             "cases": ("channel",), "awards": ("kind",)},
    "at": {"cases": ("accepted_at", "completed_at"),
           "visits": ("started_at", "planned_at", "ended_at"),
           "inspections": ("started_at", "submitted_at"), "rectifications": ("ordered_at", "due_at"),
           "evaluations": ("at",), "complaints": ("received_at",),
           "accountability": ("detected_at",), "awards": ("nomination.at",)},
    # A complaint's ``done`` is the reply its ``reply_due`` asks for (``answered_at``: null
    # while a complaint sent back or reopened waits for a new one); a document written before
    # ``answered_at`` existed gives its ``replied_at``, but while open only the new field counts.
    "done": {"cases": ("completed_at",), "visits": ("ended_at",),
             "complaints": Switch("status", "open", ("answered_at",), ("answered_at", "replied_at"))},
    "due": {"complaints": ("reply_due",),
            "awards": Switch("status", "notice", ("notice_ends_at",), ("expires_at",)),
            "*": ("due_at",)},
    "overdue": {"*": ("overdue",)}, "score": {"*": ("score",)}, "vetoed": {"*": ("vetoed",)},
}
_INDEXED = ("centre_id", "status", "kind", "at", "done", "due")  # in some index of facts
_PLAIN = ("overdue", "score", "vetoed")  # in no index's key (overdue: in WHEREs)
_COLUMNS = (*_INDEXED, *_PLAIN)
FACT_COLUMNS, PLAIN_FACTS = _COLUMNS, _PLAIN  # the order of ``fact_values``; those in no index
INDEXED_FACTS = _INDEXED
_MAX_INT = 2 ** 63 - 1


def _source(column: str, collection: str) -> Source | None:
    by = FACTS[column]
    return by.get(collection, by.get("*"))


def sql_value(value: Any) -> Any:
    """A JSON value as ``json_extract`` gives it to SQL."""
    if isinstance(value, str):
        return value.partition("\x00")[0]  # SQLite's text ends at a NUL
    if value is None or isinstance(value, float):
        return value
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value if -_MAX_INT - 1 <= value <= _MAX_INT else float(value)
    return _json_text(value)  # an object or array: its JSON text




def _plan(collection: str) -> tuple[tuple[tuple[str, ...] | None, Source | None], ...]:
    """``FACTS`` for one collection: each column's source after ``centre_id``, beside it the
    same source when it is top-level fields only (read with one dict lookup each), else None."""
    out = []
    for column in _COLUMNS[1:]:
        src = _source(column, collection)
        top = src if isinstance(src, tuple) and not any("." in p for p in src) else None
        out.append((top, src))
    return tuple(out)


_PLANS = {c: _plan(c) for c in FACT_COLLECTIONS}
_INT_MIN = -_MAX_INT - 1


def _reads(collection: str) -> dict[str, frozenset[str]]:
    """Top-level field -> the facts columns of ``collection`` whose sources read it."""
    out: dict[str, set[str]] = {}
    for column in _COLUMNS[1:]:
        src = _source(column, collection)
        found = ((src.path, *src.then, *src.otherwise) if isinstance(src, Switch) else src) or ()
        for path in found:
            out.setdefault(path.split(".", 1)[0], set()).add(column)
    return {k: frozenset(v) for k, v in out.items()}


_READS = {c: _reads(c) for c in FACT_COLLECTIONS}


def facts_read(collection: str, fields: Iterable[str]) -> frozenset[str]:
    """The facts columns of ``collection`` that may change when the top-level ``fields`` of
    a record's document change (none of the others can)."""
    reads = _READS.get(collection, {})
    return frozenset().union(*(reads.get(f, frozenset()) for f in fields))


def fact_values(collection: str, centre_id: str | None, doc: Mapping[str, Any]) -> tuple[Any, ...]:
    """The facts columns (``_COLUMNS`` order) of a live record of ``collection``."""
    # Hot: once per record written (twice per record the sweep turns overdue). Top-level keys
    # are read with one dict lookup; the common values (None, text, 64-bit integers, floats,
    # booleans) are taken as SQL takes them without a call of ``sql_value``.
    out: list[Any] = [centre_id]
    append, get = out.append, doc.get
    for top, src in _PLANS[collection]:
        value = None
        if top is not None:
            for path in top:
                value = get(path)
                if value is not None:
                    break
        elif src is not None:
            paths = src if not isinstance(src, Switch) else (
                src.then if sql_value(leafpaths.get(doc, src.path)) == src.value else src.otherwise)
            for path in paths:
                value = get(path) if "." not in path else leafpaths.get(doc, path)
                if value is not None:
                    break
        kind = type(value)
        if (value is None or (kind is str and "\x00" not in value) or kind is float
                or (kind is int and _INT_MIN <= value <= _MAX_INT)):
            append(value)
        elif kind is bool:
            append(int(value))
        else:
            append(sql_value(value))
    return tuple(out)


def _j(src: str, key: str) -> str:
    return f"json_extract({src}.data, '$.{key}')"


def _sql_source(src: str, paths: tuple[str, ...]) -> str:
    parts = [_j(src, p) for p in paths]
    return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"


def _fact_exprs(src: str) -> dict[str, str]:
    """Each column of ``facts`` (but ``rid``, ``collection``, ``id``) as SQL on row ``src``,
    made from ``FACTS``."""
    out = {"centre_id": f"{src}.centre_id"}
    for column, by in FACTS.items():
        cases = []
        for coll, source in by.items():
            if isinstance(source, Switch):
                expr = (f"CASE {_j(src, source.path)} WHEN '{source.value}' THEN"
                        f" {_sql_source(src, source.then)} ELSE {_sql_source(src, source.otherwise)} END")
            else:
                expr = _sql_source(src, source)
            if coll != "*":
                cases.append(f"WHEN '{coll}' THEN {expr}")
        default = by.get("*")
        if not cases:
            assert isinstance(default, tuple)
            out[column] = _sql_source(src, default)
            continue
        tail = f" ELSE {_sql_source(src, default)}" if isinstance(default, tuple) else ""
        out[column] = f"CASE {src}.collection {' '.join(cases)}{tail} END"
    return out


def _fact_columns(src: str) -> str:
    exprs = _fact_exprs(src)
    return ", ".join([f"{src}.rid", f"{src}.collection", f"{src}.id", *(exprs[c] for c in _COLUMNS)])


_FACT_INSERT = f"INSERT INTO facts (rid, collection, id, {', '.join(_COLUMNS)})"
FACT_INSERT = _FACT_INSERT
_FACT_WANTED = "collection IN (" + ", ".join(f"'{c}'" for c in FACT_COLLECTIONS) + ")"

_OPEN_DUE = "\n".join(f"CREATE INDEX IF NOT EXISTS facts_open_due_{c} ON facts(due) WHERE {watch_where(c)};"
                      for c in _OPEN)

# The rebuild's SQL is part of the definition hashed into meta 'facts': a changed FACTS
# rebuilds ``facts`` on the next start. The triggers of earlier releases go.
# The indexes by end and due time hold only the rows that have one (every query reading by
# them compares the column, which SQLite takes as IS NOT NULL): a new visit has neither,
# and a push of them wrote both indexes for nothing. They replace the full ``facts_done``
# and ``facts_due`` of earlier releases (new names: IF NOT EXISTS keeps an index as it is).
FACTS_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS facts (
  rid INTEGER PRIMARY KEY, collection TEXT NOT NULL, id TEXT NOT NULL, centre_id TEXT,
  status TEXT, kind TEXT, at INTEGER, done INTEGER, due INTEGER, overdue INTEGER,
  score REAL, vetoed INTEGER
);
CREATE INDEX IF NOT EXISTS facts_at ON facts(collection, at, centre_id, kind, status);
DROP INDEX IF EXISTS facts_done;
DROP INDEX IF EXISTS facts_due;
CREATE INDEX IF NOT EXISTS facts_ended ON facts(collection, done, centre_id, due, status)
  WHERE done IS NOT NULL;
CREATE INDEX IF NOT EXISTS facts_due_known ON facts(collection, due, centre_id, status, done)
  WHERE due IS NOT NULL;
CREATE INDEX IF NOT EXISTS facts_status ON facts(collection, status, due, centre_id, at);
CREATE INDEX IF NOT EXISTS facts_centre ON facts(collection, centre_id, rid);
CREATE INDEX IF NOT EXISTS facts_recent ON facts(collection, rid);
CREATE INDEX IF NOT EXISTS facts_overdue ON facts(collection, id) WHERE overdue = 1;
{_OPEN_DUE}
DROP TRIGGER IF EXISTS facts_insert;
DROP TRIGGER IF EXISTS facts_update;
DROP TABLE IF EXISTS facts_held;
-- rebuild: {_FACT_INSERT} SELECT {_fact_columns("records")} FROM records
"""


_FACT_VALUES = f"{_FACT_INSERT} VALUES ({', '.join('?' * (3 + len(_COLUMNS)))})"
_FACT_UPDATE = (f"UPDATE facts SET ({', '.join(_COLUMNS)}) = ({', '.join('?' * len(_COLUMNS))})"
                " WHERE rid = ?")
_FACT_UPDATE_PLAIN = (f"UPDATE facts SET ({', '.join(_PLAIN)}) = ({', '.join('?' * len(_PLAIN))})"
                      " WHERE rid = ?")


def insert_facts(conn: sqlite3.Connection, collection: str,
                 rows: Iterable[tuple[int, str, str | None, Mapping[str, Any]]]) -> None:
    """The facts of records of ``collection`` just inserted into ``records``, live, each
    ``(row id, id, centre, stored document)``: no facts row to look for (``write_facts``)."""
    if collection in FACT_COLLECTIONS:
        conn.executemany(_FACT_VALUES, [(row, collection, rid, *fact_values(collection, centre, doc))
                                        for row, rid, centre, doc in rows])


def rewrite_facts(conn: sqlite3.Connection, collection: str,
                  rows: Iterable[tuple[int, str | None, Mapping[str, Any], Mapping[str, Any]]]) -> None:
    """The facts of live records of ``collection`` whose stored document this transaction
    rewrote (``Batch.refresh``), each ``(row id, centre, document before, document after)``.

    A live record's facts row is what its stored document makes of it (every writer of
    ``records`` keeps it so, and a rebuild makes it so), so the row is not read back: the
    facts of the document before are compared with those of the document after, and the
    columns that differ are written as ``write_facts`` writes them (the sweep's 22,000 cases
    turning overdue: reading their rows back was a tenth of the step)."""
    if collection not in FACT_COLLECTIONS:
        return
    indexed: list[tuple[Any, ...]] = []
    plain: list[tuple[Any, ...]] = []
    n = len(_INDEXED)
    for row, centre, before, after in rows:
        old, new = fact_values(collection, centre, before), fact_values(collection, centre, after)
        if old[:n] != new[:n]:
            indexed.append((*new, row))
        elif old[n:] != new[n:]:
            plain.append((*new[n:], row))
    conn.executemany(_FACT_UPDATE, indexed)
    conn.executemany(_FACT_UPDATE_PLAIN, plain)


def write_facts(conn: sqlite3.Connection, collection: str, docs: Mapping[str, Mapping[str, Any]],
                inserted: Mapping[str, str | None] | None = None) -> None:
    """Bring the facts of these just-written records of ``collection`` (id -> its stored
    document) up to date: what a rebuild would make of them, to the row. The record row
    gives the rest (``rid``, ``centre_id``, deleted). Only what differs is written, and an
    update touches the indexes of ``facts`` only when an indexed column changed (a case
    turning overdue changes none).

    ``inserted`` names those of ``docs`` just inserted into ``records`` (id -> its centre), live:
    they have no facts row yet, so theirs is inserted without looking for one (most of a
    push is new records; the lookup joined every one of them to ``facts``)."""
    if collection not in FACT_COLLECTIONS or not docs:
        return
    if inserted:
        # Their row ids by one query per 900 (a lookup per row, INSERT … SELECT, cost twice
        # as much: measured on the sweep's 22,000 accountability records).
        new_ids = list(inserted)
        rows: list[tuple[int, str, str | None, Mapping[str, Any]]] = []
        for i in range(0, len(new_ids), 900):
            part = new_ids[i:i + 900]
            rows.extend((row, rid, inserted[rid], docs[rid]) for rid, row in conn.execute(
                f"SELECT id, rid FROM records WHERE collection = ?"
                f" AND id IN ({','.join('?' * len(part))})", (collection, *part)))
        insert_facts(conn, collection, rows)
        docs = {rid: doc for rid, doc in docs.items() if rid not in inserted}
        if not docs:
            return
    ids = list(docs)
    inserts: list[tuple[Any, ...]] = []
    indexed: list[tuple[Any, ...]] = []
    plain: list[tuple[Any, ...]] = []
    gone: list[tuple[int]] = []
    n = len(_INDEXED)
    for i in range(0, len(ids), 900):
        part = ids[i:i + 900]
        for rid, row, centre, deleted, had, *old in conn.execute(
                f"SELECT r.id, r.rid, r.centre_id, r.deleted, f.rid, {', '.join('f.' + c for c in _COLUMNS)}"
                " FROM records r LEFT JOIN facts f ON f.rid = r.rid WHERE r.collection = ?"
                f" AND r.id IN ({','.join('?' * len(part))})", (collection, *part)):
            if deleted:
                if had is not None:
                    gone.append((row,))
                continue
            new = fact_values(collection, centre, docs[rid])
            if had is None:
                inserts.append((row, collection, rid, *new))
            elif tuple(old[:n]) != new[:n]:
                indexed.append((*new, row))
            elif tuple(old[n:]) != new[n:]:
                plain.append((*new[n:], row))
    conn.executemany("DELETE FROM facts WHERE rid = ?", gone)
    conn.executemany(_FACT_VALUES, inserts)
    conn.executemany(_FACT_UPDATE, indexed)
    conn.executemany(_FACT_UPDATE_PLAIN, plain)


def _build_facts(conn: sqlite3.Connection) -> None:
    """Create ``facts`` and (re)fill it from the records when its definition is new to this
    database (an older database, or a release that reports another field)."""
    # One write transaction: two processes migrating at once (a server and `fieldsync sweep`)
    # would otherwise interleave the DROP/CREATE statements or the refill.
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
        # The sweep's chunks pass through temporary tables (``bulk``): a file for each
        # would be written and read back for nothing.
        conn.execute("PRAGMA temp_store=MEMORY")
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


#: the largest row id: once it is taken, SQLite gives a row inserted without one a free id
#: at random, no longer the newest plus one
LAST_ROWID = _MAX_INT


def next_rid(conn: sqlite3.Connection) -> int:
    """The row id SQLite gives the next record inserted without one, while the newest is
    below ``LAST_ROWID`` (``rid`` is the rowid, never AUTOINCREMENT: the newest plus one; an
    index seek, not a scan). In the writer's transaction no other insert comes between."""
    return int(conn.execute("SELECT coalesce(max(rid), 0) + 1 FROM records").fetchone()[0])


def facts_of_new(conn: sqlite3.Connection, collection: str,
                 made: list[tuple[int, str, str | None, dict[str, Any]]], looked_up: bool) -> None:
    """The facts of records just inserted, ``(row id given, id, centre, document)`` each: by
    those row ids, or, when SQLite chose the ids (``looked_up``: the last row id was taken),
    by ``write_facts`` looking them up."""
    if looked_up:
        write_facts(conn, collection, {rid: doc for _r, rid, _c, doc in made},
                    {rid: centre for _r, rid, centre, _d in made})
    else:
        insert_facts(conn, collection, made)


def text_param() -> str:
    """A placeholder for a value bound as UTF-8 ``bytes`` and stored as the TEXT those bytes
    spell (SQLite: a BLOB cast to TEXT is read in the database's encoding, UTF-8), the same
    value binding the decoded ``str`` would store."""
    return "CAST(? AS TEXT)"


def text_bytes(column: str) -> str:
    """``column`` (TEXT) read as the UTF-8 bytes it is stored as, not decoded to a str
    (SQLite: a cast to BLOB keeps the bytes)."""
    return f"CAST({column} AS BLOB)"


def unindexed(column: str) -> str:
    """``column`` as an expression the planner will not use an index for (SQLite: ``+col``).

    The reports narrow by time or status; a scope's centres are most of the county, so an
    index on ``centre_id`` (or one on due times, which nearly every case passes) would walk
    far more rows than the range does."""
    return f"+{column}"


def json_object(*pairs: tuple[str, str]) -> str:
    """SQL building a JSON object from ``(key, SQL expression)`` pairs."""
    return "json_object(" + ", ".join(f"'{k}', {v}" for k, v in pairs) + ")"
