from django import forms
from django.utils.translation import gettext_lazy as _

from escalations.models import Case, CaseNote, Mood, NoteKind, Reason


class CaseForm(forms.ModelForm):
    call_log = forms.CharField(
        label=_("Call log"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the customer said on this contact; goes on the timeline."),
    )

    class Meta:
        model = Case
        fields = ["customer", "category", "subject", "description", "channel", "impact", "urgency"]
        help_texts = {
            "impact": _("Priority is derived from impact × urgency through the priority matrix."),
        }


class TransitionForm(forms.Form):
    """Base for the forms of the case transitions: carries the status the page was shown for,
    so acting on a stale page is refused instead of overwriting someone else's change."""

    expected_status = forms.CharField(widget=forms.HiddenInput)


class CommentForm(TransitionForm):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class EscalateForm(TransitionForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=Reason.choices, widget=forms.RadioSelect)
    customer_wants = forms.CharField(
        label=_("What the customer wants"), widget=forms.Textarea(attrs={"rows": 3})
    )
    tried = forms.CharField(label=_("What was tried"), widget=forms.Textarea(attrs={"rows": 3}))
    mood = forms.ChoiceField(label=_("Customer's mood"), choices=Mood.choices)
    on_hold = forms.BooleanField(
        label=_("Customer on hold"),
        required=False,
        help_text=_(
            "The customer waits on the line: the target team is told at once and must "
            "acknowledge within minutes."
        ),
    )


class AnswerForm(TransitionForm):
    answer = forms.CharField(
        label=_("Answer"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Goes back to the owner, who tells the customer."),
    )
    reusable = forms.TypedChoiceField(
        label=_("Can this answer be reused?"),
        choices=[
            ("yes", _("Reusable: draft a knowledge article from the handoff and this answer")),
            ("no", _("Not reusable")),
        ],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        help_text=_("The article goes into review with you as its owner."),
    )
    not_reusable_reason = forms.CharField(
        label=_("Why is it not reusable?"),
        required=False,
        max_length=200,
        help_text=_("A few words, e.g. specific to this customer's contract."),
    )


class ResolveForm(TransitionForm):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 4}))
    close = forms.BooleanField(
        label=_("Close it too"),
        required=False,
        help_text=_("Nothing is left to do: close the case in the same step."),
    )


class ReopenForm(TransitionForm):
    reason = forms.CharField(
        label=_("Why is it reopened?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(forms.ModelForm):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (NoteKind.CALL_LOG, NoteKind.CALL_LOG.label),
            (NoteKind.INTERNAL, NoteKind.INTERNAL.label),
        ],
    )

    class Meta:
        model = CaseNote
        fields = ["kind", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 5})}
