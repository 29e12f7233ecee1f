"""Admin for business calendars, SLA policies and SLA events.
Saving a calendar or a policy recomputes the open deadlines it affects."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from escalations.models import (
    BusinessCalendar,
    CalendarDay,
    CalendarDayKind,
    OpeningHours,
    SLAEvent,
    SLAHopTarget,
    SLAPolicy,
    SLAPriorityTarget,
)
from escalations.selectors import cases_visible_to
from escalations.sla import timers
from escalations.sla.calendar import japanese_holidays
from escalations.sla.selectors import SLAState
from kit.admin import ReadOnlyAdmin
from kit.history import OneHistoryRowAdmin

STATE_COLOURS = {"on_track": "#2e7d32", "at_risk": "#ef6c00", "breached": "#c62828"}
STATE_LABELS = {
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "breached": gettext_lazy("Breached"),
}


def format_duration(delta: dt.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        text = _("%(d)dd %(h)dh") % {"d": days, "h": hours}
    elif hours:
        text = _("%(h)dh %(m)dmin") % {"h": hours, "m": minutes}
    else:
        text = _("%(m)dmin") % {"m": minutes}
    return text


def sla_badge(state: SLAState | None) -> str:
    """A coloured badge: state, and the business time left (or how late)."""
    if state is None:
        return "—"
    if state.state == "breached":
        detail = _("%(time)s late") % {"time": format_duration(state.left)}
    else:
        detail = _("%(time)s left") % {"time": format_duration(state.left)}
    return format_html(
        '<span class="sla-badge sla-{}" style="color:#fff;background:{};padding:1px 6px;'
        'border-radius:8px;white-space:nowrap" title="{}">{} · {}</span>',
        state.state,
        STATE_COLOURS[state.state],
        timezone.localtime(state.due).strftime("%Y-%m-%d %H:%M"),
        STATE_LABELS[state.state],
        detail,
    )


class RecomputesDeadlinesAdmin(SimpleHistoryAdmin):
    """Saving the object (with its inlines) recomputes the open deadlines that count in it."""

    recompute: Callable[[int], int]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change:
            count = self.recompute(form.instance.pk)
            if count:
                self.message_user(
                    request,
                    _("%(count)d open deadlines recomputed.") % {"count": count},
                    messages.INFO,
                )


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


class CalendarDayInline(admin.TabularInline):
    model = CalendarDay
    extra = 0


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(RecomputesDeadlinesAdmin):
    list_display = ["name", "time_zone", "always_open", "japanese_holidays"]
    search_fields = ["name"]
    inlines = [OpeningHoursInline, CalendarDayInline]
    readonly_fields = ["coming_holidays"]
    fields = ["name", "time_zone", "always_open", "japanese_holidays", "coming_holidays"]

    @admin.display(description=gettext_lazy("Closed days in the coming year"))
    def coming_holidays(self, calendar: BusinessCalendar) -> str:
        today = timezone.localdate()
        until = today + dt.timedelta(days=365)
        days: dict[dt.date, str] = {}
        if calendar.pk is None or calendar.japanese_holidays:
            for day, name in japanese_holidays(range(today.year, until.year + 1)).items():
                if today <= day <= until:
                    days[day] = name
        if calendar.pk is not None:
            for extra in calendar.days.filter(date__range=(today, until)):
                if extra.kind == CalendarDayKind.CLOSED:
                    days[extra.date] = extra.note or str(extra.get_kind_display())
        if not days:
            return "—"
        return format_html(
            "<ul style='margin:0'>{}</ul>",
            format_html_join(
                "", "<li>{} {}</li>", ((d.strftime("%Y-%m-%d (%a)"), days[d]) for d in sorted(days))
            ),
        )

    recompute = staticmethod(timers.recompute_for_calendar)


class SLAPriorityTargetInline(admin.TabularInline):
    model = SLAPriorityTarget
    extra = 0


class SLAHopTargetInline(admin.TabularInline):
    model = SLAHopTarget
    extra = 0


@admin.register(SLAPolicy)
class SLAPolicyAdmin(OneHistoryRowAdmin, RecomputesDeadlinesAdmin):
    list_display = ["name", "calendar", "is_default", "warn_handler_percent", "warn_lead_percent"]
    list_select_related = ["calendar"]
    search_fields = ["name"]
    filter_horizontal = ["categories"]
    inlines = [SLAPriorityTargetInline, SLAHopTargetInline]

    recompute = staticmethod(timers.recompute_for_policy)


@admin.register(SLAEvent)
class SLAEventAdmin(ReadOnlyAdmin):
    """Warnings and breaches, of the cases the user may see (list, search and detail)."""

    list_display = ["fired_at", "case", "timer_kind", "level", "due_at", "action"]
    list_filter = ["level", "timer__kind", "fired_at"]
    list_select_related = ["case", "timer"]
    search_fields = ["case__reference", "action"]
    date_hierarchy = "fired_at"
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).filter(case__in=cases_visible_to(request.user))

    @admin.display(description=gettext_lazy("timer"), ordering="timer__kind")
    def timer_kind(self, event: SLAEvent) -> str:
        return event.timer.get_kind_display()
