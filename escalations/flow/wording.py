"""SLA targets in plain words: pure functions, no ORM."""

from __future__ import annotations

import datetime as dt
import math

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def duration_words(value: dt.timedelta, *, business: bool) -> str:
    """``15 business minutes``, ``4 business hours``, ``1 h 30 min of business time``; without
    ``business`` (a 24/7 calendar) the same without the word. Rounded up to the minute."""
    minutes = max(0, math.ceil(value.total_seconds() / 60))
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        if business:
            return _("%(hours)d h %(minutes)d min of business time") % {
                "hours": hours,
                "minutes": rest,
            }
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": rest}
    if hours:
        if business:
            return ngettext("%(count)d business hour", "%(count)d business hours", hours) % {
                "count": hours
            }
        return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}
    if business:
        return ngettext("%(count)d business minute", "%(count)d business minutes", minutes) % {
            "count": minutes
        }
    return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}


def priority_sentence(
    priority: str, first_response: dt.timedelta, resolution: dt.timedelta, *, business: bool
) -> str:
    return _("%(priority)s: first response within %(first)s; resolved within %(resolution)s.") % {
        "priority": priority,
        "first": duration_words(first_response, business=business),
        "resolution": duration_words(resolution, business=business),
    }


def hop_sentence(
    tier: str, acknowledge: dt.timedelta, answer: dt.timedelta, *, business: bool
) -> str:
    return _("%(tier)s acknowledges within %(ack)s and answers within %(answer)s.") % {
        "tier": tier,
        "ack": duration_words(acknowledge, business=business),
        "answer": duration_words(answer, business=business),
    }
