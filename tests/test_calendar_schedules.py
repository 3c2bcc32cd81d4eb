"""The working-day calendar on real official schedules, and loaded schedules for new years."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from sync.calendar import BUNDLED, Calendar, Schedule
from sync.errors import Invalid

EXAMPLE_2027 = Path(__file__).parent / "data" / "holidays-2027-example.json"


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_calendar_2025_national_day_off_and_makeup_days_worked() -> None:
    # 国庆节、中秋节: 10月1日至8日放假调休，共8天；9月28日（周日）、10月11日（周六）上班。
    for day in range(1, 9):
        assert not BUNDLED.is_workday(dt.date(2025, 10, day))
    assert BUNDLED.is_workday(d("2025-09-28"))  # a Sunday, worked
    assert BUNDLED.is_workday(d("2025-10-11"))  # a Saturday, worked
    assert BUNDLED.is_workday(d("2025-10-09"))
    assert not BUNDLED.is_workday(d("2025-10-12"))


def test_calendar_2026_spring_festival_off_and_tiaoxiu_saturdays_worked() -> None:
    # 国办发明电〔2025〕7号: 春节 2月15日至23日放假调休，共9天；2月14日（周六）、2月28日（周六）上班。
    for day in range(15, 24):
        assert not BUNDLED.is_workday(dt.date(2026, 2, day))
    assert BUNDLED.is_workday(d("2026-02-14"))
    assert BUNDLED.is_workday(d("2026-02-28"))
    assert BUNDLED.is_workday(d("2026-02-24"))
    assert not BUNDLED.is_workday(d("2026-03-01"))


def test_calendar_unknown_year_is_monday_to_friday_and_flagged() -> None:
    assert BUNDLED.knows(2026)
    assert not BUNDLED.knows(2027)
    assert BUNDLED.unknown_years([2026, 2027, 2027]) == [2027]
    assert not BUNDLED.is_workday(d("2027-01-02"))  # Saturday
    assert BUNDLED.is_workday(d("2027-01-01"))  # New Year's Day, but nobody told us
    assert BUNDLED.is_workday(d("2027-02-08"))


def test_calendar_loaded_schedule_overrides_the_fallback() -> None:
    schedule = Schedule.from_json(json.loads(EXAMPLE_2027.read_text("utf-8")))
    cal = Calendar.of([schedule])
    assert cal.knows(2027) and cal.unknown_years([2026, 2027]) == []
    assert not cal.is_workday(d("2027-01-01"))
    assert not cal.is_workday(d("2027-02-08"))  # a Monday inside the holiday
    assert cal.is_workday(d("2027-02-20"))  # a Saturday worked (调休)
    assert cal.is_workday(d("2027-02-15"))
    assert not cal.is_workday(d("2027-02-21"))
    # Years it does not load still come from the bundled data.
    assert not cal.is_workday(d("2025-10-08")) and cal.is_workday(d("2025-10-11"))


def test_calendar_loaded_schedule_round_trips_as_json() -> None:
    schedule = Schedule.from_json(json.loads(EXAMPLE_2027.read_text("utf-8")))
    assert Schedule.from_json(schedule.to_json()) == schedule


@pytest.mark.parametrize(("doc", "path"), [
    ([], None),
    ({"year": "2027", "holidays": ["2027-01-01"]}, "year"),
    ({"year": 1999, "holidays": ["1999-01-01"]}, "year"),
    ({"year": 2027}, "holidays"),
    ({"year": 2027, "holidays": []}, "holidays"),
    ({"year": 2027, "holidays": ["2027-13-01"]}, "holidays"),
    ({"year": 2027, "holidays": [20270101]}, "holidays"),
    ({"year": 2027, "holidays": ["2026-12-31"]}, "holidays"),
    ({"year": 2027, "holidays": ["2027-01-01"], "workdays": "2027-02-20"}, "workdays"),
    ({"year": 2027, "holidays": ["2027-02-20"], "workdays": ["2027-02-20"]}, "workdays"),
    ({"year": 2027, "holidays": ["2027-01-01"], "workdays": ["2027-02-17"]}, "workdays"),
    ({"year": 2027, "holidays": ["2027-01-01"], "extra": 1}, "extra"),
    ({"year": 2027, "holidays": ["2027-01-01"], "source": 5}, "source"),
])
def test_calendar_schedule_rejects_malformed_files(doc: object, path: str | None) -> None:
    with pytest.raises(Invalid) as err:
        Schedule.from_json(doc)
    assert err.value.path == path
