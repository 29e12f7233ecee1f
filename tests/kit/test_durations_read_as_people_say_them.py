"""One formatter writes every length of time: SLA targets, time left, overdue, holds; in
Japanese as people say them (「40時間」「2営業日」「3分20秒」), never ``1 day, 16:00:00``."""

import datetime as dt

import pytest
from django.utils import translation

from kit.durations import duration_text

S = dt.timedelta(seconds=1)
M = dt.timedelta(minutes=1)
H = dt.timedelta(hours=1)
DAY_OF_9_HOURS = 9 * H


@pytest.mark.parametrize(
    ("value", "options", "english", "japanese"),
    [
        # SLA targets: rounded up to the minute
        (15 * M, {"business": True, "round_up": True}, "15 business minutes", "営業時間で15分"),
        (1 * M, {"business": True, "round_up": True}, "1 business minute", "営業時間で1分"),
        (60 * M, {"business": True, "round_up": True}, "1 business hour", "営業時間で1時間"),
        (48 * H, {"business": True, "round_up": True}, "48 business hours", "営業時間で48時間"),
        (40 * H, {"business": True}, "40 business hours", "営業時間で40時間"),
        (40 * H, {}, "40 hours", "40時間"),
        (
            90 * M,
            {"business": True, "round_up": True},
            "1 h 30 min of business time",
            "営業時間で1時間30分",
        ),
        (90 * M, {"round_up": True}, "1 h 30 min", "1時間30分"),
        (2 * H, {"round_up": True}, "2 hours", "2時間"),
        (61 * S, {"round_up": True}, "2 minutes", "2分"),
        # whole business days, when the day's length is known
        (18 * H, {"business": True, "business_day": DAY_OF_9_HOURS}, "2 business days", "2営業日"),
        (9 * H, {"business": True, "business_day": DAY_OF_9_HOURS}, "1 business day", "1営業日"),
        (
            10 * H,
            {"business": True, "business_day": DAY_OF_9_HOURS},
            "10 business hours",
            "営業時間で10時間",
        ),
        # time left or late: rounded down, seconds under a minute
        (61 * S, {}, "1 minute", "1分"),
        (45 * S, {}, "45 s", "45秒"),
        (125 * M, {}, "2 h 5 min", "2時間5分"),
        (-5 * M, {}, "0 minutes", "0分"),
        # holds: seconds matter
        (200 * S, {"seconds": True}, "3 min 20 s", "3分20秒"),
        (120 * S, {"seconds": True}, "2 min 0 s", "2分0秒"),
        (20 * S, {"seconds": True}, "20 s", "20秒"),
        (75 * M + 10 * S, {"seconds": True}, "1 h 15 min", "1時間15分"),
    ],
)
def test_a_duration_in_words(value, options, english, japanese):
    with translation.override("en"):
        assert duration_text(value, **options) == english
    with translation.override("ja"):
        assert duration_text(value, **options) == japanese
