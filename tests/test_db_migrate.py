"""Migration: a database made by an older version gains the columns SCHEMA added since."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from server.store.sqlite import connect, migrate


def test_db_migrate_adds_columns_missing_from_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    # the devices table as a first version might have had it: no status, no revocation
    old.execute("CREATE TABLE devices (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL,"
                " token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL)")
    old.execute("INSERT INTO devices VALUES ('d1', 'u1', 'phone', 'h', 1)")
    old.commit()
    old.close()
    conn = connect(path)
    migrate(conn)
    cols = {r[1]: r for r in conn.execute("PRAGMA table_info(devices)")}
    assert {"last_seen", "offset_ms", "last_stamp", "status", "revoked_at", "revoked_by"} <= set(cols)
    assert conn.execute("SELECT id, last_stamp, revoked_at FROM devices").fetchall() == [("d1", 0, None)]
    migrate(conn)  # idempotent
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def _old_database(path: Path) -> None:
    old = sqlite3.connect(path)
    old.execute("CREATE TABLE devices (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, name TEXT NOT NULL,"
                " token_hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL)")
    old.commit()
    old.close()


def test_db_migrate_two_connections_at_once_both_succeed(tmp_path: Path) -> None:
    """A server and `fieldsync sweep` migrating one old file at once: both succeed.

    The first migration is stopped just before its first ``ALTER TABLE ... ADD COLUMN`` (it
    has seen the column missing) while the second one runs: to its end when the first holds
    no lock (the race: the first then adds a column that now exists, "duplicate column"), or
    until it has started (with the first holding the write lock, the second's writes wait
    for it; the first goes on, and the second re-checks under the lock and finds the columns
    there). No timing: events only."""
    path = tmp_path / "old.db"
    _old_database(path)
    first, second = connect(path), connect(path)
    second_done = threading.Event()
    second_started = threading.Event()
    errors: list[BaseException] = []
    paused = threading.Event()

    def run_second() -> None:
        try:
            migrate(second)
        except BaseException as exc:  # reported to the test thread below
            errors.append(exc)
        finally:
            second_done.set()

    def second_trace(sql: str) -> None:
        second_started.set()

    def first_trace(sql: str) -> None:
        if paused.is_set() or "ADD COLUMN" not in sql.upper():
            return
        paused.set()
        second.set_trace_callback(second_trace)
        threading.Thread(target=run_second, daemon=True).start()
        # Without a lock held the second runs to its end first; holding one, it need only start.
        while not (second_done.is_set() or (first.in_transaction and second_started.is_set())):
            second_done.wait(0.01)

    first.set_trace_callback(first_trace)
    migrate(first)
    first.set_trace_callback(None)
    second_done.wait(30)
    assert paused.is_set(), "the old database lacked no column: the test tested nothing"
    assert second_done.is_set() and errors == []
    for conn in (first, second):
        cols = {r[1] for r in conn.execute("PRAGMA table_info(devices)")}
        assert {"last_seen", "status", "revoked_at", "revoked_by"} <= cols
    assert first.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
