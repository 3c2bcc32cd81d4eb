"""China-time days by integer arithmetic (``sync.deadlines.local_date``, ``end_of_day_ms``) are
the datetime definitions they replaced, on any instant and any day datetime can hold."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.deadlines import CST, DAY_MS, end_of_day_ms, local_date
from tests.support.budget import examples

# the instants datetime.fromtimestamp takes (year 1 to 9999, China time)
_FIRST = int(dt.datetime(1, 1, 2, tzinfo=dt.UTC).timestamp() * 1000)
_LAST = int(dt.datetime(9999, 12, 30, tzinfo=dt.UTC).timestamp() * 1000)


def plain_local_date(ms: int | float) -> dt.date:
    return dt.datetime.fromtimestamp(ms / 1000, CST).date()


def plain_end_of_day_ms(day: dt.date) -> int:
    start = dt.datetime(day.year, day.month, day.day, tzinfo=CST)
    return int(start.timestamp() * 1000) + DAY_MS - 1


# around day boundaries in China time (16:00 UTC) as well as anywhere
_BOUNDARY = st.integers(-40_000, 40_000).flatmap(
    lambda day: st.integers(-2, 2).map(lambda d: day * DAY_MS - 8 * 3_600_000 + d))


@settings(max_examples=examples(500), deadline=None)
@given(ms=st.integers(_FIRST, _LAST) | _BOUNDARY)
def test_deadlines_local_date_is_the_datetime_definition(ms: int) -> None:
    assert local_date(ms) == plain_local_date(ms)


@settings(max_examples=examples(200), deadline=None)
@given(ms=st.floats(0, 4e12) | st.booleans())
def test_deadlines_local_date_of_a_float_is_the_datetime_definition(ms: float) -> None:
    assert local_date(ms) == plain_local_date(ms)  # type: ignore[arg-type]


@settings(max_examples=examples(500), deadline=None)
@given(day=st.dates(dt.date(1, 1, 2), dt.date(9999, 12, 30)))
def test_deadlines_end_of_day_is_the_datetime_definition(day: dt.date) -> None:
    assert end_of_day_ms(day) == plain_end_of_day_ms(day)
    assert local_date(end_of_day_ms(day)) == day and local_date(end_of_day_ms(day) + 1) > day
