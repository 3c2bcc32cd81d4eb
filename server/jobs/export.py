"""The export worker: builds one ledger file in its own process (``python -m server.jobs.export``).

An export of 100,000 cases is seconds of pure Python. Run on a thread of the server it holds
the GIL that the sync path needs, and every sync waits its turn (the empty sync's p99 went
from 65 to 102 ms during one). In a process of its own it shares only the CPU, which the OS
schedules. The worker only reads: it opens the database read-only, so the one-writer rule holds.

The server writes the job as JSON on the worker's stdin (``Job``'s fields) and reads one JSON
line back, ``{"rows": N}``; the file is at ``job.path`` then. The worker reads everything in
one snapshot (one read transaction), and stops if the server that started it goes away.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .. import ledgers
from ..store import exports as store
from ..store.sqlite import connect

ORPHAN_CHECK = 2_000  # rows between checks that the server is still there


@dataclass(frozen=True)
class Job:
    """One export: the ledger, the format, the scope and dates, masking, the output file."""

    db: str
    collection: str
    ext: str
    centres: list[str]
    since: int | None
    until: int | None
    masked: bool
    path: str

    def encode(self) -> bytes:
        """The job as the worker reads it on stdin."""
        return json.dumps(asdict(self)).encode("utf-8")


def build(job: Job, parent: int | None = None) -> int:
    """Write the job's file; returns its row count. ``parent``: the server's pid, to stop
    when it has gone (the file is then of no use to anyone)."""
    # One pass over the rows in date order: a small page cache does (the server's 32 MB
    # would be most of the worker's memory).
    conn = connect(job.db, readonly=True, cache_kb=4_000)
    try:
        conn.execute("BEGIN")  # one snapshot: labels, count and rows agree
        labels = store.names(conn)
        make = ledgers.row_maker(job.collection, labels, job.masked)
        found = store.rows(conn, job.collection, job.centres, job.since, job.until,
                           ledgers.paths(job.collection))

        def rows() -> Iterator[list[ledgers.Cell]]:
            for n, (rec, centre, values) in enumerate(found):
                if parent is not None and n % ORPHAN_CHECK == 0 and os.getppid() != parent:
                    raise SystemExit("the server has gone")
                yield make(rec, centre, values)

        head = ledgers.headers(job.collection)
        out = Path(job.path)
        if job.ext == "csv":
            return ledgers.write_csv(out, head, rows())
        total = store.count(conn, job.collection, job.centres, job.since, job.until)
        return ledgers.write_xlsx(out, ledgers.TITLES[job.collection], head, rows(), total)
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def main() -> None:
    """Read a job on stdin, build it, say ``{"rows": N}`` on stdout."""
    spec: dict[str, Any] = json.loads(sys.stdin.buffer.read())
    rows = build(Job(**spec), parent=os.getppid())
    sys.stdout.write(json.dumps({"rows": rows}) + "\n")


if __name__ == "__main__":
    main()
