"""``case_clock`` remembers each walk over the calendar (the sweep computes thousands of
clocks sharing a few acceptance days): a remembered walk must give exactly what a fresh
walk gives, and never another calendar's or another day's answer."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from sync import deadlines
from sync.calendar import BUNDLED, Calendar, Schedule
from sync.deadlines import CST, DAY_MS, Pause, case_clock, local_date
from tests.support.budget import examples


def at(text: str) -> int:
    """Epoch ms of a China-time 'YYYY-MM-DD HH:MM'."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=CST).timestamp() * 1000)


def test_case_clock_memo_keeps_each_calendar_apart() -> None:
    # 2027: the bundled data does not know it (Monday–Friday); a loaded schedule does.
    accepted = at("2027-02-04 10:00")  # a Thursday
    loaded = Calendar.of([Schedule.from_json({"year": 2027, "holidays": ["2027-02-05"],
                                              "workdays": []})])
    plain = case_clock(accepted, 1, [], now=accepted, calendar=BUNDLED)
    assert local_date(plain.due_at or 0).isoformat() == "2027-02-05"
    off = case_clock(accepted, 1, [], now=accepted, calendar=loaded)
    assert local_date(off.due_at or 0).isoformat() == "2027-02-08"  # Friday off, then Monday
    assert off.assumed_years == () and plain.assumed_years == (2027,)
    # Asked again in turn: each calendar still gets its own answer.
    assert case_clock(accepted, 1, [], now=accepted, calendar=BUNDLED) == plain
    assert case_clock(accepted, 1, [], now=accepted, calendar=loaded) == off


def test_case_clock_memo_overdue_follows_the_exact_moment() -> None:
    accepted = at("2026-03-02 10:00")
    due = case_clock(accepted, 3, [], now=accepted).due_at
    assert due is not None
    # The same day, a millisecond apart: the walk is shared, the verdict is not.
    assert case_clock(accepted, 3, [], now=due).overdue is False
    assert case_clock(accepted, 3, [], now=due + 1).overdue is True
    # Another day: the days left change with it.
    early = case_clock(accepted, 3, [], now=accepted).remaining_days
    later = case_clock(accepted, 3, [], now=accepted + DAY_MS).remaining_days
    assert (early, later) == (3, 2)


START = at("2025-09-01 09:00")
Args = tuple[int, int, int, list[tuple[int, int | None]], int]
clock_args = st.tuples(
    st.integers(0, 400 * DAY_MS),                       # accepted, after START
    st.integers(0, 30),                                 # limit
    st.integers(0, 5),                                  # extension
    st.lists(st.tuples(st.integers(0, 60 * DAY_MS),
                       st.one_of(st.none(), st.integers(0, 20 * DAY_MS))),
             max_size=3),                               # pauses: start offset, length
    st.integers(0, 90 * DAY_MS))                        # now, after acceptance


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(clock_args, min_size=1, max_size=12), st.booleans())
def test_case_clock_memo_equals_a_fresh_walk(cases: list[Args], loaded: bool) -> None:
    calendar = Calendar.of([Schedule.from_json({"year": 2026, "holidays": ["2026-05-06"],
                                                "workdays": ["2026-05-09"]})]) if loaded else BUNDLED

    def clock(args: Args) -> deadlines.CaseClock:
        off, limit, ext, spans, later = args
        accepted = START + off
        pauses = [Pause(accepted + s, None if n is None else accepted + s + n) for s, n in spans]
        return case_clock(accepted, limit, pauses, now=accepted + later, extension_days=ext,
                          calendar=calendar)

    fresh = []
    for args in cases:
        deadlines._WALKED.clear()
        fresh.append(clock(args))
    deadlines._WALKED.clear()
    assert [clock(args) for args in cases] == fresh  # remembered while going
    assert [clock(args) for args in reversed(cases)] == fresh[::-1]  # all remembered
