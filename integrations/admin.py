"""Integrations in the admin: API tokens (shown once, revocable), webhook subscriptions and
their delivery log. Thin: tokens are issued and revoked by ``integrations.tokens``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from accounts.secret_admin import WriteOnlySecretAdmin, WriteOnlySecretForm
from accounts.services import user_may_hold_token_of
from accounts.webhook_urls import validate_webhook_url
from integrations.models import ApiToken, WebhookDelivery, WebhookSubscription
from integrations.tokens import token_create, token_revoke
from integrations.webhooks import subscription_cancel_pending
from kit.admin import NotFoundUnlessVisibleMixin, ReadOnlyAdminMixin
from kit.visibility import only_visible_cases
from notifications import outbox
from notifications.events import EventType
from notifications.labels import DeliveryEventTypeFilter, event_label


class ApiTokenForm(forms.ModelForm):
    expires_at = forms.DateTimeField(
        label=gettext_lazy("expires at"),
        required=False,
        help_text=gettext_lazy("Empty: the default lifetime (API_TOKEN_DEFAULT_DAYS)."),
    )

    class Meta:
        model = ApiToken
        fields = ["user", "name", "expires_at"]

    actor = None  # set by the admin for the request

    def clean_user(self):
        user = self.cleaned_data["user"]
        if self.actor is not None and not user_may_hold_token_of(actor=self.actor, user=user):
            raise forms.ValidationError(
                _(
                    "A token acts as its account: issue one only for yourself or for a service "
                    "account whose permissions you all hold."
                )
            )
        return user


@admin.register(ApiToken)
class ApiTokenAdmin(SimpleHistoryAdmin):
    form = ApiTokenForm
    list_display = ["name", "user", "prefix", "created_at", "expires_at", "revoked_at", "usable"]
    list_filter = ["revoked_at", "expires_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    autocomplete_fields = ["user"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["user", "name", "prefix", "created_at", "expires_at", "revoked_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "name", "expires_at"]
        return self.get_readonly_fields(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    @admin.display(boolean=True, description=gettext_lazy("usable"))
    def usable(self, token: ApiToken) -> bool:
        return token.is_usable()

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the history keeps who used what

    def save_model(self, request, obj, form, change):
        if change:
            return
        row, token = token_create(
            actor=request.user,
            user=form.cleaned_data["user"],
            name=form.cleaned_data["name"],
            expires_at=form.cleaned_data.get("expires_at"),
        )
        obj.pk = row.pk
        self.message_user(
            request,
            _("The token is shown only this once; copy it now: %(token)s") % {"token": token},
            messages.WARNING,
        )

    @admin.action(description=gettext_lazy("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            token_revoke(actor=request.user, token=token)
        self.message_user(request, _("Tokens revoked."), messages.SUCCESS)


class WebhookSubscriptionForm(WriteOnlySecretForm):
    url = forms.URLField(
        label=gettext_lazy("URL"),
        max_length=500,
        assume_scheme="https",
        validators=[validate_webhook_url],
    )
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("events"),
        choices=EventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "event_types", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(WriteOnlySecretAdmin, SimpleHistoryAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "events", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "url"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "is_active" in form.changed_data and not obj.is_active:
            count = subscription_cancel_pending(obj)
            if count:
                self.message_user(
                    request,
                    _("%(count)d waiting deliveries were cancelled.") % {"count": count},
                    messages.WARNING,
                )

    @admin.display(description=gettext_lazy("events"))
    def events(self, subscription: WebhookSubscription) -> str:
        return ", ".join(event_label(code) for code in subscription.event_types)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(NotFoundUnlessVisibleMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The delivery log: one row per event and subscription, with the outbox row's state.
    Deliveries about a case only for those who may see the case."""

    list_display = [
        "event_type",
        "subscription",
        "case",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "last_error",
    ]
    list_filter = ["subscription", "notification__status", DeliveryEventTypeFilter]
    list_select_related = ["subscription", "notification", "notification__case"]
    search_fields = ["notification__case__reference", "subscription__name"]
    actions = ["retry"]
    show_full_result_count = False

    def get_queryset(self, request):
        return only_visible_cases(
            super().get_queryset(request), request.user, through="notification__case"
        )

    @admin.display(description=gettext_lazy("event type"))
    def event_type(self, delivery):
        return event_label(delivery.notification.event_type)

    @admin.display(description=gettext_lazy("case"))
    def case(self, delivery):
        return delivery.notification.case.reference if delivery.notification.case else "-"

    @admin.display(description=gettext_lazy("status"))
    def status(self, delivery):
        return delivery.notification.get_status_display()

    @admin.display(description=gettext_lazy("attempts"))
    def attempts(self, delivery):
        return delivery.notification.attempts

    @admin.display(description=gettext_lazy("created at"))
    def created_at(self, delivery):
        return delivery.notification.created_at

    @admin.display(description=gettext_lazy("sent at"))
    def sent_at(self, delivery):
        return delivery.notification.sent_at

    @admin.display(description=gettext_lazy("last error"))
    def last_error(self, delivery):
        return delivery.notification.last_error[:200]

    @admin.action(
        description=gettext_lazy("Deliver the selected now"),
        permissions=["retry"],
    )
    def retry(self, request, queryset):
        count = outbox.retry_now(list(queryset.values_list("notification_id", flat=True)))
        self.message_user(request, _("%(count)d deliveries queued.") % {"count": count})

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_notification")
