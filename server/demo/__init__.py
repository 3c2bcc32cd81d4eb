"""``fieldsync demo``: seed a realistic county once, print the logins, and serve it.

The records come from the pure generator in ``server.demo.data``; they are written through
the same writer and merge engine as any device's ops, so the demo database is
exactly what real use would produce.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from sync.errors import Invalid
from sync.ops import check_op
from sync.schema import load

from ..auth import add_user, hash_password
from ..clock import now_ms
from ..config import Config
from ..jobs.sweep import sweep
from ..store import sweep as accountability
from ..store.records import Actor, Batch, load_records
from ..store.sqlite import has_users
from ..store.users import scope_for
from ..system import init_db, system_write
from ..writer import Writer
from .data import DEMO_PASSWORD, DemoCounty, build_demo

BATCH = 1000


def seeded(db: str) -> bool:
    """Whether ``db`` already holds a county."""
    return has_users(db)


def seed(db: str, county: DemoCounty) -> int:
    """Write the county's records and users; returns the number of records written."""
    init_db(db)
    # A one-off bulk load: a crash mid-way leaves a file to delete and seed again, so a sync
    # to disk per batch buys nothing (the server opens its own writer with FULL).
    writer = Writer(db, "NORMAL")
    try:
        # The centres, then the users (who belong to them), then the rest: a record naming
        # staff notifies only people who exist by then (``store.notifications``).
        centres = [r for r in county.records if r.collection == "centres"]
        records = [r for r in county.records if r.collection != "centres"]
        writer.run(lambda conn: system_write(conn, [(r.collection, r.id, r.data, r.at)
                                                    for r in centres]))
        # Every demo user shares one password: hash it once, not forty times.
        hashed = hash_password(county.users[0].password)
        for user in county.users:
            writer.run(lambda conn, u=user: add_user(  # type: ignore[misc]
                conn, username=u.username, password=u.password, role=u.role, name=u.name,
                centre_ids=u.centre_ids, county_id=u.county_id, password_hash=hashed, user_id=u.id))
        for start in range(0, len(records), BATCH):
            chunk = [(r.collection, r.id, r.data, r.at) for r in records[start:start + BATCH]]
            writer.run(lambda conn, chunk=chunk: system_write(conn, chunk))  # type: ignore[misc]
        # What its people did on their phones and in the workspace (send-backs, dismissals,
        # a reopening, a late intake), as them.
        writer.run(lambda conn: apply_activity(conn, county))
        # Time has passed for the open work: the sweep marks it overdue, opens one
        # accountability record each and notifies (as the running server would). A server
        # sweeping all along would have found each lateness the morning after its deadline.
        sweep(writer)
        writer.run(date_detection)
        writer.run(lambda conn: answer_accountability(conn, county))
        writer.run(lambda conn: mark_overdue_orders(conn, county))
        writer.run(lambda conn: run_awards(conn, county))
        # Last, so nothing after them changes what they were refused against.
        writer.run(lambda conn: send_refused(conn, county))
    finally:
        writer.close()
    return len(records)


_DAY_MS = 86_400_000
_CST_MS = 8 * 3_600_000


def morning_after(due: int, now: int) -> int:
    """When a server sweeping all along would have found work due at ``due`` late: 09:00
    China time the day after (now, if that is still to come)."""
    day = (due + _CST_MS) // _DAY_MS * _DAY_MS - _CST_MS  # its China midnight, in UTC ms
    return min(day + _DAY_MS + 9 * 3_600_000, now)


def date_detection(conn: sqlite3.Connection) -> None:
    """The demo's accountability records, found by one sweep now, dated as a sweep running all
    along would have found them (written as the system, like the sweep's own records)."""
    now = now_ms()
    rows = load_records(conn, [("accountability", rid) for rid, _c in accountability.open_records(conn)])
    fixes = []
    for (_coll, rid), stored in rows.items():
        due = stored.state.leaves.get("due_at")
        if isinstance(due, int):
            fixes.append(("accountability", rid, {"detected_at": morning_after(due, now)}, now))
    if fixes:
        system_write(conn, fixes)


EXPLANATIONS = {
    "cases": ("申请人补充材料延误，已与申请人沟通并加快办理",
              "需现场踏勘，恰逢连续阴雨天气无法按期踏勘，已补办延期手续",
              "经办人病假未及时移交，已落实AB岗制度，由B岗接续办理",
              "联办部门会签超时，已报县局协调督办"),
    "complaints": ("投诉转办时联系不上投诉人，已于次日电话答复并记录",
                   "窗口负责人外出培训，答复延误，已明确专人负责投诉答复"),
    "rectifications": ("整改需采购设备，采购流程较长，现已整改到位并上传照片",
                       "整改责任人调岗，交接不及时，已重新明确责任人"),
}


