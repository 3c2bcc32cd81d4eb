"""China's official working-day calendar: the bundled data plus schedules loaded later.

The State Council publishes each year's holidays and 调休 working days (weekend days
worked to make long holidays) in November of the year before. The ``chinese_calendar``
package bundles the years known when it was released; a county loads a newer year's
schedule with ``fieldsync holidays`` (see ``Schedule``). For a year neither knows,
Monday–Friday are working days and ``Calendar.knows`` says the year is a guess.

Pure: schedules come in as data; nothing here reads files or the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import chinese_calendar

from .errors import Invalid

MIN_YEAR, MAX_YEAR = 2000, 2100


@dataclass(frozen=True)
class Schedule:
    """One year's official schedule: days off and 调休 working days.

    As a file (``fieldsync holidays --file``)::

        {"year": 2027,
         "holidays": ["2027-01-01", "2027-02-06", ...],
         "workdays": ["2027-02-20", ...]}

    ``holidays`` are the days off the notice lists (weekends inside a holiday may be
    listed or not: they are off either way); ``workdays`` are the weekend days worked
    instead (调休). Every other day follows Monday–Friday.
    """

    year: int
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]

    @classmethod
    def from_json(cls, doc: Any) -> Schedule:
        """Validate a schedule document; raise ``Invalid`` naming the first problem."""
        if not isinstance(doc, dict):
            raise Invalid("a schedule is a JSON object {year, holidays, workdays}")
        unknown = sorted(set(doc) - {"year", "holidays", "workdays", "source"})
        if unknown:
            raise Invalid(f"unknown key {unknown[0]!r} (expected year, holidays, workdays, source)",
                          path=unknown[0])
        if not isinstance(doc.get("source", ""), str):
            raise Invalid("source: expected text (where the schedule comes from)", path="source")
        year = doc.get("year")
        if not isinstance(year, int) or isinstance(year, bool) or not MIN_YEAR <= year <= MAX_YEAR:
            raise Invalid(f"year: expected a year {MIN_YEAR}–{MAX_YEAR}", path="year")
        holidays = _dates(doc.get("holidays"), "holidays", year)
        workdays = _dates(doc.get("workdays", []), "workdays", year)
        if not holidays:
            raise Invalid("holidays: an official schedule lists at least one day off", path="holidays")
        both = sorted(holidays & workdays)
        if both:
            raise Invalid(f"{both[0].isoformat()} is listed both as a holiday and as a working day",
                          path="workdays")
        for day in sorted(workdays):
            if day.weekday() < 5:
                # A weekday is a working day anyway: listing it means the file is wrong.
                raise Invalid(f"workdays: {day.isoformat()} is a weekday; list only the weekend"
                              " days worked (调休)", path="workdays")
        return cls(year, frozenset(holidays), frozenset(workdays))

    def to_json(self) -> dict[str, Any]:
        """The file form (sorted ISO dates)."""
        return {"year": self.year,
                "holidays": sorted(d.isoformat() for d in self.holidays),
                "workdays": sorted(d.isoformat() for d in self.workdays)}

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` (in this schedule's year) is worked."""
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() < 5


def _dates(value: Any, name: str, year: int) -> set[dt.date]:
    if not isinstance(value, list):
        raise Invalid(f"{name}: expected a list of dates YYYY-MM-DD", path=name)
    out: set[dt.date] = set()
    for item in value:
        if not isinstance(item, str):
            raise Invalid(f"{name}: expected dates YYYY-MM-DD, got {item!r}", path=name)
        try:
            day = dt.date.fromisoformat(item)
        except ValueError:
            raise Invalid(f"{name}: {item!r} is not a date YYYY-MM-DD", path=name) from None
        if day.year != year:
            raise Invalid(f"{name}: {item} is not in {year}", path=name)
        out.add(day)
    return out


@lru_cache(maxsize=256)
def bundled_knows(year: int) -> bool:
    """Whether the bundled ``chinese_calendar`` has the official schedule of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=65_536)
def _bundled_workday(day: dt.date) -> bool:
    # chinese_calendar validates every date against its whole table: too slow for a
    # sweep over every open case, and the answer for a day never changes.
    return bool(chinese_calendar.is_workday(day))


@dataclass(frozen=True)
class Calendar:
    """Working days: loaded schedules first, then the bundled data, then Monday–Friday."""

    schedules: Mapping[int, Schedule] = field(default_factory=dict)

    @classmethod
    def of(cls, schedules: Iterable[Schedule]) -> Calendar:
        """A calendar with these loaded schedules (a later one for a year wins)."""
        return cls({s.year: s for s in schedules})

    def knows(self, year: int) -> bool:
        """Whether ``year``'s official schedule is known (else Monday–Friday is a guess)."""
        return year in self.schedules or bundled_knows(year)

    def is_workday(self, day: dt.date) -> bool:
        """Whether ``day`` is an official working day in China (Mon–Fri for unknown years)."""
        loaded = self.schedules.get(day.year)
        if loaded is not None:
            return loaded.is_workday(day)
        if bundled_knows(day.year):
            return _bundled_workday(day)
        return day.weekday() < 5

    def unknown_years(self, years: Iterable[int]) -> list[int]:
        """The years among ``years`` whose schedule is not known, sorted."""
        return sorted({y for y in years if not self.knows(y)})


BUNDLED = Calendar()
