"""Use cases on the knowledge base: the one way to write articles, move them through review,
link them to cases, record suggestions, and remind owners of reviews.

Each transition service checks ``knowledge.policy``, runs the model's transition on the locked
row, saves once (one history row with the user and the reason) and updates the search index,
all inside one transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm
from simple_history.utils import bulk_update_with_history

from accounts.models import User
from escalations import notifications
from escalations import services as case_services
from escalations.models import Case, CaseStatus, Category, EscalationOutcome, NoteKind
from escalations.selectors import case_is_visible_to
from knowledge import indexing
from knowledge.models import (
    REVIEW_PERIOD,
    Article,
    ArticleStatus,
    Audience,
    CaseArticle,
    Deflection,
    LinkKind,
)
from knowledge.search import Hit


class ArticleConflict(Exception):
    """The article changed underneath, or the action does not apply to its status (HTTP 409)."""

    def __init__(self, article: Article, message: str) -> None:
        super().__init__(message)
        self.article = article
        self.message = message


EDITABLE_FIELDS = ("title", "body", "category", "tags", "audience", "owner", "review_due")


def _clean_fields(values: dict[str, Any]) -> None:
    errors = {}
    if "title" in values and not str(values["title"]).strip():
        errors["title"] = _("A title is required.")
    if "body" in values and not str(values["body"]).strip():
        errors["body"] = _("The body is empty.")
    if "audience" in values and values["audience"] not in Audience.values:
        errors["audience"] = _("Choose a valid audience.")
    if errors:
        raise ValidationError(errors)


def _save(article: Article, actor: User, reason: str) -> None:
    article._history_user = actor
    article._change_reason = reason
    article.save()


def article_create(
    *,
    actor: User,
    title: str,
    body: str,
    category: Category | None = None,
    tags: str = "",
    audience: str = Audience.INTERNAL,
    owner: User | None = None,
    review_due: dt.date | None = None,
    source_case: Case | None = None,
) -> Article:
    """Write a new draft. The owner (default: the author) keeps it right."""
    if not actor.is_active or not actor.has_perm("knowledge.add_article"):
        raise PermissionDenied(_("You may not write articles."))
    _clean_fields({"title": title, "body": body, "audience": audience})
    article = Article(
        title=title.strip(),
        body=body,
        category=category,
        tags=tags.strip(),
        audience=audience,
        owner=owner or actor,
        review_due=review_due or timezone.localdate() + REVIEW_PERIOD,
        source_case=source_case,
    )
    with transaction.atomic():
        _save(article, actor, f"create from {source_case.reference}" if source_case else "create")
    return article


def article_update(*, article: Article, actor: User, **changes: Any) -> Article:
    """Edit the working copy of a draft (a published article is revised first)."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be edited: %s") % ", ".join(sorted(unknown)))
    if not actor.is_active or not actor.has_perm("knowledge.change_article"):
        raise PermissionDenied(_("You may not edit articles."))
    changed = [name for name, value in changes.items() if getattr(article, name) != value]
    if not changed:
        return article
    _clean_fields({name: changes[name] for name in changed})
    with transaction.atomic():
        _lock_unchanged(article)
        if article.status != ArticleStatus.DRAFT:
            raise ValidationError(
                _("Only a draft can be edited: revise the published article first.")
            )
        for name in changed:
            setattr(article, name, changes[name])
        _save(article, actor, "edit: " + ", ".join(changed))
    return article


# --- the review workflow --------------------------------------------------------------------


def _lock_unchanged(article: Article) -> None:
    current = (
        Article.objects.select_for_update()
        .filter(pk=article.pk)
        .values_list("status", flat=True)
        .first()
    )
    if current != article.status:
        raise ArticleConflict(
            article, _("The article was changed by someone else. Reload it and try again.")
        )


# What changes the published copy, its review date or whether it is live: submitting,
# sending back and revising leave the published copy (and so the index) as it was.
REINDEX = {"approve", "confirm_review", "archive"}


