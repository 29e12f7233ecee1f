"""SLA: business calendars, policies, the running timers the sweep takes from, and what fired."""

from __future__ import annotations

import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from accounts.models import Tier
from escalations.priority import Priority


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(_("Unknown time zone: %(tz)s"), params={"tz": value}) from exc


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_time_zone]
    )
    always_open = models.BooleanField(
        _("open 24/7"),
        default=False,
        help_text=_("Every minute counts; opening hours, holidays and closures are ignored."),
    )
    japanese_holidays = models.BooleanField(
        _("closed on Japanese public holidays"),
        default=True,
        help_text=_("Including substitute holidays and citizens' holidays."),
    )

    history = HistoricalRecords(verbose_name=_("historical business calendar"))

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class OpeningHours(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar,
        verbose_name=_("calendar"),
        on_delete=models.CASCADE,
        related_name="opening_hours",
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"), help_text=_("00:00 means midnight at the end of the day."))

    history = HistoricalRecords(verbose_name=_("historical opening hours"))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["calendar", "weekday", "start"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class CalendarDayKind(models.TextChoices):
    CLOSED = "closed", _("Closed (closure)")
    OPEN = "open", _("Open (extra working day)")


class CalendarDay(models.Model):
    """An exception to the weekly hours: a closure (e.g. 12/29-1/3) or an extra working day."""

    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.CASCADE, related_name="days"
    )
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=CalendarDayKind.choices)
    start = models.TimeField(_("from"), null=True, blank=True)
    end = models.TimeField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=100, blank=True)

    history = HistoricalRecords(verbose_name=_("historical calendar day"))

    class Meta:
        verbose_name = _("closure or extra working day")
        verbose_name_plural = _("closures and extra working days")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="calendar_day_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}"

    def clean(self) -> None:
        if self.kind == CalendarDayKind.OPEN and (self.start is None or self.end is None):
            raise ValidationError(_("An extra working day needs its opening hours."))


