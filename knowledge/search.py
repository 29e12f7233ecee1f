"""The one search service, used by the admin (and the API): query -> ranked published articles
and, for people who work cases, resolved cases with a similar question.

How it finds and ranks (see ``knowledge/text.py`` for the bigrams):

1. The query's telling bigrams are looked up in the postings, ``SearchGram``, whose primary
   key (kind, gram, document) is the index: an index range scan per bigram, the same on SQLite
   and PostgreSQL whatever the locale; nothing scans every document.
2. Their document frequencies (cached) choose the rarest bigrams whose postings add up to at
   most ``POSTINGS_BUDGET`` (at least one bigram): a query's cost is bounded by that, however
   common its other bigrams (「したい」, 「スマートフォン」) are in 100,000 articles.
3. The database counts, per document, the chosen bigrams it contains (``matched``) and how many
   are in its title (a posting's weight is 2 in the title, 1 in the body only), and keeps the best
   ``CANDIDATES`` by ``matched + TITLE_BONUS * in_title``; when bigrams were left out, these
   candidates are scored again on all of them (through the document index).
4. Python re-ranks those few: ``PHRASE_BONUS`` for each word of the query found whole; an article
   past its review date counts ``STALE_FACTOR`` of its score; ties go to the most recently
   reviewed (articles) or resolved (cases). So: more matched bigrams above fewer, title above
   body, fresh above stale.

Queries shorter than two characters find nothing (a bigram needs two).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Count, F, Sum
from django.utils import timezone

from accounts.models import User
from escalations.selectors import cases_visible_to
from knowledge.indexing import INDEXED_CASE_STATUSES
from knowledge.models import DocumentKind, SearchDocument, SearchGram
from knowledge.text import normalise, query_bigrams

CANDIDATES = 50
POSTINGS_BUDGET = 12_000
DF_CACHE_SECONDS = 600
TITLE_BONUS = 0.5
PHRASE_BONUS = 1.0
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


def document_frequencies(kind: int, grams: list[str]) -> dict[str, int]:
    """How many documents of ``kind`` contain each gram: cached for ``DF_CACHE_SECONDS`` (it
    only chooses which grams select the candidates, so a slightly old count does no harm)."""
    keys = {gram: f"knowledge:df:{kind}:{gram.encode().hex()}" for gram in grams}
    cached = cache.get_many(list(keys.values()))
    found = {gram: cached[key] for gram, key in keys.items() if key in cached}
    missing = [gram for gram in grams if gram not in found]
    if missing:
        counted = dict.fromkeys(missing, 0)
        counted.update(
            SearchGram.objects.filter(kind=kind, gram__in=missing)
            .values_list("gram")
            .annotate(n=Count("document"))
            .values_list("gram", "n")
        )
        cache.set_many({keys[g]: n for g, n in counted.items()}, DF_CACHE_SECONDS)
        found.update(counted)
    return found


def selective(grams: list[str], frequencies: dict[str, int]) -> list[str]:
    """The rarest grams whose postings add up to at most ``POSTINGS_BUDGET`` (at least one)."""
    chosen: list[str] = []
    total = 0
    # A cached count may be old: a gram counted 0 is still looked up (an article published
    # since must be found at once); it costs nothing when it really has no postings.
    for gram in sorted(grams, key=lambda g: frequencies.get(g, 0)):
        if chosen and total + frequencies.get(gram, 0) > POSTINGS_BUDGET:
            break
        chosen.append(gram)
        total += frequencies.get(gram, 0)
    return chosen


def scores(kind: int, grams: list[str], *, documents: list[int] | None = None):
    """The best ``CANDIDATES`` documents of ``kind`` for ``grams`` (among ``documents`` if
    given), with the number of grams matched and their summed weight, read through the
    primary key index of the postings (or the document index)."""
    postings = SearchGram.objects.filter(kind=kind, gram__in=grams)
    if documents is not None:
        postings = postings.filter(document__in=documents)
    # matched + TITLE_BONUS * in_title, with in_title = sum(weight) - matched, orders like
    # sum(weight) + matched (for TITLE_BONUS = 0.5).
    return (
        postings.values("document")
        .annotate(weights=Sum("weight"), matched=Count("gram"))
        .order_by((F("weights") + F("matched")).desc(), "document")[:CANDIDATES]
    )


def _rank(kind: int, grams: list[str], query: str, *, limit: int) -> list[Hit]:
    frequencies = document_frequencies(kind, grams)
    chosen = selective(grams, frequencies)
    if not chosen:
        return []
    rows = list(scores(kind, chosen))
    if len(chosen) < len(grams) and rows:
        # The candidates came from the rarest grams: score them on every gram of the query.
        rows = list(scores(kind, grams, documents=[row["document"] for row in rows]))
    if not rows:
        return []
    phrases = [run for run in normalise(query).split() if len(run) >= 2]
    documents = SearchDocument.objects.in_bulk([row["document"] for row in rows])
    today = timezone.localdate()
    ranked = []
    for row in rows:
        document = documents.get(row["document"])
        if document is None:  # unindexed meanwhile
            continue
        stale = document.review_due is not None and document.review_due < today
        in_title = row["weights"] - row["matched"]
        score = row["matched"] + TITLE_BONUS * in_title
        text = normalise(f"{document.title} {document.body}")
        score += PHRASE_BONUS * sum(phrase in text for phrase in phrases)
        score *= STALE_FACTOR if stale else 1.0
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
