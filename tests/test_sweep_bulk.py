"""The sweep's planned, set-based writes (``server.jobs.sweep_plan``, ``server.store.bulk``)
write what the row-by-row way (``Batch.refresh`` then ``Batch.create``) writes.

The property test builds small counties (cases and complaints in every state, ids too long
for a plain accountability id, subjects already answered for, chunks of every size), sweeps
one copy planned and one row by row, and compares every table with the versions read as
the records they belong to. The other tests change the database between the planning and
the writing: the plan then writes nothing and the chunk goes the row-by-row way."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from server.auth import add_user, hash_password
from server.jobs.sweep import sweep
from server.jobs.sweep_plan import Planner, accountability_id
from server.store import bulk, sqlite
from server.store.records import SYSTEM, Batch
from server.system import init_db, system_write
from server.writer import Writer
from sync.deadlines import DAY_MS

T0 = 1_764_633_600_000  # 2025-12-02 00:00 UTC
LONG = "x" * 95  # a case id too long for the plain accountability id (hashed: the row-by-row way)
DIGEST = hash_password("Test-pass-2026")

case_st = st.fixed_dictionaries({
    "long": st.booleans(), "centre": st.sampled_from(["c1", "c2"]),
    "status": st.sampled_from(["accepted", "handling", "supplement", "completed"]),
    "matter": st.sampled_from(["m1", "m5"]), "ago": st.integers(0, 12),
    "handler": st.sampled_from([None, "u-c1", "u-ghost"]),
    "asked": st.sampled_from([None, "u-c2"]), "answered": st.booleans(),
    # Free text as people type it (quotes, backslashes, controls, CJK, emoji): the stored
    # document SQLite rewrites must come back the bytes Python writes.
    "notes": st.one_of(st.none(), st.text(max_size=12), st.sampled_from(
        ["窗口\"排队\"\\太久", "a\nb\tc\u0001", "😀𠀀", "NaN Infinity"]))})
complaint_st = st.fixed_dictionaries({
    "centre": st.sampled_from(["c1", "c2"]), "ago": st.integers(0, 12),
    "status": st.sampled_from(["open", "replied"])})


def build(db: Path, cases: list[dict[str, Any]], complaints: list[dict[str, Any]]) -> None:
    init_db(str(db))
    writer = Writer(str(db))
    try:
        writer.run(lambda c: system_write(c, [
            ("centres", "c1", {"name": "城关镇", "county_id": "k1"}, T0),
            ("centres", "c2", {"name": "石桥镇", "county_id": "k1"}, T0),
            ("matters", "m1", {"name": "临时救助", "county_id": "k1", "kind": "time_limited",
                               "time_limit_days": 1}, T0),
            ("matters", "m5", {"name": "建房审批", "county_id": "k1", "kind": "time_limited",
                               "time_limit_days": 5}, T0)], T0))
        writer.run(lambda c: [add_user(c, username=f"staff-{cid}", password="", role="centre",
                                       centre_ids=(cid,), password_hash=DIGEST, user_id=f"u-{cid}")
                              for cid in ("c1", "c2")])
        items: list[tuple[str, str, dict[str, Any], int]] = []
        answered = []
        for i, c in enumerate(cases):
            rid = f"{LONG}{i:02d}" if c["long"] else f"case-{i:02d}"
            doc: dict[str, Any] = {"centre_id": c["centre"], "matter_id": c["matter"],
                                   "status": c["status"], "accepted_at": T0 - c["ago"] * DAY_MS}
            if c["status"] == "supplement":
                doc["missing_materials"] = ["身份证"]
            if c["status"] == "completed":
                doc["completed_at"] = T0
            for field, value in (("handler_id", c["handler"]), ("first_asked_by", c["asked"]),
                                 ("notes", c.get("notes"))):
                if value is not None:
                    doc[field] = value
            items.append(("cases", rid, doc, T0))
            if c["answered"] and not c["long"]:
                answered.append(rid)
        for i, c in enumerate(complaints):
            doc = {"centre_id": c["centre"], "content": "窗口排队时间过长", "channel": "hotline",
                   "received_at": T0 - c["ago"] * DAY_MS, "status": c["status"]}
            if c["status"] == "replied":
                doc.update(reply="已整改", replied_at=T0)
            items.append(("complaints", f"cp-{i:02d}", doc, T0))
        if items:
            writer.run(lambda c: system_write(c, items, T0))
        # Subjects answered for already (a record the centre explained, from an earlier sweep).
        if answered:
            writer.run(lambda c: system_write(c, [
                ("accountability", accountability_id("cases", rid), {
                    "centre_id": "c1", "subject": {"collection": "cases", "record": rid},
                    "kind": "overdue_case", "status": "open", "detected_at": T0}, T0)
                for rid in answered], T0))
    finally:
        writer.close()


def run(db: Path, now: int, chunk: int, planned: bool) -> dict[str, int]:
    writer = Writer(str(db))
    try:
        return sweep(writer, now, chunk, planned=planned)
    finally:
        writer.close()


def tables(db: Path) -> dict[str, Any]:
    """Every table the sweep writes, each version read as the change it is."""
    conn = sqlite3.connect(db)
    try:
        by_version = {v: (coll, rec, op) for v, coll, rec, op in conn.execute(
            "SELECT version, collection, record, op FROM changes")}

        def clocks(meta: str) -> Any:
            def walk(node: Any) -> Any:
                if isinstance(node, list):
                    if len(node) == 4 and isinstance(node[0], int) and node[0] in by_version:
                        return [by_version[node[0]], *node[1:]]
                    return [walk(x) for x in node]
                return {k: walk(v) for k, v in node.items()} if isinstance(node, dict) else node
            return walk(json.loads(meta))

        records = {(coll, rid): (centre, county, deleted, data, clocks(meta), by_version[v],
                                 by_version.get(created), owner)
                   for coll, rid, centre, county, deleted, data, meta, v, created, owner
                   in conn.execute("SELECT collection, id, centre_id, county_id, deleted, data,"
                                   " meta, version, created_version, owner_id FROM records"
                                   " WHERE collection <> 'notifications'")}
        facts = {(row[1], row[2]): row[3:] for row in conn.execute(
            "SELECT * FROM facts WHERE collection <> 'notifications'")}
        changes = Counter(conn.execute(
            "SELECT collection, record, op, device, user_id, at FROM changes"
            " WHERE collection <> 'notifications'").fetchall())
        ops = {oid: (dev, user, coll, rec, status, by_version.get(v), at)
               for oid, dev, user, coll, rec, status, v, at in conn.execute(
                   "SELECT * FROM ops WHERE collection <> 'notifications'")}
        # Notifications are grouped per person per chunk: which subjects share a group may
        # differ (a subject the plan leaves to the accountability step is told in that
        # step's chunk, and subjects answered for already move the chunks' bounds). How
        # many subjects each person is told of, of each kind, may not.
        counts: Counter[tuple[str, str]] = Counter()
        for (data,) in conn.execute("SELECT data FROM records WHERE collection = 'notifications'"):
            doc = json.loads(data)
            counts[(doc["user_id"], doc["kind"])] += doc.get("count", 1)
        return {"records": records, "facts": facts, "changes": changes, "ops": ops,
                "counts": counts}
    finally:
        conn.close()


def relimit(db: Path, days: int) -> None:
    """Matter m5's time limit changed after its cases were written: their stored deadlines
    are stale, so the sweep's computed fields change more than ``overdue`` (indexed facts)."""
    writer = Writer(str(db))
    try:
        writer.run(lambda c: system_write(c, [("matters", "m5", {"time_limit_days": days}, T0)], T0))
    finally:
        writer.close()