#: the county's conclusions on closing (结案意见)
CONCLUSIONS = ("经核查情况属实，属客观原因，免予追责，责成中心落实整改措施",
               "经核查超期属实，对经办人予以提醒谈话，纳入月度考核扣分",
               "说明理由成立，已补办相关手续，予以结案")


def _explanation(accountability_id: str, n: int) -> str:
    """A centre's explanation, by what the record is about (``acc-<collection>-<record>``)."""
    kind = next((k for k in EXPLANATIONS if accountability_id.startswith(f"acc-{k}-")), "cases")
    return EXPLANATIONS[kind][n % len(EXPLANATIONS[kind])]


def _detected(conn: sqlite3.Connection, rid: str) -> int | None:
    """When the sweep found accountability record ``rid``'s subject overdue."""
    stored = load_records(conn, [("accountability", rid)]).get(("accountability", rid))
    at = stored.state.leaves.get("detected_at") if stored is not None else None
    return at if isinstance(at, int) else None


def _seen(conn: sqlite3.Connection, collection: str, record: str) -> int:
    """The version a person editing the record now would have seen: an op based on it
    changes the record without a conflict, as a phone that had synced would (a base of 0
    made every demo edit a conflict with the sweep's own write)."""
    stored = load_records(conn, [(collection, record)]).get((collection, record))
    return stored.state.version if stored is not None else 0


def answer_accountability(conn: sqlite3.Connection, county: DemoCounty) -> None:
    """Accountability in every state, by age as a county's would be: found in the last three
    days, still open; in the last ten, explained by its centre and waiting for the county;
    older, closed by the supervisor with a conclusion, but for every fourth one still waiting
    (written as those roles would, through the store)."""
    rows = accountability.open_records(conn)
    supervisor = next(u for u in county.users if u.role == "supervisor")
    schemas = load()
    now = now_ms()
    for n, (rid, centre) in enumerate(rows):
        age = now - (_detected(conn, rid) or now)
        if age < 3 * _DAY_MS:
            continue  # stays open
        staff = next((u for u in county.users if u.role == "centre" and centre in u.centre_ids),
                     supervisor)
        # Explained the day after it was detected, closed two days after that (never later
        # than now: a recent one is answered the same day).
        detected = _detected(conn, rid) or now
        said = min(detected + _DAY_MS + 6 * 3_600_000, now - 2)
        explain = check_op({"id": f"demo-explain-{rid}", "collection": "accountability",
                            "record": rid, "base": _seen(conn, "accountability", rid), "at": said,
                            "set": {"status": "explained", "explanation":
                                    _explanation(rid, n)}}, schemas)
        Batch(conn, Actor(staff.id, "demo", "centre", None), now).run([explain], [said])
        if age >= 10 * _DAY_MS and n % 4:
            closed = min(said + 2 * _DAY_MS, now - 1)
            close = check_op({"id": f"demo-close-{rid}", "collection": "accountability",
                              "record": rid, "base": _seen(conn, "accountability", rid),
                              "at": closed,
                              "set": {"status": "closed",
                                      "conclusion": CONCLUSIONS[n % len(CONCLUSIONS)]}}, schemas)
            Batch(conn, Actor(supervisor.id, "demo", "supervisor", None), now).run(
                [close], [closed])


def _send(conn: sqlite3.Connection, county: DemoCounty, user_id: str, role: str,
          op: dict[str, Any], at: int, now: int) -> dict[str, Any]:
    """Send one op as a device of ``user_id`` in ``role`` would: with the user's scope (a
    refusal is filed under their county, as a push files it), its rights, transitions and
    checks, its corrected time ``at``, reaching the server at ``now``; returns its result."""
    home = next(u.county_id for u in county.users if u.id == user_id)
    actor = Actor(user_id, "demo", role, scope_for(conn, user_id, role, home))
    checked = check_op({"base": _seen(conn, op["collection"], op["record"]), "at": at, **op}, load())
    return Batch(conn, actor, now).run([checked], [at])[0]


def _as(conn: sqlite3.Connection, county: DemoCounty, user_id: str, role: str,
        op: dict[str, Any], at: int, now: int) -> None:
    """Apply one op as ``user_id`` in ``role`` (``_send``); a refusal is a bug in the demo,
    so it raises."""
    result = _send(conn, county, user_id, role, op, at, now)
    if result["status"] == "rejected":
        raise Invalid(f"demo {op['collection']}/{op['record']}: {result['message']}",
                      details=result.get("details"))


def mark_overdue_orders(conn: sqlite3.Connection, county: DemoCounty) -> None:
    """Open rectification orders long past due that the supervisor has marked overdue."""
    supervisor = next(u for u in county.users if u.role == "supervisor")
    now = now_ms()
    for rid in county.overdue_orders:
        _as(conn, county, supervisor.id, "supervisor", {
            "id": f"demo-overdue-{rid}", "collection": "rectifications", "record": rid,
            "set": {"status": "overdue"}}, now, now)


