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
from kit.durations import duration_text
from kit.history import OneHistoryRowAdmin
from kit.times import day_with_weekday, local_minute

STATE_COLOURS = {"on_track": "#2e7d32", "at_risk": "#ef6c00", "breached": "#c62828"}
STATE_LABELS = {
    "on_track": gettext_lazy("On track"),
    "at_risk": gettext_lazy("At risk"),
    "breached": gettext_lazy("Breached"),
}


def sla_badge(state: SLAState | None) -> str:
    """A coloured badge: state, and the business time left (or how late)."""
    if state is None:
        return "—"
    if state.state == "breached":
        detail = _("%(time)s late") % {"time": duration_text(abs(state.left))}
    else:
        detail = _("%(time)s left") % {"time": duration_text(abs(state.left))}
    return format_html(
        '<span class="sla-badge sla-{}" style="color:#fff;background:{};padding:1px 6px;'
        'border-radius:8px;white-space:nowrap" title="{}">{} · {}</span>',
        state.state,
        STATE_COLOURS[state.state],
        local_minute(state.due),
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
                "", "<li>{} {}</li>", ((day_with_weekday(d), days[d]) for d in sorted(days))
            ),
        )

    recompute = staticmethod(timers.recompute_for_calendar)


def business_day(calendar: BusinessCalendar) -> dt.timedelta | None:
    """How long one business day of ``calendar`` is, when every open weekday is as long (then
    16 business hours read 「2営業日」); None for a 24/7 calendar or days of different lengths.
    Read once per calendar object."""
    if not hasattr(calendar, "_business_day"):
        per_day: dict[int, dt.timedelta] = {}
        for hours in calendar.opening_hours.all():
            end = dt.timedelta(hours=24) if hours.end == dt.time(0) else _since_midnight(hours.end)
            length = end - _since_midnight(hours.start)
            per_day[hours.weekday] = per_day.get(hours.weekday, dt.timedelta(0)) + length
        lengths = set(per_day.values())
        one = lengths.pop() if len(lengths) == 1 and not calendar.always_open else None
        calendar._business_day = one
    return calendar._business_day


def _since_midnight(t: dt.time) -> dt.timedelta:
    return dt.timedelta(hours=t.hour, minutes=t.minute, seconds=t.second)


class TargetsInWords:
    """A read-only column that says the row's targets as people do (「営業時間で4時間」「2営業日」),
    beside the inputs (which show ``1 day, 16:00:00``)."""

    readonly_fields = ["in_words"]
    duration_fields: tuple[str, ...] = ()

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("policy__calendar")
            .prefetch_related("policy__calendar__opening_hours")
        )

    @admin.display(description=gettext_lazy("in words"))
    def in_words(self, target) -> str:
        if target.pk is None:
            return "—"
        calendar = target.policy.calendar
        business = not calendar.always_open
        day = business_day(calendar) if business else None
        words = [
            duration_text(value, business=business, business_day=day, round_up=True)
            for value in (getattr(target, name) for name in self.duration_fields)
            if value is not None
        ]
        return " / ".join(words) or "—"


class SLAPriorityTargetInline(TargetsInWords, admin.TabularInline):
    model = SLAPriorityTarget
    extra = 0
    duration_fields = ("first_response", "resolution")


class SLAHopTargetInline(TargetsInWords, admin.TabularInline):
    model = SLAHopTarget
    extra = 0
    duration_fields = ("acknowledge", "answer", "hold_acknowledge")


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
