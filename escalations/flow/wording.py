"""SLA targets in plain words: pure functions, no ORM."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from kit.durations import duration_text


def _target(value: dt.timedelta, business: bool) -> str:
    return duration_text(value, business=business, round_up=True)


def priority_sentence(
    priority: str, first_response: dt.timedelta, resolution: dt.timedelta, *, business: bool
) -> str:
    return _("%(priority)s: first response within %(first)s; resolved within %(resolution)s.") % {
        "priority": priority,
        "first": _target(first_response, business),
        "resolution": _target(resolution, business),
    }


def hop_sentence(
    tier: str, acknowledge: dt.timedelta, answer: dt.timedelta, *, business: bool
) -> str:
    return _("%(tier)s acknowledges within %(ack)s and answers within %(answer)s.") % {
        "tier": tier,
        "ack": _target(acknowledge, business),
        "answer": _target(answer, business),
    }
