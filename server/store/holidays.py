"""Official holiday schedules loaded with ``fieldsync holidays`` (table ``holidays``)."""

from __future__ import annotations

import json
import sqlite3

from sync.calendar import Calendar, Schedule

from . import audit


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
