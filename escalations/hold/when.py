"""A callback time as an operator types it during a call, read in local time: ``15:00`` (today),
``2026/12/01 15:00``, ``12/1 15時``, ``12月1日 15時半``, full-width digits (``１５：００``), or
what a date-time picker sends (``2026-12-01T15:00``). Pure: no ORM; the form field is below."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

_DATE = (
    r"(?:(?P<year>\d{4})\s*[-/.年]\s*)?"
    r"(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"(?:\s*[(（][^)）]*[)）])?"  # a weekday after the date: 12/1(火)
)
_TIME = r"(?P<hour>\d{1,2})\s*[:時]\s*(?:(?P<minute>\d{1,2})(?::\d{2})?\s*分?|(?P<half>半))?"
_WHOLE = re.compile(rf"^(?:{_DATE})?(?:\s*T?\s*)(?:{_TIME})$")


def parse_local_time(text: str, *, now: dt.datetime) -> dt.datetime | None:
    """The moment ``text`` names, aware, in the current time zone; None when it names none.
    A date without a year is the next such date (today included); a time alone is today."""
    cleaned = unicodedata.normalize("NFKC", text or "").strip()
    cleaned = re.sub(r"\s+", " ", cleaned)
    match = _WHOLE.match(cleaned)
    if match is None:
        return None
    parts = match.groupdict()
    today = timezone.localtime(now).date()
    hour = int(parts["hour"])
    minute = 30 if parts["half"] else int(parts["minute"] or 0)
    if parts["month"] is None:
        day = today
    else:
        year = int(parts["year"]) if parts["year"] else today.year
        try:
            day = dt.date(year, int(parts["month"]), int(parts["day"]))
        except ValueError:
            return None
        if not parts["year"] and day < today:
            try:
                day = day.replace(year=today.year + 1)
            except ValueError:  # 29 February
                return None
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


class PickerInput(forms.TextInput):
    """A text box people type in, with the browser's own date-time picker beside it that fills
    the box (no script library)."""

    def render(self, name, value, attrs=None, renderer=None):
        box = super().render(name, value, {**(attrs or {}), "autocomplete": "off"}, renderer)
        return format_html(
            '{} <input type="datetime-local" class="time-picker" aria-label="{}" '
            "oninput=\"this.previousElementSibling.value=this.value.replace('T',' ')\">",
            box,
            _("Pick a date and time"),
        )


class LocalTimeField(forms.Field):
    """A form field for :func:`parse_local_time`; a clear error for what it cannot read."""

    widget = PickerInput
    default_error_messages = {
        "invalid": _(
            "Enter a time such as 15:00 (today), 12/1 15時 or 2026/12/01 15:00 (Japan time)."
        ),
    }

    def prepare_value(self, value):
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        return value

    def to_python(self, value) -> dt.datetime | None:
        text = str(value or "").strip()
        if not text:
            return None
        moment = parse_local_time(text, now=timezone.now())
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return moment