def _run(article: Article, *, actor: User, name: str, reason: str = "", **kwargs: Any) -> None:
    """Check, run and save one transition, then update the index (caller holds the
    transaction)."""
    _lock_unchanged(article)
    method = getattr(article, name)
    if not can_proceed(method):
        raise ArticleConflict(
            article,
            _("This action is not possible while the article is “%(status)s”.")
            % {"status": article.get_status_display()},
        )
    if not has_transition_perm(method, actor):
        raise PermissionDenied(_("You may not do this with this article."))
    method(**kwargs)
    try:
        _save(article, actor, f"{name}: {reason}" if reason else name)
    except ConcurrentTransition as exc:
        raise ArticleConflict(
            article, _("The article was changed by someone else. Reload it and try again.")
        ) from exc
    if name in REINDEX:
        indexing.index_article(article)


def _transition(name: str, *, with_now: bool = False):
    def service(*, article: Article, actor: User, comment: str = "") -> Article:
        with transaction.atomic():
            kwargs = {"now": timezone.now()} if with_now else {}
            _run(article, actor=actor, name=name, reason=comment.strip(), **kwargs)
        return article

    service.__name__ = f"article_{name}"
    service.__doc__ = f"Run the article's ``{name}`` transition."
    return service


article_submit = _transition("submit")
article_approve = _transition("approve", with_now=True)
article_reject = _transition("reject")
article_revise = _transition("revise")
article_confirm_review = _transition("confirm_review", with_now=True)
article_archive = _transition("archive")

SERVICES = {
    "submit": article_submit,
    "approve": article_approve,
    "reject": article_reject,
    "revise": article_revise,
    "confirm_review": article_confirm_review,
    "archive": article_archive,
}


# --- articles and cases ---------------------------------------------------------------------

COUNTERS = {
    LinkKind.SOLVED_WITH: {"used_count": 1, "solved_count": 1},
    LinkKind.SENT_TO_CUSTOMER: {"used_count": 1},
    LinkKind.NOT_HELPFUL: {"not_helpful_count": 1},
}


def case_article_link(*, case: Case, article: Article, kind: str, actor: User) -> CaseArticle:
    """Record that ``article`` was used on ``case`` (once per kind) and count it."""
    if kind not in LinkKind.values:
        raise ValidationError({"kind": _("Choose how the article was used.")})
    if not actor.has_perm("knowledge.add_casearticle") or not case_is_visible_to(case, actor):
        raise PermissionDenied(_("You may not link articles to this case."))
    if not article.is_live:
        raise ValidationError(_("Only a published article can be used on a case."))
    with transaction.atomic():
        link = CaseArticle.objects.filter(case=case, article=article, kind=kind).first()
        if link is not None:
            return link
        link = CaseArticle(
            case=case, article=article, kind=kind, version=article.version, created_by=actor
        )
        link._history_user = actor
        link._change_reason = kind
        link.save()
        # Counters move with F() (no lost update between two links at once); the CaseArticle
        # row above, with its history, is their audit trail.
        Article.objects.filter(pk=article.pk).update(
            **{field: F(field) + step for field, step in COUNTERS[LinkKind(kind)].items()}
        )
    return link


def _handoff_and_answer(case: Case) -> tuple[str, str]:
    hop = case.escalations.filter(outcome=EscalationOutcome.ANSWERED).order_by("-number").first()
    question = (hop.customer_wants if hop else "") or case.description or case.subject
    answer = hop.answer if hop else ""
    if not answer:
        answer = (
            case.notes.filter(kind=NoteKind.STATUS)
            .order_by("-created_at", "-pk")
            .values_list("body", flat=True)
            .first()
        ) or ""
    return question, answer


