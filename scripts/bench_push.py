"""Push benchmark: 1,000 subscriptions notified through the local push-service stand-in,
and the sync path's latency while a server sends them.

The stand-in (tests/support/pushservice.py: checks every VAPID JWT, decrypts every body)
runs in its own process, so its work never competes with the figures' clients. A fresh
county database gets ``--subs`` subscriptions (one per made-up user id), then:

a) one message queued for each and one ``PushSender.run_once`` timed in this process: each
   message VAPID-signed (ES256), aes128gcm-encrypted and POSTed;
b) a real ``fieldsync serve`` on the database (its push job every second): a device's empty
   syncs (p50/p99) for ``--seconds`` with nothing to send, then again while the server
   sends ``--rounds`` times one message to each subscription (each round from queueing
   until the queue is empty).

Run: ``scripts/bench --push`` (``--subs N``, ``--seconds S``, ``--rounds R``, ``--skip-sync``).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sqlite3
import tempfile
import threading
import time
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx

from server import push
from server.config import Config
from server.jobs.push import PushSender
from server.store import push as push_store
from server.vapid import ensure_key, public_key_b64
from server.writer import Writer
from tests.support.county import PASSWORD
from tests.support.pushservice import PushService, serve
from tests.support.server import ServerHandle, free_port, make_db

SUBJECT = "mailto:ops@county.example"


def stand_in(key: str, subs: int, pipe: Connection) -> None:
    """The push service's process: send the subscriptions, then answer ``count`` until ``stop``.

    A real push service is another machine; niced, the stand-in's checking and decrypting
    takes the CPU from the server under test as little as it can on a shared machine."""
    os.nice(10)
    for service in serve(PushService(key, SUBJECT)):
        pipe.send([service.browser(f"u{i}").subscription() for i in range(subs)])
        while (what := pipe.recv()) != "stop":
            with service.lock:
                pipe.send((len(service.received), len(service.errors), service.errors[:3]))
        del what


def subscribe(conn: sqlite3.Connection, docs: list[dict[str, Any]], now: int) -> None:
    """One subscription per document, for made-up users ``u0``, ``u1``, …"""
    for i, doc in enumerate(docs):
        sub = push.Subscription(doc["endpoint"], doc["keys"]["p256dh"], doc["keys"]["auth"])
        push_store.subscribe(conn, sub, f"u{i}", f"d{i}", now)


def enqueue(conn: sqlite3.Connection, users: int, now: int, record: str) -> int:
    """One message about ``record`` to each made-up user."""
    return push_store.enqueue(conn, [f"u{i}" for i in range(users)], "assigned", "visits",
                              record, now)


def queued(db: str, record: str) -> int:
    """Messages about ``record`` still in the queue."""
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM push_queue WHERE payload LIKE ?",
                                (f'%"{record}"%',)).fetchone()[0])


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * q))] if xs else float("nan")


def empty_syncs(base: str, token: str, out: list[float], stop: threading.Event) -> None:
    """A device's empty syncs (nothing to push, nothing new) every 10 ms until ``stop``."""
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"},
                      timeout=60) as c:
        cursor = c.post("/api/v1/sync", json={"cursor": None, "limit": 1}).json()["cursor"]
        for _ in range(20):  # warm: connections, the readers' threads, the page cache
            c.post("/api/v1/sync", json={"cursor": cursor, "ops": [], "limit": 1})
        while not stop.is_set():
            start = time.perf_counter()
            c.post("/api/v1/sync", json={"cursor": cursor, "ops": [], "limit": 1}).raise_for_status()
            out.append((time.perf_counter() - start) * 1000)
            time.sleep(0.01)


def measure_sync(db: Path, subs: int, seconds: float, rounds: int, pipe: Connection) -> None:
    """Part b): empty syncs before and while the server sends a message to every subscription."""
    server = ServerHandle(db, free_port(), db.with_suffix(".log"), env={
        "FIELDSYNC_VAPID_SUBJECT": SUBJECT, "FIELDSYNC_PUSH_ALLOW_HTTP": "1",
        "FIELDSYNC_PUSH_INTERVAL_S": "1"})
    server.start()
    try:
        token = httpx.post(f"{server.base_url}/api/v1/auth/login", json={
            "username": "field1", "password": PASSWORD, "device_name": "bench"}).json()["token"]
        before: list[float] = []
        stop = threading.Event()
        t = threading.Thread(target=empty_syncs, args=(server.base_url, token, before, stop))
        t.start()
        time.sleep(seconds)
        stop.set()
        t.join()
        pipe.send("count")
        got0, _e, _s = pipe.recv()
        during: list[float] = []
        stop = threading.Event()
        t = threading.Thread(target=empty_syncs, args=(server.base_url, token, during, stop))
        t.start()
        took: list[float] = []
        for n in range(rounds):
            writer = Writer(str(db))
            try:
                start = time.perf_counter()
                writer.run(partial(enqueue, users=subs, now=int(time.time() * 1000),
                                   record=f"v-b{n}"))
            finally:
                writer.close()
            while queued(str(db), f"v-b{n}") and time.perf_counter() - start < 120:
                time.sleep(0.05)
            took.append(time.perf_counter() - start)
        stop.set()
        t.join()
        pipe.send("count")
        got1, errors, _s = pipe.recv()
        print(f"b) the server sent {got1 - got0} of {rounds} x {subs}, each round in"
              f" {', '.join(f'{x:.2f}' for x in took)} s from queueing (its job wakes every 1 s);"
              f" stand-in errors {errors}")
        print(f"   empty sync before: p50 {pct(before, 0.5):.1f} ms p99 {pct(before, 0.99):.1f} ms"
              f" ({len(before)}); while sending: p50 {pct(during, 0.5):.1f} ms"
              f" p99 {pct(during, 0.99):.1f} ms ({len(during)})")
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    """Subscribe, queue, send once in-process, then measure a server's sync while it sends."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--subs", type=int, default=1000)
    p.add_argument("--seconds", type=float, default=10.0, help="empty syncs timed before sending")
    p.add_argument("--rounds", type=int, default=3, help="rounds of --subs messages the server sends")
    p.add_argument("--skip-sync", action="store_true", help="only part a)")
    a = p.parse_args(argv)
    print(f"load average before: {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "push.db"
        make_db(db)
        config = Config(db=str(db), vapid_subject=SUBJECT, push_allow_http=1)
        ensure_key(config.vapid_key_path)
        ours, theirs = mp.get_context("spawn").Pipe()
        child = mp.get_context("spawn").Process(
            target=stand_in, args=(public_key_b64(config.vapid_key_path), a.subs, theirs))
        child.start()
        try:
            docs = ours.recv()
            now = int(time.time() * 1000)
            writer = Writer(str(db))
            sender = PushSender(writer, config)
            try:
                writer.run(partial(subscribe, docs=docs, now=now))
                writer.run(partial(enqueue, users=a.subs, now=now, record="v-a"))
                t0 = time.perf_counter()
                counts = sender.run_once(now)
                took = time.perf_counter() - t0
            finally:
                sender.close()
                writer.close()
            ours.send("count")
            got, errors, sample = ours.recv()
            print(f"a) {a.subs} subscriptions: {took:.2f} s {counts};"
                  f" stand-in decrypted {got}, errors {errors} {sample}", flush=True)
            if not a.skip_sync:
                measure_sync(db, a.subs, a.seconds, a.rounds, ours)
        finally:
            ours.send("stop")
            child.join(30)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
