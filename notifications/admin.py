"""The outbox in the admin: read-only, with "retry delivery now". Rows about a case only for
those who may see the case (``kit.visibility``: the escalations app's rule)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kit.admin import ReadOnlyAdmin
from kit.visibility import only_visible_cases
from notifications import outbox
from notifications.labels import EventTypeFilter, event_label
from notifications.models import Notification


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
        return only_visible_cases(super().get_queryset(request), request.user)

    def has_retry_permission(self, request) -> bool:
        return request.user.has_perm("notifications.change_notification")

    @admin.action(description=gettext_lazy("Retry delivery now"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = outbox.retry_now(list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, _("%(count)d notifications queued again.") % {"count": count}, messages.INFO
        )
