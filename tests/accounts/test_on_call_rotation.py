"""Who is on call at a moment (``accounts.oncall.on_call_at``, pure): members in turn, one
business day each, handing over at 09:00 Tokyo; nights, weekends and Japanese holidays belong
to the last business day's person; overrides first."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.oncall import (
    Override,
    Rotation,
    japanese_business_day,
    on_call_at,
    shift_day,
)

TOKYO = ZoneInfo("Asia/Tokyo")
A, B, C = 1, 2, 3


def rotation(starts_on, overrides=()):
    return Rotation((A, B, C), starts_on, dt.time(9), TOKYO, tuple(overrides))


def tokyo(*args):
    return dt.datetime(*args, tzinfo=TOKYO)


DECEMBER = rotation(dt.date(2026, 12, 7))  # a Monday
GOLDEN_WEEK = rotation(dt.date(2026, 4, 27))  # Mon; 4/29 and 5/3-5/6 are holidays


@pytest.mark.parametrize(
    ("rota", "at", "expected"),
    [
        (DECEMBER, tokyo(2026, 12, 7, 9, 0), A),  # the first handover
        (DECEMBER, tokyo(2026, 12, 7, 8, 59), None),  # before the rotation starts
        (DECEMBER, tokyo(2026, 12, 7, 23, 59), A),
        (DECEMBER, tokyo(2026, 12, 8, 0, 0), A),  # midnight: still Monday's shift
        (DECEMBER, tokyo(2026, 12, 8, 8, 59, 59), A),
        (DECEMBER, tokyo(2026, 12, 8, 9, 0), B),  # handover
        (DECEMBER, tokyo(2026, 12, 9, 12, 0), C),
        (DECEMBER, tokyo(2026, 12, 10, 12, 0), A),  # round again
        (DECEMBER, tokyo(2026, 12, 11, 18, 0), B),  # Friday
        (DECEMBER, tokyo(2026, 12, 12, 15, 0), B),  # Saturday: Friday's person
        (DECEMBER, tokyo(2026, 12, 13, 23, 0), B),  # Sunday night
        (DECEMBER, tokyo(2026, 12, 14, 8, 59), B),  # Monday before the handover
        (DECEMBER, tokyo(2026, 12, 14, 9, 0), C),  # the weekend took no turn
        (DECEMBER, dt.datetime(2026, 12, 14, 0, 0, tzinfo=dt.UTC), C),  # 09:00 in Tokyo
        (GOLDEN_WEEK, tokyo(2026, 4, 28, 10, 0), B),
        (GOLDEN_WEEK, tokyo(2026, 4, 29, 10, 0), B),  # 昭和の日: Tuesday's person
        (GOLDEN_WEEK, tokyo(2026, 4, 30, 9, 0), C),
        (GOLDEN_WEEK, tokyo(2026, 5, 1, 9, 0), A),
        (GOLDEN_WEEK, tokyo(2026, 5, 5, 12, 0), A),  # こどもの日, in the long weekend
        (GOLDEN_WEEK, tokyo(2026, 5, 6, 23, 0), A),  # 振替休日
        (GOLDEN_WEEK, tokyo(2026, 5, 7, 8, 59), A),
        (GOLDEN_WEEK, tokyo(2026, 5, 7, 9, 0), B),
        (rotation(dt.date(2026, 12, 31)), tokyo(2027, 1, 4, 10, 0), B),  # 1/1 is a holiday
        (rotation(dt.date(2026, 12, 31)), tokyo(2027, 1, 1, 10, 0), A),
    ],
)
def test_who_is_on_call(rota, at, expected):
    assert on_call_at(rota, at) == expected


def test_an_override_wins_for_its_time_only():
    swap = Override(tokyo(2026, 12, 8, 12, 0), tokyo(2026, 12, 8, 18, 0), 99)
    rota = rotation(dt.date(2026, 12, 7), [swap])
    assert on_call_at(rota, tokyo(2026, 12, 8, 11, 59)) == B
    assert on_call_at(rota, tokyo(2026, 12, 8, 12, 0)) == 99
    assert on_call_at(rota, tokyo(2026, 12, 8, 18, 0)) == B


def test_the_latest_started_override_wins():
    long = Override(tokyo(2026, 12, 8, 0, 0), tokyo(2026, 12, 9, 0, 0), 98)
    short = Override(tokyo(2026, 12, 8, 12, 0), tokyo(2026, 12, 8, 13, 0), 99)
    assert on_call_at(rotation(dt.date(2026, 12, 7), [short, long]), tokyo(2026, 12, 8, 12)) == 99


def test_a_rotation_without_members_has_nobody_on_call():
    empty = Rotation((), dt.date(2026, 12, 7), dt.time(9), TOKYO)
    assert on_call_at(empty, tokyo(2026, 12, 8, 12, 0)) is None


def test_the_business_days_can_come_from_the_caller():
    every_day = rotation(dt.date(2026, 12, 7))
    saturday = tokyo(2026, 12, 12, 10, 0)
    assert on_call_at(every_day, saturday, is_business_day=lambda day: True) == C  # turn 5


moments = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2028, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=TOKYO)
)


@given(moments)
def test_the_person_is_the_same_for_the_whole_shift(at):
    rota = rotation(dt.date(2026, 1, 1))
    day = shift_day(at, rota, japanese_business_day)
    assert japanese_business_day(day)
    handover = dt.datetime.combine(day, dt.time(9), tzinfo=TOKYO)
    assert handover <= at
    assert on_call_at(rota, at) == on_call_at(rota, handover)


@given(st.integers(min_value=0, max_value=400), st.integers(min_value=1, max_value=5))
def test_each_member_takes_one_turn_per_business_day_in_order(offset, size):
    members = tuple(range(10, 10 + size))
    start = dt.date(2026, 1, 5) + dt.timedelta(days=offset)
    rota = Rotation(members, start, dt.time(9), TOKYO)
    seen = []
    day = start
    while len(seen) < 2 * size:
        if japanese_business_day(day):
            seen.append(on_call_at(rota, dt.datetime.combine(day, dt.time(12), tzinfo=TOKYO)))
        day += dt.timedelta(days=1)
    assert seen == list(members) * 2
