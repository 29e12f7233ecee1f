"""Input fields of the API that refuse what would otherwise end as a 500: dates the database
or the time-zone conversion cannot hold (year 1, year 9999 in Asia/Tokyo) and empty values
given for a filter."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(9000, 12, 31)


class _Bounded:
    default_error_messages = {
        "out_of_range": _("Give a date between %(earliest)s and %(latest)s."),
        "blank": _("Give a value or leave the parameter out."),
    }

    def get_value(self, dictionary):
        value = super().get_value(dictionary)
        if value is serializers.empty and dictionary.get(self.field_name) == "":
            return ""  # an empty filter is refused, not ignored
        return value

    def to_internal_value(self, value):
        if isinstance(value, str) and not value.strip():
            self.fail("blank")
        try:
            result = super().to_internal_value(value)
        except OverflowError:  # the time-zone conversion left the calendar
            self.fail("out_of_range", earliest=EARLIEST.isoformat(), latest=LATEST.isoformat())
        day = result.date() if isinstance(result, dt.datetime) else result
        if not EARLIEST <= day <= LATEST:
            self.fail("out_of_range", earliest=EARLIEST.isoformat(), latest=LATEST.isoformat())
        return result


class BoundedDateTimeField(_Bounded, serializers.DateTimeField):
    """A date and time from 1900-01-01 to 9000-12-31; empty is refused."""


class BoundedDateField(_Bounded, serializers.DateField):
    """A date from 1900-01-01 to 9000-12-31; empty is refused."""


class QuerySerializer(serializers.Serializer):
    """The query parameters of a list or search: a parameter given empty (``?phone=``) is
    refused, not ignored (the schema says each one has a value)."""

    def to_internal_value(self, data):
        getlist = getattr(data, "getlist", None)
        empty = [
            name
            for name in self.fields
            if name in data
            and any(v == "" for v in (getlist(name) if getlist else [data.get(name)]))
        ]
        if empty:
            raise serializers.ValidationError(
                {name: [str(_("Give a value or leave the parameter out."))] for name in empty}
            )
        return super().to_internal_value(data)
