"""The one search service, used by the admin (and the API): query -> ranked published articles
and, for people who work cases, resolved cases with a similar question.

How it finds and ranks (see ``knowledge/text.py`` for the bigrams):

1. The query's telling bigrams select postings through the primary key of ``SearchGram``
   (kind, gram, document): an index range scan per bigram, the same on SQLite and PostgreSQL
   whatever the locale; nothing scans every document.
2. The database counts per document the query bigrams it contains (``matched``) and how many of
   them are in its title (a posting's weight is 2 in the title, 1 in the body only), and keeps
   the best ``CANDIDATES`` by ``matched + TITLE_BONUS * in_title``: more matched bigrams above
   fewer, and for as many, title matches above body matches.
3. Python re-ranks those few: an article past its review date counts ``STALE_FACTOR`` of its
   score; ties go to the most recently reviewed (articles) or resolved (cases).

Queries shorter than two characters find nothing (a bigram needs two).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, F, Sum
from django.utils import timezone

from accounts.models import User
from escalations.selectors import cases_visible_to
from knowledge.indexing import INDEXED_CASE_STATUSES
from knowledge.models import DocumentKind, SearchDocument, SearchGram
from knowledge.text import normalise, query_bigrams

CANDIDATES = 50
TITLE_BONUS = 0.5
STALE_FACTOR = 0.85
MAX_QUERY_GRAMS = 64
SNIPPET = 120


@dataclass(frozen=True)
class Hit:
    kind: str  # "article" or "case"
    pk: int  # the article's or the case's id
    title: str
    snippet: str
    score: float
    matched: int  # how many of the query's bigrams it contains
    stale: bool = False
    answer: str = ""  # cases: the answer that came back / the resolution


def may_see_cases(user: User) -> bool:
    return user.is_active and user.has_perm("escalations.view_case")


def search(
    query: str, *, user: User, limit: int = 5, include_cases: bool | None = None
) -> list[Hit]:
    """The best ``limit`` published articles for ``query`` (for people who may read articles),
    then (``include_cases``, by default for people who may see cases) the best ``limit`` resolved
    cases ``user`` may see (a case reopened since stays out until it is resolved again)."""
    grams = query_bigrams(query)[:MAX_QUERY_GRAMS]
    if not grams or limit <= 0:
        return []
    hits = []
    if user.is_active and user.has_perm("knowledge.view_article"):
        hits = _rank(DocumentKind.ARTICLE, grams, query, limit=limit)
    if include_cases is None:
        include_cases = may_see_cases(user)
    if include_cases:
        cases = _rank(DocumentKind.CASE, grams, query, limit=CANDIDATES)
        visible = set(
            cases_visible_to(user)
            .filter(pk__in=[h.pk for h in cases], status__in=INDEXED_CASE_STATUSES)
            .values_list("pk", flat=True)
        )
        hits += [hit for hit in cases if hit.pk in visible][:limit]
    return hits


def scores(kind: int, grams: list[str]):
    """The best ``CANDIDATES`` documents of ``kind`` for ``grams``, with the number of grams
    matched and their summed weight (read through the primary key index of the postings)."""
    # matched + TITLE_BONUS * in_title, with in_title = sum(weight) - matched, orders like
    # sum(weight) + matched (for TITLE_BONUS = 0.5).
    return (
        SearchGram.objects.filter(kind=kind, gram__in=grams)
        .values("document")
        .annotate(weights=Sum("weight"), matched=Count("gram"))
        .order_by((F("weights") + F("matched")).desc(), "document")[:CANDIDATES]
    )


def _rank(kind: int, grams: list[str], query: str, *, limit: int) -> list[Hit]:
    rows = list(scores(kind, grams))
    if not rows:
        return []
    documents = SearchDocument.objects.in_bulk([row["document"] for row in rows])
    today = timezone.localdate()
    ranked = []
    for row in rows:
        document = documents.get(row["document"])
        if document is None:  # unindexed meanwhile
            continue
        stale = document.review_due is not None and document.review_due < today
        in_title = row["weights"] - row["matched"]
        score = (row["matched"] + TITLE_BONUS * in_title) * (STALE_FACTOR if stale else 1.0)
        ranked.append((score, document.freshness, row["matched"], stale, document))
    ranked.sort(key=lambda item: (-item[0], -item[1].timestamp()))
    return [
        Hit(
            kind="article" if kind == DocumentKind.ARTICLE else "case",
            pk=document.article_id if kind == DocumentKind.ARTICLE else document.case_id,
            title=document.title,
            snippet=snippet(document.body, query),
            score=score,
            matched=matched,
            stale=stale,
            answer=document.answer,
        )
        for score, _fresh, matched, stale, document in ranked[:limit]
    ]


def snippet(text: str, query: str, width: int = SNIPPET) -> str:
    """A piece of ``text`` around the first place a query bigram occurs (plain text)."""
    text = " ".join(text.split())
    folded = normalise(text)
    start = 0
    if len(folded) == len(text):  # positions line up
        found = [p for p in (folded.find(g) for g in query_bigrams(query)) if p >= 0]
        if found:
            start = max(min(found) - width // 4, 0)
    piece = text[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
