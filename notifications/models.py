"""The outbox: one row per message to deliver, written in the same transaction as what it
reports."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NotificationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")
    IN_APP = "in_app", _("In-app")


class InboxKind(models.TextChoices):
    """What an in-app notification tells (its ``event_type``; apart from the outbox's event
    types, which count emails and webhooks)."""

    ESCALATED = "inbox.escalated", _("Escalated to you")
    ON_HOLD = "inbox.on_hold", _("Customer on hold for you")
    RETURNED = "inbox.returned", _("Answer returned")
    RETURNED_ON_HOLD = "inbox.returned_on_hold", _("Answer returned, customer on hold")
    SLA_WARNING = "inbox.sla_warning", _("SLA warning")
    SLA_BREACHED = "inbox.sla_breached", _("SLA breached")
    CALLBACK_DUE = "inbox.callback_due", _("Callback due soon")
    CALLBACK_MISSED = "inbox.callback_missed", _("Callback missed")
    REVIEW_OVERDUE = "inbox.review_overdue", _("Review overdue")
    NOBODY_PRESENT = "inbox.nobody_present", _("Nobody present on an escalation chain")

    NUDGE = "inbox.nudge", _("Escalate now? (no hesitation)")


class Loudness(models.IntegerChoices):
    """How an in-app notification asks for attention: the bell only, or also a desktop
    notification and a sound (loud), the loudest for a customer waiting on the line."""

    QUIET = 0, _("Quiet (bell only)")
    LOUD = 1, _("Loud (desktop notification and sound)")
    LOUDEST = 2, _("Loudest (customer on the line)")


# What a person is told by a desktop notification and sound unless they choose otherwise: the
# kinds written loud (see the services that queue them); the quiet ones only count in the bell.
DEFAULT_DESKTOP_KINDS = [
    InboxKind.ESCALATED,
    InboxKind.ON_HOLD,
    InboxKind.RETURNED,
    InboxKind.RETURNED_ON_HOLD,
    InboxKind.SLA_BREACHED,
    InboxKind.CALLBACK_DUE,
    InboxKind.CALLBACK_MISSED,
    InboxKind.NUDGE,
]


def default_desktop_kinds() -> list[str]:
    return [str(kind.value) for kind in DEFAULT_DESKTOP_KINDS]


def default_email_kinds() -> list[str]:
    """Every kind that has an email goes by email unless the person turns it off."""
    return list(InboxKind.values)


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed (gave up)")
    CANCELLED = "cancelled", _("Cancelled (subscription deactivated)")
    NOT_WANTED = "not_wanted", _("Not sent (the recipient turned this kind off)")


class Notification(models.Model):
    """The outbox: written in the same transaction as what it reports, delivered by Celery."""

    event_id = models.UUIDField(_("event id"), unique=True)
    event_type = models.CharField(_("event type"), max_length=50)
    channel = models.CharField(_("channel"), max_length=10, choices=NotificationChannel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    intended_recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("intended recipient (absent)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    address = models.CharField(_("address or URL"), max_length=500)
    subject = models.CharField(_("subject"), max_length=200)
    payload = models.JSONField(_("payload"))
    case = models.ForeignKey(
        "escalations.Case",
        verbose_name=_("case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # in-app notifications only (channel ``in_app``): written delivered, read in the admin's bell
    loudness = models.PositiveSmallIntegerField(
        _("loudness"), choices=Loudness.choices, default=Loudness.QUIET
    )
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_pending_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["recipient", "-created_at"],
                name="notification_inbox_idx",
                condition=models.Q(channel="in_app"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.address}: {self.subject}"


class InboxItem(Notification):
    """One's own in-app notifications (the bell), as an admin page of their own."""

    class Meta:
        proxy = True
        verbose_name = _("my notification")
        verbose_name_plural = _("my notifications")
        ordering = ["-created_at"]


class InboxSettings(models.Model):
    """A person's choices for live alerts (defaults when they have no row)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="inbox_settings",
    )
    desktop_alerts = models.BooleanField(_("desktop notifications and sound"), default=True)
    desktop_kinds = models.JSONField(
        _("desktop notification for"),
        default=default_desktop_kinds,
        blank=True,
        help_text=_("The kinds that raise a desktop notification and a sound (when on)."),
    )
    email_kinds = models.JSONField(
        _("email for"),
        default=default_email_kinds,
        blank=True,
        help_text=_("The kinds also sent by email (those that have an email)."),
    )

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self) -> str:
        return str(self.user)
