"""The audit log's filters: every bad input is a form error, never a 500."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.registry import history_models
from audit.selectors import ACTIONS, AuditQuery, Cursor
from escalations.models import Case

# Dates the database and the time-zone conversion can hold (year 1 or 9999 would be a 500).
IN_RANGE = [MinValueValidator(dt.date(1900, 1, 1)), MaxValueValidator(dt.date(9000, 12, 31))]

PAGE_SIZES = [10, 20, 50, 100, 200]
DEFAULT_PAGE_SIZE = 50


def model_choices() -> list[tuple[str, str]]:
    choices = [
        (m.instance_type._meta.label_lower, str(m.instance_type._meta.verbose_name))
        for m in history_models()
    ]
    return [("", _("All"))] + sorted(choices, key=lambda choice: choice[1])


class AuditFilterForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"), queryset=get_user_model().objects.none(), required=False
    )
    model = forms.ChoiceField(label=_("Model"), required=False)
    object = forms.CharField(
        label=_("Object"),
        required=False,
        max_length=40,
        help_text=_("A case reference (C-2026-000123) or an object id."),
    )
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All"))] + [(key, label) for key, label in ACTIONS.items()],
    )
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=IN_RANGE,
    )
    until = forms.DateField(
        label=_("Until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=IN_RANGE,
    )
    n = forms.TypedChoiceField(
        label=_("Rows per page"),
        required=False,
        coerce=int,
        empty_value=DEFAULT_PAGE_SIZE,
        choices=[(size, size) for size in PAGE_SIZES],
    )
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.order_by("username")
        self.fields["model"].choices = model_choices()

    def clean_object(self) -> str:
        return self.cleaned_data["object"].strip()

    def clean_after(self) -> Cursor | None:
        text = self.cleaned_data["after"]
        if not text:
            return None
        try:
            return Cursor.decode(text)
        except ValueError as exc:
            raise forms.ValidationError(_("This page link is not valid.")) from exc

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        text = data.get("object")
        data["case_id"] = data["object_id"] = None
        if text:
            case_id = Case.objects.filter(reference__iexact=text).values_list("pk", flat=True)
            case_id = case_id.first()
            if case_id is not None:
                data["case_id"] = case_id
            elif text.isdigit() and len(text) <= 18:
                data["object_id"] = int(text)
            else:
                self.add_error(
                    "object", _("No case has this reference, and it is not an object id.")
                )
        return data

    def query(self) -> AuditQuery:
        data = self.cleaned_data
        user = data.get("user")
        return AuditQuery(
            user_id=user.pk if user is not None else None,
            model_label=data.get("model") or None,
            object_id=data.get("object_id"),
            case_id=data.get("case_id"),
            action=data.get("action") or None,
            since=_start_of(data.get("since")),
            until=_start_of(data["until"] + dt.timedelta(days=1)) if data.get("until") else None,
        )


def _start_of(day: dt.date | None) -> dt.datetime | None:
    if day is None:
        return None
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
