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
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_update_with_history

from accounts.models import User
from accounts.services import system_user
from escalations import services as case_services
from escalations.models import (
    Case,
    CaseStatus,
    Category,
    Escalation,
    EscalationOutcome,
    NoteKind,
)
from escalations.selectors import case_is_visible_to
from kit.audit import audited_save
from kit.statemachine import StateMachine
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
from notifications import outbox
from notifications.models import InboxKind

ARTICLES = StateMachine(
    model=Article,
    changed=gettext_lazy("The article was changed by someone else. Reload it and try again."),
    not_possible=gettext_lazy("This action is not possible while the article is “%(status)s”."),
    stale=gettext_lazy(
        "The article was changed by someone else (now “%(status)s”). Check it and try again."
    ),
    forbidden=gettext_lazy("You may not do this with this article."),
)


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
    source_escalation: Escalation | None = None,
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
        source_escalation=source_escalation,
    )
    with transaction.atomic():
        audited_save(
            article,
            actor=actor,
            reason=f"create from {source_case.reference}" if source_case else "create",
        )
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
        ARTICLES.lock_unchanged(article)
        if article.status != ArticleStatus.DRAFT:
            raise ValidationError(
                _("Only a draft can be edited: revise the published article first.")
            )
        for name in changed:
            setattr(article, name, changes[name])
        audited_save(article, actor=actor, reason="edit: " + ", ".join(changed))
    return article


# --- the review workflow --------------------------------------------------------------------


# What changes the published copy, its review date or whether it is live: submitting,
# sending back and revising leave the published copy (and so the index) as it was.
REINDEX = {"approve", "confirm_review", "archive"}


def _run(
    article: Article,
    *,
    actor: User,
    name: str,
    comment: str,
    expected_status: str | None,
    **kwargs: Any,
) -> Article:
    """Run one transition of the article (the kit's runner), then update the search index."""
    with transaction.atomic():
        ARTICLES.run(
            article,
            actor=actor,
            name=name,
            reason=comment.strip(),
            expected_status=expected_status,
            **kwargs,
        )
        if name in REINDEX:
            indexing.index_article(article)
    return article


def article_submit(
    *, article: Article, actor: User, comment: str = "", expected_status: str | None = None
) -> Article:
    """Send a draft for review."""
    return _run(
        article, actor=actor, name="submit", comment=comment, expected_status=expected_status
    )


def article_approve(
    *, article: Article, actor: User, comment: str = "", expected_status: str | None = None
) -> Article:
    """Publish the article in review (its working copy becomes the published copy)."""
    return _run(
        article,
        actor=actor,
        name="approve",
        comment=comment,
        expected_status=expected_status,
        now=timezone.now(),
    )


def article_reject(
    *, article: Article, actor: User, comment: str = "", expected_status: str | None = None
) -> Article:
    """Send the article in review back to its writer as a draft."""
    return _run(
        article, actor=actor, name="reject", comment=comment, expected_status=expected_status
    )


def article_revise(
    *, article: Article, actor: User, comment: str = "", expected_status: str | None = None
) -> Article:
    """Start a new working copy of a published article (the published copy stays live)."""
    return _run(
        article, actor=actor, name="revise", comment=comment, expected_status=expected_status
    )


def article_confirm_review(
    *, article: Article, actor: User, comment: str = "", expected_status: str | None = None
) -> Article:
    """The article is still right: its next review date moves on."""
    return _run(
        article,
        actor=actor,
        name="confirm_review",
        comment=comment,
        expected_status=expected_status,
        now=timezone.now(),
    )


def article_archive(
    *, article: Article, actor: User, comment: str = "", expected_status: str | None = None
) -> Article:
    """Take the article out of use (and out of search)."""
    return _run(
        article, actor=actor, name="archive", comment=comment, expected_status=expected_status
    )


# The article state machine's transitions, by name.
TRANSITIONS = {
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
        audited_save(link, actor=actor, reason=kind)
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
    return article_create(
        actor=actor,
        title=case.subject,
        body=article_body(question=question, answer=answer),
        category=case.category,
        source_case=case,
    )


def article_body(*, question: str, answer: str, tried: str = "") -> str:
    """An article's Markdown from a case: the customer's question, what was tried (if given),
    the answer."""
    parts = [f"## {_('Question')}", question.strip()]
    if tried.strip():
        parts += [f"## {_('What was tried')}", tried.strip()]
    parts += [f"## {_('Answer')}", answer.strip() or _("(write the answer here)")]
    return "\n\n".join(parts)


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
    audited_save(deflection, actor=actor, reason="shown")
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
            audited_save(
                deflection,
                actor=actor,
                reason="solved with",
                update_fields=["used_article", "used_at"],
            )
    return case


# --- review reminders -----------------------------------------------------------------------


def notify_review_overdue(*, today: dt.date | None = None, batch_size: int = 500) -> int:
    """Remind the owner of each live article whose review date has passed, once per review
    period (``review_reminded_for`` remembers the date reminded about; confirming the review
    moves the date, which starts a new period). Safe to run twice or in two workers at once.
    Queries: one outbox INSERT per article, the rest per batch."""
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
            with outbox.batched():
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
    link = reverse("admin:knowledge_article_change", args=[article.pk])
    outbox.notify_users(
        [article.owner],
        event_type="article.review_overdue",
        subject=subject,
        payload={
            "text": text,
            "article": article.pk,
            "review_due": article.review_due,
            "name": article.published_title,
            "link": link,
        },
        kind=InboxKind.REVIEW_OVERDUE,
    )
    outbox.notify_in_app(
        [article.owner],
        kind=InboxKind.REVIEW_OVERDUE,
        title=article.published_title,
        payload={"what": _("article"), "link": link},
    )
    article.review_reminded_for = article.review_due
