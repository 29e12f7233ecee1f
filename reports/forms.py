"""The dashboard's filters: date range, team, day or week."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Team
from reports.selectors import Filters

MAX_DAYS = 366
DEFAULT_DAYS = 30
# Dates the figures can be computed for (a week or a day either side stays a valid date).
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(9000, 12, 31)
IN_RANGE = [MinValueValidator(EARLIEST), MaxValueValidator(LATEST)]


class DashboardFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, validators=IN_RANGE)
    end = forms.DateField(label=_("Until"), required=False, validators=IN_RANGE)
    team = forms.ModelChoiceField(label=_("Team"), queryset=Team.objects.all(), required=False)
    period = forms.ChoiceField(
        label=_("Per"),
        choices=[("day", _("day")), ("week", _("week"))],
        required=False,
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                raise forms.ValidationError(_("The start date must not be after the end date."))
            if (end - start).days >= MAX_DAYS:
                raise forms.ValidationError(
                    _("The date range may span at most %(days)s days.") % {"days": MAX_DAYS}
                )
        return data


def default_filters(today: dt.date | None = None) -> Filters:
    today = today or timezone.localdate()
    return Filters(start=today - dt.timedelta(days=DEFAULT_DAYS - 1), end=today)


def filters_from(form: DashboardFilterForm) -> tuple[Filters, list[str]]:
    """The filters asked for, or the defaults (last 30 days, every team) with the errors."""
    defaults = default_filters()
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        return defaults, errors
    data = form.cleaned_data
    end = data.get("end") or defaults.end
    start = data.get("start") or min(end, end - dt.timedelta(days=DEFAULT_DAYS - 1))
    if start > end:
        return defaults, [str(_("The start date must not be after the end date."))]
    return Filters(
        start=start, end=end, team=data.get("team"), period=data.get("period") or "day"
    ), []
