"""Nudges ("no hesitation", issue 20): a case that should have been escalated by now.

A nudge is a timer stored on a row (DESIGN.md "Timers are data"): written with its due time
when work starts on a case (the rule's "escalate within N minutes from start of work") or when
a customer is put on hold (… "from the start of a hold"), and taken by one sweep when it is due
(``escalations.services.nudges.nudge_sweep``). An escalation, a resolution (or, for a hold, the
hold's end or the answer) before it is due clears it: nothing is sent. A knowledge search on
the case that finds nothing records a nudge of its own kind at once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from escalations.models.choices import Reason


class NudgeKind(models.TextChoices):
    WORK = "work", _("Not escalated in time since work started")
    HOLD = "hold", _("Not escalated in time since the hold started")
    NO_KNOWLEDGE = "no_knowledge", _("Knowledge search found nothing")


class NudgeCleared(models.TextChoices):
    ESCALATED = "escalated", pgettext_lazy("nudge cleared by", "Escalated")
    RESOLVED = "resolved", pgettext_lazy("nudge cleared by", "Resolved")
    HOLD_ENDED = "hold_ended", pgettext_lazy("nudge cleared by", "Hold ended")
    ANSWERED = "answered", pgettext_lazy("nudge cleared by", "Answered")


class Nudge(models.Model):
    """One nudge of a case: pending (``sent_at`` empty) until its due time, then sent once;
    cleared when the case moved on. ``followed_at``: the case was escalated after the nudge was
    sent, before it was resolved."""

    case = models.ForeignKey(
        "escalations.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="nudges",
    )
    kind = models.CharField(_("kind"), max_length=15, choices=NudgeKind.choices)
    escalation = models.ForeignKey(
        "escalations.Escalation",
        verbose_name=_("escalation"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="nudges",
        help_text=_("The hop whose customer is on hold (hold nudges only)."),
    )
    rule = models.ForeignKey(
        "escalations.EscalationRule",
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="nudges",
    )
    reason = models.CharField(
        _("reason"),
        max_length=30,
        choices=Reason.choices,
        blank=True,
        help_text=_("The reason the nudge suggests (pre-selected on the escalate panel)."),
    )
    minutes = models.PositiveSmallIntegerField(_("threshold (minutes)"), null=True, blank=True)
    started_at = models.DateTimeField(_("clock started at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cleared_at = models.DateTimeField(_("cleared at"), null=True, blank=True)
    cleared_by = models.CharField(
        _("cleared by"), max_length=12, choices=NudgeCleared.choices, blank=True
    )
    followed_at = models.DateTimeField(_("followed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("nudge")
        verbose_name_plural = _("nudges")
        ordering = ["due_at"]
        constraints = [
            # exactly one nudge per case and threshold (and held hop)
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(escalation__isnull=True),
                name="nudge_once_per_case_kind",
            ),
            models.UniqueConstraint(
                fields=["case", "kind", "escalation"],
                condition=models.Q(escalation__isnull=False),
                name="nudge_once_per_hold",
            ),
        ]
        indexes = [
            # the sweep: what is due and neither sent nor cleared
            models.Index(
                fields=["due_at"],
                name="nudge_due_idx",
                condition=models.Q(sent_at__isnull=True, cleared_at__isnull=True),
            ),
            # the supervisor's live view and the dashboard: sent nudges by time
            models.Index(
                fields=["sent_at"],
                name="nudge_sent_idx",
                condition=models.Q(sent_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        """Sent and the case has not moved on yet: shown on the header and the live view."""
        return self.sent_at is not None and self.cleared_at is None
