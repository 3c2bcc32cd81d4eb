"""The one writer: every SQLite write goes through ``Writer``.

A single thread owns the write connection and runs submitted functions one at a
time (datasette's ``execute_write_fn`` pattern). Functions that queue up together share
one transaction (group commit), each in its own savepoint so one failing undoes only
itself. Async callers await the result; the commit has happened (and, with
``synchronous=FULL``, reached the disk) before any of them resumes.
"""

from __future__ import annotations

import asyncio
import queue
import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from .store.sqlite import connect, migrate

T = TypeVar("T")
_STOP = object()
GROUP_MAX = 64


class Writer:
    """A thread that serialises all writes to one SQLite file."""

    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        self.path = path
        self._queue: queue.Queue[Any] = queue.Queue()
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(synchronous,),
                                        name="fieldsync-writer", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    def _run(self, synchronous: str) -> None:
        try:
            conn = connect(self.path, synchronous=synchronous)
            migrate(conn)
        except BaseException as exc:  # surfaced to the constructor
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        stopping = False
        while not stopping:
            batch = [self._queue.get()]
            # Group commit: whatever queued up meanwhile shares the transaction, so a burst
            # of devices costs one fsync instead of one each.
            while len(batch) < GROUP_MAX:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if _STOP in batch:
                stopping = True
                batch = batch[:batch.index(_STOP)]
            if batch:
                self._commit_group(conn, batch)
        conn.close()

    @staticmethod
    def _commit_group(conn: sqlite3.Connection, batch: list[Any]) -> None:
        """Run each function in its own savepoint, commit once, then answer them all."""
        done: list[tuple[Future[Any], Any, BaseException | None]] = []
        conn.execute("BEGIN IMMEDIATE")
        for fn, fut in batch:
            if not fut.set_running_or_notify_cancel():
                continue
            conn.execute("SAVEPOINT one")
            try:
                result = fn(conn)
            except BaseException as exc:  # undo this one only; the others stand
                conn.execute("ROLLBACK TO one")
                conn.execute("RELEASE one")
                done.append((fut, None, exc))
            else:
                conn.execute("RELEASE one")
                done.append((fut, result, None))
        try:
            conn.execute("COMMIT")
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            for fut, _result, _err in done:
                fut.set_exception(exc)
            return
        # Only now, with everything on disk, does any caller hear back.
        for fut, result, err in done:
            if err is None:
                fut.set_result(result)
            else:
                fut.set_exception(err)

    def submit(self, fn: Callable[[sqlite3.Connection], T]) -> Future[T]:
        """Queue ``fn(conn)`` to run in its own transaction; returns a future."""
        fut: Future[T] = Future()
        self._queue.put((fn, fut))
        return fut

    def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in a transaction and wait for it (for sync callers)."""
        return self.submit(fn).result()

    async def execute(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` in a transaction; resume once it has committed."""
        return await asyncio.wrap_future(self.submit(fn))

    def close(self) -> None:
        """Finish queued writes, then stop the thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout=30)


class Readers:
    """Read-only connections, one per thread, so reads run beside the writer."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def conn(self) -> sqlite3.Connection:
        """This thread's read connection."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, readonly=True)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` on a worker thread's read connection."""
        from starlette.concurrency import run_in_threadpool

        def call() -> T:
            conn = self.conn()
            conn.execute("BEGIN")  # one snapshot for every query fn makes
            try:
                return fn(conn)
            finally:
                conn.execute("COMMIT")

        return await run_in_threadpool(call)

    def close(self) -> None:
        """Close every read connection made so far."""
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