def article_from_case(*, case: Case, actor: User) -> Article:
    """A draft pre-filled with the customer's question (from the handoff) and the answer that
    came back, linked to the case it comes from."""
    if case.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
        raise ValidationError(_("Only a resolved case can become an article."))
    if not case_is_visible_to(case, actor):
        raise PermissionDenied(_("You may not see this case."))
    question, answer = _handoff_and_answer(case)
    question_heading, answer_heading = _("Question"), _("Answer")
    body = "\n\n".join(
        [
            f"## {question_heading}",
            question.strip(),
            f"## {answer_heading}",
            answer.strip() or _("(write the answer here)"),
        ]
    )
    return article_create(
        actor=actor, title=case.subject, body=body, category=case.category, source_case=case
    )


# --- deflection at the moment of escalating -------------------------------------------------


def deflection_record(*, case: Case, actor: User, query: str, hits: list[Hit]) -> Deflection:
    """Record that suggestions were shown on the case's escalate form."""
    deflection = Deflection(
        case=case,
        shown_to=actor,
        query=query,
        article_ids=[hit.pk for hit in hits if hit.kind == "article"],
        case_ids=[hit.pk for hit in hits if hit.kind == "case"],
    )
    deflection._history_user = actor
    deflection._change_reason = "shown"
    deflection.save()
    return deflection


def case_solved_with(
    *,
    case: Case,
    article: Article,
    actor: User,
    deflection: Deflection | None = None,
    comment: str = "",
    expected_status: str | None = None,
) -> Case:
    """The suggested article answered the customer: resolve the case at L1 (through the case's
    own resolve service), link the article as "solved with" and mark the suggestion used."""
    if not article.is_live:
        raise ValidationError(_("Only a published article can solve a case."))
    resolution = _("Solved with article: %(title)s") % {"title": article.published_title}
    if comment.strip():
        resolution += "\n" + comment.strip()
    with transaction.atomic():
        case_services.case_resolve(
            case=case, actor=actor, resolution=resolution, expected_status=expected_status
        )
        case_article_link(case=case, article=article, kind=LinkKind.SOLVED_WITH, actor=actor)
        if deflection is not None and deflection.case_id == case.pk and not deflection.was_used:
            deflection.used_article = article
            deflection.used_at = timezone.now()
            deflection._history_user = actor
            deflection._change_reason = "solved with"
            deflection.save(update_fields=["used_article", "used_at"])
    return case


# --- review reminders -----------------------------------------------------------------------


def notify_review_overdue(*, today: dt.date | None = None, batch_size: int = 500) -> int:
    """Remind the owner of each live article whose review date has passed, once per review
    period (``review_reminded_for`` remembers the date reminded about; confirming the review
    moves the date, which starts a new period). Safe to run twice or in two workers at once.
    Queries: one outbox INSERT per article, the rest per batch."""
    from accounts.services import system_user

    today = today or timezone.localdate()
    system = system_user()
    reminded = 0
    while True:
        with transaction.atomic():
            due = list(
                Article.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    status__in=[ArticleStatus.PUBLISHED, ArticleStatus.DRAFT],
                    published_at__isnull=False,
                    review_due__lt=today,
                )
                .exclude(review_reminded_for=F("review_due"))
                .select_related("owner", "owner__delegate")
                .order_by("review_due", "pk")[:batch_size]
            )
            if not due:
                return reminded
            with notifications.batched():
                for article in due:
                    _remind(article)
            # One UPDATE and one history INSERT for the batch, with the system user and reason.
            bulk_update_with_history(
                due,
                Article,
                ["review_reminded_for"],
                default_user=system,
                default_change_reason="review reminder sent",
            )
            reminded += len(due)


def _remind(article: Article) -> None:
    subject = _("Article review overdue: %(title)s") % {"title": article.published_title}
    text = _(
        "The review date of the article “%(title)s” was %(due)s. Check that it is still right "
        "and confirm its review, revise it or archive it."
    ) % {"title": article.published_title, "due": article.review_due.isoformat()}
    notifications.notify_users(
        [article.owner],
        event_type="article.review_overdue",
        subject=subject,
        payload={"text": text, "article": article.pk, "review_due": article.review_due},
    )
    article.review_reminded_for = article.review_due
