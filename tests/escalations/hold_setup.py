"""Shared set-up of the hold and callback tests: a weekday-hours policy (so that wall-clock
counting shows) whose hops must be acknowledged within 2 minutes while the customer is on hold,
and every persona with an email address."""

import datetime as dt
from zoneinfo import ZoneInfo

from escalations.models import SLAHopTarget
from tests.factories import make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
MIN = dt.timedelta(minutes=1)
SEC = dt.timedelta(seconds=1)
# A Saturday evening: outside the calendar's hours, the hold target still counts every second.
SATURDAY_EVENING = dt.datetime(2026, 6, 13, 20, tzinfo=JST)
# A Monday morning, inside opening hours.
MONDAY = dt.datetime(2026, 6, 8, 10, tzinfo=JST)


def hold_policy(hold=2 * MIN):
    policy = make_sla_policy(always_open=False)
    SLAHopTarget.objects.filter(policy=policy).update(hold_acknowledge=hold)
    return policy


def give_emails(*users):
    for user in users:
        user.email = f"{user.username}@example.jp"
        user.save()
