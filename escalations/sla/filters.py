"""The case list's "SLA breached in the period" filter: the cases with an SLA breach recorded
(and notified) between two local dates, whatever happened to them since; the dashboard's
"breached in the period" links here with the same dates."""

from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from escalations.sla import selectors

FROM = "sla_breached_from"
TO = "sla_breached_to"


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise IncorrectLookupParameters(
            gettext("Enter dates as YYYY-MM-DD: %(value)s") % {"value": value}
        ) from exc


class SLABreachedInPeriodFilter(admin.ListFilter):
    """``?sla_breached_from=2026-11-01&sla_breached_to=2026-11-30`` (local dates, both
    included; either may be left out). A bad date is Django admin's "invalid filter" page."""

    title = _("SLA breach recorded in the period")
    template = "admin/filter.html"

    def __init__(self, request, params, model, model_admin):
        super().__init__(request, params, model, model_admin)
        self.start: dt.date | None = None
        self.end: dt.date | None = None
        for name in (FROM, TO):
            if name in params:
                value = params.pop(name)
                value = value[-1] if isinstance(value, list) else value
                if value:
                    setattr(self, "start" if name == FROM else "end", _date(value))
        if self.start and self.end and self.start > self.end:
            raise IncorrectLookupParameters(
                gettext("The start date must not be after the end date.")
            )

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str]:
        return [FROM, TO]

    def queryset(self, request, queryset):
        if self.start is None and self.end is None:
            return queryset
        return selectors.breached_between(
            queryset,
            since=_midnight(self.start) if self.start else None,
            until=_midnight(self.end + dt.timedelta(days=1)) if self.end else None,
        )

    def choices(self, changelist):
        today = timezone.localdate()
        presets = [
            (gettext("Today"), today, today),
            (gettext("Last 7 days"), today - dt.timedelta(days=6), today),
            (gettext("Last 30 days"), today - dt.timedelta(days=29), today),
        ]
        chosen = (self.start, self.end)
        yield {
            "selected": chosen == (None, None),
            "query_string": changelist.get_query_string(remove=[FROM, TO]),
            "display": gettext("All"),
        }
        for label, start, end in presets:
            yield {
                "selected": chosen == (start, end),
                "query_string": changelist.get_query_string(
                    {FROM: start.isoformat(), TO: end.isoformat()}
                ),
                "display": label,
            }
        if chosen != (None, None) and chosen not in [(s, e) for _l, s, e in presets]:
            yield {
                "selected": True,
                "query_string": changelist.get_query_string(),
                "display": f"{self.start or '…'} – {self.end or '…'}",
            }
