from django import forms
from django.utils.translation import gettext_lazy as _

from escalations.hold.when import LocalTimeField
from escalations.models import HoldOutcome


class HoldEndForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did the hold end?"), choices=HoldOutcome.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CallbackPromiseForm(forms.Form):
    number = forms.CharField(label=_("Number to call"), max_length=30)
    window_start = LocalTimeField(
        label=_("Call from"), help_text=_("e.g. 15:00 (today), 12/1 15時, 2026/12/01 15:00")
    )
    window_end = LocalTimeField(
        label=_("Call by"), help_text=_("The promise: the call is due by this time.")
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class CallbackKeepForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome of the call"), widget=forms.Textarea(attrs={"rows": 3})
    )


class CallbackMissForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the callback missed?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