class Spy:
    """What ``bulk.apply`` answered, and how many records the plans it wrote marked."""

    def __init__(self, monkeypatch: Any) -> None:
        self.answers: list[bool] = []
        self.marked = 0
        real = bulk.apply

        def apply(conn: Any, plan: bulk.Plan, *rest: Any) -> bool:
            done = real(conn, plan, *rest)
            self.answers.append(done)
            self.marked += len(plan.marks) if done else 0
            return done
        monkeypatch.setattr(bulk, "apply", apply)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cases=st.lists(case_st, max_size=12), complaints=st.lists(complaint_st, max_size=5),
       chunk=st.integers(1, 6), days=st.integers(0, 20), limit=st.sampled_from([None, 2, 9]))
def test_sweep_bulk_writes_what_row_by_row_writes(tmp_path: Path, monkeypatch: Any,
                                                   cases: list[dict[str, Any]],
                                                   complaints: list[dict[str, Any]], chunk: int,
                                                   days: int, limit: int | None) -> None:
    base = tmp_path / f"base-{len(list(tmp_path.iterdir()))}.db"
    build(base, cases, complaints)
    if limit is not None:
        relimit(base, limit)
    planned, rows = base.with_suffix(".planned.db"), base.with_suffix(".rows.db")
    for copy in (planned, rows):
        shutil.copyfile(base, copy)
        shutil.copyfile(f"{base}.vapid.pem", f"{copy}.vapid.pem")
    now = T0 + days * DAY_MS
    spy = Spy(monkeypatch)
    got = run(planned, now, chunk, planned=True)
    # Nothing else writes meanwhile: every plan holds, and every record turned went set-based.
    assert all(spy.answers) and spy.marked == got["overdue"]
    want = run(rows, now, chunk, planned=False)
    assert got == want
    a, b = tables(planned), tables(rows)
    for table in a:
        assert a[table] == b[table], table
    # and a second sweep writes nothing
    assert run(planned, now, chunk, planned=True)["overdue"] == 0
    assert tables(planned)["changes"] == a["changes"]


