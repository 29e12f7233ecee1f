"""Every event type the outbox carries (the webhook events and the ones only people are told
about), by its label: pages show 「SLA警告」, never ``sla.warning``. The code stays what
integrations and webhook receivers see."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from notifications.events import EventType

OTHER_EVENTS = {
    "escalation.on_hold": _("Customer on hold"),
    "article.review_overdue": _("Article review overdue"),
    "rule.review_overdue": _("Escalation rule review overdue"),
    "team.review_overdue": _("Team contact list review overdue"),
}


def event_label(code: str) -> str:
    if code in EventType.values:
        return str(EventType(code).label)
    return str(OTHER_EVENTS.get(code, code))


class EventTypeFilter(admin.SimpleListFilter):
    """The admin's filter by event type, by label; ``field``: where the code is."""

    title = _("event type")
    parameter_name = "event_type"
    field = "event_type"

    def lookups(self, request, model_admin):
        codes = model_admin.get_queryset(request).order_by().values_list(self.field, flat=True)
        return [(code, event_label(code)) for code in sorted(set(codes.distinct()))]

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class DeliveryEventTypeFilter(EventTypeFilter):
    field = "notification__event_type"
