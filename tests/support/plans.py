"""Query plans of what a store function really runs (``EXPLAIN QUERY PLAN`` of each
statement it executes, caught by SQLite's trace callback)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any


def plans(conn: sqlite3.Connection, run: Callable[[sqlite3.Connection], Any],
          on: str | None = None) -> list[str]:
    """The plan (its details joined by `` | ``) of every statement ``run(conn)`` executes,
    or of those whose text holds ``on``. ``run`` must execute something."""
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        run(conn)
    finally:
        conn.set_trace_callback(None)
    assert seen, "the function ran no statement"
    return [" | ".join(row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}"))
            for sql in seen if on is None or on in sql]
