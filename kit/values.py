"""One way to show a historised field's value to a person: a choice by its label, a time in
local time, a duration in words, a yes/no, an empty value as ``empty``. Used by the audit log,
its export, the history pages and the review page (`reports.review_page`)."""

from __future__ import annotations

import datetime as dt
import functools

from django.db import models
from django.utils.translation import gettext as _

from kit.durations import duration_text
from kit.times import local_second

MAX_VALUE_LENGTH = 300
SECRET_WORDS = ("password", "secret", "token")


def is_secret(f: models.Field) -> bool:
    """A field whose value is never shown, only whether it is set."""
    return any(word in f.name for word in SECRET_WORDS)


@functools.cache
def _choices(f: models.Field) -> dict:
    return dict(f.flatchoices)


def plain_value(f: models.Field, value, *, empty: str = "—") -> str:
    if value is None or value == "":
        return empty
    if f.choices:
        return str(_choices(f).get(value, value))
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dt.datetime):
        return local_second(value)
    if isinstance(value, dt.timedelta):
        return duration_text(value)
    text = str(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 1] + "…"
