"""Crash test with a real ``fieldsync serve``: devices push in a loop while the server
is SIGKILLed at random moments. After every restart the database passes
``PRAGMA integrity_check`` and every op that was acknowledged is present exactly once.
"""

from __future__ import annotations

import random
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import httpx

from tests.support.server import PASSWORD, running_server

CENTRE_OF = {"field1": "c-shiqiao", "field2": "c-shiqiao", "field3": "c-liulin"}


class Pusher(threading.Thread):
    """One device: pushes small batches (new visits and edits) until told to stop,
    resending a batch until it gets an answer, as a phone's outbox would."""

    def __init__(self, base_url: str, username: str, seed: int) -> None:
        super().__init__(daemon=True)
        self.base_url, self.username = base_url, username
        self.rng = random.Random(seed)
        self.acked: dict[str, int] = {}
        self.statuses: dict[str, str] = {}
        self.stop = threading.Event()
        self.token = ""
        self.records: list[str] = []

    def login(self, client: httpx.Client) -> None:
        r = client.post(f"{self.base_url}/api/v1/auth/login",
                        json={"username": self.username, "password": PASSWORD, "device_name": "crash"})
        r.raise_for_status()
        self.token = r.json()["token"]

    def batch(self) -> list[dict[str, object]]:
        now = int(time.time() * 1000)
        ops: list[dict[str, object]] = []
        for _ in range(self.rng.randint(1, 20)):
            if self.records and self.rng.random() < 0.4:
                rec = self.rng.choice(self.records)
                ops.append({"id": str(uuid.uuid4()), "collection": "visits", "record": rec, "base": 0,
                            "at": now, "set": {"notes": f"改{self.rng.random():.6f}"}})
            else:
                rec = str(uuid.uuid4())
                self.records.append(rec)
                ops.append({"id": str(uuid.uuid4()), "collection": "visits", "record": rec, "base": 0,
                            "at": now, "set": {"centre_id": CENTRE_OF[self.username],
                                               "kind": "home_service", "notes": "新建"}})
        return ops

    def run(self) -> None:
        with httpx.Client(timeout=5) as client:
            pending: list[dict[str, object]] = []
            while not self.stop.is_set():
                try:
                    if not self.token:
                        self.login(client)
                    pending = pending or self.batch()
                    r = client.post(f"{self.base_url}/api/v1/sync",
                                    json={"clock": int(time.time() * 1000), "ops": pending, "limit": 1},
                                    headers={"Authorization": f"Bearer {self.token}"})
                    if r.status_code != 200:
                        time.sleep(0.05)
                        continue
                    for res in r.json()["results"]:
                        assert res["status"] in ("applied", "duplicate", "conflict"), res
                        if res["status"] != "duplicate":
                            self.acked[res["op"]] = res["version"]
                        self.statuses[res["op"]] = res["status"]
                    pending = []
                except httpx.HTTPError:
                    time.sleep(0.05)  # server down: keep the batch, try again


def test_crash_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path: Path, long_run: bool) -> None:
    kills = 200 if long_run else 20
    rng = random.Random(7)
    with running_server(tmp_path) as server:
        pushers = [Pusher(server.base_url, u, i) for i, u in enumerate(CENTRE_OF)]
        for p in pushers:
            p.start()
        try:
            for _ in range(kills):
                time.sleep(rng.uniform(0.05, 0.4))
                server.kill()
                conn = sqlite3.connect(server.db)
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                conn.close()
                server.start()
            time.sleep(0.5)
        finally:
            for p in pushers:
                p.stop.set()
            for p in pushers:
                p.join(10)
        server.stop()

    conn = sqlite3.connect(server.db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = dict(conn.execute("SELECT id, version FROM ops").fetchall())
    per_op = dict(conn.execute("SELECT op, count(*) FROM changes GROUP BY op").fetchall())
    acked = {op: v for p in pushers for op, v in p.acked.items()}
    assert len(acked) > 100, "the devices barely got through: the test proves little"
    for op_id, version in acked.items():
        assert stored.get(op_id) == version, op_id       # present, with the version we were told
        assert per_op.get(op_id, 0) <= 1, op_id           # and applied once, never twice
    assert conn.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0

