"""The sweep under stress, as real processes (``fieldsync sweep``): two at once, and one
SIGKILLed half way then run again, still leave exactly one accountability record per
overdue subject, each written once, every overdue case marked, and each centre's staff
member told of each overdue case exactly once (the notifications being grouped)."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from server.auth import add_user, hash_password
from server.jobs.sweep import accountability_id
from server.system import add_centre, init_db, system_write
from server.writer import Writer
from sync.deadlines import CST, DAY_MS
from tests.conftest import now_ms

ROOT = Path(__file__).resolve().parents[1]
CASES = 6000


@pytest.fixture(scope="module")
def backlog(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """A database with ``CASES`` open one-day cases; the time at which all are overdue."""
    db = str(tmp_path_factory.mktemp("sweep") / "backlog.db")
    init_db(db)
    add_centre(db, "c1", "城关镇", "k1")
    add_centre(db, "c2", "石桥镇", "k1")
    t = now_ms()
    writer = Writer(db)
    try:
        # The handlers named are no users: each centre's one staff member is told instead.
        digest = hash_password("Test-pass-2026")
        writer.run(lambda conn: [add_user(conn, username=f"staff-{cid}", password="", role="centre",
                                          centre_ids=(cid,), password_hash=digest,
                                          user_id=f"staff-{cid}") for cid in ("c1", "c2")])
        writer.run(lambda conn: system_write(conn, [("matters", "m1", {
            "county_id": "k1", "name": "临时救助", "kind": "time_limited", "time_limit_days": 1}, t)]))
        for start in range(0, CASES, 1000):
            items = [("cases", f"case-{i:05d}", {"centre_id": "c1" if i % 2 else "c2",
                                                 "matter_id": "m1", "status": "accepted",
                                                 "handler_id": f"u{i % 40}"}, t)
                     for i in range(start, start + 1000)]
            writer.run(lambda conn, items=items: system_write(conn, items, now=t))
    finally:
        writer.close()
    sqlite3.connect(db).execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db, t + 30 * DAY_MS


def copy(src: str, dst: Path) -> str:
    shutil.copyfile(src, dst)
    shutil.copyfile(src + ".vapid.pem", str(dst) + ".vapid.pem")
    return str(dst)


def start_sweep(db: str, now: int) -> subprocess.Popen[str]:
    when = dt.datetime.fromtimestamp(now / 1000, CST).isoformat()
    # Small chunks: a kill lands between two commits of each phase, never after the last.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FIELDSYNC_SWEEP_CHUNK": "500"}
    return subprocess.Popen([sys.executable, "-m", "server.cli", "sweep", "--db", db, "--now", when],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def count(db: str, sql: str) -> int:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


ACC = "SELECT count(*) FROM records WHERE collection='accountability'"
OVERDUE = ("SELECT count(*) FROM records WHERE collection='cases'"
           " AND json_extract(data, '$.overdue') = 1")


def check_complete(db: str) -> None:
    """Every case overdue, one accountability record each, each written by one op once."""
    assert count(db, OVERDUE) == CASES
    assert count(db, ACC) == CASES
    conn = sqlite3.connect(db)
    # Counted in one pass: ``changes`` has no index by record, and a count per record scans
    # the whole log once for each (6,000 × 18,000 rows: most of this test's time).
    wrong = conn.execute(
        "SELECT r.id FROM records r LEFT JOIN (SELECT record, count(*) AS n FROM changes"
        " WHERE collection='accountability' GROUP BY record) c ON c.record = r.id"
        " WHERE r.collection='accountability' AND coalesce(c.n, 0) != 1").fetchall()
    assert wrong == []
    ids = {r for (r,) in conn.execute("SELECT id FROM records WHERE collection='accountability'")}
    assert ids == {accountability_id("cases", f"case-{i:05d}") for i in range(CASES)}
    # Each case turned overdue once: one change-log row from the sweep per case.
    marks = conn.execute("SELECT count(*), count(DISTINCT record) FROM changes"
                         " WHERE collection='cases' AND op IS NULL").fetchone()
    assert marks == (CASES, CASES)
    # Told in groups (one notification per staff member per chunk), each case once: the
    # counts add up to the centre's cases, no more.
    told = dict(conn.execute(
        "SELECT owner_id, sum(coalesce(json_extract(data, '$.count'), 1)) FROM records"
        " WHERE collection='notifications' AND json_extract(data, '$.kind')='overdue'"
        " GROUP BY owner_id").fetchall())
    assert told == {"staff-c1": CASES // 2, "staff-c2": CASES // 2}
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_sweep_two_at_once_make_each_accountability_record_once(backlog: tuple[str, int],
                                                                tmp_path: Path) -> None:
    db = copy(backlog[0], tmp_path / "two.db")
    procs = [start_sweep(db, backlog[1]) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    made = [int(out.split(" turned overdue, ")[1].split()[0]) for out, _err in outs]
    assert sum(made) == CASES  # between them, each record made by exactly one sweep
    check_complete(db)


@pytest.mark.parametrize("phase", ["marking", "accounting"])
def test_sweep_killed_mid_sweep_then_run_again_completes_without_doubles(
        backlog: tuple[str, int], tmp_path: Path, phase: str) -> None:
    db = copy(backlog[0], tmp_path / f"kill-{phase}.db")
    proc = start_sweep(db, backlog[1])
    probe = OVERDUE if phase == "marking" else ACC
    deadline = time.monotonic() + 120
    while count(db, probe) == 0:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done = count(db, probe)
    assert 0 < done < CASES, f"the sweep was not killed half way ({done} of {CASES})"
    rerun = start_sweep(db, backlog[1])
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    check_complete(db)
    # A third sweep finds nothing left to do.
    again = start_sweep(db, backlog[1] + DAY_MS)
    out, err = again.communicate(timeout=300)
    assert "0 turned overdue, 0 accountability records made" in out, (out, err)
