"""The demo's clock: every write of the story happens at its own time in the past.

The services stamp ``timezone.now()`` (the case, its notes and hops, the SLA timers, the history
rows). :func:`at` moves the clock to the story's time for the writes inside it (time-machine,
the clock the tests use), so the services write the past as they write the present: no
timestamp is rewritten afterwards, and the audit trail tells the same story as the cases.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager

import time_machine
from django.utils import timezone

OPENS = dt.time(9, 0)
OFFICE_MINUTES = 570  # 9:00-18:30: when calls come in


@contextmanager
def at(when: dt.datetime) -> Iterator[dt.datetime]:
    """Run the writes inside at ``when`` (the clock stands still there)."""
    with time_machine.travel(when, tick=False):
        yield when


def now() -> dt.datetime:
    """The real time the demo is loaded at, to the minute."""
    return timezone.now().replace(second=0, microsecond=0)


def days_ago(days: float, *, base: dt.datetime | None = None) -> dt.datetime:
    return (base or now()) - dt.timedelta(days=days)


def office_time(rng: random.Random, days: int, *, base: dt.datetime | None = None) -> dt.datetime:
    """A moment during office hours (local time) ``days`` days before ``base``."""
    day = timezone.localdate(base or now()) - dt.timedelta(days=days)
    start = timezone.make_aware(dt.datetime.combine(day, OPENS))
    return start + dt.timedelta(minutes=rng.randint(0, OFFICE_MINUTES))


def step(when: dt.datetime, rng: random.Random, minutes: int) -> dt.datetime:
    """The time of the next step of a story: ``minutes`` (and a few seconds) later."""
    return when + dt.timedelta(minutes=minutes, seconds=rng.randint(0, 59))
