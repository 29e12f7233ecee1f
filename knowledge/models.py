"""The knowledge base: articles with their own state machine, their links to cases, what the
escalate form suggested, and the search index (derived data, rebuilt from the articles and
cases by ``knowledge.indexing``)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from simple_history.models import HistoricalRecords

from kit.times import local_minute
from knowledge.policy import may
from knowledge.text import normalise, split_terms

REVIEW_PERIOD = dt.timedelta(days=180)


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("article status", "Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Audience(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    OPERATOR_SCRIPT = "operator_script", _("Operator script")


A = ArticleStatus


class Article(ConcurrentTransitionMixin, models.Model):
    """The working copy (title, body, ...) is what authors edit; the published copy
    (``published_title``, ``published_body``) is what readers and search see. Revising a
    published article returns the working copy to draft while the published copy stays visible
    until the new version is approved."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), help_text=_("Markdown. Raw HTML is removed when shown."))
    category = models.ForeignKey(
        "escalations.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    tags = models.CharField(
        _("tags"), max_length=200, blank=True, help_text=_("Separated by commas.")
    )
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.INTERNAL
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("article", "owner"),
        on_delete=models.PROTECT,
        related_name="owned_articles",
        help_text=_("Keeps the article right; reminded when its review date has passed."),
    )
    review_due = models.DateField(_("review date"))
    reviewed_at = models.DateTimeField(_("last reviewed at"), null=True, blank=True)
    review_reminded_for = models.DateField(
        _("review reminder sent for"), null=True, blank=True, editable=False
    )
    status = FSMField(
        _("status"), default=A.DRAFT, choices=ArticleStatus.choices, protected=True, db_index=True
    )
    published_title = models.CharField(_("published title"), max_length=200, blank=True)
    published_body = models.TextField(_("published body"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("published version"), default=0)
    source_case = models.ForeignKey(
        "escalations.Case",
        verbose_name=_("created from case"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="source_of_articles",
    )
    source_escalation = models.ForeignKey(
        "escalations.Escalation",
        verbose_name=_("drafted from the answer of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="drafted_articles",
        help_text=_("The escalation whose answer was returned as reusable."),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Counters, kept by the service that links articles to cases (each link is a history-tracked
    # CaseArticle row: that is their audit trail).
    used_count = models.PositiveIntegerField(_("used"), default=0, editable=False)
    solved_count = models.PositiveIntegerField(_("solved with"), default=0, editable=False)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0, editable=False)

    history = HistoricalRecords(verbose_name=_("historical article"))

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["review_due", "status"], name="article_review_idx")]
        permissions = [
            ("publish_article", _("Can review and publish articles")),
            ("archive_article", _("Can archive articles")),
        ]

    def __str__(self) -> str:
        return self.published_title or self.title

    @property
    def is_live(self) -> bool:
        """Readers see the published copy of a published article, or of one being revised."""
        return self.published_at is not None and self.status != A.ARCHIVED

    def review_overdue(self, today: dt.date) -> bool:
        return self.is_live and self.review_due < today

    # --- the state graph: each transition changes only this row --------------------------------

    @transition(
        field=status,
        source=A.DRAFT,
        target=A.IN_REVIEW,
        permission=may("submit"),
        custom={"label": _("Submit for review")},
    )
    def submit(self) -> None:
        pass

    @transition(
        field=status,
        source=A.IN_REVIEW,
        target=A.PUBLISHED,
        permission=may("approve"),
        custom={"label": _("Approve and publish")},
    )
    def approve(self, *, now: dt.datetime) -> None:
        self.published_title = self.title
        self.published_body = self.body
        self.published_at = now
        self.version += 1
        self._reviewed(now)

    @transition(
        field=status,
        source=A.IN_REVIEW,
        target=A.DRAFT,
        permission=may("reject"),
        custom={"label": _("Send back to draft")},
    )
    def reject(self) -> None:
        pass

    @transition(
        field=status,
        source=A.PUBLISHED,
        target=A.DRAFT,
        permission=may("revise"),
        custom={"label": _("Revise")},
    )
    def revise(self) -> None:
        pass

    @transition(
        field=status,
        source=A.PUBLISHED,
        target=A.PUBLISHED,
        permission=may("confirm_review"),
        custom={"label": _("Confirm review")},
    )
    def confirm_review(self, *, now: dt.datetime) -> None:
        self._reviewed(now)

    @transition(
        field=status,
        source=[A.DRAFT, A.IN_REVIEW, A.PUBLISHED],
        target=A.ARCHIVED,
        permission=may("archive"),
        custom={"label": _("Archive")},
    )
    def archive(self) -> None:
        pass

    def _reviewed(self, now: dt.datetime) -> None:
        self.reviewed_at = now
        self.review_due = max(self.review_due, timezone.localdate(now) + REVIEW_PERIOD)


class LinkKind(models.TextChoices):
    SOLVED_WITH = "solved_with", _("Solved with")
    SENT_TO_CUSTOMER = "sent_to_customer", _("Sent to customer")
    NOT_HELPFUL = "not_helpful", _("Not helpful")


class CaseArticle(models.Model):
    """An article used on a case, and how."""

    case = models.ForeignKey(
        "escalations.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="article_links",
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="case_links"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LinkKind.choices)
    version = models.PositiveIntegerField(_("article version"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    history = HistoricalRecords(verbose_name=_("historical case article"))

    class Meta:
        verbose_name = _("article used on a case")
        verbose_name_plural = _("articles used on cases")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "article", "kind"], name="casearticle_case_article_kind_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} / {self.article_id}: {self.get_kind_display()}"


class Deflection(models.Model):
    """Suggestions shown on a case's escalate form, and whether one was used instead of
    escalating."""

    case = models.ForeignKey(
        "escalations.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        related_name="deflections",
    )
    shown_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shown to"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    shown_at = models.DateTimeField(_("shown at"), default=timezone.now)
    query = models.TextField(_("query"))
    article_ids = models.JSONField(_("articles shown"), default=list)
    case_ids = models.JSONField(_("cases shown"), default=list)
    used_article = models.ForeignKey(
        Article,
        verbose_name=_("solved with article"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deflections",
    )
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    history = HistoricalRecords(verbose_name=_("historical deflection"))

    class Meta:
        verbose_name = _("suggestions shown before escalating")
        verbose_name_plural = _("suggestions shown before escalating")
        ordering = ["-shown_at"]
        indexes = [models.Index(fields=["case", "shown_at"], name="deflection_case_idx")]

    def __str__(self) -> str:
        return f"{self.case_id} {local_minute(self.shown_at)}"

    @property
    def was_used(self) -> bool:
        return self.used_at is not None


class RepeatCheck(models.Model):
    """Whether an escalation from L1 asked a question already answered within the 30 days
    before it (``knowledge.repeats``), decided once by the sweep ``knowledge.check_repeats``
    soon after the escalation: the dashboard counts these rows instead of comparing every
    handoff of the period on each view. ``earlier`` is the latest answered hop it repeats, or
    empty when it repeats none. Derived data (``manage.py check_repeats --recheck`` decides
    again, e.g. after the synonyms changed), so no history."""

    escalation = models.OneToOneField(
        "escalations.Escalation",
        verbose_name=_("escalation"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="repeat_check",
    )
    earlier = models.ForeignKey(
        "escalations.Escalation",
        verbose_name=_("repeats the answer of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    similarity = models.FloatField(_("similarity"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), default=timezone.now)

    class Meta:
        verbose_name = _("repeat escalation check")
        verbose_name_plural = _("repeat escalation checks")

    def __str__(self) -> str:
        return f"{self.escalation_id} ← {self.earlier_id or '-'}"


# --- the search index: derived data, no history (rebuilt from articles and cases) ------------


class DocumentKind(models.IntegerChoices):
    ARTICLE = 1, _("article")
    CASE = 2, _("resolved case")


class SearchDocument(models.Model):
    """One searchable thing: the published copy of a live article, or a resolved case's
    question. Derived from them by ``knowledge.indexing``; not edited, so no history."""

    kind = models.PositiveSmallIntegerField(choices=DocumentKind.choices)
    article = models.OneToOneField(
        Article, null=True, on_delete=models.CASCADE, related_name="search_document"
    )
    case = models.OneToOneField(
        "escalations.Case", null=True, on_delete=models.CASCADE, related_name="search_document"
    )
    title = models.CharField(max_length=200)
    body = models.TextField()
    answer = models.TextField(blank=True)
    review_due = models.DateField(null=True)
    freshness = models.DateTimeField(help_text="Last reviewed (articles) or resolved (cases).")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind=1, article__isnull=False, case__isnull=True)
                    | models.Q(kind=2, article__isnull=True, case__isnull=False)
                ),
                name="searchdocument_one_source",
            )
        ]

    def __str__(self) -> str:
        return self.title


class SearchPosting(models.Model):
    """The postings, packed (``knowledge.postings``): for one document kind, one gram and one
    block of ``BLOCK_SIZE`` document ids, the documents of the block that contain the gram and
    those of them that have it in their title. The primary key is the index search reads: one
    range scan per gram, a few rows however common the gram, on SQLite and PostgreSQL alike,
    whatever the locale.
    ``count`` (postings in the row) gives a gram's document frequency without reading them."""

    pk = models.CompositePrimaryKey("kind", "gram", "block")
    kind = models.PositiveSmallIntegerField(choices=DocumentKind.choices)
    gram = models.CharField(max_length=2)
    block = models.PositiveIntegerField()
    count = models.PositiveIntegerField()
    documents = models.BinaryField()
    titles = models.BinaryField()

    def __str__(self) -> str:
        return f"{self.gram} ({self.block})"


class SynonymGroup(models.Model):
    """Words that mean the same to the people who call (解約・退会・キャンセル): a query that has
    one of them is also searched with the others. Kept by supervisors and managers in the admin."""

    terms = models.CharField(
        _("words"),
        max_length=500,
        help_text=_(
            "Two or more words that mean the same, separated by 「、」「・」, commas or new lines."
        ),
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(verbose_name=_("historical synonym group"))

    class Meta:
        verbose_name = _("synonym group")
        verbose_name_plural = _("synonym groups")
        ordering = ["terms"]

    def __str__(self) -> str:
        return "・".join(self.term_list())

    def term_list(self) -> list[str]:
        """The words as written, in order, without repeats."""
        return split_terms(self.terms)

    def clean(self) -> None:
        if len({normalise(term) for term in self.term_list()}) < 2:
            raise ValidationError({"terms": _("Give at least two different words.")})
