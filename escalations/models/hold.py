"""Callback promises; the hold itself is recorded on ``Escalation``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords


class HoldOutcome(models.TextChoices):
    ANSWERED = "answered", pgettext_lazy("hold outcome", "Answered on the line")
    CALLBACK = "callback", pgettext_lazy("hold outcome", "Turned into a callback")


class CallbackStatus(models.TextChoices):
    PROMISED = "promised", _("Promised")
    KEPT = "kept", _("Kept")
    MISSED = "missed", pgettext_lazy("callback", "Missed")


class Callback(models.Model):
    """A promise to call the customer back by ``due_at`` (the end of their preferred window)."""

    case = models.ForeignKey(
        "escalations.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="callbacks",
    )
    promised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("promised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    number = models.CharField(_("number to call"), max_length=30)
    window_start = models.DateTimeField(_("call from"))
    window_end = models.DateTimeField(_("call by"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.PROMISED
    )
    kept_at = models.DateTimeField(_("called at"), null=True, blank=True)
    kept_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("called by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    outcome = models.TextField(_("outcome"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    history = HistoricalRecords(verbose_name=_("historical callback"))

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["due_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(window_end__gte=models.F("window_start")),
                name="callback_window_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ≤ {timezone.localtime(self.due_at):%Y-%m-%d %H:%M}"

    @property
    def kept_on_time(self) -> bool | None:
        if self.kept_at is None:
            return None
        return self.kept_at <= self.due_at
