"""Know-how is never lost (issue 20): the answer to an escalation that its answerer calls
reusable becomes an article in review at once, and a case is not closed while a reusable
answer on it has no article (its draft deleted, say).

Connected in ``KnowledgeConfig.ready`` to the escalations app's hooks (``answer_returned``,
``closing``), which run inside the return's and the close's transactions."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from escalations.models import Case, Escalation
from knowledge import services
from knowledge.models import Article


def article_from_answer(*, hop: Escalation, actor: User) -> Article:
    """An article from the hop's handoff and its answer: owned by the answerer, sent for
    review, linked to the case and to the hop."""
    case = hop.case
    try:
        article = services.article_create(
            actor=actor,
            title=case.subject,
            body=services.article_body(
                question=hop.customer_wants, tried=hop.tried, answer=hop.answer
            ),
            category=case.category,
            owner=actor,
            source_case=case,
            source_escalation=hop,
        )
        services.article_submit(
            article=article,
            actor=actor,
            comment=_("Drafted from the answer to %(reference)s") % {"reference": case.reference},
        )
    except PermissionDenied as exc:
        raise ValidationError(
            {
                "reusable": _(
                    "You may not write articles: answer “not reusable” with a reason, or ask "
                    "someone who may write articles to answer."
                )
            }
        ) from exc
    return article


def draft_reusable_answer(*, hop: Escalation, actor: User) -> None:
    """The ``answer_returned`` hook: the hop's answer was returned as reusable."""
    if hop.reusable:
        article_from_answer(hop=hop, actor=actor)


def reusable_answers_without_article(case: Case) -> QuerySet[Escalation]:
    """The hops of ``case`` answered as reusable that have no article (draft, in review,
    published or archived) any more."""
    return Escalation.objects.filter(case=case, reusable=True, drafted_articles__isnull=True)


def refuse_close_without_article(*, case: Case) -> None:
    """The ``closing`` hook: a case with a reusable answer and no article stays open."""
    numbers = list(
        reusable_answers_without_article(case).order_by("number").values_list("number", flat=True)
    )
    if numbers:
        raise ValidationError(
            ngettext(
                "The answer to escalation #%(numbers)s was marked reusable but has no article "
                "(its draft was deleted?): write the article from it before closing the case.",
                "The answers to escalations #%(numbers)s were marked reusable but have no "
                "article (their drafts were deleted?): write the articles from them before "
                "closing the case.",
                len(numbers),
            )
            % {"numbers": ", #".join(str(n) for n in numbers)},
            code="reusable_answer_without_article",
        )
