"""The durable job queues' common bookkeeping (``push_queue``, ``webhook_queue``).

Every queue table has ``id``, ``attempts``, ``next_at`` and ``last_error``; a row is due
once ``next_at`` has come. Claiming counts the attempt and moves ``next_at`` a lease
ahead, so a runner that dies mid-send (the server stopped, the process killed) leaves the
job to whoever claims it after the lease, and a job that keeps killing its runner runs out
of attempts like one that keeps failing. What a job carries, and which jobs are due, is
each queue's own store module's business (``server.store.push``, ``server.store.webhook``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ..push import backoff_ms

TABLES = frozenset({"push_queue", "webhook_queue"})


def _table(name: str) -> str:
    # Table names cannot be bound parameters; only the known queues are spelled into SQL.
    if name not in TABLES:
        raise ValueError(f"not a queue table: {name!r}")
    return name


def expire(conn: sqlite3.Connection, table: str, now: int, max_attempts: int) -> int:
    """Drop due jobs that already used every attempt (claimed last by a runner that died);
    return how many."""
    return conn.execute(f"DELETE FROM {_table(table)} WHERE next_at <= ? AND attempts >= ?",
                        (now, max_attempts)).rowcount


def claim(conn: sqlite3.Connection, table: str, ids: Sequence[int], until: int) -> None:
    """Count an attempt at each of ``ids`` and hide them from other claims until ``until``."""
    for i in range(0, len(ids), 900):
        part = ids[i:i + 900]
        conn.execute(f"UPDATE {_table(table)} SET attempts = attempts + 1, next_at = ?"
                     f" WHERE id IN ({','.join('?' * len(part))})", (until, *part))


def settle(conn: sqlite3.Connection, table: str, outcomes: Sequence[tuple[int, int, str | None]],
           now: int, max_attempts: int) -> None:
    """``(id, attempt, error)`` for each claimed job: error None means done (dropped from
    the queue); otherwise retried with backoff after ``attempt``, or dropped when that was
    the last of ``max_attempts``."""
    name = _table(table)
    # One statement for the jobs done and one for those retried, however many: the
    # settling transaction holds the writer (and with it every device's sync) for as short
    # a time as it can.
    done = [qid for qid, attempt, error in outcomes if error is None or attempt >= max_attempts]
    for i in range(0, len(done), 900):
        part = done[i:i + 900]
        conn.execute(f"DELETE FROM {name} WHERE id IN ({','.join('?' * len(part))})", part)
    conn.executemany(f"UPDATE {name} SET attempts=?, next_at=?, last_error=? WHERE id=?",
                     [(attempt, now + backoff_ms(attempt), error[:500], qid)
                      for qid, attempt, error in outcomes
                      if error is not None and attempt < max_attempts])
