"""django-simple-history's object history pages, in words: each change's old and new value as
the audit log shows it (a status by its label, a time in local time, an empty value as
「（なし）」), and the change reason in words.

simple-history formats a change through ``SimpleHistoryAdmin.get_historical_record_context_helper``
(its documented hook); :func:`install` points that hook, for every history admin, at
:class:`LabelledValues`. A secret field's values stay hidden."""

from __future__ import annotations

from django.db.models import ManyToManyField
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from kit.values import is_secret, plain_value


class LabelledValues(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        field = self.model._meta.get_field(change.field)
        if isinstance(field, ManyToManyField):
            return super().prepare_delta_change_value(change, value)
        if is_secret(field):
            return "***" if value else _("(none)")
        if field.is_relation:  # the related object, or a placeholder (pk None when empty)
            empty = value is None or (isinstance(value, DeletedObject) and value.pk is None)
            return _("(none)") if empty else str(value)
        return plain_value(field, value, empty=_("(none)"))


def _labelled_helper(self, request, historical_record) -> HistoricalRecordContextHelper:
    return LabelledValues(self.model, historical_record)


def install() -> None:
    SimpleHistoryAdmin.get_historical_record_context_helper = _labelled_helper
