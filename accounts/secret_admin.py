"""Webhook signing secrets are write-only: set or rotated in the admin, shown once when the
application generates one, never shown again on any page (change form, history, audit log)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.secrets import new_webhook_secret


class WriteOnlySecretForm(forms.ModelForm):
    """A model form whose secret field (``secret_field``, excluded from ``Meta``) is replaced
    by a write-only input and a "generate" box."""

    secret_field: str = "secret"

    new_secret = forms.CharField(
        label=gettext_lazy("new signing secret"),
        required=False,
        max_length=100,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=gettext_lazy(
            "Write-only: the current secret is never shown. Leave empty to keep it; a new "
            "record without one gets a generated secret, shown once."
        ),
    )
    generate_secret = forms.BooleanField(
        label=gettext_lazy("generate a new signing secret (rotate)"), required=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_secret") and cleaned.get("generate_secret"):
            self.add_error(
                "generate_secret", _("Either type a new secret or generate one, not both.")
            )
        return cleaned

    def apply_secret(self) -> str | None:
        """Put the chosen secret on the instance; returns a generated one, to show once."""
        typed = self.cleaned_data.get("new_secret")
        if typed:
            setattr(self.instance, self.secret_field, typed)
            return None
        if (
            self.cleaned_data.get("generate_secret")
            or self.instance._state.adding
            or not getattr(self.instance, self.secret_field)
        ):
            generated = new_webhook_secret()
            setattr(self.instance, self.secret_field, generated)
            return generated
        return None


class WriteOnlySecretAdmin:
    """For a ``ModelAdmin`` whose form is a :class:`WriteOnlySecretForm`: those who may not
    change the record see only whether a secret is set; a generated secret is shown once."""

    secret_inputs = ("new_secret", "generate_secret")

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "signing_secret"]

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            fields = [f for f in fields if f not in self.secret_inputs]
        return fields

    def set_history_delta_changes(self, request, historical_records, foreign_keys_are_objs=True):
        """The history page's list of changes, without the secret (simple-history diffs
        every field)."""
        previous = None
        for current in historical_records:
            if previous is not None:
                delta = previous.diff_against(
                    current,
                    excluded_fields=[self.form.secret_field],
                    foreign_keys_are_objs=foreign_keys_are_objs,
                )
                helper = self.get_historical_record_context_helper(request, previous)
                previous.history_delta_changes = helper.context_for_delta_changes(delta)
            previous = current

    @admin.display(description=gettext_lazy("signing secret"))
    def signing_secret(self, obj) -> str:
        if obj is None or not getattr(obj, self.form.secret_field, ""):
            return _("not set")
        return _("set (write-only)")

    def save_model(self, request, obj, form, change):
        generated = form.apply_secret()
        super().save_model(request, obj, form, change)
        if generated:
            self.message_user(
                request,
                _(
                    "The signing secret is shown only this once; give it to the receiver "
                    "now: %(secret)s"
                )
                % {"secret": generated},
                messages.WARNING,
            )
