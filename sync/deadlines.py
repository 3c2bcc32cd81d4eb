"""Working-day deadlines (工作日), with China's official holidays and 调休 weekends.

Dates are reckoned in China Standard Time (UTC+8, no daylight saving). Which days are
worked comes from a ``Calendar`` (bundled data, loaded schedules, else Monday–Friday).

A case's clock (``case_clock``) counts the matter's time limit in working days from the
day after acceptance; while the case waits in ``supplement`` for the applicant's
materials the clock stops, and the remaining days resume from the day after the
materials arrive (the same rule as acceptance: the day of the event is not counted). An
extension (延期) adds working days to the limit. The rule is pure: the caller gives the
pauses (from the record's status history) as data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from .calendar import BUNDLED, Calendar

CST = dt.timezone(dt.timedelta(hours=8), "CST")
DAY_MS = 86_400_000
# No promised limit is anywhere near this long; it bounds the walk over days.
MAX_SPAN_DAYS = 3_660


def is_workday(day: dt.date, calendar: Calendar = BUNDLED) -> bool:
    """Whether ``day`` is an official working day in China."""
    return calendar.is_workday(day)


# China time is UTC+8 all year: a day starts at a whole multiple of DAY_MS after this offset,
# so both conversions are integer arithmetic (the sweep makes two per case it looks at; the
# datetime forms, kept in the tests as the definition, took four times as long).
_OFFSET_MS = 8 * 3_600_000
_EPOCH_DAY = dt.date(1970, 1, 1).toordinal()


def local_date(ms: int) -> dt.date:
    """The China-time calendar date of an epoch-ms instant
    (``datetime.fromtimestamp(ms / 1000, CST).date()``)."""
    if type(ms) is not int:  # a float (or a bool): the datetime form, as it always was
        return dt.datetime.fromtimestamp(ms / 1000, CST).date()
    return dt.date.fromordinal((ms + _OFFSET_MS) // DAY_MS + _EPOCH_DAY)


def end_of_day_ms(day: dt.date) -> int:
    """The last millisecond of ``day`` in China time, as epoch ms."""
    return (day.toordinal() - _EPOCH_DAY + 1) * DAY_MS - _OFFSET_MS - 1


def add_working_days(start: dt.date, days: int, calendar: Calendar = BUNDLED) -> dt.date:
    """The date ``days`` working days after ``start`` (the start day itself not counted).

    ``days == 0`` means the same day (即办件: done on the spot).
    """
    if days < 0:
        raise ValueError("days must be ≥ 0")
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if calendar.is_workday(day):
            left -= 1
    return day


def due_ms(start_ms: int, working_days: int, calendar: Calendar = BUNDLED) -> int:
    """Deadline (end of day, China time) ``working_days`` after the instant ``start_ms``."""
    return end_of_day_ms(add_working_days(local_date(start_ms), working_days, calendar))


@dataclass(frozen=True)
class Pause:
    """The clock stopped from ``start`` (entered ``supplement``) to ``end`` (materials in).

    ``end`` is None while the case is still waiting. Both are server-corrected epoch ms.
    """

    start: int
    end: int | None = None


@dataclass(frozen=True)
class CaseClock:
    """Where a case stands against its limit.

    ``due_at`` is None while the clock is stopped with days left (the deadline is not
    known until the materials arrive); ``remaining_days`` are the counted working days
    after today up to the deadline (or, while stopped, those still owed);
    ``assumed_years`` lists years reckoned Monday–Friday for want of a schedule.
    """

    due_at: int | None
    limit_days: int
    remaining_days: int
    running: bool
    overdue: bool
    assumed_years: tuple[int, ...]


def case_clock(accepted_at: int, limit_days: int, pauses: Sequence[Pause], *, now: int,
               extension_days: int = 0, calendar: Calendar = BUNDLED) -> CaseClock:
    """The deadline of a case accepted at ``accepted_at`` with ``limit_days`` (+ extension).

    A working day counts unless it falls in a pause: the days after the pause's start
    day up to and including the day the materials arrived. The walk stops at an open
    pause, or when the limit is used up (that day is the deadline, end of day).
    """
    if limit_days < 0 or extension_days < 0:
        raise ValueError("days must be ≥ 0")
    limit = limit_days + extension_days
    spans = tuple(sorted(((local_date(p.start), local_date(p.end) if p.end is not None else None)
                          for p in pauses if p.end is None or p.end >= p.start),
                         key=lambda span: (span[0], span[1] or dt.date.max))) if pauses else ()
    due, remaining, stopped, years = _walk(local_date(accepted_at), limit, spans,
                                           local_date(now), calendar)
    due_at = end_of_day_ms(due) if due is not None else None
    return CaseClock(due_at=due_at, limit_days=limit, remaining_days=remaining,
                     running=not stopped, overdue=due_at is not None and now > due_at,
                     assumed_years=years)


Spans = tuple[tuple[dt.date, dt.date | None], ...]
Walked = tuple[dt.date | None, int, bool, tuple[int, ...]]
# The walk depends only on its days and the calendar, and a county's open cases share few
# of them (acceptance days, limits, today): the sweep over thousands of cases walks each
# once. Keyed by the calendar's identity (a Calendar is immutable; the entry keeps it alive,
# so the identity cannot be reused while the entry stands).
_WALKED: dict[tuple[int, dt.date, int, Spans, dt.date], tuple[Calendar, Walked]] = {}
_WALKED_MAX = 50_000


def _walk(start: dt.date, limit: int, spans: Spans, today: dt.date,
          calendar: Calendar) -> Walked:
    """``(deadline day or None, remaining days, stopped, assumed years)`` of a clock."""
    key = (id(calendar), start, limit, spans, today)
    hit = _WALKED.get(key)
    if hit is not None and hit[0] is calendar:
        return hit[1]
    years: set[int] = {start.year}
    day, counted, after_today = start, 0, 0
    due: dt.date | None = start if limit == 0 else None
    stopped = False
    for _ in range(MAX_SPAN_DAYS):
        if due is not None:
            break
        day += dt.timedelta(days=1)
        stop, skip = _paused(day, spans)
        if stop:
            stopped = True
            break
        if skip:
            continue
        years.add(day.year)
        if calendar.is_workday(day):
            counted += 1
            if day > today:
                after_today += 1
            if counted == limit:
                due = day
    remaining = after_today if due is not None else limit - counted + after_today
    walked = (due, remaining, stopped, tuple(calendar.unknown_years(years)))
    if len(_WALKED) >= _WALKED_MAX:
        _WALKED.clear()
    _WALKED[key] = (calendar, walked)
    return walked


def _paused(day: dt.date, spans: Sequence[tuple[dt.date, dt.date | None]]) -> tuple[bool, bool]:
    """(clock stopped for good at ``day``, ``day`` skipped) given the pauses' date spans."""
    for first, last in spans:
        if day <= first:
            continue  # the day the case went to supplement was worked
        if last is None:
            return True, False
        if day <= last:
            return False, True
    return False, False
