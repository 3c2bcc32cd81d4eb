"""Working-day deadlines (工作日), with China's official holidays and 调休 weekends.

Dates are reckoned in China Standard Time (UTC+8, no daylight saving). Where the
``chinese_calendar`` package has no data for a year, Monday–Friday are working days.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

CST = dt.timezone(dt.timedelta(hours=8), "CST")
DAY_MS = 86_400_000


def is_workday(day: dt.date) -> bool:
    """Whether ``day`` is an official working day in China."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:  # year outside the package's data
        return day.weekday() < 5


def local_date(ms: int) -> dt.date:
    """The China-time calendar date of an epoch-ms instant."""
    return dt.datetime.fromtimestamp(ms / 1000, CST).date()


def end_of_day_ms(day: dt.date) -> int:
    """The last millisecond of ``day`` in China time, as epoch ms."""
    start = dt.datetime(day.year, day.month, day.day, tzinfo=CST)
    return int(start.timestamp() * 1000) + DAY_MS - 1


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date ``days`` working days after ``start`` (the start day itself not counted).

    ``days == 0`` means the same day (即办件: done on the spot).
    """
    if days < 0:
        raise ValueError("days must be ≥ 0")
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            left -= 1
    return day


def due_ms(start_ms: int, working_days: int) -> int:
    """Deadline (end of day, China time) ``working_days`` after the instant ``start_ms``."""
    return end_of_day_ms(add_working_days(local_date(start_ms), working_days))
