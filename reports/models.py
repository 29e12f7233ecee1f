"""Reviews of the escalation flow (rules and team contact lists), the reminders sent for them,
and the dashboard's permissions (declared on ``Review``: the dashboard has no model of its own)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Review(models.Model):
    """One review of an escalation rule or of a team's contact list: who, when, what they said,
    and the next review date it set."""

    rule = models.ForeignKey(
        "escalations.EscalationRule",
        verbose_name=_("escalation rule"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reviews",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    next_review_on = models.DateField(_("next review on"))

    history = HistoricalRecords(verbose_name=_("historical review"))

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["-reviewed_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rule__isnull=False, team__isnull=True)
                | models.Q(rule__isnull=True, team__isnull=False),
                name="review_one_subject",
            )
        ]
        permissions = [
            ("view_dashboard", _("Can view the manager dashboard")),
            ("view_person_figures", _("Can view per-person figures on the dashboard")),
        ]

    def __str__(self) -> str:
        return f"{self.rule or self.team} {timezone.localdate(self.reviewed_at):%Y-%m-%d}"


class ReviewReminder(models.Model):
    """A reminder sent for one review period (the due date it was sent for): at most one."""

    rule = models.ForeignKey(
        "escalations.EscalationRule",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    due_on = models.DateField(_("review due on"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)

    history = HistoricalRecords(verbose_name=_("historical review reminder"))

    class Meta:
        verbose_name = _("review reminder")
        verbose_name_plural = _("review reminders")
        constraints = [
            models.UniqueConstraint(fields=["rule", "due_on"], name="reminder_rule_due_uniq"),
            models.UniqueConstraint(fields=["team", "due_on"], name="reminder_team_due_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_id or self.team_id} {self.due_on}"


class Figure(models.TextChoices):
    """What a :class:`DailyFigure` row counts, and the event whose local day keys it."""

    COMPLIANCE = "compliance", _("SLA timers stopped (met / stopped)")
    ESCALATIONS = "escalations", _("Escalations requested")
    SUGGESTED = "suggested", _("Escalations from L1 after a suggestion (suggested / requested)")
    SOLVED = "solved", _("Cases resolved (solved at L1 with an article / resolved)")
    ESCALATE = "escalate", _("Time to escalate (first hops, by request day)")
    ACKNOWLEDGE = "acknowledge", _("Time to acknowledge (by acknowledgement day)")
    ANSWER = "answer", _("Time to answer (by answer day)")
    WORK_TO_ESCALATE = "work_to_escalate", _("Time from the start of work to the first hop")
    HOLD_TO_ESCALATE = "hold_to_escalate", _("Time from the start of a hold to the hop further")
    NUDGES_SENT = "nudges_sent", _("Nudges sent (by sending day)")
    NUDGES_FOLLOWED = "nudges_followed", _("Nudges followed (by the day followed)")
    REPEATS = "repeats", _("Escalations from L1 repeating an answered question (repeats / all)")
    REPEATS_UNDECIDED = "repeats_undecided", _("Escalations from L1 not checked for repeats yet")
    REUSABLE = "reusable", _("Answers called reusable (reusable / reusable or not)")


class RolledUpDay(models.Model):
    """A local day whose figures are in :class:`DailyFigure`: at most one per day (the unique
    constraint is what makes two rollups of the same day, at once or one after the other,
    write it once)."""

    day = models.DateField(_("day"), unique=True)
    rolled_up_at = models.DateTimeField(_("rolled up at"), default=timezone.now)

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")
        ordering = ["-day"]

    def __str__(self) -> str:
        return self.day.isoformat()


class DailyFigure(models.Model):
    """The dashboard's figures of one finished local day, per what the filters and groupings
    need (written by ``reports.rollup``, read by ``reports.daily``).

    Each row is keyed by the day of an event that does not change once it happened (a timer's
    stop, an escalation's request, acknowledgement or answer, a case's resolution). What the
    row freezes is the case as it was when its day was rolled up: its owner and assigned teams
    (the team filter), its priority and category. A case that moves to another team, changes
    priority or category, or is reopened after its day was rolled up stays counted as it was
    (rebuild the days with ``manage.py rollup_days`` to count it as it is now)."""

    day = models.DateField(_("day"))
    figure = models.CharField(_("figure"), max_length=20, choices=Figure.choices)
    owner_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("owner team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("assigned team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    tier = models.PositiveSmallIntegerField(_("tier"), null=True, blank=True)
    reason = models.CharField(
        _("reason"),
        max_length=30,
        blank=True,
        help_text=_("The escalation's reason (the nudge's kind for the nudge figures)."),
    )
    category = models.ForeignKey(
        "escalations.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester or answerer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who requested (escalations by hand) or who answered (time to answer)."),
    )
    to_team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_on = models.DateField(
        _("sent on"),
        null=True,
        blank=True,
        help_text=_("Nudges followed: the local day the nudge was sent."),
    )
    part = models.PositiveIntegerField(_("part"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    durations = models.JSONField(
        _("durations"),
        default=dict,
        blank=True,
        help_text=_("Histogram of the durations: microseconds -> how many (exact percentiles)."),
    )

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        indexes = [
            models.Index(fields=["day", "figure"], name="dailyfigure_day_idx"),
            models.Index(fields=["figure", "sent_on"], name="dailyfigure_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.figure}"
