"""Case deadlines in working days: holidays, 调休, supplement pauses, extensions."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sync.calendar import BUNDLED, Calendar, Schedule
from sync.deadlines import CST, Pause, case_clock, due_ms, local_date
from tests.support.budget import examples

EXAMPLE_2027 = Path(__file__).parent / "data" / "holidays-2027-example.json"


def at(text: str) -> int:
    """Epoch ms of a China-time 'YYYY-MM-DD HH:MM'."""
    return int(dt.datetime.fromisoformat(text).replace(tzinfo=CST).timestamp() * 1000)


def due_day(clock_due: int | None) -> str:
    assert clock_due is not None
    return local_date(clock_due).isoformat()


def test_case_clock_2025_national_day_skips_the_holiday_and_counts_makeup_days() -> None:
    accepted = at("2025-09-30 10:00")  # Tuesday before the eight days off
    assert due_day(case_clock(accepted, 1, [], now=accepted).due_at) == "2025-10-09"
    assert due_day(case_clock(accepted, 3, [], now=accepted).due_at) == "2025-10-11"  # Saturday worked
    assert due_day(case_clock(accepted, 4, [], now=accepted).due_at) == "2025-10-13"
    friday = at("2025-09-26 16:00")
    assert due_day(case_clock(friday, 1, [], now=friday).due_at) == "2025-09-28"  # Sunday worked


def test_case_clock_2026_spring_festival_with_its_tiaoxiu_saturdays() -> None:
    friday = at("2026-02-13 09:00")
    assert due_day(case_clock(friday, 1, [], now=friday).due_at) == "2026-02-14"
    assert due_day(case_clock(friday, 2, [], now=friday).due_at) == "2026-02-24"
    late_feb = at("2026-02-27 09:00")
    assert due_day(case_clock(late_feb, 1, [], now=late_feb).due_at) == "2026-02-28"
    assert due_day(case_clock(late_feb, 2, [], now=late_feb).due_at) == "2026-03-02"


def test_case_clock_2027_unknown_year_falls_back_and_flags_it() -> None:
    accepted = at("2027-02-05 09:00")  # Friday
    guess = case_clock(accepted, 1, [], now=accepted)
    assert due_day(guess.due_at) == "2027-02-08"
    assert guess.assumed_years == (2027,)
    cal = Calendar.of([Schedule.from_json(json.loads(EXAMPLE_2027.read_text("utf-8")))])
    known = case_clock(accepted, 1, [], now=accepted, calendar=cal)
    assert due_day(known.due_at) == "2027-02-15"
    assert known.assumed_years == ()
    assert due_day(case_clock(accepted, 6, [], now=accepted, calendar=cal).due_at) == "2027-02-20"


def test_case_clock_spanning_into_an_unknown_year_flags_that_year() -> None:
    accepted = at("2026-12-28 09:00")
    clock = case_clock(accepted, 10, [], now=accepted)
    assert clock.assumed_years == (2027,)
    short = case_clock(accepted, 2, [], now=accepted)
    assert short.assumed_years == ()


def test_case_clock_same_day_matter_is_due_the_day_it_is_accepted() -> None:
    accepted = at("2025-11-03 09:00")
    clock = case_clock(accepted, 0, [], now=accepted)
    assert due_day(clock.due_at) == "2025-11-03" and clock.remaining_days == 0


def test_case_clock_supplement_pause_stops_the_clock_and_resumes_after_materials() -> None:
    accepted = at("2025-11-03 09:00")  # Monday; 5 working days -> Monday 10th
    assert due_day(case_clock(accepted, 5, [], now=accepted).due_at) == "2025-11-10"
    # Sent to supplement on Wednesday (Tue, Wed counted), materials in on Friday:
    # the three remaining days run Mon, Tue, Wed.
    pause = Pause(at("2025-11-05 10:00"), at("2025-11-07 15:00"))
    clock = case_clock(accepted, 5, [pause], now=at("2025-11-07 16:00"))
    assert due_day(clock.due_at) == "2025-11-12"
    assert clock.running and clock.remaining_days == 3 and not clock.overdue


def test_case_clock_waiting_in_supplement_has_no_deadline_and_owes_the_rest() -> None:
    accepted = at("2025-11-03 09:00")
    waiting = case_clock(accepted, 5, [Pause(at("2025-11-05 10:00"))], now=at("2025-11-20 10:00"))
    assert waiting.due_at is None and not waiting.running
    assert waiting.remaining_days == 3 and not waiting.overdue


def test_case_clock_pause_after_the_deadline_does_not_rescue_an_overdue_case() -> None:
    accepted = at("2025-11-03 09:00")
    clock = case_clock(accepted, 1, [Pause(at("2025-11-06 10:00"))], now=at("2025-11-06 11:00"))
    assert due_day(clock.due_at) == "2025-11-04" and clock.overdue


def test_case_clock_pause_on_a_single_day_costs_nothing() -> None:
    accepted = at("2025-11-03 09:00")
    pause = Pause(at("2025-11-05 10:00"), at("2025-11-05 16:00"))
    assert due_day(case_clock(accepted, 5, [pause], now=accepted).due_at) == "2025-11-10"


def test_case_clock_two_pauses_on_one_day_the_second_still_open() -> None:
    accepted = at("2025-11-03 09:00")
    pauses = [Pause(at("2025-11-05 09:00"), at("2025-11-05 11:00")), Pause(at("2025-11-05 15:00"))]
    clock = case_clock(accepted, 5, pauses, now=at("2025-11-06 09:00"))
    assert clock.due_at is None and clock.remaining_days == 3


def test_case_clock_extension_adds_working_days() -> None:
    accepted = at("2025-09-26 09:00")  # Friday; 3 days: Sun 28, Mon 29, Tue 30
    assert due_day(case_clock(accepted, 3, [], now=accepted).due_at) == "2025-09-30"
    extended = case_clock(accepted, 3, [], now=accepted, extension_days=2)
    assert due_day(extended.due_at) == "2025-10-10" and extended.limit_days == 5


def test_case_clock_overdue_and_remaining_days_follow_now() -> None:
    accepted = at("2025-11-03 09:00")
    assert case_clock(accepted, 5, [], now=at("2025-11-05 12:00")).remaining_days == 3
    on_due_day = case_clock(accepted, 5, [], now=at("2025-11-10 23:00"))
    assert on_due_day.remaining_days == 0 and not on_due_day.overdue
    late = case_clock(accepted, 5, [], now=at("2025-11-11 00:00"))
    assert late.overdue and late.remaining_days == 0


def test_due_ms_matches_a_case_without_pauses() -> None:
    accepted = at("2025-09-30 10:00")
    assert due_ms(accepted, 4) == case_clock(accepted, 4, [], now=accepted).due_at


instants = st.integers(min_value=at("2024-01-01 00:00"), max_value=at("2027-06-30 00:00"))
limits = st.integers(min_value=0, max_value=40)


@settings(max_examples=examples(300), deadline=None)
@given(accepted=instants, days=limits)
def test_case_clock_due_date_is_a_working_day(accepted: int, days: int) -> None:
    clock = case_clock(accepted, days, [], now=accepted)
    assert clock.due_at is not None
    if days > 0:
        assert BUNDLED.is_workday(local_date(clock.due_at))
        assert local_date(clock.due_at) > local_date(accepted)


@settings(max_examples=examples(300), deadline=None)
@given(accepted=instants, days=limits, more=st.integers(min_value=1, max_value=10))
def test_case_clock_is_monotone_in_days(accepted: int, days: int, more: int) -> None:
    short = case_clock(accepted, days, [], now=accepted).due_at
    long = case_clock(accepted, days + more, [], now=accepted).due_at
    assert short is not None and long is not None and long > short


@settings(max_examples=examples(300), deadline=None)
@given(accepted=instants, days=limits, offset=st.integers(min_value=0, max_value=30 * 86_400_000),
       length=st.integers(min_value=0, max_value=30 * 86_400_000))
def test_case_clock_pausing_never_makes_it_earlier(accepted: int, days: int, offset: int,
                                                   length: int) -> None:
    plain = case_clock(accepted, days, [], now=accepted)
    start = accepted + offset
    paused = case_clock(accepted, days, [Pause(start, start + length)], now=accepted)
    assert plain.due_at is not None and paused.due_at is not None
    assert paused.due_at >= plain.due_at
    waiting = case_clock(accepted, days, [Pause(start)], now=accepted)
    # Still waiting: either the deadline had passed before the pause, or there is none yet.
    assert waiting.due_at is None or waiting.due_at == plain.due_at


pause_lists = st.lists(st.tuples(st.integers(min_value=0, max_value=40 * 86_400_000),
                                 st.one_of(st.none(), st.integers(min_value=0, max_value=10 * 86_400_000))),
                       max_size=4)


@settings(max_examples=examples(300), deadline=None)
@given(accepted=instants, days=limits, spans=pause_lists)
def test_case_clock_any_pauses_never_make_it_earlier(accepted: int, days: int,
                                                     spans: list[tuple[int, int | None]]) -> None:
    plain = case_clock(accepted, days, [], now=accepted)
    pauses = [Pause(accepted + off, None if length is None else accepted + off + length)
              for off, length in spans]
    clock = case_clock(accepted, days, pauses, now=accepted)
    assert plain.due_at is not None
    if clock.due_at is not None:
        assert clock.due_at >= plain.due_at
        assert days == 0 or BUNDLED.is_workday(local_date(clock.due_at))
    else:
        assert not clock.running and 0 < clock.remaining_days <= days
