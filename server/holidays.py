"""Official holiday schedules kept in the database (``fieldsync holidays``).

The bundled ``chinese-calendar`` knows the years published before its release; a county
loads each newer year's State Council schedule here, and every deadline the server
computes uses the result (``load_calendar``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sync.calendar import Calendar, Schedule
from sync.deadlines import CST
from sync.errors import Invalid

from .clock import now_ms
from .store.holidays import (
    CALLBACK_WORK,
    OPEN_WORK,
    callbacks_due_in,
    load_calendar,
    open_work_in,
    store_schedule,
)
from .store.records import Actor, Batch
from .store.sqlite import connect
from .writer import Writer

#: Who writes the corrected deadlines (the change log names it, as it names the sweep).
CORRECTOR = Actor(user_id="system", device_id="system", role="system", scope=None)
CHUNK = 5000


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


@dataclass(frozen=True)
class Loaded:
    """What ``fieldsync holidays`` did: the schedule stored, and per collection how many
    open records' computed fields (deadlines, overdue marks) the new calendar changed."""

    schedule: Schedule
    corrected: dict[str, int]


def year_span(year: int) -> tuple[int, int]:
    """``[start, end)`` of ``year`` in China time, as epoch ms."""
    return (int(dt.datetime(year, 1, 1, tzinfo=CST).timestamp() * 1000),
            int(dt.datetime(year + 1, 1, 1, tzinfo=CST).timestamp() * 1000))


def correct_deadlines(writer: Writer, year: int, now: int | None = None,
                      chunk: int = CHUNK) -> dict[str, int]:
    """Recompute, with the calendar now stored, the open work whose working-day walk may
    cross ``year`` (open cases, complaints and rectifications, and the call-backs not yet
    made of completed cases and ended visits); write those whose computed fields changed
    (``Batch.refresh``: a new version and a change-log row each, so phones pull them),
    ``chunk`` per transaction.

    Without this the open work kept deadlines reckoned under the old calendar until
    something wrote it, and the sweep, which finds work by its STORED deadline, turned work
    whose deadline moved earlier overdue late; the phones listed call-backs due on the wrong
    day. A completed case awaiting its call-back is recomputed whole, as any edit of it
    would be. Return the records written per collection."""
    when = now_ms() if now is None else now
    start, end = year_span(year)
    out: dict[str, int] = {}
    for collection in dict.fromkeys((*OPEN_WORK, *CALLBACK_WORK)):
        # Found on a read connection: the scan must not hold the lock phones' syncs wait for.
        # Each chunk is judged again (recomputed) inside its writing transaction.
        conn = connect(writer.path, readonly=True)
        try:
            found = set(open_work_in(conn, collection, start, end)) if collection in OPEN_WORK else set()
            if collection in CALLBACK_WORK:
                found.update(callbacks_due_in(conn, collection, start, end))
        finally:
            conn.close()
        ids = sorted(found)
        out[collection] = 0
        for i in range(0, len(ids), max(1, chunk)):
            out[collection] += len(writer.run(_refresh(collection, ids[i:i + max(1, chunk)], when)))
    return out


def _refresh(collection: str, ids: list[str], now: int) -> Callable[[sqlite3.Connection], list[str]]:
    def run(conn: sqlite3.Connection) -> list[str]:
        return Batch(conn, CORRECTOR, now).refresh(collection, ids)
    return run


def load_holidays_cmd(db: str, year: int, file: str, chunk: int = CHUNK) -> Loaded:
    """``fieldsync holidays``: read, check and store a year's schedule file, then correct
    the deadlines of the open work it moves (``correct_deadlines``)."""
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
        # After the schedule's own transaction: each chunk's Batch reads the calendar anew.
        corrected = correct_deadlines(writer, year, chunk=chunk)
    finally:
        writer.close()
    return Loaded(schedule, corrected)


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
