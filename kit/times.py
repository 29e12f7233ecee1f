"""Times as people read them: in local time (``TIME_ZONE``, Asia/Tokyo, or the zone activated
for the request), never UTC. Pure, no ORM."""

from __future__ import annotations

import datetime as dt

from django.utils import dateformat, timezone


def local_minute(value: dt.datetime) -> str:
    """``2026-06-01 12:00``: an aware time, in local time, to the minute."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def local_second(value: dt.datetime) -> str:
    """``2026-06-01 12:00:05``: an aware time, in local time, to the second."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")


def day_with_weekday(day: dt.date) -> str:
    """``2026-01-13 (火)``: the weekday in the active language (``(Tue)`` in English)."""
    return dateformat.format(day, "Y-m-d (D)")
