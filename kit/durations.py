"""Durations as people say them (「40時間」「2営業日」「3分20秒」): one formatter, pure, no ORM.

Every page, note, notification and export that writes a length of time in words comes here, so
an SLA target, a hold, a time left and an overdue read the same way everywhere.
"""

from __future__ import annotations

import datetime as dt
import math

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def duration_text(
    value: dt.timedelta,
    *,
    business: bool = False,
    seconds: bool = False,
    round_up: bool = False,
    business_day: dt.timedelta | None = None,
) -> str:
    """``value`` in words, in the active language. Negative values count as zero (pass
    ``abs(value)`` for "how late").

    - ``business``: the time counts in opening hours (「営業時間で4時間」, "4 business hours").
    - ``business_day``: the length of one business day; a whole number of them reads as
      「2営業日」 ("2 business days").
    - ``seconds``: short times where seconds matter (holds): 「3分20秒」, "3 min 20 s".
    - ``round_up``: round up to the minute (a target: "within 2 minutes" for 61 s); otherwise
      round down, and under a minute say the seconds (「45秒」).
    """
    total = max(0.0, value.total_seconds())
    if business and business_day and total and total % business_day.total_seconds() == 0:
        days = int(total // business_day.total_seconds())
        return ngettext("%(count)d business day", "%(count)d business days", days) % {"count": days}
    if seconds:
        whole = int(total)
        minutes, rest = divmod(whole, 60)
        if minutes >= 60:
            return _hours_and_minutes(*divmod(minutes, 60), business=business)
        if minutes:
            return _("%(m)d min %(s)d s") % {"m": minutes, "s": rest}
        return _("%(s)d s") % {"s": rest}
    minutes = math.ceil(total / 60) if round_up else int(total // 60)
    if not minutes and total and not round_up:
        return _("%(s)d s") % {"s": int(total)}
    return _hours_and_minutes(*divmod(minutes, 60), business=business)


def _hours_and_minutes(hours: int, minutes: int, *, business: bool) -> str:
    if hours and minutes:
        if business:
            return _("%(hours)d h %(minutes)d min of business time") % {
                "hours": hours,
                "minutes": minutes,
            }
        return _("%(hours)d h %(minutes)d min") % {"hours": hours, "minutes": minutes}
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
