import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from accounts.secrets import new_webhook_secret


class Tier(models.IntegerChoices):
    L1 = 1, _("L1 operators")
    L2 = 2, _("L2 supervisors")
    L3 = 3, _("L3 specialists / development")
    L4 = 4, _("L4 vendor / management")


class Language(models.TextChoices):
    """The language of what is sent to a person (their emails)."""

    JA = "ja", _("Japanese")
    EN = "en", _("English")


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=150, blank=True)
    furigana = models.CharField(
        _("furigana"), max_length=150, blank=True, help_text=_("Reading of the name in kana.")
    )
    extension = models.CharField(
        _("extension number"), max_length=20, blank=True, help_text=_("Internal phone extension.")
    )
    is_absent = models.BooleanField(
        _("absent"),
        default=False,
        help_text=_(
            "While absent, escalations and notifications for this person go to the delegate."
        ),
    )
    absent_until = models.DateTimeField(
        _("absent until"),
        null=True,
        blank=True,
        help_text=_(
            "Back from this time: the absence ends by itself (within a minute). Empty: until "
            "someone marks the person present."
        ),
    )
    delegate = models.ForeignKey(
        "self",
        verbose_name=_("delegate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="delegators",
        help_text=_("Receives what is sent to this person while they are absent."),
    )
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=Language.choices,
        default=Language.JA,
        help_text=_("The language of the emails sent to this person."),
    )

    is_service_account = models.BooleanField(
        _("service account"),
        default=False,
        help_text=_(
            "An integration's account (CTI, CRM, ...): administrators may issue API tokens for "
            "it when they hold all of its permissions. Only a superuser sets this flag."
        ),
    )

    history = HistoricalRecords(
        excluded_fields=["password", "last_login"],
        m2m_fields=["groups"],  # the roles
        verbose_name=_("historical user"),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        indexes = [
            # the sweep that ends absences whose until-time has passed
            models.Index(
                fields=["absent_until"],
                name="user_absence_ends_idx",
                condition=models.Q(is_absent=True, absent_until__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def get_short_name(self) -> str:
        return self.display_name or super().get_short_name() or self.username

    def effective_recipient(self) -> "User | None":
        """Who actually receives what is sent to this user: the first present person along the
        delegate chain, or ``None`` when everyone on it is absent. A deactivated account counts
        as absent: it passes to its delegate and is passed over as one."""
        seen: set[int] = set()
        person: User | None = self
        while person is not None and person.pk not in seen:
            if person.is_active and not person.is_absent:
                return person
            seen.add(person.pk)
            person = person.delegate
        return None


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, db_index=True)
    is_tier_default = models.BooleanField(
        _("default team of its tier"),
        default=False,
        help_text=_(
            "Receives the escalations to this tier that no escalation rule matches. One per tier."
        ),
    )
    lead = models.ForeignKey(
        User,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        User, verbose_name=_("members"), blank=True, related_name="teams"
    )
    email = models.EmailField(_("email"), blank=True)
    webhook_url = models.URLField(_("webhook URL"), blank=True)
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=100,
        default=new_webhook_secret,
        help_text=_("Shared secret for the HMAC-SHA256 signature of webhook notifications."),
    )
    phone = models.CharField(
        _("phone"), max_length=30, blank=True, help_text=_("Number for the manual call tree.")
    )
    review_owner = models.ForeignKey(
        User,
        verbose_name=_("review owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who keeps this team's contact list current."),
    )
    next_review_on = models.DateField(
        _("next review on"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_(
            "Past this date the contact list is flagged as stale on the escalation flow page."
        ),
    )
    last_reviewed_on = models.DateField(_("last reviewed on"), null=True, blank=True)

    history = HistoricalRecords(m2m_fields=[members], verbose_name=_("historical team"))

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["tier", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["tier"],
                condition=models.Q(is_tier_default=True),
                name="one_default_team_per_tier",
                violation_error_message=_("This tier already has a default team."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_tier_display()})"


class Absence(User):
    """People's absence and delegate, as an admin page of its own: each person for themselves,
    leads and supervisors for their teams (``accounts.absence``)."""

    class Meta:
        proxy = True
        verbose_name = _("absence and delegate")
        verbose_name_plural = _("absences and delegates")


class AbsenceReason(models.TextChoices):
    LEAVE = "leave", _("leave")
    MEETING = "meeting", _("meeting")
    TRAINING = "training", _("training")
    OTHER = "other", _("other")


class AbsencePeriod(models.Model):
    """A time a person is away, from–until (an empty until: until someone ends it), with who
    stands in. The one source of "is X absent at t" (``accounts.absence.absent_between``);
    ``User.is_absent`` / ``absent_until`` / ``delegate`` are its copy for *now*, kept in step
    by ``accounts.absence.absence_sync`` (at once when a period is saved, and every minute)."""

    user = models.ForeignKey(
        User, verbose_name=_("name"), on_delete=models.CASCADE, related_name="absence_periods"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(
        _("until"), null=True, blank=True, help_text=_("Empty: until someone ends it.")
    )
    reason = models.CharField(
        _("reason"), max_length=20, choices=AbsenceReason.choices, default=AbsenceReason.OTHER
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    delegate = models.ForeignKey(
        User,
        verbose_name=_("delegate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Receives what is sent to this person during the period."),
    )
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    history = HistoricalRecords(verbose_name=_("historical absence period"))

    class Meta:
        verbose_name = _("absence period")
        verbose_name_plural = _("absence periods")
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["user", "starts_at"], name="absence_period_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True)
                | models.Q(ends_at__gt=models.F("starts_at")),
                name="absence_period_ends_after_start",
                violation_error_message=_("The until-time must be after the from-time."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.get_reason_display()}"


class OnCallRotation(models.Model):
    """Who is a team's contact at any time: the members take turns, one business day each,
    handing over at a time of day; a shift runs to the next business day's handover (nights,
    weekends and holidays belong to the last business day's person). Overrides come first.
    The pure rule is ``accounts.oncall.on_call_at``."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="rotations"
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(
        _("starts on"), help_text=_("The first business day from this date is the first member's.")
    )
    handover_at = models.TimeField(
        _("handover at"), default=dt.time(9), help_text=_("Local time of the daily handover.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    history = HistoricalRecords(verbose_name=_("historical on-call rotation"))

    class Meta:
        verbose_name = _("on-call rotation")
        verbose_name_plural = _("on-call rotations")
        ordering = ["team", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team"],
                condition=models.Q(is_active=True),
                name="one_active_rotation_per_team",
                violation_error_message=_("This team already has an active on-call rotation."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.team.name}: {self.name}"


class OnCallMember(models.Model):
    rotation = models.ForeignKey(
        OnCallRotation, on_delete=models.CASCADE, related_name="turns", verbose_name=_("rotation")
    )
    user = models.ForeignKey(
        User, verbose_name=_("name"), on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    history = HistoricalRecords(verbose_name=_("historical on-call turn"))

    class Meta:
        verbose_name = _("on-call turn")
        verbose_name_plural = _("on-call turns")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.position}: {self.user}"


class OnCallOverride(models.Model):
    """Someone else is on call for a while (a swap, cover for a shift)."""

    rotation = models.ForeignKey(
        OnCallRotation,
        on_delete=models.CASCADE,
        related_name="overrides",
        verbose_name=_("rotation"),
    )
    user = models.ForeignKey(
        User, verbose_name=_("name"), on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    history = HistoricalRecords(verbose_name=_("historical on-call override"))

    class Meta:
        verbose_name = _("on-call override")
        verbose_name_plural = _("on-call overrides")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="on_call_override_ends_after_start",
                violation_error_message=_("The until-time must be after the from-time."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}"