class SLAPolicy(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT
    )
    categories = models.ManyToManyField(
        "escalations.Category",
        verbose_name=_("categories"),
        blank=True,
        related_name="sla_policies",
        help_text=_("Cases of these categories use this policy."),
    )
    is_default = models.BooleanField(
        _("default"), default=False, help_text=_("Used for categories no policy names.")
    )
    warn_handler_percent = models.PositiveSmallIntegerField(
        _("warn the handler at (%)"), default=50
    )
    warn_lead_percent = models.PositiveSmallIntegerField(_("warn the team lead at (%)"), default=75)

    history = HistoricalRecords(m2m_fields=[categories], verbose_name=_("historical SLA policy"))

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["-is_default", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_sla_policy",
            ),
            models.CheckConstraint(
                condition=models.Q(warn_handler_percent__gt=0)
                & models.Q(warn_handler_percent__lt=models.F("warn_lead_percent"))
                & models.Q(warn_lead_percent__lt=100),
                name="sla_warning_ladder_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SLAPriorityTarget(models.Model):
    policy = models.ForeignKey(
        SLAPolicy,
        verbose_name=_("policy"),
        on_delete=models.CASCADE,
        related_name="priority_targets",
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    first_response = models.DurationField(
        _("first response within"), help_text=_("Business time, e.g. 0:30:00 for 30 minutes.")
    )
    resolution = models.DurationField(
        _("resolve within"), help_text=_("Business time, e.g. 2 0:00:00 for 48 hours.")
    )

    history = HistoricalRecords(verbose_name=_("historical SLA priority target"))

    class Meta:
        verbose_name = _("target per priority")
        verbose_name_plural = _("targets per priority")
        ordering = ["policy", "priority"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "priority"], name="sla_priority_target_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.get_priority_display()}"


class SLAHopTarget(models.Model):
    policy = models.ForeignKey(
        SLAPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="hop_targets"
    )
    to_tier = models.PositiveSmallIntegerField(_("escalation to"), choices=Tier.choices)
    acknowledge = models.DurationField(
        _("acknowledge within"), help_text=_("Business time, e.g. 0:15:00 for 15 minutes.")
    )
    answer = models.DurationField(
        _("answer within"), help_text=_("Business time, e.g. 4:00:00 for 4 hours.")
    )
    hold_acknowledge = models.DurationField(
        _("acknowledge within, customer on hold"),
        null=True,
        blank=True,
        help_text=_(
            "Wall-clock time (24/7, the customer is on the line), e.g. 0:02:00 for 2 minutes. "
            "Empty: no hold target."
        ),
    )

    history = HistoricalRecords(verbose_name=_("historical SLA hop target"))

    class Meta:
        verbose_name = _("target per escalation hop")
        verbose_name_plural = _("targets per escalation hop")
        ordering = ["policy", "to_tier"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "to_tier"], name="sla_hop_target_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.policy}: → {self.get_to_tier_display()}"


class TimerKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    RESOLUTION = "resolution", pgettext_lazy("SLA timer", "Resolution")
    ACKNOWLEDGE = "acknowledge", _("Acknowledgement of escalation")
    ANSWER = "answer", _("Answer to escalation")
    HOLD_ACKNOWLEDGE = "hold_acknowledge", _("Acknowledgement, customer on hold")
    CALLBACK = "callback", _("Callback promise")


class Level(models.IntegerChoices):
    WARN_HANDLER = 1, _("Warning: handler")
    WARN_LEAD = 2, _("Warning: team lead")
    BREACH = 3, _("Breach")


class TimerOutcome(models.TextChoices):
    """How a stopped timer ended. A hop handed on to another tier (escalated further, by a
    person or by the sweep) before its deadline neither met nor missed its target: superseded.
    Compliance counts met / (met + missed); superseded timers are in neither."""

    MET = "met", _("Met")
    MISSED = "missed", _("Missed")
    SUPERSEDED = "superseded", _("Superseded (handed on before the deadline)")


class SLATimer(models.Model):
    """One running SLA target of a case or of an escalation hop.

    ``due_at`` is the deadline; ``next_fire_at`` is when the next rung of the warning ladder
    (or the breach) fires, and is what the sweep looks up through its index. Paused timers
    (case waiting for the customer) have no ``next_fire_at``; the business time already used is
    kept in ``consumed`` and credited when the clock resumes."""

    case = models.ForeignKey(
        "escalations.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="sla_timers",
        db_index=False,  # served by sla_timer_case_kind_idx (case, kind)
    )
    escalation = models.ForeignKey(
        "escalations.Escalation",
        verbose_name=_("escalation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_timers",
    )
    callback = models.ForeignKey(
        "escalations.Callback",
        verbose_name=_("callback"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_timers",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TimerKind.choices)
    policy = models.ForeignKey(SLAPolicy, verbose_name=_("policy"), on_delete=models.PROTECT)
    budget = models.DurationField(_("target (business time)"))
    consumed = models.DurationField(
        _("business time used before the last pause"), default=timezone.timedelta
    )
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    running_since = models.DateTimeField(
        _("running since"), null=True, blank=True, help_text=_("Empty while paused or stopped.")
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    next_level = models.PositiveSmallIntegerField(
        _("next level"), choices=Level.choices, null=True, blank=True
    )
    next_fire_at = models.DateTimeField(_("next check at"), null=True, blank=True)
    stopped_at = models.DateTimeField(_("stopped at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"),
        max_length=12,
        choices=TimerOutcome.choices,
        blank=True,
        help_text=_("Empty while running or paused."),
    )
    # ``outcome`` as compliance counts it: True met, False missed; empty while running and for
    # a superseded timer (neither met nor missed). Written together with ``outcome``.
    met = models.BooleanField(_("met"), null=True, blank=True)

    class Meta:
        verbose_name = _("SLA timer")
        verbose_name_plural = _("SLA timers")
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(outcome="", met__isnull=True)
                    | models.Q(outcome=TimerOutcome.MET, met=True)
                    | models.Q(outcome=TimerOutcome.MISSED, met=False)
                    | models.Q(outcome=TimerOutcome.SUPERSEDED, met__isnull=True)
                ),
                name="sla_timer_outcome_matches_met",
            )
        ]
        indexes = [
            models.Index(
                fields=["next_fire_at"],
                name="sla_timer_next_fire_idx",
                condition=models.Q(next_fire_at__isnull=False),
            ),
            models.Index(fields=["case", "kind"], name="sla_timer_case_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()}"


class SLAEvent(models.Model):
    """A warning or a breach that fired: recorded once per timer and level."""

    timer = models.ForeignKey(
        SLATimer,
        verbose_name=_("timer"),
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # served by sla_event_once_per_level (timer, level)
    )
    case = models.ForeignKey(
        "escalations.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="sla_events",
        db_index=False,  # served by sla_event_case_time_idx (case, fired_at)
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    fired_at = models.DateTimeField(_("fired at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    action = models.TextField(_("what was done"), blank=True)

    class Meta:
        verbose_name = _("SLA event")
        verbose_name_plural = _("SLA events")
        ordering = ["fired_at"]
        constraints = [
            models.UniqueConstraint(fields=["timer", "level"], name="sla_event_once_per_level")
        ]
        indexes = [
            models.Index(fields=["case", "fired_at"], name="sla_event_case_time_idx"),
            # "breached in the period": the breaches fired in a date range
            models.Index(
                fields=["fired_at"],
                name="sla_event_breach_time_idx",
                condition=models.Q(level=3),  # Level.BREACH
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} ({self.timer})"
