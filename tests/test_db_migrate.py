"""Migration: a database made by an older version gains the columns SCHEMA added since."""

from __future__ import annotations

import sqlite3
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
