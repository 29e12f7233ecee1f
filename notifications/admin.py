"""The outbox in the admin: read-only, with "retry delivery now". Rows about a case only for
those who may see the case (``kit.visibility``: the escalations app's rule)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Language
from accounts.services import user_set_language
from kit.admin import ReadOnlyAdmin
from kit.visibility import only_visible_cases
from notifications import live, outbox, preferences
from notifications.labels import EventTypeFilter, event_label
from notifications.models import (
    InboxItem,
    InboxKind,
    InboxSettings,
    Notification,
    NotificationChannel,
)
from notifications.views import title_of


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "event",
        "channel",
        "recipient",
        "address",
        "subject",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = ["status", "channel", EventTypeFilter]
    list_select_related = ["recipient"]
    search_fields = ["address", "subject", "case__reference"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["retry_now"]

    @admin.display(description=gettext_lazy("event type"), ordering="event_type")
    def event(self, notification: Notification) -> str:
        return event_label(notification.event_type)

    def get_queryset(self, request):
        # the in-app notifications are each person's own: "my notifications"
        outbox_rows = super().get_queryset(request).exclude(channel=NotificationChannel.IN_APP)
        return only_visible_cases(outbox_rows, request.user)

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_notification")

    @admin.action(description=gettext_lazy("Retry delivery now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = outbox.retry_now(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, _("%(count)d notifications queued again.") % {"count": count}, messages.INFO
        )


class InboxKindFilter(admin.SimpleListFilter):
    title = gettext_lazy("kind")
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return InboxKind.choices

    def queryset(self, request, queryset):
        return queryset.filter(event_type=self.value()) if self.value() else queryset


@admin.register(InboxItem)
class InboxItemAdmin(ReadOnlyAdmin):
    """My notifications: one's own in-app notifications only, whoever asks."""

    list_display = ["created_at", "kind", "line", "read"]
    list_filter = [("read_at", admin.EmptyFieldListFilter), InboxKindFilter]
    date_hierarchy = "created_at"
    show_full_result_count = False
    actions = ["mark_read"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(recipient=request.user, channel=NotificationChannel.IN_APP)
        )

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_staff

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or obj.recipient_id == request.user.pk
        )

    def has_read_permission(self, request) -> bool:
        return self.has_module_permission(request)

    @admin.display(description=gettext_lazy("kind"))
    def kind(self, obj: InboxItem) -> str:
        try:
            return InboxKind(obj.event_type).label
        except ValueError:
            return obj.event_type

    @admin.display(description=gettext_lazy("notification"))
    def line(self, obj: InboxItem) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("notifications:open", args=[obj.pk]), title_of(obj)
        )

    @admin.display(description=gettext_lazy("read"), boolean=True)
    def read(self, obj: InboxItem) -> bool:
        return obj.read_at is not None

    @admin.action(description=gettext_lazy("Mark as read"), permissions=["read"])
    def mark_read(self, request, queryset):
        if queryset.filter(read_at__isnull=True).update(read_at=timezone.now()):
            live.bump([request.user.pk])


class InboxSettingsForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language of my emails"), choices=Language.choices
    )
    desktop_alerts = forms.BooleanField(
        label=gettext_lazy("Desktop notifications and sound"), required=False
    )
    desktop_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Desktop notification for"),
        choices=InboxKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    email_kinds = forms.MultipleChoiceField(
        label=gettext_lazy("Email for"),
        choices=InboxKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Only the kinds that have an email are sent by email."),
    )


@admin.register(InboxSettings)
class InboxSettingsAdmin(ReadOnlyAdmin):
    """Two pages: "my notification settings" (anyone staff, their own only), and, for the
    managers and supervisors of a team, who in their teams has desktop alerts off."""

    list_display = ["user", "desktop_alerts", "desktop_for"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__display_name"]
    show_full_result_count = False

    def get_queryset(self, request):
        return preferences.desktop_off_in_teams_of(request.user)

    def get_urls(self):
        mine = path(
            "mine/",
            self.admin_site.admin_view(self.mine_view),
            name="notifications_inboxsettings_mine",
        )
        return [mine, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": _("Desktop alerts off in my teams")}
        return super().changelist_view(request, extra_context)

    @admin.display(description=gettext_lazy("desktop notification for"))
    def desktop_for(self, row: InboxSettings) -> str:
        labels = dict(InboxKind.choices)
        return ", ".join(str(labels[kind]) for kind in row.desktop_kinds if kind in labels)

    def mine_view(self, request):
        """One's own settings: shown with their current values (the defaults without a row)
        and saved through the service; nobody else's can be reached from here."""
        if not (request.user.is_active and request.user.is_staff):
            raise PermissionDenied
        current = preferences.settings_of(request.user)
        form = InboxSettingsForm(
            request.POST if request.method == "POST" else None,
            initial={
                "language": request.user.language,
                "desktop_alerts": current.desktop_alerts,
                "desktop_kinds": current.desktop_kinds,
                "email_kinds": current.email_kinds,
            },
        )
        if request.method == "POST" and form.is_valid():
            choices = dict(form.cleaned_data)
            with transaction.atomic():
                user_set_language(
                    user=request.user, actor=request.user, language=choices.pop("language")
                )
                preferences.inbox_settings_update(user=request.user, actor=request.user, **choices)
            self.message_user(
                request, _("Your notification settings were saved."), messages.SUCCESS
            )
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "form": form,
            "title": _("My notification settings"),
        }
        return TemplateResponse(request, "notifications/my_settings.html", context)
