"""Business-time calendar: hand-checked Asia/Tokyo cases, DST, errors and properties.

Standard schedule: Mon-Fri 09:00-12:00 + 13:00-18:00 (8 h a day), closed on Japanese holidays.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalations.sla.calendar import (
    NO_OPENING,
    Schedule,
    add_business_time,
    business_time_between,
    is_open,
    japanese_holidays,
    open_intervals_on,
    validate_intervals,
)

TOKYO = ZoneInfo("Asia/Tokyo")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
T = dt.time
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)

WORKDAY = [(T(9), T(12)), (T(13), T(18))]
HOLIDAYS = frozenset(japanese_holidays(range(2024, 2030)))
YEAR_END = frozenset(
    dt.date(year, 12, 29) + dt.timedelta(days=offset)
    for year in range(2024, 2030)
    for offset in range(6)  # 12/29 .. 1/3
)

STANDARD = Schedule(tz=TOKYO, weekly=dict.fromkeys(range(5), WORKDAY), closed_dates=HOLIDAYS)
WITH_CLOSURES = Schedule(
    tz=TOKYO,
    weekly=dict.fromkeys(range(5), WORKDAY),
    closed_dates=HOLIDAYS | YEAR_END,
    extra_open_dates={dt.date(2026, 6, 20): [(T(10), T(15))]},  # an extra open Saturday
)
ALWAYS = Schedule(tz=TOKYO, weekly={}, always_open=True)


def jst(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=TOKYO)


def berlin(*args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=BERLIN, fold=fold)


# --- japanese_holidays -----------------------------------------------------------------------


def test_japanese_holidays_include_substitute_and_citizens_holidays() -> None:
    days = japanese_holidays([2025, 2026])
    assert days[dt.date(2026, 5, 6)] == "振替休日"
    assert days[dt.date(2026, 9, 22)] == "国民の休日"
    assert days[dt.date(2025, 11, 24)] == "振替休日"
    assert days[dt.date(2026, 4, 29)] == "昭和の日"
    assert dt.date(2026, 5, 1) not in days  # Friday between Showa Day and Constitution Day
    assert list(days) == sorted(days)


# --- add_business_time: Asia/Tokyo hand-checked --------------------------------------------


@pytest.mark.parametrize(
    ("start", "amount", "expected"),
    [
        pytest.param(jst(2026, 6, 15, 17, 30), H, jst(2026, 6, 16, 9, 30), id="overnight"),
        pytest.param(jst(2026, 6, 15, 11, 30), H, jst(2026, 6, 15, 13, 30), id="lunch-break"),
        pytest.param(jst(2026, 6, 19, 17), 2 * H, jst(2026, 6, 22, 10), id="weekend"),
        pytest.param(jst(2026, 6, 15, 7), H, jst(2026, 6, 15, 10), id="before-opening"),
        pytest.param(jst(2026, 6, 15, 12, 30), H, jst(2026, 6, 15, 14), id="start-at-lunch"),
        pytest.param(jst(2026, 6, 20, 10), H, jst(2026, 6, 22, 10), id="start-on-saturday"),
        pytest.param(jst(2026, 7, 20, 10), H, jst(2026, 7, 21, 10), id="start-on-holiday"),
        pytest.param(jst(2026, 6, 15, 22), H, jst(2026, 6, 16, 10), id="start-after-closing"),
    ],
)
def test_add_business_time_skips_closed_time(
    start: dt.datetime, amount: dt.timedelta, expected: dt.datetime
) -> None:
    result = add_business_time(STANDARD, start, amount)
    assert result == expected
    assert result.tzinfo is TOKYO


def test_golden_week_2026_friday_may_1_is_a_working_day() -> None:
    # Thu 4/30 17:00-18:00 = 1 h, Fri 5/1 09:00-11:00 = 2 h.
    assert add_business_time(STANDARD, jst(2026, 4, 30, 17), 3 * H) == jst(2026, 5, 1, 11)


def test_golden_week_2026_skips_showa_day() -> None:
    # Tue 4/28 1 h, Wed 4/29 昭和の日, Thu 4/30 09:00-10:00.
    assert add_business_time(STANDARD, jst(2026, 4, 28, 17), 2 * H) == jst(2026, 4, 30, 10)


def test_golden_week_2026_resumes_after_substitute_holiday_may_6() -> None:
    # Thu 4/30 1 h + Fri 5/1 8 h = 9 h; 5/2 Sat, 5/3 Sun, 5/4, 5/5, 5/6 振替休日; Thu 5/7 1 h.
    assert add_business_time(STANDARD, jst(2026, 4, 30, 17), 10 * H) == jst(2026, 5, 7, 10)
    assert add_business_time(STANDARD, jst(2026, 5, 1, 17, 30), H) == jst(2026, 5, 7, 9, 30)
    assert (
        business_time_between(STANDARD, jst(2026, 5, 1, 18), jst(2026, 5, 7, 9)) == dt.timedelta()
    )


def test_substitute_holiday_2025_11_24_is_closed() -> None:
    # Fri 11/21 1 h; Sun 11/23 勤労感謝の日, Mon 11/24 振替休日; Tue 11/25 09:00-10:00.
    assert add_business_time(STANDARD, jst(2025, 11, 21, 17), 2 * H) == jst(2025, 11, 25, 10)


def test_silver_week_2026_citizens_holiday_is_closed() -> None:
    # Fri 9/18 1 h; 9/19 Sat .. 9/21 敬老の日, 9/22 国民の休日, 9/23 秋分の日; Thu 9/24 1 h.
    assert add_business_time(STANDARD, jst(2026, 9, 18, 17), 2 * H) == jst(2026, 9, 24, 10)
    assert not is_open(STANDARD, jst(2026, 9, 22, 10))


def test_year_end_closures_as_closed_dates() -> None:
    # Mon 12/28 1 h; closed 12/29 .. 1/3; Mon 2027-01-04 09:00-10:00.
    assert add_business_time(WITH_CLOSURES, jst(2026, 12, 28, 17), 2 * H) == jst(2027, 1, 4, 10)
    # Without the custom closures, Tue 12/29 is an ordinary working day.
    assert add_business_time(STANDARD, jst(2026, 12, 28, 17), 2 * H) == jst(2026, 12, 29, 10)


def test_extra_open_saturday_counts_with_its_own_hours() -> None:
    # Fri 6/19 17:00-18:00 = 1 h; Sat 6/20 open 10:00-15:00 -> 11:00.
    assert add_business_time(WITH_CLOSURES, jst(2026, 6, 19, 17), 2 * H) == jst(2026, 6, 20, 11)
    assert add_business_time(WITH_CLOSURES, jst(2026, 6, 19, 17), 7 * H) == jst(2026, 6, 22, 10)


def test_extra_open_date_overrides_a_holiday() -> None:
    schedule = Schedule(
        tz=TOKYO,
        weekly=dict.fromkeys(range(5), WORKDAY),
        closed_dates=HOLIDAYS,
        extra_open_dates={dt.date(2026, 7, 20): [(T(9), T(18))]},  # 海の日, no lunch break
    )
    assert add_business_time(schedule, jst(2026, 7, 20, 11, 30), H) == jst(2026, 7, 20, 12, 30)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        pytest.param(jst(2026, 6, 20, 23, 45), jst(2026, 6, 21, 0, 15), id="saturday-midnight"),
        pytest.param(jst(2026, 12, 31, 23, 50), jst(2027, 1, 1, 0, 20), id="new-year-holiday"),
        pytest.param(jst(2026, 5, 5, 12), jst(2026, 5, 5, 12, 30), id="childrens-day"),
    ],
)
def test_always_open_counts_plain_wall_clock(start: dt.datetime, expected: dt.datetime) -> None:
    assert add_business_time(ALWAYS, start, 30 * MIN) == expected
    assert business_time_between(ALWAYS, start, expected) == 30 * MIN
    assert is_open(ALWAYS, start)


# --- boundaries and amount 0 ------------------------------------------------------------------


def test_start_exactly_at_lunch_closing_resumes_after_lunch() -> None:
    assert add_business_time(STANDARD, jst(2026, 6, 15, 12), H) == jst(2026, 6, 15, 14)


def test_deadline_exactly_at_closing_is_that_closing_moment() -> None:
    assert add_business_time(STANDARD, jst(2026, 6, 15, 17), H) == jst(2026, 6, 15, 18)
    assert add_business_time(STANDARD, jst(2026, 6, 15, 9), 3 * H) == jst(2026, 6, 15, 12)
    assert add_business_time(STANDARD, jst(2026, 6, 19, 9), 8 * H) == jst(2026, 6, 19, 18)


def test_one_microsecond_past_closing_moves_to_next_opening() -> None:
    tiny = dt.timedelta(microseconds=1)
    assert add_business_time(STANDARD, jst(2026, 6, 15, 18), tiny) == jst(2026, 6, 16, 9, 0, 0, 1)
    result = add_business_time(STANDARD, jst(2026, 6, 15, 17), H + tiny)
    assert result == jst(2026, 6, 16, 9, 0, 0, 1)


def test_amount_zero_returns_start_unchanged_even_when_closed() -> None:
    assert add_business_time(STANDARD, jst(2026, 6, 15, 10), dt.timedelta()) == jst(2026, 6, 15, 10)
    assert add_business_time(STANDARD, jst(2026, 6, 20, 3), dt.timedelta()) == jst(2026, 6, 20, 3)


def test_inputs_in_other_zones_are_converted_to_schedule_zone() -> None:
    start = dt.datetime(2026, 6, 15, 0, 30, tzinfo=UTC)  # 09:30 JST
    result = add_business_time(STANDARD, start, H)
    assert result == jst(2026, 6, 15, 10, 30)
    assert result.tzinfo is TOKYO
    assert add_business_time(STANDARD, start, dt.timedelta()).tzinfo is TOKYO


def test_microsecond_precision_without_rounding() -> None:
    amount = dt.timedelta(hours=2, seconds=59, microseconds=123_457)
    result = add_business_time(STANDARD, jst(2026, 6, 15, 11, 30), amount)
    assert result == jst(2026, 6, 15, 14, 30, 59, 123_457)
    assert business_time_between(STANDARD, jst(2026, 6, 15, 11, 30), result) == amount


# --- long targets -------------------------------------------------------------------------------


def test_forty_business_hours_is_one_working_week() -> None:
    assert add_business_time(STANDARD, jst(2026, 6, 15, 9), 40 * H) == jst(2026, 6, 19, 18)
    assert add_business_time(STANDARD, jst(2026, 6, 15, 9), 5 * 8 * H + MIN) == jst(
        2026, 6, 22, 9, 1
    )


def test_thirty_business_days() -> None:
    # June 2026 has no holiday: 6 weeks from Mon 6/1 end on Fri 7/10 (海の日 is 7/20).
    result = add_business_time(STANDARD, jst(2026, 6, 1, 9), 30 * 8 * H)
    assert result == jst(2026, 7, 10, 18)
    assert business_time_between(STANDARD, jst(2026, 6, 1), jst(2026, 7, 11)) == 240 * H


def test_five_business_days_across_golden_week() -> None:
    # From Mon 4/27 09:00: 4/27, 4/28, 4/30, 5/1, 5/7 (4/29 and 5/4-5/6 are holidays).
    assert add_business_time(STANDARD, jst(2026, 4, 27, 9), 40 * H) == jst(2026, 5, 7, 18)


# --- business_time_between, is_open, open_intervals_on -----------------------------------------


def test_business_time_between() -> None:
    assert business_time_between(STANDARD, jst(2026, 6, 15, 9), jst(2026, 6, 15, 18)) == 8 * H
    assert business_time_between(STANDARD, jst(2026, 6, 15), jst(2026, 6, 16)) == 8 * H
    assert business_time_between(STANDARD, jst(2026, 6, 19, 17), jst(2026, 6, 22, 10)) == 2 * H
    assert business_time_between(STANDARD, jst(2026, 6, 20), jst(2026, 6, 22)) == dt.timedelta()


def test_business_time_between_is_zero_when_end_not_after_start() -> None:
    moment = jst(2026, 6, 15, 10)
    assert business_time_between(STANDARD, moment, moment) == dt.timedelta()
    assert business_time_between(STANDARD, moment, moment - H) == dt.timedelta()
    assert business_time_between(ALWAYS, moment, moment - H) == dt.timedelta()


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (jst(2026, 6, 15, 8, 59, 59, 999_999), False),
        (jst(2026, 6, 15, 9), True),
        (jst(2026, 6, 15, 11, 59, 59, 999_999), True),
        (jst(2026, 6, 15, 12), False),
        (jst(2026, 6, 15, 13), True),
        (jst(2026, 6, 15, 18), False),
        (jst(2026, 6, 20, 10), False),
        (jst(2026, 5, 6, 10), False),
        (dt.datetime(2026, 6, 15, 1, tzinfo=UTC), True),  # 10:00 JST
    ],
)
def test_is_open(moment: dt.datetime, expected: bool) -> None:
    assert is_open(STANDARD, moment) is expected


def test_open_intervals_on_working_day_holiday_and_extra_day() -> None:
    assert open_intervals_on(STANDARD, dt.date(2026, 6, 15)) == [
        (jst(2026, 6, 15, 9), jst(2026, 6, 15, 12)),
        (jst(2026, 6, 15, 13), jst(2026, 6, 15, 18)),
    ]
    assert open_intervals_on(STANDARD, dt.date(2026, 5, 6)) == []
    assert open_intervals_on(STANDARD, dt.date(2026, 6, 20)) == []
    assert open_intervals_on(WITH_CLOSURES, dt.date(2026, 6, 20)) == [
        (jst(2026, 6, 20, 10), jst(2026, 6, 20, 15))
    ]
    assert open_intervals_on(ALWAYS, dt.date(2026, 5, 6)) == [(jst(2026, 5, 6), jst(2026, 5, 7))]


def test_open_intervals_on_sorts_and_merges_touching_intervals() -> None:
    schedule = Schedule(
        tz=TOKYO, weekly={0: [(T(13), T(18)), (T(9), T(12)), (T(12), T(13)), (T(22), T(0))]}
    )
    assert open_intervals_on(schedule, dt.date(2026, 6, 15)) == [
        (jst(2026, 6, 15, 9), jst(2026, 6, 15, 18)),
        (jst(2026, 6, 15, 22), jst(2026, 6, 16)),
    ]


def test_interval_ending_at_midnight_continues_into_next_day() -> None:
    night = Schedule(tz=TOKYO, weekly={0: [(T(22), T(0))], 1: [(T(0), T(6))]})
    assert add_business_time(night, jst(2026, 6, 15, 23), 2 * H) == jst(2026, 6, 16, 1)
    assert add_business_time(night, jst(2026, 6, 15, 23), H) == jst(2026, 6, 16)
    assert business_time_between(night, jst(2026, 6, 15), jst(2026, 6, 17)) == 8 * H


# --- DST (Europe/Berlin: 2026-03-29 02:00 -> 03:00, 2026-10-25 03:00 -> 02:00) -----------------


def test_dst_nine_to_eighteen_day_is_still_nine_real_hours() -> None:
    schedule = Schedule(tz=BERLIN, weekly=dict.fromkeys(range(7), [(T(9), T(18))]))
    for day in (dt.date(2026, 3, 29), dt.date(2026, 10, 25)):
        start = dt.datetime.combine(day, T(0), tzinfo=BERLIN)
        assert business_time_between(schedule, start, start + dt.timedelta(days=1)) == 9 * H
        assert add_business_time(schedule, start, 9 * H) == dt.datetime.combine(
            day, T(18), tzinfo=BERLIN
        )


def test_dst_interval_across_the_jump_counts_real_time() -> None:
    sunday_night = Schedule(tz=BERLIN, weekly={6: [(T(0), T(6))]})
    spring, autumn = dt.date(2026, 3, 29), dt.date(2026, 10, 25)
    assert business_time_between(sunday_night, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 5 * H
    assert business_time_between(sunday_night, berlin(2026, 10, 25), berlin(2026, 10, 26)) == 7 * H
    [(low, high)] = open_intervals_on(sunday_night, spring)
    assert high - low == 6 * H  # same-zone subtraction is wall-clock; compare in UTC instead:
    assert high.astimezone(UTC) - low.astimezone(UTC) == 5 * H
    # 00:00 + 3 h real: 02:00-03:00 does not exist in spring -> 04:00 CEST.
    assert add_business_time(sunday_night, berlin(2026, 3, 29), 3 * H) == berlin(2026, 3, 29, 4)
    # In autumn 02:00-03:00 happens twice -> the second 02:00 (CET, fold=1).
    result = add_business_time(sunday_night, berlin(2026, 10, 25), 3 * H)
    assert (result.hour, result.fold, result.utcoffset()) == (2, 1, H)
    assert result.astimezone(UTC) == dt.datetime(2026, 10, 25, 1, tzinfo=UTC)
    assert open_intervals_on(sunday_night, autumn)[0][1].astimezone(UTC) == dt.datetime(
        2026, 10, 25, 5, tzinfo=UTC
    )


def test_dst_always_open_day_lengths() -> None:
    always = Schedule(tz=BERLIN, weekly={}, always_open=True)
    assert business_time_between(always, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 23 * H
    assert business_time_between(always, berlin(2026, 10, 25), berlin(2026, 10, 26)) == 25 * H
    assert add_business_time(always, berlin(2026, 3, 28, 12), 24 * H) == berlin(2026, 3, 29, 13)


def test_dst_boundary_inside_the_gap_uses_pre_transition_offset() -> None:
    # 02:30 does not exist on 2026-03-29; fold=0 reads it as 02:30 CET == 03:30 CEST.
    schedule = Schedule(tz=BERLIN, weekly={6: [(T(2, 30), T(4))]})
    assert business_time_between(schedule, berlin(2026, 3, 29), berlin(2026, 3, 30)) == 30 * MIN
    assert add_business_time(schedule, berlin(2026, 3, 29), 10 * MIN) == berlin(2026, 3, 29, 3, 40)
    collapsed = Schedule(tz=BERLIN, weekly={6: [(T(2, 30), T(3))]})
    assert open_intervals_on(collapsed, dt.date(2026, 3, 29)) == []


# --- validation and errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "intervals",
    [
        [(T(9), T(18)), (T(12), T(13))],
        [(T(13), T(18)), (T(9), T(13, 30))],
        [(T(18), T(9))],
        [(T(9), T(9))],
        [(T(22), T(0)), (T(23), T(23, 30))],
        [(T(9, tzinfo=UTC), T(18))],
    ],
)
def test_validate_intervals_rejects_inverted_or_overlapping(intervals: list) -> None:
    with pytest.raises(ValueError):
        validate_intervals(intervals)


def test_validate_intervals_accepts_touching_and_midnight_end() -> None:
    validate_intervals([(T(9), T(12)), (T(12), T(18)), (T(22), T(0))])
    validate_intervals([(T(0), T(0))])  # the whole day
    validate_intervals([])


def test_schedule_validates_its_intervals_and_weekdays() -> None:
    with pytest.raises(ValueError):
        Schedule(tz=TOKYO, weekly={0: [(T(18), T(9))]})
    with pytest.raises(ValueError):
        Schedule(tz=TOKYO, weekly={7: WORKDAY})
    with pytest.raises(ValueError):
        Schedule(tz=TOKYO, weekly={}, extra_open_dates={dt.date(2026, 6, 20): [(T(9), T(8))]})


def test_closed_dates_accept_any_iterable_of_dates() -> None:
    schedule = Schedule(tz=TOKYO, weekly={0: WORKDAY}, closed_dates=japanese_holidays([2026]))
    assert isinstance(schedule.closed_dates, frozenset)
    assert not is_open(schedule, jst(2026, 7, 20, 10))


def test_naive_datetimes_are_rejected() -> None:
    naive = dt.datetime(2026, 6, 15, 10)
    with pytest.raises(ValueError, match="aware"):
        add_business_time(STANDARD, naive, H)
    with pytest.raises(ValueError, match="aware"):
        business_time_between(STANDARD, naive, jst(2026, 6, 16))
    with pytest.raises(ValueError, match="aware"):
        business_time_between(STANDARD, jst(2026, 6, 14), naive)
    with pytest.raises(ValueError, match="aware"):
        is_open(STANDARD, naive)
    with pytest.raises(ValueError, match="aware"):
        add_business_time(ALWAYS, naive, dt.timedelta())


def test_negative_amount_is_rejected() -> None:
    with pytest.raises(ValueError, match="negative"):
        add_business_time(STANDARD, jst(2026, 6, 15, 10), -MIN)


def test_calendar_without_opening_hours_raises_instead_of_looping() -> None:
    empty = Schedule(tz=TOKYO, weekly={0: [], 1: []})
    with pytest.raises(ValueError, match=NO_OPENING):
        add_business_time(empty, jst(2026, 6, 15, 10), H)
    assert business_time_between(empty, jst(2026, 1, 1), jst(2027, 1, 1)) == dt.timedelta()
    assert not is_open(empty, jst(2026, 6, 15, 10))


def test_scan_gives_up_after_years_without_opening() -> None:
    only_past = Schedule(tz=TOKYO, weekly={}, extra_open_dates={dt.date(2020, 1, 6): WORKDAY})
    with pytest.raises(ValueError, match=NO_OPENING):
        add_business_time(only_past, jst(2026, 6, 15, 10), H)
    far_future = Schedule(tz=TOKYO, weekly={}, extra_open_dates={dt.date(2028, 1, 6): WORKDAY})
    assert add_business_time(far_future, jst(2026, 6, 15), H) == jst(2028, 1, 6, 10)


# --- properties ---------------------------------------------------------------------------------

PROPERTY_SCHEDULES = {
    "standard": STANDARD,
    "always": ALWAYS,
    "closures": WITH_CLOSURES,
    "berlin": Schedule(
        tz=BERLIN,
        weekly={**dict.fromkeys(range(5), WORKDAY), 6: [(T(0), T(6)), (T(22), T(0))]},
        closed_dates=frozenset({dt.date(2026, 12, 24), dt.date(2026, 12, 25)}),
        extra_open_dates={dt.date(2026, 12, 26): [(T(1), T(4))]},
    ),
}
PROPERTY = settings(max_examples=200, deadline=None, database=None)

schedules = st.sampled_from(sorted(PROPERTY_SCHEDULES)).map(PROPERTY_SCHEDULES.__getitem__)
starts = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2027, 12, 31, 23, 59, 59),
    timezones=st.sampled_from([TOKYO, BERLIN, UTC]),
)
amounts = st.one_of(
    st.integers(0, 5000).map(lambda minutes: minutes * MIN),
    st.timedeltas(min_value=dt.timedelta(), max_value=5000 * MIN),
)


@PROPERTY
@given(schedule=schedules, start=starts, amount=amounts)
def test_property_business_time_between_inverts_add(
    schedule: Schedule, start: dt.datetime, amount: dt.timedelta
) -> None:
    result = add_business_time(schedule, start, amount)
    assert result.tzinfo is schedule.tz
    assert business_time_between(schedule, start, result) == amount


@PROPERTY
@given(schedule=schedules, start=starts, first=amounts, second=amounts)
def test_property_add_is_monotonic_and_additive(
    schedule: Schedule, start: dt.datetime, first: dt.timedelta, second: dt.timedelta
) -> None:
    low, high = sorted((first, second))
    low_result = add_business_time(schedule, start, low).astimezone(UTC)
    high_result = add_business_time(schedule, start, high).astimezone(UTC)
    assert low_result <= high_result
    chained = add_business_time(schedule, add_business_time(schedule, start, low), high - low)
    assert chained.astimezone(UTC) == high_result


@PROPERTY
@given(schedule=schedules, start=starts, amount=amounts)
def test_property_result_is_start_or_inside_or_at_end_of_an_opening(
    schedule: Schedule, start: dt.datetime, amount: dt.timedelta
) -> None:
    result = add_business_time(schedule, start, amount).astimezone(UTC)
    if amount == dt.timedelta():
        assert result == start.astimezone(UTC)
        return
    assert result > start.astimezone(UTC)
    local_day = result.astimezone(schedule.tz).date()
    spans = [
        (low.astimezone(UTC), high.astimezone(UTC))
        for day in (local_day - dt.timedelta(days=1), local_day)
        for low, high in open_intervals_on(schedule, day)
    ]
    assert any(low < result <= high for low, high in spans)


@PROPERTY
@given(schedule=schedules, moment=starts)
def test_property_is_open_agrees_with_business_time_between(
    schedule: Schedule, moment: dt.datetime
) -> None:
    tick = dt.timedelta(microseconds=1)
    after = moment.astimezone(UTC) + tick  # not `moment + tick`: that drops fold in a DST gap
    assert is_open(schedule, moment) == (business_time_between(schedule, moment, after) == tick)
