"""Keeping the search index current: called inside the transaction that changes what it
indexes (publishing or archiving an article, resolving a case: the ``case.resolved`` event,
listened to from ``KnowledgeConfig.ready``), so it is never out of step.

A document's postings live in packed rows, one per gram and block of document ids
(``knowledge.postings``). Changing a document rewrites the rows of its block for the grams that
changed (those of its old text, kept on the document, against those of its new text): one
read, one delete and one insert, under a lock on the block (PostgreSQL: a transaction-level
advisory lock; SQLite lets one writer in at a time) so that two documents of one block written
at once do not lose each other's postings.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from escalations.models import Case, CaseStatus, NoteKind
from knowledge import postings
from knowledge.models import Article, DocumentKind, SearchDocument, SearchPosting
from knowledge.text import grams
from notifications.events import CaseEvent, EventType

INDEXED_CASE_STATUSES = (CaseStatus.RESOLVED, CaseStatus.CLOSED)
_LOCK_NAMESPACE = 0x6B6E  # "kn": the advisory locks of the search index's blocks


def weighted_grams(title: str, body: str) -> dict[str, int]:
    """Each gram (bigram or kanji) of a document with ``postings.IN_TITLE`` when it occurs in
    the title, else ``postings.IN_BODY``."""
    return postings.weighted(grams(title), grams(body))


def _write(kind: int, document: int, old: dict[str, int], new: dict[str, int]) -> None:
    changed = sorted(gram for gram in old.keys() | new.keys() if old.get(gram) != new.get(gram))
    if not changed:
        return
    block = postings.block_of(document)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, kind << 24 | block]
                )
        rows = SearchPosting.objects.filter(kind=kind, block=block, gram__in=changed)
        current = {gram: (d, t) for gram, d, t in rows.values_list("gram", "documents", "titles")}
        if current:
            rows.delete()
        written = []
        for gram in changed:
            documents, titles = postings.replace(
                *current.get(gram, (None, None)), document, new.get(gram)
            )
            if documents:
                written.append(
                    SearchPosting(
                        kind=kind,
                        gram=gram,
                        block=block,
                        count=len(documents),
                        documents=postings.pack(documents),
                        titles=postings.pack(titles),
                    )
                )
        SearchPosting.objects.bulk_create(written, batch_size=500)


def _index(kind: int, source: dict, defaults: dict) -> None:
    """Create or update the document of ``source`` (``{"article": ...}`` or ``{"case": ...}``)
    and its postings."""
    document = SearchDocument.objects.select_for_update().filter(**source).first()
    old = weighted_grams(document.title, document.body) if document else {}
    if document is None:
        document = SearchDocument.objects.create(kind=kind, **source, **defaults)
    else:
        for field, value in defaults.items():
            setattr(document, field, value)
        document.save()
    _write(kind, document.pk, old, weighted_grams(document.title, document.body))


def _unindex(source: dict) -> None:
    document = SearchDocument.objects.select_for_update().filter(**source).first()
    if document is not None:
        _write(document.kind, document.pk, weighted_grams(document.title, document.body), {})
        document.delete()


def article_text(article: Article) -> tuple[str, str]:
    """What search reads of an article: its published title, and body plus tags."""
    return article.published_title, f"{article.published_body}\n{article.tags}"


def index_article(article: Article) -> None:
    """Index the published copy of a live article; drop an archived one from the index."""
    if not article.is_live:
        _unindex({"article": article})
        return
    title, body = article_text(article)
    _index(
        DocumentKind.ARTICLE,
        {"article": article},
        {
            "title": title[:200],
            "body": body,
            "review_due": article.review_due,
            "freshness": article.reviewed_at or article.published_at,
        },
    )


def index_case(case: Case) -> None:
    """Index a resolved case's question (subject, description, what the customer wanted in each
    handoff) with the answers that came back and the resolution. A case that is not resolved
    leaves the index (a reopened case is filtered out by search until it is resolved again)."""
    if case.status not in INDEXED_CASE_STATUSES:
        _unindex({"case": case})
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
    _index(
        DocumentKind.CASE,
        {"case": case},
        {
            "title": case.subject[:200],
            "body": question,
            "answer": "\n".join(answers),
            "review_due": None,
            "freshness": case.resolved_at or timezone.now(),
        },
    )


def index_resolved_case(event: CaseEvent) -> None:
    """Listener of :mod:`notifications.events`: a resolved case is suggested before
    escalating similar ones."""
    if event.type == EventType.CASE_RESOLVED:
        index_case(event.case)