def county(tmp_path: Path) -> tuple[Path, int]:
    db = tmp_path / "county.db"
    build(db, [{"long": False, "centre": "c1", "status": "accepted", "matter": "m1", "ago": 0,
                "handler": "u-c1", "asked": None, "answered": False} for _ in range(4)], [])
    return db, T0 + 5 * DAY_MS  # due a working day after T0 (a Tuesday): past


def planned_chunk(db: Path, now: int) -> tuple[bulk.Plan, tuple[str, str]]:
    conn = sqlite.connect(db, readonly=True)
    try:
        conn.execute("BEGIN")
        plan, rest = Planner(conn, now).plan("cases", [f"case-{i:02d}" for i in range(4)])
        assert rest == [] and len(plan.marks) == 4 and len(plan.made) == 4
        return plan, plan.payload()
    finally:
        conn.close()


def apply_now(db: Path, plan: bulk.Plan, payload: tuple[str, str], now: int) -> tuple[bool, int]:
    """``bulk.apply`` in the writer; whether it wrote, and the newest version after."""
    writer = Writer(str(db))
    try:
        def write(conn: sqlite3.Connection) -> tuple[bool, int]:
            done = bulk.apply(conn, plan, payload, now, Batch(conn, SYSTEM, now).as_system())
            return done, int(conn.execute("SELECT max(version) FROM changes").fetchone()[0])
        return writer.run(write)
    finally:
        writer.close()


def newest(db: Path) -> int:
    return int(sqlite3.connect(db).execute("SELECT max(version) FROM changes").fetchone()[0])


def test_sweep_bulk_plan_applies_when_nothing_changed(tmp_path: Path) -> None:
    db, now = county(tmp_path)
    plan, payload = planned_chunk(db, now)
    before = newest(db)
    assert apply_now(db, plan, payload, now) == (True, before + 8 + 1)  # 4 + 4, one notification
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT count(*) FROM records WHERE collection = 'accountability'"
                        ).fetchone()[0] == 4
    assert conn.execute("SELECT count(*) FROM facts WHERE collection = 'cases' AND overdue = 1"
                        ).fetchone()[0] == 4


def test_sweep_bulk_plan_refused_after_a_record_changed(tmp_path: Path) -> None:
    db, now = county(tmp_path)
    plan, payload = planned_chunk(db, now)
    writer = Writer(str(db))
    try:  # a phone's edit between the planning and the writing
        writer.run(lambda c: system_write(c, [("cases", "case-02", {"status": "handling"}, T0)], T0))
    finally:
        writer.close()
    before = newest(db)
    assert apply_now(db, plan, payload, now) == (False, before)  # nothing written


def test_sweep_bulk_plan_refused_after_a_matter_changed(tmp_path: Path) -> None:
    db, now = county(tmp_path)
    plan, payload = planned_chunk(db, now)
    writer = Writer(str(db))
    try:  # a longer time limit: the deadlines planned are no longer the cases' deadlines
        writer.run(lambda c: system_write(c, [("matters", "m1", {"time_limit_days": 20}, T0)], T0))
    finally:
        writer.close()
    before = newest(db)
    assert apply_now(db, plan, payload, now) == (False, before)


def test_sweep_bulk_plan_refused_when_another_sweep_answered_first(tmp_path: Path) -> None:
    db, now = county(tmp_path)
    plan, payload = planned_chunk(db, now)
    writer = Writer(str(db))
    try:  # another sweep made one of the accountability records meanwhile
        writer.run(lambda c: system_write(c, [("accountability", "acc-cases-case-01", {
            "centre_id": "c1", "subject": {"collection": "cases", "record": "case-01"},
            "kind": "overdue_case", "status": "open", "detected_at": now}, now)], now))
    finally:
        writer.close()
    before = newest(db)
    assert apply_now(db, plan, payload, now) == (False, before)


