"""Durable before acknowledging: an op reported ``applied`` survives a SIGKILL of the
server the moment the response arrives (real ``fieldsync serve``, real SQLite file)."""

from __future__ import annotations

import sqlite3
import time
import uuid
from pathlib import Path

import httpx

from tests.support.server import PASSWORD, running_server


def _login(base: str, username: str) -> str:
    r = httpx.post(f"{base}/api/v1/auth/login",
                   json={"username": username, "password": PASSWORD, "device_name": "phone"})
    assert r.status_code == 200, r.text
    return str(r.json()["token"])


def test_durability_applied_ops_survive_sigkill_right_after_the_reply(tmp_path: Path) -> None:
    acknowledged: dict[str, int] = {}
    with running_server(tmp_path) as server:
        for round_no in range(5):
            token = _login(server.base_url, "field1")
            now = int(time.time() * 1000)
            ops = [{"id": f"op-{uuid.uuid4()}", "collection": "visits", "record": str(uuid.uuid4()),
                    "base": 0, "at": now, "set": {"centre_id": "c-shiqiao", "kind": "home_service",
                                                  "notes": f"第{round_no}轮 第{i}条"}}
                   for i in range(50)]
            r = httpx.post(f"{server.base_url}/api/v1/sync", json={"clock": now, "ops": ops},
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
            server.kill()  # no grace: the process dies as soon as we have the answer
            assert r.status_code == 200
            for res in r.json()["results"]:
                assert res["status"] == "applied"
                acknowledged[res["op"]] = res["version"]
            server.start()
        server.stop()

    conn = sqlite3.connect(server.db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    stored = dict(conn.execute("SELECT id, version FROM ops WHERE status='applied'").fetchall())
    assert len(acknowledged) == 250
    for op_id, version in acknowledged.items():
        assert stored.get(op_id) == version
    # exactly once: one change-log row per acknowledged op
    counts = dict(conn.execute("SELECT op, count(*) FROM changes GROUP BY op").fetchall())
    assert all(counts.get(op_id) == 1 for op_id in acknowledged)
    assert conn.execute("SELECT count(*) FROM records WHERE collection='visits'").fetchone()[0] == 250
