"""What the daily coverage check found: rules whose chain ends with nobody present at some
business hour of the coming week (``escalations.services.coverage``)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from escalations.models.catalog import EscalationRule


class CoverageGap(models.Model):
    """One per rule and day of checking: its owner is told once a day at most."""

    rule = models.ForeignKey(
        EscalationRule,
        verbose_name=_("escalation rule"),
        on_delete=models.CASCADE,
        related_name="coverage_gaps",
    )
    checked_on = models.DateField(_("checked on"), db_index=True)
    first_gap_at = models.DateTimeField(_("first hour with nobody present"))
    hours = models.PositiveIntegerField(_("business hours with nobody present"))

    class Meta:
        verbose_name = _("coverage gap")
        verbose_name_plural = _("coverage gaps")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "checked_on"], name="one_coverage_gap_per_rule_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} {self.checked_on}"
