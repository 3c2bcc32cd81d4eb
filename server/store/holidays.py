"""Official holiday schedules loaded with ``fieldsync holidays`` (table ``holidays``)."""

from __future__ import annotations

import json
import sqlite3

from sync.calendar import Calendar, Schedule

from . import audit, sqlite


def store_schedule(conn: sqlite3.Connection, schedule: Schedule, source: str, at: int) -> None:
    """Keep ``schedule`` (replacing a year loaded before) and audit it."""
    conn.execute("INSERT INTO holidays (year, schedule, source, loaded_at) VALUES (?,?,?,?)"
                 " ON CONFLICT(year) DO UPDATE SET schedule=excluded.schedule,"
                 " source=excluded.source, loaded_at=excluded.loaded_at",
                 (schedule.year, json.dumps(schedule.to_json()), source, at))
    audit.record(conn, at=at, action="holidays_loaded", outcome="ok", user_id="system",
                 target=str(schedule.year),
                 details={"holidays": len(schedule.holidays), "workdays": len(schedule.workdays),
                          "source": source})


def load_calendar(conn: sqlite3.Connection) -> Calendar:
    """The calendar: the schedules loaded into this database over the bundled data."""
    return Calendar.of(Schedule.from_json(json.loads(text))
                       for (text,) in conn.execute("SELECT schedule FROM holidays ORDER BY year"))


# Open work per collection (whatever its overdue mark: a deadline may move either way), the
# field its working-day walk starts from, and the field holding where the walk ended.
_OPEN = {"cases": ("json_extract(data, '$.status') IN ('accepted', 'supplement', 'handling')",
                   "accepted_at", "due_at"),
         # Not yet replied, or open again (sent back or reopened: a new reply is owed; its walk
         # starts at ``reopened_at``, after ``received_at``, so the span test below holds).
         "complaints": ("(json_extract(data, '$.replied_at') IS NULL"
                        " OR json_extract(data, '$.status') = 'open')", "received_at", "reply_due"),
         "rectifications": ("coalesce(json_extract(data, '$.status'), 'open') IN ('open', 'overdue')",
                            "ordered_at", "due_at")}
OPEN_WORK = tuple(_OPEN)


def open_work_in(conn: sqlite3.Connection, collection: str, start: int, end: int) -> list[str]:
    """Open, live records of ``collection`` whose working-day walk may cross the span
    ``[start, end)`` (epoch ms; a year, China time): started before its end, and either
    still walking (no deadline yet, the clock stopped) or due at or after its start. A
    walk wholly outside the span counts the same days whatever the span's calendar says."""
    where, started, due = _OPEN[collection]
    return [rid for (rid,) in conn.execute(
        f"SELECT id FROM records WHERE collection = ? AND deleted = 0 AND {where}"
        f" AND {sqlite.json_field('data', started)} < ?"
        f" AND coalesce({sqlite.json_field('data', due)}, ?) >= ? ORDER BY id",
        (collection, end, start, start))]


# Call-backs (回访) not yet made: a completed case or an ended visit has a computed
# ``callback_due`` (working days after it ended); one is made when an ``evaluations`` record
# with source ``callback`` names it. Per collection: where the walk starts, and the
# evaluation's field naming the record.
_CALLBACKS = {"cases": ("completed_at", "case_id"), "visits": ("ended_at", "visit_id")}
CALLBACK_WORK = tuple(_CALLBACKS)


# A call-back falls due a few working days after the work ended: never more than this after
# it, whatever the calendar (the longest holiday is nine days), so a walk that reaches a
# span's start ended at most this long before it.
_CALLBACK_REACH_MS = 31 * 86_400_000


def callbacks_due_in(conn: sqlite3.Connection, collection: str, start: int, end: int) -> list[str]:
    """Live records of ``collection`` whose call-back is due and not yet made, and whose
    walk to ``callback_due`` may cross ``[start, end)``: ended before its end, due at or
    after its start. Those called back are closed: their due date stays as it was."""
    _started, ref = _CALLBACKS[collection]
    due = sqlite.json_field("r.data", "callback_due")
    # By the facts' end time (``done``: completed_at, ended_at; index facts_ended): only the
    # work ended near the span is read, not every completed case of the county's history.
    ids = [rid for (rid,) in conn.execute(
        "SELECT r.id FROM facts f JOIN records r ON r.rid = f.rid"
        f" WHERE f.collection = ? AND f.done >= ? AND f.done < ? AND {due} >= ? ORDER BY r.id",
        (collection, start - _CALLBACK_REACH_MS, end, start))]
    if not ids:
        return []
    # One pass over the call-backs made, not one lookup per record (no index on the ref).
    named = sqlite.json_field("data", ref)
    called = {rid for (rid,) in conn.execute(
        f"SELECT {named} FROM records WHERE collection = 'evaluations' AND deleted = 0"
        f" AND {sqlite.json_field('data', 'source')} = 'callback' AND {named} IS NOT NULL")}
    return [rid for rid in ids if rid not in called]
