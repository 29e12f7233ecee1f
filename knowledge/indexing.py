"""Keeping the search index current: called inside the transaction that changes what it
indexes (publishing or archiving an article, resolving a case: the ``case.resolved`` event,
listened to from ``KnowledgeConfig.ready``), so it is never out of step."""

from __future__ import annotations

from django.utils import timezone

from escalations.models import Case, CaseStatus, NoteKind
from knowledge.models import Article, DocumentKind, SearchDocument, SearchGram
from knowledge.text import bigrams
from notifications.events import CaseEvent, EventType

INDEXED_CASE_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
IN_BODY = 1
IN_TITLE = 2  # in the title (and perhaps the body too)


def weighted_grams(title: str, body: str) -> dict[str, int]:
    """Each bigram with its weight: 2 when it occurs in the title, else 1 (body only)."""
    weights = dict.fromkeys(bigrams(body), IN_BODY)
    weights.update(dict.fromkeys(bigrams(title), IN_TITLE))
    return weights


def _write(document: SearchDocument) -> None:
    SearchGram.objects.filter(document=document).delete()
    SearchGram.objects.bulk_create(
        [
            SearchGram(kind=document.kind, gram=gram, document=document, weight=weight)
            for gram, weight in weighted_grams(document.title, document.body).items()
        ],
        batch_size=500,
    )


def article_text(article: Article) -> tuple[str, str]:
    """What search reads of an article: its published title, and body plus tags."""
    return article.published_title, f"{article.published_body}\n{article.tags}"


def index_article(article: Article) -> None:
    """Index the published copy of a live article; drop an archived one from the index."""
    if not article.is_live:
        SearchDocument.objects.filter(article=article).delete()
        return
    title, body = article_text(article)
    document, _created = SearchDocument.objects.update_or_create(
        article=article,
        defaults={
            "kind": DocumentKind.ARTICLE,
            "title": title[:200],
            "body": body,
            "review_due": article.review_due,
            "freshness": article.reviewed_at or article.published_at,
        },
    )
    _write(document)


def index_case(case: Case) -> None:
    """Index a resolved case's question (subject, description, what the customer wanted in each
    handoff) with the answers that came back and the resolution. A case that is not resolved
    leaves the index (a reopened case is filtered out by search until it is resolved again)."""
    if case.status not in INDEXED_CASE_STATUSES:
        SearchDocument.objects.filter(case=case).delete()
        return
    hops = list(case.escalations.order_by("number").values_list("customer_wants", "answer"))
    question = "\n".join([case.description, *(wants for wants, _answer in hops)])
    answers = [answer for _wants, answer in hops if answer]
    resolution = (
        case.notes.filter(kind=NoteKind.STATUS)
        .order_by("-created_at", "-pk")
        .values_list("body", flat=True)
    ).first()
    if resolution:
        answers.append(resolution)
    document, _created = SearchDocument.objects.update_or_create(
        case=case,
        defaults={
            "kind": DocumentKind.CASE,
            "title": case.subject[:200],
            "body": question,
            "answer": "\n".join(answers),
            "review_due": None,
            "freshness": case.resolved_at or timezone.now(),
        },
    )
    _write(document)


def index_resolved_case(event: CaseEvent) -> None:
    """Listener of :mod:`notifications.events`: a resolved case is suggested before
    escalating similar ones."""
    if event.type == EventType.CASE_RESOLVED:
        index_case(event.case)
