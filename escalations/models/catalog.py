"""What cases are about and where they go: customers, categories (request types) and the
escalation matrix."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.models import Team, Tier
from escalations.lookup import phone_key, reading_key
from escalations.models.choices import Reason
from escalations.priority import Priority


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200)
    furigana = models.CharField(_("furigana"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True, db_index=True)
    phone_digits = models.CharField(
        _("phone (for lookup)"),
        max_length=30,
        blank=True,
        editable=False,
        help_text=_("The phone number's national digits, set from the phone number for lookup."),
    )
    furigana_key = models.CharField(
        _("furigana (for lookup)"),
        max_length=200,
        blank=True,
        editable=False,
        help_text=_("The furigana in full-width katakana without spaces, set for lookup."),
    )
    email = models.EmailField(_("email"), blank=True)
    external_id = models.CharField(
        _("CRM id"),
        max_length=100,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Identifier of the customer in the external CRM."),
    )

    history = HistoricalRecords(verbose_name=_("historical customer"))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["furigana", "name"]
        indexes = [
            # varchar_pattern_ops on PostgreSQL so that LIKE 'prefix%' uses the index; the
            # trigram index for "phone contains" is made by migration 0012 on PostgreSQL only.
            models.Index(
                fields=["phone_digits"],
                name="customer_phone_digits_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["furigana_key"],
                name="customer_furigana_key_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def set_lookup_keys(self) -> None:
        """Fill ``phone_digits`` and ``furigana_key`` from ``phone`` and ``furigana``.

        Called by the services, the admin and the demo before saving; ``save()`` does not.
        """
        self.phone_digits = phone_key(self.phone)
        self.furigana_key = reading_key(self.furigana)


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    history = HistoricalRecords(verbose_name=_("historical category"))

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class EscalationRule(models.Model):
    """One row of the escalation matrix: (category, priority, reason) -> target tier and team."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: any category."),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, null=True, blank=True, help_text=_("Empty: any.")
    )
    reason = models.CharField(
        _("reason"), max_length=30, choices=Reason.choices, blank=True, help_text=_("Empty: any.")
    )
    target_tier = models.PositiveSmallIntegerField(_("target tier"), choices=Tier.choices)
    target_team = models.ForeignKey(
        Team, verbose_name=_("target team"), on_delete=models.PROTECT, related_name="rules"
    )
    target_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("target person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Optional: the person to hand to (their delegate while they are absent)."),
    )
    guidance = models.TextField(
        _("guidance"), blank=True, help_text=_("When and how to escalate: shown on the form.")
    )
    is_active = models.BooleanField(_("active"), default=True)
    review_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("review owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who keeps this rule current."),
    )
    next_review_on = models.DateField(
        _("next review on"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Past this date the rule is flagged as stale on the escalation flow page."),
    )
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)
    escalate_within_work = models.PositiveSmallIntegerField(
        _("escalate within (minutes from start of work)"),
        null=True,
        blank=True,
        help_text=_(
            "No hesitation: a case of this category and priority not escalated this many "
            "minutes after work started shows a nudge naming this rule's target. Empty: none."
        ),
    )
    escalate_within_hold = models.PositiveSmallIntegerField(
        _("escalate within (minutes from start of a hold)"),
        null=True,
        blank=True,
        help_text=_(
            "No hesitation: a held call of this category and priority not escalated further "
            "this many minutes after the hold started shows a nudge. Empty: none."
        ),
    )

    history = HistoricalRecords(verbose_name=_("historical escalation rule"))

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["target_tier", "category", "priority", "reason"]

    def __str__(self) -> str:
        any_ = _("any")
        return (
            f"{self.category or any_} / {self.get_priority_display() or any_} / "
            f"{self.get_reason_display() or any_} → {self.target_team}"
        )

    @property
    def specificity(self) -> int:
        return sum((self.category_id is not None, self.priority is not None, bool(self.reason)))

    def clean(self) -> None:
        if self.target_team_id and self.target_team.tier != self.target_tier:
            raise ValidationError(
                {"target_team": _("The target team belongs to another tier than the target tier.")}
            )
        if self.target_tier is not None and self.target_tier <= Tier.L1:
            raise ValidationError({"target_tier": _("Escalation goes to L2 or higher.")})
