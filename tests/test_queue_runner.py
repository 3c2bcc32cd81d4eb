"""The durable queue runner (``server.jobs.queue``) on its own: real SQLite (the webhook's
queue table), real HTTP calls to a receiver on 127.0.0.1. Due jobs are claimed, sent in
batches, retried with backoff, dropped after the last attempt or a permanent failure (the
queue's ``forget`` runs in the same transaction), and a job claimed by a runner that died
is sent by the next one once the claim's lease has run out."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import requests

from server.clock import now_ms
from server.jobs.queue import SENT, Outcome, QueueRunner, gone, retry
from server.push import backoff_ms
from server.store import queue as queue_store
from server.store import webhook as webhook_store
from server.writer import Writer
from tests.support.receiver import Receiver, receiving

MAX = 3


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "queue.db")
    Writer(path).close()  # the schema, queue tables included
    return path


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    yield from receiving()


def add(db: str, *bodies: str, at: int) -> None:
    with sqlite3.connect(db) as conn:
        conn.executemany("INSERT INTO webhook_queue (notification, body, attempts, next_at,"
                         " created_at) VALUES (?,?,0,?,?)", [(b, b, at, at) for b in bodies])


def rows(db: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT body, attempts, next_at, last_error FROM webhook_queue"
                            " ORDER BY id").fetchall()


def post(url: str) -> Any:
    """A send function: POST the body; 2xx sent, 410 gone, anything else retried."""
    def send(call: webhook_store.Call) -> Outcome:
        try:
            res = requests.post(url, data=call.body.encode(), timeout=5)
        except requests.RequestException as err:
            return retry(type(err).__name__)
        if res.status_code == 410:
            return gone("HTTP 410")
        return SENT if res.ok else retry(f"HTTP {res.status_code}")
    return send


def runner(writer: Writer, send: Any, **kw: Any) -> QueueRunner[webhook_store.Call]:
    return QueueRunner(writer, table="webhook_queue", due=webhook_store.due, send=send,
                       max_attempts=MAX, **kw)


def run(db: str, send: Any, now: int, **kw: Any) -> dict[str, int]:
    """One run by a fresh runner on a fresh writer: as after a restart."""
    writer = Writer(db)
    try:
        return runner(writer, send, **kw).run_once(now)
    finally:
        writer.close()


def test_queue_runner_sends_every_due_job_in_batches_and_keeps_later_ones(
        db: str, receiver: Receiver) -> None:
    t = now_ms()
    add(db, *(f"j{i}" for i in range(7)), at=t)
    add(db, "later", at=t + 60_000)
    assert run(db, post(receiver.url), t, batch=3, concurrency=2) == {
        "sent": 7, "gone": 0, "retry": 0}
    assert sorted(receiver.got) == [f"j{i}".encode() for i in range(7)]
    assert [r[0] for r in rows(db)] == ["later"]
    assert run(db, post(receiver.url), t + 60_000)["sent"] == 1 and rows(db) == []


def test_queue_runner_retries_with_backoff_recording_the_error(
        db: str, receiver: Receiver) -> None:
    t = now_ms()
    add(db, "flaky", at=t)
    receiver.script = [503, 500]
    assert run(db, post(receiver.url), t) == {"sent": 0, "gone": 0, "retry": 1}
    assert rows(db) == [("flaky", 1, t + backoff_ms(1), "HTTP 503")]
    assert run(db, post(receiver.url), t + backoff_ms(1) - 1)["retry"] == 0  # not due yet
    t2 = t + backoff_ms(1)
    assert run(db, post(receiver.url), t2)["retry"] == 1
    assert rows(db) == [("flaky", 2, t2 + backoff_ms(2), "HTTP 500")]
    assert run(db, post(receiver.url), t2 + backoff_ms(2))["sent"] == 1
    assert receiver.got == [b"flaky"] and rows(db) == []


def test_queue_runner_gives_up_after_max_attempts(db: str, receiver: Receiver) -> None:
    t = now_ms()
    add(db, "doomed", at=t)
    receiver.script = [503] * (MAX + 1)
    for _ in range(MAX + 1):
        run(db, post(receiver.url), t)
        t += backoff_ms(MAX)
    assert rows(db) == [] and receiver.got == []
    assert receiver.script == [503]  # exactly MAX attempts, no more


def test_queue_runner_permanent_failure_drops_the_job_and_tells_forget(
        db: str, receiver: Receiver) -> None:
    t = now_ms()
    add(db, "gone", "fine", at=t)
    receiver.script = [410]
    forgotten: list[str] = []

    def forget(conn: sqlite3.Connection, jobs: Sequence[webhook_store.Call]) -> None:
        forgotten.extend(job.body for job in jobs)

    assert run(db, post(receiver.url), t, forget=forget) == {"sent": 1, "gone": 1, "retry": 0}
    assert forgotten == ["gone"] and receiver.got == [b"fine"] and rows(db) == []


def test_queue_runner_forget_shares_the_settling_transaction(db: str, receiver: Receiver) -> None:
    t = now_ms()
    add(db, "gone", "fine", at=t)
    receiver.script = [410]

    def forget(conn: sqlite3.Connection, jobs: Sequence[webhook_store.Call]) -> None:
        if jobs:
            raise RuntimeError("forget failed")

    writer = Writer(db)
    try:
        broken = runner(writer, post(receiver.url), forget=forget)
        with pytest.raises(RuntimeError):
            broken.run_once(t)
    finally:
        writer.close()
    # Nothing was settled: both jobs stay claimed, to be sent again after the lease.
    assert rows(db) == [("gone", 1, t + broken.lease_ms, None), ("fine", 1, t + broken.lease_ms, None)]
    assert run(db, post(receiver.url), t + broken.lease_ms)["sent"] == 2


def test_queue_runner_job_claimed_by_a_dead_runner_is_sent_after_the_lease(
        db: str, receiver: Receiver) -> None:
    t = now_ms()
    add(db, "orphan", at=t)
    writer = Writer(db)
    dead = runner(writer, post(receiver.url))
    assert [c.body for c in dead.claim(t)] == ["orphan"]  # then the server dies mid-send
    writer.close()
    assert rows(db) == [("orphan", 1, t + dead.lease_ms, None)]
    assert run(db, post(receiver.url), t + 1000)["sent"] == 0  # still claimed: no double send
    assert run(db, post(receiver.url), t + dead.lease_ms) == {"sent": 1, "gone": 0, "retry": 0}
    assert receiver.got == [b"orphan"] and rows(db) == []


def test_queue_runner_job_that_keeps_killing_its_runner_runs_out_of_attempts(
        db: str, receiver: Receiver) -> None:
    t = now_ms()
    add(db, "poison", at=t)
    for _ in range(MAX):
        writer = Writer(db)
        dead = runner(writer, post(receiver.url))
        assert len(dead.claim(t)) == 1
        writer.close()
        t += dead.lease_ms
    assert run(db, post(receiver.url), t) == {"sent": 0, "gone": 0, "retry": 0}
    assert rows(db) == [] and receiver.got == []


def test_queue_runner_send_that_raises_is_retried_not_stranded(db: str) -> None:
    t = now_ms()
    add(db, "a", "b", at=t)

    def send(call: webhook_store.Call) -> Outcome:
        if call.body == "a":
            raise KeyError("bug")
        return SENT

    assert run(db, send, t, concurrency=2) == {"sent": 1, "gone": 0, "retry": 1}
    assert rows(db) == [("a", 1, t + backoff_ms(1), "KeyError")]


def test_queue_runner_sends_concurrently_up_to_its_limit(db: str) -> None:
    t = now_ms()
    add(db, *(f"j{i}" for i in range(12)), at=t)
    lock, busy, most = threading.Lock(), [0], [0]
    gate = threading.Barrier(4, timeout=5)

    def send(call: webhook_store.Call) -> Outcome:
        with lock:
            busy[0] += 1
            most[0] = max(most[0], busy[0])
        gate.wait()  # four at once, or the barrier breaks
        with lock:
            busy[0] -= 1
        return SENT

    assert run(db, send, t, concurrency=4)["sent"] == 12
    assert most[0] == 4


def test_queue_runner_only_knows_queue_tables(db: str) -> None:
    with sqlite3.connect(db) as conn, pytest.raises(ValueError):
        queue_store.claim(conn, "users", [1], now_ms())


def test_queue_runner_send_batch_that_fails_retries_the_whole_batch(db: str) -> None:
    t = now_ms()
    add(db, "a", "b", at=t)
    batches: list[list[str]] = []

    def send_batch(calls: Sequence[webhook_store.Call]) -> list[Outcome]:
        batches.append([c.body for c in calls])
        if len(batches) == 1:
            raise OSError("the sending process died")
        return [SENT, gone("HTTP 410")]

    assert run(db, None, t, send_batch=send_batch) == {"sent": 0, "gone": 0, "retry": 2}
    assert [r[3] for r in rows(db)] == ["OSError", "OSError"]
    assert run(db, None, t + backoff_ms(1), send_batch=send_batch) == {
        "sent": 1, "gone": 1, "retry": 0}
    assert batches == [["a", "b"], ["a", "b"]] and rows(db) == []


class CountingWriter(Writer):
    """A writer that counts the transactions it is asked for."""

    transactions = 0

    def run(self, fn: Any) -> Any:
        self.transactions += 1
        return super().run(fn)


def test_queue_runner_settles_a_batch_in_the_transaction_claiming_the_next(db: str) -> None:
    # Every sync waits behind whatever the writer does: one short transaction per batch,
    # not a claim and a settle each.
    t = now_ms()
    add(db, *(f"j{i}" for i in range(5)), at=t)
    claimed: list[list[str]] = []

    def send_batch(calls: Sequence[webhook_store.Call]) -> list[Outcome]:
        claimed.append([c.body for c in calls])
        # Each batch was claimed (attempt counted, hidden by the lease) before it is sent.
        assert {r[1] for r in rows(db) if r[0] in claimed[-1]} == {1}
        return [SENT if c.body != "j2" else retry("HTTP 503") for c in calls]

    writer = CountingWriter(db)
    try:
        counts = runner(writer, None, send_batch=send_batch, batch=2).run_once(t)
    finally:
        writer.close()
    assert counts == {"sent": 4, "gone": 0, "retry": 1}
    assert claimed == [["j0", "j1"], ["j2", "j3"], ["j4"]]
    # claim; settle + claim; settle + claim; settle (the last batch was not full)
    assert writer.transactions == 4
    assert rows(db) == [("j2", 1, t + backoff_ms(1), "HTTP 503")]
