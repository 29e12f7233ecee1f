"""What operations keep: when the SLA sweep last ran, and the clock incidents (one email each)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SweepHeartbeat(models.Model):
    """One row (``pk=1``, made by the migration; empty until the first sweep): the last time an
    SLA sweep finished. Older than three sweep intervals means the SLA clock has stopped (beat
    or the workers are down)."""

    finished_at = models.DateTimeField(_("last sweep finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sweep heartbeat")
        verbose_name_plural = _("sweep heartbeats")
        default_permissions = ()
        permissions = [("view_clock_status", _("Can see whether the SLA clock is running"))]

    def __str__(self) -> str:
        return str(self.finished_at)


class ClockIncident(models.Model):
    """A problem of the SLA clock (stopped sweep, stuck outbox, failed deliveries) from the
    moment it was first seen until it cleared. Administrators are emailed once per incident."""

    class Kind(models.TextChoices):
        SWEEP_STOPPED = "sweep_stopped", _("SLA sweep stopped")
        OUTBOX_STUCK = "outbox_stuck", _("Notifications not delivered")
        DELIVERY_FAILED = "delivery_failed", _("Deliveries failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    opened_at = models.DateTimeField(_("opened at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("clock incident")
        verbose_name_plural = _("clock incidents")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(closed_at__isnull=True),
                name="ops_one_open_incident_per_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.opened_at:%Y-%m-%d %H:%M})"
