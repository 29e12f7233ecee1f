from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from accounts.models import Team, Tier, User
from escalations.models.catalog import Category, Customer, EscalationRule
from escalations.models.choices import CaseStatus, Channel, Mood, Reason, S
from escalations.models.hold import HoldOutcome
from escalations.policy import may
from escalations.priority import Impact, Priority, Urgency
from kit.times import local_minute

# a case no one works on any more (the partial indexes of open cases leave these out)
DONE_STATUS = models.Q(status__in=["resolved", "closed"])


class CaseReferenceCounter(models.Model):
    """Last case number used per year, for human-readable references (C-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Case(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="cases"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices)
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        choices=Priority.choices,
        editable=False,
        help_text=_("Derived from impact and urgency through the priority matrix."),
    )
    # Indexed by case_status_idx below: a field's own index would come with a second one for
    # LIKE lookups (varchar_pattern_ops) that nothing makes, written at every transition.
    status = FSMField(_("status"), default=S.NEW, choices=CaseStatus.choices, protected=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_cases",
        help_text=_("The first-line operator who keeps the customer for the whole case."),
        db_index=False,  # served by case_owner_status_idx (owner, status)
    )
    owner_team = models.ForeignKey(
        Team,
        verbose_name=_("owner team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_cases",
        db_index=False,  # served by case_ownerteam_status_idx (owner_team, status)
    )
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, default=Tier.L1)
    assigned_team = models.ForeignKey(
        Team,
        verbose_name=_("assigned team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        db_index=False,  # served by case_team_status_idx (assigned_team, status)
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_cases",
        help_text=_("Whoever must act next. Empty: the assigned team's queue."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The nearest deadline of the case's running SLA timers (none run: empty), for sorting the
    # work queue by it with an index. Kept by the database: triggers on the timers (and on
    # this column, whatever a save writes into it) recompute it in the statement that changes
    # a timer (escalations/migrations/0021_case_sla_next_due.py).
    sla_next_due = models.DateTimeField(_("next SLA deadline"), null=True, editable=False)

    # The history tables are read by object, user and date (audit log, timeline): the copies
    # of the case's own indexes would only slow down every write (the SLA sweep writes
    # thousands of history rows a second in a burst), so they are left out.
    history = HistoricalRecords(
        verbose_name=_("historical case"),
        no_db_index=[
            "reference",
            "status",
            "created_at",
            "customer",
            "category",
            "owner",
            "owner_team",
            "assigned_team",
            "handler",
        ],
        excluded_fields=["sla_next_due"],  # derived from the timers, not a change of the case
    )

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        # Each escalation rewrites the case row with a new tier, team and handler: every index
        # of the table gets an entry (bench/README.md "SLA sweep"). A foreign key that leads
        # one of these has no index of its own.
        indexes = [
            models.Index(fields=["status"], name="case_status_idx"),
            models.Index(fields=["assigned_team", "status"], name="case_team_status_idx"),
            models.Index(fields=["owner", "status"], name="case_owner_status_idx"),
            models.Index(fields=["owner_team", "status"], name="case_ownerteam_status_idx"),
            # "my open work" (the operator's case list): the person's open cases alone, not
            # their closed past ANDed with every open case (bench/README.md, case list)
            models.Index(fields=["owner"], name="case_owner_open_idx", condition=~DONE_STATUS),
            models.Index(fields=["handler"], name="case_handler_open_idx", condition=~DONE_STATUS),
            # the team's queue by the nearest SLA deadline (the supervisor's default view)
            models.Index(
                fields=["assigned_team", "sla_next_due"],
                name="case_team_sla_open_idx",
                condition=~DONE_STATUS,
            ),
        ]
        permissions = [
            ("view_all_cases", _("Can view all cases")),
            ("start_work_case", _("Can start work on a case")),
            ("escalate_case", _("Can escalate a case")),
            ("escalate_further_case", _("Can escalate a case further")),
            ("acknowledge_case", _("Can acknowledge an escalation")),
            ("return_case", _("Can answer and return a case to its owner")),
            ("wait_customer_case", _("Can set a case to wait for the customer and resume it")),
            ("resolve_case", _("Can resolve a case")),
            ("close_case", _("Can close a case")),
            ("reopen_case", _("Can reopen a case")),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    # --- the state graph: each transition changes only this row --------------------------------

    @transition(
        field=status,
        source=[S.NEW, S.RETURNED],
        target=S.IN_PROGRESS,
        permission=may("start_work"),
        custom={"label": _("Start work")},
    )
    def start_work(self) -> None:
        self.handler_id = self.owner_id
        if self.first_response_at is None:
            self.first_response_at = timezone.now()

    @transition(
        field=status,
        source=[S.IN_PROGRESS, S.RETURNED],
        target=S.ESCALATED,
        permission=may("escalate"),
        custom={"label": _("Escalate")},
    )
    def escalate(self, *, tier: int, team: Team, handler: User | None) -> None:
        self._route(tier=tier, team=team, handler=handler)

    @transition(
        field=status,
        source=[S.ESCALATED, S.ACKNOWLEDGED],
        target=S.ESCALATED,
        permission=may("escalate_further"),
        conditions=[lambda c: c.tier < Tier.L4],
        custom={"label": _("Escalate further")},
    )
    def escalate_further(self, *, tier: int, team: Team, handler: User | None) -> None:
        self._route(tier=tier, team=team, handler=handler)

    @transition(
        field=status,
        source=S.ESCALATED,
        target=S.ACKNOWLEDGED,
        permission=may("acknowledge"),
        custom={"label": _("Acknowledge")},
    )
    def acknowledge(self, *, by_id: int) -> None:
        self.handler_id = by_id

    @transition(
        field=status,
        source=[S.ESCALATED, S.ACKNOWLEDGED],
        target=S.RETURNED,
        permission=may("return_to_owner"),
        custom={"label": _("Answer and return")},
    )
    def return_to_owner(self) -> None:
        self.tier = Tier.L1
        self.assigned_team_id = self.owner_team_id
        self.handler_id = self.owner_id

    @transition(
        field=status,
        source=[S.IN_PROGRESS, S.RETURNED],
        target=S.PENDING_CUSTOMER,
        permission=may("wait_for_customer"),
        custom={"label": _("Wait for customer")},
    )
    def wait_for_customer(self) -> None:
        pass

    @transition(
        field=status,
        source=S.PENDING_CUSTOMER,
        target=S.IN_PROGRESS,
        permission=may("resume"),
        custom={"label": _("Resume")},
    )
    def resume(self) -> None:
        pass

    @transition(
        field=status,
        source=[S.IN_PROGRESS, S.RETURNED, S.PENDING_CUSTOMER],
        target=S.RESOLVED,
        permission=may("resolve"),
        custom={"label": _("Resolve")},
    )
    def resolve(self) -> None:
        self.resolved_at = timezone.now()

    @transition(
        field=status,
        source=S.RESOLVED,
        target=S.CLOSED,
        permission=may("close"),
        custom={"label": pgettext_lazy("case transition", "Close")},
    )
    def close(self) -> None:
        self.closed_at = timezone.now()

    @transition(
        field=status,
        source=S.RESOLVED,
        target=S.IN_PROGRESS,
        permission=may("reopen"),
        custom={"label": _("Reopen")},
    )
    def reopen(self) -> None:
        self.resolved_at = None
        self.handler_id = self.owner_id

    def _route(self, *, tier: int, team: Team, handler: User | None) -> None:
        # the rows themselves, not their keys: the case then holds the new team and handler as
        # the escalation read them (in its transaction), and its answer needs no second read
        self.tier = tier
        self.assigned_team = team
        self.handler = handler


class NoteKind(models.TextChoices):
    CALL_LOG = "call_log", _("Call log")
    INTERNAL = "internal", _("Internal note")
    HANDOFF = "handoff", _("Handoff")
    ANSWER = "answer", _("Answer")
    STATUS = "status", _("Status change")
    HOLD = "hold", _("Customer on hold")
    CALLBACK = "callback", _("Callback")


class CaseNote(models.Model):
    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="notes",
        db_index=False,  # served by note_case_time_idx (case, created_at)
    )
    kind = models.CharField(_("kind"), max_length=10, choices=NoteKind.choices)
    body = models.TextField(_("body"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    transition = models.ForeignKey(
        "escalations.HistoricalCase",
        verbose_name=_("written with"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # history rows may be purged; the note stays
        related_name="+",
        help_text=_("The change of the case (its history row) this note was written with."),
    )

    history = HistoricalRecords(
        verbose_name=_("historical case note"),
        no_db_index=["author"],
        excluded_fields=["transition"],  # bookkeeping written with the note, not a change of it
    )

    class Meta:
        verbose_name = _("case note")
        verbose_name_plural = _("case notes")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="note_case_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({local_minute(self.created_at)})"


class EscalationOutcome(models.TextChoices):
    OPEN = "", _("Open")
    ANSWERED = "answered", _("Answered")
    ESCALATED_FURTHER = "escalated_further", _("Escalated further")


class Escalation(models.Model):
    """One hop from a tier to a higher one, with its structured handoff."""

    case = models.ForeignKey(
        Case,
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="escalations",
        db_index=False,  # served by escalation_case_number_uniq (case, number)
    )
    number = models.PositiveSmallIntegerField(_("hop"))
    from_tier = models.PositiveSmallIntegerField(_("from tier"), choices=Tier.choices)
    to_tier = models.PositiveSmallIntegerField(_("to tier"), choices=Tier.choices)
    to_team = models.ForeignKey(
        Team,
        verbose_name=_("target team"),
        on_delete=models.PROTECT,
        related_name="escalations",
        db_index=False,  # served by escalation_team_outcome_idx (to_team, outcome)
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("target person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    routed_from = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("routed from (absent)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The absent person whose delegate received this escalation."),
    )
    rule = models.ForeignKey(
        EscalationRule,
        verbose_name=_("rule"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="escalations",
    )
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    customer_wants = models.TextField(_("what the customer wants"))
    tried = models.TextField(_("what was tried"))
    customer_mood = models.CharField(_("customer's mood"), max_length=15, choices=Mood.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer = models.TextField(_("answer"), blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=EscalationOutcome.choices, blank=True, default=""
    )
    reusable = models.BooleanField(
        _("reusable answer"),
        null=True,
        blank=True,
        help_text=_(
            "Asked when the answer is returned: a reusable answer becomes a knowledge article "
            "(a draft in review). Empty: answered before the question was asked."
        ),
    )
    not_reusable_reason = models.CharField(
        _("why the answer is not reusable"), max_length=200, blank=True
    )
    is_automatic = models.BooleanField(
        _("automatic"), default=False, help_text=_("Escalated by the system (SLA breach).")
    )
    on_hold_since = models.DateTimeField(
        _("customer on hold since"),
        null=True,
        blank=True,
        help_text=_("A live escalation: the customer waits on the line."),
    )
    hold_ended_at = models.DateTimeField(_("hold ended at"), null=True, blank=True)
    hold_outcome = models.CharField(
        _("hold outcome"), max_length=10, choices=HoldOutcome.choices, blank=True
    )
    transition = models.ForeignKey(
        "escalations.HistoricalCase",
        verbose_name=_("opened with"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # history rows may be purged; the hop stays
        related_name="+",
        help_text=_("The change of the case (its history row) that opened this hop."),
    )

    history = HistoricalRecords(
        verbose_name=_("historical escalation"),
        excluded_fields=["transition"],  # bookkeeping written with the hop, not a change of it
        no_db_index=[  # read by object, case, user and date only (see Case.history)
            "to_team",
            "to_user",
            "routed_from",
            "rule",
            "requested_by",
            "acknowledged_by",
            "answered_by",
        ],
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["case", "number"]
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="escalation_case_number_uniq")
        ]
        indexes = [
            models.Index(fields=["to_team", "outcome"], name="escalation_team_outcome_idx"),
            models.Index(
                fields=["on_hold_since"],
                name="escalation_on_hold_idx",
                condition=models.Q(on_hold_since__isnull=False, hold_ended_at__isnull=True),
            ),
            # the case list's hold column and sort: each listed case's open hold, looked up in
            # this small index (index-only; nothing found for most cases) instead of its hops
            models.Index(
                fields=["case", "on_hold_since"],
                name="escalation_case_on_hold_idx",
                condition=models.Q(on_hold_since__isnull=False, hold_ended_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.number} L{self.from_tier}→L{self.to_tier} {self.to_team.name}"

    @property
    def is_on_hold(self) -> bool:
        return self.on_hold_since is not None and self.hold_ended_at is None

    @property
    def hold_duration(self):
        """How long the customer waited (so far, while still on hold)."""
        if self.on_hold_since is None:
            return None
        return (self.hold_ended_at or timezone.now()) - self.on_hold_since
