"""Official holiday schedules kept in the database (``fieldsync holidays``).

The bundled ``chinese-calendar`` knows the years published before its release; a county
loads each newer year's State Council schedule here, and every deadline the server
computes uses the result (``load_calendar``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

from sync.calendar import Calendar, Schedule
from sync.deadlines import CST
from sync.errors import Invalid

from .clock import now_ms
from .store.holidays import load_calendar, store_schedule
from .store.sqlite import connect
from .writer import Writer


def years_to_check(now: int) -> list[int]:
    """The current and the next year (China time): deadlines run into both."""
    year = dt.datetime.fromtimestamp(now / 1000, CST).year
    return [year, year + 1]


def calendar_status(calendar: Calendar, now: int) -> dict[str, object]:
    """For the supervisor's view: which of this and next year's schedules are missing."""
    unknown = calendar.unknown_years(years_to_check(now))
    return {"years": [{"year": y, "known": calendar.knows(y),
                       "loaded": y in calendar.schedules} for y in years_to_check(now)],
            "unknown_years": unknown}


def warnings(calendar: Calendar, now: int) -> list[str]:
    """One line per year (this or next) whose official schedule is unknown."""
    return [f"warning: no official holiday schedule for {y}: deadlines in {y} count Monday–Friday"
            f" and miss holidays and 调休 days; load it with"
            f" `fieldsync holidays --db PATH --year {y} --file F`"
            for y in calendar.unknown_years(years_to_check(now))]


def load_holidays_cmd(db: str, year: int, file: str) -> Schedule:
    """``fieldsync holidays``: read, check and store a year's schedule file."""
    try:
        text = Path(file).read_text("utf-8")
    except OSError as err:
        raise Invalid(f"cannot read {file}: {err.strerror}", path="file") from None
    try:
        doc = json.loads(text)
    except ValueError as err:
        raise Invalid(f"{file} is not JSON: {err}", path="file") from None
    schedule = Schedule.from_json(doc)
    if schedule.year != year:
        raise Invalid(f"{file} holds the schedule of {schedule.year}, not {year}", path="year")
    writer = Writer(db)
    try:
        writer.run(lambda conn: store_schedule(conn, schedule, str(doc.get("source") or file),
                                               now_ms()))
    finally:
        writer.close()
    return schedule


def read_calendar(db: str) -> Calendar:
    """The calendar of the database at ``db`` (bundled data only if there is no such file)."""
    if not Path(db).exists():
        return Calendar()
    conn = connect(db, readonly=True)
    try:
        try:
            return load_calendar(conn)
        except sqlite3.OperationalError:  # a database from before the holidays table
            return Calendar()
    finally:
        conn.close()
