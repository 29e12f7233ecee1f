"""The audit history of any historised object, for integrations: the audit log page's rows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from audit.forms import PAGE_SIZES, model_choices
from audit.selectors import ACTIONS
from integrations.fields import BoundedDateField


class HistoryQuerySerializer(serializers.Serializer):
    """The query parameters (documentation only: the audit log's own form validates them)."""

    model = serializers.ChoiceField(
        choices=[], required=False, help_text=_("The model, e.g. escalations.escalationrule.")
    )
    object = serializers.CharField(
        required=False, help_text=_("A case reference (C-2026-000123) or an object id.")
    )
    user = serializers.IntegerField(required=False, help_text=_("Who made the change (user id)."))
    action = serializers.ChoiceField(choices=list(ACTIONS), required=False)
    since = BoundedDateField(required=False)
    until = BoundedDateField(required=False)
    n = serializers.ChoiceField(choices=PAGE_SIZES, required=False, help_text=_("Rows per page."))
    after = serializers.CharField(required=False, help_text=_("The next page's cursor."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [value for value, _label in model_choices() if value]


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.CharField()
    new = serializers.CharField()


class EntrySerializer(serializers.Serializer):
    date = serializers.DateTimeField()
    action = serializers.CharField()
    action_label = serializers.CharField()
    user_id = serializers.IntegerField(allow_null=True)
    user = serializers.CharField()
    model = serializers.CharField()
    model_label = serializers.CharField()
    object_id = serializers.CharField()
    object = serializers.CharField()
    reason = serializers.CharField()
    changes = ChangeSerializer(many=True)


class HistoryPageSerializer(serializers.Serializer):
    results = EntrySerializer(many=True)
    next = serializers.CharField(allow_null=True, help_text=_("The next page's cursor, if any."))
