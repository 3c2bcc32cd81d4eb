"""Push benchmark: 1,000 subscriptions notified through the local push-service stand-in.

A fresh database gets ``--subs`` subscriptions (one per user id) and one queued message
each; the timed part is one ``PushSender.run_once``: each message VAPID-signed (ES256),
aes128gcm-encrypted and POSTed; the stand-in (tests/support/pushservice.py) checks every
JWT and decrypts every body, on the same machine. Run:
``.venv/bin/python -m scripts.bench_push``.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from functools import partial
from pathlib import Path

from server import push
from server.config import Config
from server.jobs.push import PushSender
from server.store import push as push_store
from server.system import init_db
from server.vapid import ensure_key, public_key_b64
from server.writer import Writer
from tests.support.pushservice import Browser, PushService, serve

SUBJECT = "mailto:ops@county.example"


def setup(conn: sqlite3.Connection, browsers: list[Browser], now: int) -> None:
    """One subscription and one queued message per browser."""
    for i, b in enumerate(browsers):
        doc = b.subscription()
        sub = push.Subscription(doc["endpoint"], doc["keys"]["p256dh"], doc["keys"]["auth"])
        push_store.subscribe(conn, sub, f"u{i}", f"d{i}", now)
        push_store.enqueue(conn, [f"u{i}"], "assigned", "visits", f"v{i}", now)


def main(argv: list[str] | None = None) -> None:
    """Subscribe, queue, send once, print the figures."""
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--subs", type=int, default=1000)
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "push.db")
        init_db(db)
        config = Config(db=db, vapid_subject=SUBJECT, push_allow_http=1)
        ensure_key(config.vapid_key_path)
        for service in serve(PushService(public_key_b64(config.vapid_key_path), SUBJECT)):
            browsers = [service.browser(f"u{i}") for i in range(a.subs)]
            now = int(time.time() * 1000)
            writer = Writer(db)
            sender = PushSender(writer, config)
            try:
                writer.run(partial(setup, browsers=browsers, now=now))
                t0 = time.perf_counter()
                counts = sender.run_once(now)
                took = time.perf_counter() - t0
            finally:
                sender.close()
                writer.close()
            print(f"{a.subs} subscriptions: {took:.2f} s {counts};"
                  f" stand-in decrypted {len(service.received)}, errors {len(service.errors)}")


if __name__ == "__main__":
    main()
