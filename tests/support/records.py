"""Reading records back in API tests: as the server stores them, or as a device pulls them."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any


def stored(db: str | Path, collection: str, record: str) -> dict[str, Any] | None:
    """A record's data as the server's database holds it (None when it holds none)."""
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT data FROM records WHERE collection=? AND id=?",
                           (collection, record)).fetchone()
    return json.loads(row[0]) if row else None


def pulled(dev: Any) -> dict[tuple[str, str], dict[str, Any]]:
    """Everything ``dev`` (a ``tests.conftest.Device``) pulls from its cursor on, by
    (collection, record): the newest state of each."""
    return {(ch["collection"], ch["record"]): ch["data"]
            for page in dev.sync_all() for ch in page["changes"]}


def current(dev: Any, rid: str) -> dict[str, Any]:
    """Record ``rid`` as ``dev`` sees it after a full pull ({} when it sees none)."""
    dev.cursor = None
    found: dict[str, Any] = {}
    for (_collection, record), data in pulled(dev).items():
        if record == rid:
            found = data
    return found


def versioned(db: str | Path, collection: str, record: str) -> tuple[int, dict[str, Any]] | None:
    """A record's (version, data) as the server's database holds it (None when it holds none)."""
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT version, data FROM records WHERE collection=? AND id=?",
                           (collection, record)).fetchone()
    return (int(row[0]), json.loads(row[1])) if row else None


def quarantined(db: str | Path, op_id: str) -> str | None:
    """The code an op was quarantined with (None when it was not)."""
    with closing(sqlite3.connect(db)) as conn:
        row = conn.execute("SELECT code FROM quarantine WHERE op_id=?", (op_id,)).fetchone()
    return None if row is None else str(row[0])
