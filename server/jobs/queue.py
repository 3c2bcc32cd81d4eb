"""The durable queue runner both outgoing jobs use (Web Push, the SMS gateway webhook).

A run claims the jobs that are due from the queue's table (counting the attempt, hiding
them for a lease), sends them outside any transaction (``concurrency`` at a time), then
records the outcomes in one short transaction, which claims the next batch too: sent
jobs leave the queue, failed ones come back after a backoff (30 s, 1 min, 2 min, … an
hour) until ``max_attempts``, and permanent failures leave the queue and are handed to
the queue's ``forget`` (Web Push drops the subscription the push service says is gone).
Everything lives in the database, so a restarted server carries on where the last one
stopped; a job claimed by a server that died is claimed again once its lease runs out.
"""

from __future__ import annotations

import asyncio
import logging
import math
import sqlite3
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Generic, Literal, NamedTuple, Protocol, TypeVar

from ..clock import now_ms
from ..store import queue as store
from ..writer import Writer

log = logging.getLogger("fieldsync.queue")


class Outcome(NamedTuple):
    """What sending one job did: ``sent``, ``retry`` (later) or ``gone`` (never: a
    permanent failure); ``error`` says why, for ``last_error`` and the log."""

    kind: Literal["sent", "retry", "gone"]
    error: str | None = None


SENT = Outcome("sent")


def retry(error: str) -> Outcome:
    """A failure worth another attempt."""
    return Outcome("retry", error)


def gone(error: str) -> Outcome:
    """A failure no later attempt can fix."""
    return Outcome("gone", error)


class Job(Protocol):
    """What the runner needs of a queued job: its row id and the attempts made so far."""

    @property
    def id(self) -> int: ...

    @property
    def attempts(self) -> int: ...


J = TypeVar("J", bound=Job)


def _keep(conn: sqlite3.Connection, jobs: Sequence[object]) -> None:
    """The default ``forget``: a permanent failure only drops the job."""


class QueueRunner(Generic[J]):
    """Claims, sends and settles the jobs of one queue table.

    ``due(conn, now, limit)`` reads the due jobs (oldest first) from the queue's store;
    ``send(job)`` delivers one and says how it went (if it raises, the job is retried),
    ``concurrency`` at a time; or ``send_batch(jobs)`` delivers a whole batch its own way
    (Web Push: in another process) and says how each went (if it raises, all are retried);
    ``forget(conn, jobs)`` runs in the settling transaction with the jobs that failed for
    good.
    """

    def __init__(self, writer: Writer, *, table: str,
                 due: Callable[[sqlite3.Connection, int, int], Sequence[J]],
                 send: Callable[[J], Outcome] | None = None,
                 send_batch: Callable[[Sequence[J]], Sequence[Outcome]] | None = None,
                 max_attempts: int,
                 forget: Callable[[sqlite3.Connection, Sequence[J]], None] = _keep,
                 concurrency: int = 1, batch: int = 200, timeout_s: float = 10.0) -> None:
        if (send is None) == (send_batch is None):
            raise TypeError("give send or send_batch")
        self.writer = writer
        self.table = table
        self.due = due
        self.send = send
        self.send_batch = send_batch
        self.forget = forget
        self.max_attempts = max_attempts
        self.concurrency = concurrency
        self.batch = batch
        # Long enough that a live runner settles its batch before anyone may claim it again
        # (every send of the batch timing out), short enough that a crash delays little.
        self.lease_ms = math.ceil(batch / concurrency) * int(timeout_s * 1000) + 60_000

    def claim(self, now: int) -> list[J]:
        """Claim up to ``batch`` due jobs (after dropping due ones out of attempts)."""
        return self.writer.run(partial(self._take, now=now))

    def _take(self, conn: sqlite3.Connection, now: int) -> list[J]:
        dropped = store.expire(conn, self.table, now, self.max_attempts)
        if dropped:
            log.warning("%s: gave up on %d jobs whose runner stopped mid-send",
                        self.table, dropped)
        jobs = list(self.due(conn, now, self.batch))
        store.claim(conn, self.table, [job.id for job in jobs], now + self.lease_ms)
        return jobs

    def run_once(self, now: int | None = None) -> dict[str, int]:
        """Send every job due at ``now``; return how many were sent, retried and gone.

        A batch's outcomes are settled in the transaction that claims the next batch: one
        short write (and one commit) per batch instead of two, since every device's sync
        waits behind whatever the writer is doing."""
        when = now_ms() if now is None else now
        counts = {"sent": 0, "gone": 0, "retry": 0}
        pool = ThreadPoolExecutor(self.concurrency) \
            if self.send is not None and self.concurrency > 1 else None
        try:
            jobs = self.claim(when)
            while jobs:
                outcomes = self._send_all(jobs, pool)
                for outcome in outcomes:
                    counts[outcome.kind] += 1
                jobs = self.settle(jobs, outcomes, when, then_claim=len(jobs) >= self.batch)
            return counts
        finally:
            if pool is not None:
                pool.shutdown()

    def _send_all(self, jobs: list[J], pool: ThreadPoolExecutor | None) -> list[Outcome]:
        if self.send_batch is not None:
            try:
                outcomes = list(self.send_batch(jobs))
            except Exception as err:  # the whole batch comes back after the backoff
                log.exception("%s: sending a batch of %d failed", self.table, len(jobs))
                return [retry(type(err).__name__)] * len(jobs)
            if len(outcomes) != len(jobs):
                raise RuntimeError(f"{self.table}: {len(outcomes)} outcomes for {len(jobs)} jobs")
            return outcomes
        one = partial(self._send, self.send)
        return list(pool.map(one, jobs) if pool else map(one, jobs))

    def _send(self, send: Callable[[J], Outcome] | None, job: J) -> Outcome:
        try:
            return send(job) if send is not None else retry("no send function")
        except Exception as err:  # a bug in one send must not strand the batch's claims
            log.exception("%s: sending job %d failed", self.table, job.id)
            return retry(type(err).__name__)

    def settle(self, jobs: Sequence[J], outcomes: Sequence[Outcome], now: int, *,
               then_claim: bool = False) -> list[J]:
        """Record what sending ``jobs`` did, in one transaction; with ``then_claim``, claim
        the next batch in it too (and return it)."""
        rows = [(job.id, job.attempts + 1, None if o.kind != "retry" else o.error or "failed")
                for job, o in zip(jobs, outcomes, strict=True)]
        lost = [job.id for job, o in zip(jobs, outcomes, strict=True)
                if o.kind == "retry" and job.attempts + 1 >= self.max_attempts]
        if lost:
            log.warning("%s: gave up on jobs %s after %d attempts", self.table, lost,
                        self.max_attempts)
        failed = [job for job, o in zip(jobs, outcomes, strict=True) if o.kind == "gone"]

        def record(conn: sqlite3.Connection) -> list[J]:
            store.settle(conn, self.table, rows, now, self.max_attempts)
            self.forget(conn, failed)
            return self._take(conn, now) if then_claim else []
        return self.writer.run(record)


async def run_forever(run_once: Callable[[], object], interval_s: float, what: str) -> None:
    """A server's background loop: ``run_once`` every ``interval_s`` seconds, on a thread."""
    while True:
        await asyncio.sleep(interval_s)
        try:
            await asyncio.to_thread(run_once)
        except Exception:  # keep the loop alive; the queue keeps the jobs
            log.exception("%s run failed", what)
