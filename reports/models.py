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
        return f"{self.rule or self.team} {self.reviewed_at:%Y-%m-%d}"


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
