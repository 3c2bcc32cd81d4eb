"""The single writer: group commit with per-function savepoints."""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest

from server.writer import Writer


def _insert(key: str, fail: bool = False):  # type: ignore[no-untyped-def]
    def fn(conn: sqlite3.Connection) -> str:
        conn.execute("INSERT INTO meta (key, value) VALUES (?, 'x')", (key,))
        if fail:
            raise ValueError(f"{key} fails after writing")
        return key
    return fn


def test_writer_failing_function_undoes_only_itself(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    writer = Writer(db)
    gate = threading.Event()
    # hold the writer so the next three queue up and run as one group
    blocker = writer.submit(lambda conn: gate.wait(5))
    futures: list[Future[str]] = [writer.submit(_insert("a")), writer.submit(_insert("b", fail=True)),
                                  writer.submit(_insert("c"))]
    gate.set()
    blocker.result()
    assert futures[0].result() == "a" and futures[2].result() == "c"
    with pytest.raises(ValueError, match="b fails"):
        futures[1].result()
    writer.close()
    keys = {r[0] for r in sqlite3.connect(db).execute("SELECT key FROM meta")}
    assert {"a", "c"} <= keys and "b" not in keys


def test_writer_many_concurrent_writes_all_land(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    writer = Writer(db)
    futures = [writer.submit(_insert(f"k{i}")) for i in range(500)]
    assert [f.result() for f in futures] == [f"k{i}" for i in range(500)]
    writer.close()
    assert sqlite3.connect(db).execute("SELECT count(*) FROM meta WHERE key LIKE 'k%'").fetchone()[0] == 500


def test_writer_results_are_committed_when_delivered(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    writer = Writer(db)
    writer.run(_insert("seen"))
    # a separate connection sees it at once: the caller heard back only after COMMIT
    assert sqlite3.connect(db).execute("SELECT 1 FROM meta WHERE key='seen'").fetchone() == (1,)
    writer.close()