def apply_activity(conn: sqlite3.Connection, county: DemoCounty) -> None:
    """The county's people's ops (``DemoCounty.activity``), each as its sender at its time:
    a send-back tells the centre's staff (a ``reopened`` notification each), and the server
    keeps each complaint's ``reopened_at`` / ``answered_at`` as it would for a phone's."""
    now = now_ms()
    for step in county.activity:
        _as(conn, county, step.user_id, step.role, step.op(), step.at, now)


def send_refused(conn: sqlite3.Connection, county: DemoCounty) -> None:
    """Ops the server refuses (``DemoCounty.refusals``), sent as their people: each is
    quarantined by the store with its code and details, as a push's refusal is, for the
    supervisor's queue. One applied, or refused for another reason, is a bug in the demo."""
    now = now_ms()
    for step in county.refusals:
        result = _send(conn, county, step.user_id, step.role, step.op(), step.at, now)
        if result.get("code") != step.refused:
            raise Invalid(f"demo {step.collection}/{step.record}: expected {step.refused},"
                          f" got {result}", details=result.get("details"))


def run_awards(conn: sqlite3.Connection, county: DemoCounty) -> None:
    """Each award's flow, step by step as the people who take it (``server.demo.awards``):
    the eligibility check, the transitions and the notice end are the server's."""
    now = now_ms()
    for plan in county.awards:
        for n, step in enumerate(plan.steps):
            _as(conn, county, step.user_id, step.role, {
                "id": f"demo-{plan.id}-{n}", "collection": "awards", "record": plan.id,
                "set": step.set}, step.at, now)


def seed_scaled(db: str, n_cases: int, now: int | None = None) -> int:
    """Write a benchmark county of ``n_cases`` cases (``server.demo.scale``) and its two
    logins (``bench-sup`` supervisor, ``bench-admin``, password ``demo1234``); returns the
    number of records written."""
    from ..clock import now_ms
    from .scale import SCALE_COUNTY, scaled_records

    init_db(db)
    writer = Writer(db, "NORMAL")  # a bulk load: durability per batch is not the point here
    written = 0
    try:
        stamp = now or now_ms()
        for chunk in scaled_records(n_cases, stamp):
            writer.run(lambda conn, chunk=chunk: system_write(conn, chunk, stamp))  # type: ignore[misc]
            written += len(chunk)
        hashed = hash_password(DEMO_PASSWORD)
        for username, role in (("bench-sup", "supervisor"), ("bench-admin", "admin")):
            writer.run(lambda conn, u=username, r=role: add_user(  # type: ignore[misc]
                conn, username=u, password=DEMO_PASSWORD, role=r, county_id=SCALE_COUNTY,
                password_hash=hashed))
    finally:
        writer.close()
    return written


def logins(county: DemoCounty) -> str:
    """A short table of demo logins, one per role and a few centres."""
    shown = [u for u in county.users if u.role in ("admin", "supervisor")][:2]
    shown += [u for u in county.users if u.role == "inspector"][:1]
    shown += [u for u in county.users if u.role in ("centre", "field")][:3]
    lines = [f"  {u.username:<14} {u.password:<10} {u.role:<10} {u.name} "
             f"{'/'.join(u.centre_ids)}" for u in shown]
    return "\n".join(lines) + f"\n  (all {len(county.users)} users share this password;" \
        " usernames cNN-centre, cNN-field1, cNN-field2 for centres c01–c12)"


def run_demo(db: str, host: str, port: int, *, seed_only: bool = False,
             scale: int | None = None) -> None:
    """Seed ``db`` unless it has a county already, print how to log in, then serve.

    ``scale``: instead of the demo county, a benchmark county of that many cases.
    """
    if scale is not None:
        if seeded(db):
            print(f"database exists: {db} (delete it to re-seed)")
        else:
            n = seed_scaled(db, scale)
            print(f"seeded a benchmark county: {n} records → {db}\n"
                  f"logins: bench-sup (supervisor), bench-admin (admin), password {DEMO_PASSWORD}")
        if not seed_only:
            from ..app import serve
            serve(Config.from_env(db=db), host, port)
        return
    county = build_demo()
    if seeded(db):
        print(f"demo database exists: {db} (delete it to re-seed)")
    else:
        n = seed(db, county)
        print(f"seeded {county.county_name}: {n} records,"
              f" {len(county.users)} users → {db}")
    print(f"\nfieldsync demo — {county.county_name}, 12 township centres\n"
          f"  open http://{host}:{port}/\n\nlogins:\n{logins(county)}\n", flush=True)
    if not seed_only:
        from ..app import serve
        serve(Config.from_env(db=db), host, port)