def test_sweep_bulk_falls_back_row_by_row_and_completes(tmp_path: Path) -> None:
    """A sweep whose plans all fail (the records edited after planning) still turns every
    case overdue and answers for each once."""
    db, now = county(tmp_path)
    writer = Writer(str(db))
    try:
        import server.jobs.sweep as job
        real = job.Planner.plan

        def plan_then_edit(self: Planner, collection: str, ids: Any) -> Any:
            out = real(self, collection, ids)
            writer.run(lambda c: system_write(c, [(collection, rid, {"handler_id": "u-c2"}, T0)
                                                  for rid in ids], T0))
            return out
        job.Planner.plan = plan_then_edit  # type: ignore[method-assign]
        try:
            counts = sweep(writer, now, 2)
        finally:
            job.Planner.plan = real  # type: ignore[method-assign]
    finally:
        writer.close()
    assert (counts["overdue"], counts["accountability"]) == (4, 4)
    conn = sqlite3.connect(db)
    staff = [s for (s,) in conn.execute(
        "SELECT json_extract(data, '$.staff_id') FROM records WHERE collection = 'accountability'")]
    assert staff == ["u-c2"] * 4  # made from the records as edited, not as planned


def test_sweep_bulk_plans_again_after_reference_data_changed(tmp_path: Path,
                                                             monkeypatch: Any) -> None:
    """A matter edited while the sweep runs fails the plan in hand (it goes row by row); the
    chunks after it are planned from the edited matter and written set-based again."""
    db, now = county(tmp_path)
    writer = Writer(str(db))
    applied: list[bool] = []
    real_apply, real_plan = bulk.apply, Planner.plan
    edited = False

    def apply(*args: Any) -> bool:
        applied.append(real_apply(*args))
        return applied[-1]

    def plan_then_edit(self: Planner, collection: str, ids: Any) -> Any:
        nonlocal edited
        out = real_plan(self, collection, ids)
        if not edited:  # after the first chunk is planned: a matter's name is corrected
            edited = True
            writer.run(lambda c: system_write(c, [("matters", "m5", {"name": "农村建房审批"}, T0)], T0))
        return out
    monkeypatch.setattr(bulk, "apply", apply)
    monkeypatch.setattr(Planner, "plan", plan_then_edit)
    try:
        counts = sweep(writer, now, 2)
    finally:
        writer.close()
    assert applied == [False, True]  # chunk 1 row by row, chunk 2 planned anew
    assert (counts["overdue"], counts["accountability"]) == (4, 4)


def test_sweep_bulk_odd_stored_forms_write_what_row_by_row_writes(tmp_path: Path) -> None:
    """Documents stored otherwise than orjson writes them (an older writer, a hand repair):
    a float deadline, spaces and ASCII escapes, a staff field that is a list, a deadline
    that is true. Each is written as the row-by-row way writes it."""
    base = tmp_path / "odd.db"
    build(base, [{"long": False, "centre": "c1", "status": "accepted", "matter": "m1", "ago": 0,
                  "handler": "u-c1", "asked": "u-c2", "answered": False} for _ in range(5)], [])
    conn = sqlite3.connect(base)
    docs = {rid: json.loads(data) for rid, data in conn.execute(
        "SELECT id, data FROM records WHERE collection = 'cases'")}
    docs["case-00"]["due_at"] = float(docs["case-00"]["due_at"])
    docs["case-01"]["notes"] = "城关"  # written below with ensure_ascii and spaces
    docs["case-02"]["handler_id"] = ["u-c1"]
    texts = {rid: json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
             for rid, doc in docs.items()}
    texts["case-01"] = json.dumps(docs["case-01"])
    texts["case-03"] = texts["case-03"].replace(f'"due_at":{docs["case-03"]["due_at"]}', '"due_at":true')
    for rid, text in texts.items():
        conn.execute("UPDATE records SET data = ? WHERE collection = 'cases' AND id = ?", (text, rid))
    conn.commit()
    conn.close()
    planned, rows = base.with_suffix(".planned.db"), base.with_suffix(".rows.db")
    for copy in (planned, rows):
        shutil.copyfile(base, copy)
        shutil.copyfile(f"{base}.vapid.pem", f"{copy}.vapid.pem")
    now = T0 + 5 * DAY_MS
    assert run(planned, now, 10, planned=True) == run(rows, now, 10, planned=False)
    a, b = tables(planned), tables(rows)
    for table in a:
        assert a[table] == b[table], table
