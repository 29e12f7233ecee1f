"""Priority from impact x urgency: a pure function, no ORM."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Impact(models.IntegerChoices):
    HIGH = 1, _("High (many customers / business stopped)")
    MEDIUM = 2, _("Medium (one customer, major inconvenience)")
    LOW = 3, _("Low (minor inconvenience)")


class Urgency(models.IntegerChoices):
    HIGH = 1, _("High (must be handled now)")
    MEDIUM = 2, _("Medium (today)")
    LOW = 3, _("Low (can wait)")


class Priority(models.IntegerChoices):
    P1 = 1, _("P1 critical")
    P2 = 2, _("P2 high")
    P3 = 3, _("P3 medium")
    P4 = 4, _("P4 low")


# rows: impact, columns: urgency (high, medium, low)
PRIORITY_MATRIX: dict[Impact, dict[Urgency, Priority]] = {
    Impact.HIGH: {Urgency.HIGH: Priority.P1, Urgency.MEDIUM: Priority.P2, Urgency.LOW: Priority.P3},
    Impact.MEDIUM: {
        Urgency.HIGH: Priority.P2,
        Urgency.MEDIUM: Priority.P3,
        Urgency.LOW: Priority.P4,
    },
    Impact.LOW: {Urgency.HIGH: Priority.P3, Urgency.MEDIUM: Priority.P4, Urgency.LOW: Priority.P4},
}


def priority_for(impact: int, urgency: int) -> Priority:
    """The priority the matrix gives for an impact and an urgency."""
    return PRIORITY_MATRIX[Impact(impact)][Urgency(urgency)]
