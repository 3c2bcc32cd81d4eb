"""``Batch.create``, the bulk path for records the server makes (the sweep's accountability
records and every notification), writes exactly what the op path (``Batch.run``) writes for
the same ops: the same record rows (data, path clocks, versions, scope), change-log entries,
op rows, report facts, notifications, quarantine; and it hands what it cannot write in bulk
(a duplicate op, a record already stored, another collection, a refused op) to ``run``."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

from server.store.records import SYSTEM, Batch
from server.store.sqlite import connect
from sync.ops import CheckedOp, check_op
from sync.schema import load

NOW = 1_790_000_000_000
TABLES = {
    "records": "SELECT collection, id, centre_id, county_id, version, deleted, data, meta,"
               " created_version, owner_id FROM records ORDER BY collection, id",
    "changes": "SELECT version, collection, record, op, device, user_id, at FROM changes"
               " ORDER BY version",
    "ops": "SELECT id, device, user_id, collection, record, status, version, received_at"
           " FROM ops ORDER BY id",
    "facts": "SELECT f.collection, f.id, f.centre_id, f.status, f.kind, f.at, f.done, f.due,"
             " f.overdue, f.score, f.vetoed FROM facts f ORDER BY f.collection, f.id",
    "quarantine": "SELECT op_id, collection, record, code, message, received_at FROM quarantine"
                  " ORDER BY op_id",
}


def user_id(db: str, username: str) -> str:
    with closing(sqlite3.connect(db)) as conn:
        return str(conn.execute("SELECT id FROM users WHERE username=?", (username,)).fetchone()[0])


def accountability(rid: str, centre: str, staff: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"centre_id": centre, "subject": {"collection": "cases", "record": rid},
                           "kind": "overdue_case", "detected_at": NOW, "status": "open",
                           "due_at": NOW - 86_400_000}
    if staff is not None:
        doc["staff_id"] = staff
    return doc


def op(collection: str, record: str, data: dict[str, Any], op_id: str | None = None) -> CheckedOp:
    return check_op({"id": op_id or f"sweep-{record}", "collection": collection, "record": record,
                     "base": 0, "at": NOW, "set": data}, load())


class OpPath(Batch):
    """A batch that makes its notifications through ``run`` too (the op path throughout)."""

    def as_system(self) -> Callable[[list[CheckedOp]], list[dict[str, Any]]]:
        def apply(ops: list[CheckedOp]) -> list[dict[str, Any]]:
            return OpPath(self.conn, SYSTEM, self.now).run(ops, [self.now] * len(ops))
        return apply


def write(db: str, fn: Callable[[Batch, Sequence[CheckedOp]], list[dict[str, Any]]],
          ops: Sequence[CheckedOp]) -> list[dict[str, Any]]:
    conn = connect(db)
    try:
        conn.execute("BEGIN IMMEDIATE")
        results = fn((Batch if fn is BULK else OpPath)(conn, SYSTEM, NOW), ops)
        conn.execute("COMMIT")
        return results
    finally:
        conn.close()


def RUN(batch: Batch, ops: Sequence[CheckedOp]) -> list[dict[str, Any]]:
    return batch.run(ops, [NOW] * len(ops))


def BULK(batch: Batch, ops: Sequence[CheckedOp]) -> list[dict[str, Any]]:
    return batch.create(ops)


def dump(db: str) -> dict[str, list[tuple[Any, ...]]]:
    with closing(sqlite3.connect(db)) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in TABLES.items()}


def twins(county_db: str, tmp_path: Path) -> tuple[str, str]:
    bulk = str(tmp_path / "bulk.db")
    shutil.copyfile(county_db, bulk)
    return county_db, bulk


def test_store_bulk_create_writes_what_the_op_path_writes(county_db: str, tmp_path: Path) -> None:
    plain, bulk = twins(county_db, tmp_path)
    f1 = user_id(plain, "f1")
    ops = [op("accountability", "acc-cases-a", accountability("a", "c1", f1)),
           op("accountability", "acc-cases-b", accountability("b", "c2", None)),  # centre's staff
           op("accountability", "acc-cases-c", accountability("c", "c3", "u-gone")),
           op("notifications", "n-direct", {"user_id": f1, "kind": "due_soon",
                                            "title": "有事项下一个工作日到期",
                                            "subject": {"collection": "cases", "record": "a"},
                                            "at": NOW})]
    by_run = write(plain, RUN, ops)
    by_bulk = write(bulk, BULK, ops)
    assert by_bulk == by_run
    assert [r["status"] for r in by_bulk] == ["applied"] * 4
    before, after = dump(plain), dump(bulk)
    assert after == before
    # it did write: the records, their overdue notifications (to the staff member named, or
    # every centre and field user of the centre), each in the change log and the op table
    made = {(c, r) for c, r, *_rest in after["records"]}
    assert {("accountability", "acc-cases-a"), ("accountability", "acc-cases-b")} <= made
    notes = [r for r in after["records"] if r[0] == "notifications"]
    assert {n[9] for n in notes} >= {f1, user_id(plain, "f2")}
    # "u-gone" is no user of this server: the staff of its centre (c3) hear of it instead
    assert "u-gone" not in {n[9] for n in notes} and user_id(plain, "f3") in {n[9] for n in notes}
    assert len(after["changes"]) == len(before["changes"]) and \
        {(c, r) for _v, c, r, *_x in after["changes"]} >= made - {("centres", "c1")}
    assert ("accountability", "acc-cases-a") in {(f[0], f[1]) for f in after["facts"]}


def test_store_bulk_create_hands_the_rest_to_the_op_path(county_db: str, tmp_path: Path) -> None:
    plain, bulk = twins(county_db, tmp_path)
    first = [op("accountability", "acc-cases-a", accountability("a", "c1", None))]
    for db in (plain, bulk):
        write(db, RUN, first)
    ops = [first[0],  # the same op again: a duplicate
           op("accountability", "acc-cases-a", {"status": "closed", "explanation": "已说明"},
              op_id="later-edit"),  # a record already stored: merged
           op("accountability", "acc-cases-x", accountability("x", "c-none", None)),  # refused
           op("centres", "c9", {"name": "新中心", "county_id": "k1"}),  # not a bulk collection
           op("accountability", "acc-cases-y", accountability("y", "c1", None)),
           op("accountability", "acc-cases-y", {"explanation": "同一批次再写"}, op_id="again")]
    by_run = write(plain, RUN, ops)
    by_bulk = write(bulk, BULK, ops)
    statuses = [r["status"] for r in by_bulk]
    assert statuses == [r["status"] for r in by_run] == \
        ["duplicate", "applied", "rejected", "applied", "applied", "applied"]
    assert by_bulk[2]["code"] == by_run[2]["code"] == "invalid"
    before, after = dump(plain), dump(bulk)
    # versions come in another order (the bulk ones first); the content is the same
    for name in ("records", "ops", "facts", "quarantine"):
        strip = (lambda row: row[:4] + row[5:7] + row[9:]) if name == "records" else \
            (lambda row: row[:6]) if name == "ops" else (lambda row: row)
        assert sorted(map(strip, after[name])) == sorted(map(strip, before[name])), name
    stored = {r[1]: r for r in after["records"] if r[0] == "accountability"}
    assert '"status":"closed"' in stored["acc-cases-a"][6]
    assert '"explanation":"同一批次再写"' in stored["acc-cases-y"][6]
    assert "acc-cases-x" not in stored
