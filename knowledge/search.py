"""The one search service, used by the admin (and the API): query -> ranked published articles
and, for people who work cases, resolved cases with a similar question.

How it finds and ranks (see ``knowledge/text.py`` for the grams, ``knowledge/postings.py`` for
how they are stored, ``knowledge/synonyms.py`` for the dictionary):

1. The query is planned (``plan``): words of the synonym dictionary found in it become
   concepts, each searched as itself or any of its alternatives; the rest of the query gives its
   telling bigrams (and the unigram of a one-kanji word such as 「霜」).
2. The grams' document frequencies (cached) choose the rarest grams whose postings add up to at
   most ``POSTINGS_BUDGET`` (at least one; a concept is represented by the rarest gram of its
   word and of each alternative, all of them when the query has nothing else, so that a
   document with only the synonym can be a candidate). Their packed rows
   (``SearchPosting``: a few per gram, read by the primary key, the same on SQLite and
   PostgreSQL whatever the locale) give the best ``CANDIDATES`` documents by
   ``2 * matched + in_title`` (one gram, or the alternatives of a query that is one dictionary
   word: those with it in the title first, then the others, without counting); nothing scans
   every document, and a query's cost is bounded however common its other grams (「したい」,
   「スマートフォン」) are in 100,000 articles.
3. Python scores those few on every gram of the query, from their text: each bigram matched
   counts 1 (``TITLE_BONUS`` more in the title); a concept counts as the best of its word and
   its alternatives (an alternative ``SYNONYM_FACTOR`` of it, so the word as typed wins a tie);
   ``PHRASE_BONUS`` for each word of the query found whole (or with a synonym in it); an article
   past its review date counts ``STALE_FACTOR`` of its score; ties go to the most recently
   reviewed (articles) or resolved (cases). So: more matched above fewer, title above body,
   fresh above stale.

Queries without a bigram or a kanji find nothing.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from heapq import merge
from itertools import compress, groupby
from operator import itemgetter

from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from accounts.models import User
from escalations.selectors import cases_visible_to
from knowledge import postings
from knowledge.indexing import INDEXED_CASE_STATUSES
from knowledge.models import DocumentKind, SearchDocument, SearchPosting
from knowledge.synonyms import expansions
from knowledge.text import normalise, query_bigrams, query_grams

CANDIDATES = 50
POSTINGS_BUDGET = 6_000
DF_CACHE_SECONDS = 600
TITLE_BONUS = 0.5
PHRASE_BONUS = 1.0
SYNONYM_FACTOR = 0.9
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
    matched: int  # how many of the query's grams (synonyms' included) it contains
    stale: bool = False
    answer: str = ""  # cases: the answer that came back / the resolution


@dataclass(frozen=True)
class Concept:
    """A dictionary word of the query: its grams and those of each alternative."""

    grams: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...]


@dataclass
class Plan:
    plain: list[str]  # grams of the query outside the dictionary's words
    concepts: list[Concept] = field(default_factory=list)
    phrases: list[set[str]] = field(default_factory=list)  # each word whole, with its variants

    @property
    def grams(self) -> list[str]:
        found = dict.fromkeys(self.plain)
        for concept in self.concepts:
            found.update(dict.fromkeys(concept.grams))
            for alternative in concept.alternatives:
                found.update(dict.fromkeys(alternative))
        return list(found)[:MAX_QUERY_GRAMS]


def plan(query: str) -> Plan:
    """What ``query`` looks for: its plain grams, its concepts (dictionary words) and phrases."""
    found = expansions(query)
    folded = normalise(query)
    if not found:
        return Plan(
            plain=query_bigrams(query),
            phrases=[{w} for w in folded.split() if len(w) >= 2],
        )
    casefolded = unicodedata.normalize("NFKC", query).casefold()
    if len(casefolded) != len(folded):
        casefolded = folded
    rest = list(casefolded)
    concepts = []
    for expansion in found:
        rest[expansion.start : expansion.end] = " " * (expansion.end - expansion.start)
        concepts.append(
            Concept(
                grams=tuple(query_bigrams(expansion.written)),
                alternatives=tuple(tuple(query_bigrams(a)) for a in expansion.alternatives),
            )
        )
    telling, weak = query_grams("".join(rest))
    whole_telling, _weak = query_grams(query)
    phrases = []
    for word in re.finditer(r"\S+", folded):
        if word.end() - word.start() < 2:
            continue
        forms = {word.group()}
        for expansion in found:
            if word.start() <= expansion.start and expansion.end <= word.end():
                start, end = expansion.start - word.start(), expansion.end - word.start()
                forms.update(
                    word.group()[:start] + normalise(a) + word.group()[end:]
                    for a in expansion.alternatives
                )
        phrases.append(forms)
    return Plan(
        plain=telling or ([] if whole_telling else weak),
        concepts=[c for c in concepts if c.grams],
        phrases=phrases,
    )


def may_see_cases(user: User) -> bool:
    return user.is_active and user.has_perm("escalations.view_case")


def search(
    query: str, *, user: User, limit: int = 5, include_cases: bool | None = None
) -> list[Hit]:
    """The best ``limit`` published articles for ``query`` (for people who may read articles),
    then (``include_cases``, by default for people who may see cases) the best ``limit`` resolved
    cases ``user`` may see (a case reopened since stays out until it is resolved again)."""
    if limit <= 0 or not query.strip():
        return []
    query_plan = plan(query)
    if not query_plan.grams:
        return []
    hits = []
    if user.is_active and user.has_perm("knowledge.view_article"):
        hits = _rank(DocumentKind.ARTICLE, query_plan, query, limit=limit)
    if include_cases is None:
        include_cases = may_see_cases(user)
    if include_cases:
        cases = _rank(DocumentKind.CASE, query_plan, query, limit=CANDIDATES)
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
            SearchPosting.objects.filter(kind=kind, gram__in=missing)
            .values_list("gram")
            .annotate(n=Sum("count"))
            .values_list("gram", "n")
        )
        cache.set_many({keys[g]: n for g, n in counted.items()}, DF_CACHE_SECONDS)
        found.update(counted)
    return found


def selective(
    grams: list[str], frequencies: dict[str, int], required: list[str] | None = None
) -> list[str]:
    """The rarest grams whose postings add up to at most ``POSTINGS_BUDGET`` (at least one),
    and the ``required`` ones."""
    chosen: list[str] = []
    total = 0
    # A cached count may be old: a gram counted 0 is still looked up (an article published
    # since must be found at once); it costs nothing when it really has no postings.
    for gram in sorted(grams, key=lambda g: frequencies.get(g, 0)):
        if chosen and total + frequencies.get(gram, 0) > POSTINGS_BUDGET:
            break
        chosen.append(gram)
        total += frequencies.get(gram, 0)
    chosen += [gram for gram in dict.fromkeys(required or []) if gram not in chosen]
    return chosen


def candidates(kind: int, grams: list[str], *, any_of: bool = False) -> list[int]:
    """The best ``CANDIDATES`` documents of ``kind`` for ``grams`` by ``2 * matched +
    in_title``, from the packed rows of those grams (one query). With one gram, or ``any_of``
    (the grams are alternatives: the query is one dictionary word), the documents with one in
    the title first, then the others, each in id order: no counting, however common."""
    rows = list(
        SearchPosting.objects.filter(kind=kind, gram__in=grams)
        .order_by("block")
        .values_list("block", "documents", "titles")
    )
    if len(grams) == 1 or any_of:
        best = _first(rows, 2)
        if len(best) < CANDIDATES:
            chosen = set(best)
            best += [d for d in _first(rows, 1, CANDIDATES + len(best)) if d not in chosen]
        return best[:CANDIDATES]
    totals: Counter[int] = Counter()  # 2 * matched + in_title, per document
    for block, documents, titles in rows:
        base = postings.base_of(block)
        found = list(map(base.__add__, postings.unpack(documents)))
        totals.update(found)
        totals.update(found)
        totals.update(map(base.__add__, postings.unpack(titles)))
    return best_of(totals)


def _first(rows: list, column: int, wanted: int = CANDIDATES) -> list[int]:
    """The lowest ``wanted`` document ids in the rows' ``column`` (1: documents, 2: titles),
    reading no more of them than that (rows are in block order, offsets ascending)."""
    found: dict[int, None] = {}
    for block, same_block in groupby(rows, key=itemgetter(0)):
        base = postings.base_of(block)
        for offset in merge(*(postings.unpack(row[column]) for row in same_block)):
            found[base + offset] = None
            if len(found) == wanted:
                return list(found)
    return list(found)


def best_of(totals: Counter[int]) -> list[int]:
    """The ``CANDIDATES`` documents of highest total, lowest id first among equals. Totals are
    small integers: their histogram gives the lowest total that gets in, so only the documents
    at or above it are sorted (not the tens of thousands a common gram brings)."""
    needed, threshold = CANDIDATES, 0
    for total, number in sorted(Counter(totals.values()).items(), reverse=True):
        threshold = total
        needed -= number
        if needed <= 0:
            break
    # compress and map run in C: no Python step per document
    documents, values = list(totals.keys()), list(totals.values())
    above = compress(documents, map(threshold.__lt__, values))
    best = [document for _total, document in sorted((-totals[d], d) for d in above)]
    ties = sorted(compress(documents, map(threshold.__eq__, values)))
    return best + ties[: CANDIDATES - len(best)]


def _score(query_plan: Plan, title: str, text: str) -> tuple[float, int]:
    """(score without phrases and staleness, grams matched) of a document from its normalised
    title and text (a gram of two word characters is found as a substring exactly where the
    document has it as a gram)."""
    matched = sum(g in text for g in query_plan.plain)
    in_title = sum(g in title for g in query_plan.plain)
    score = matched + TITLE_BONUS * in_title
    for concept in query_plan.concepts:
        weight = len(concept.grams)
        best = 0.0
        for factor, variant in [(1.0, concept.grams)] + [
            (SYNONYM_FACTOR, a) for a in concept.alternatives if a
        ]:
            found = sum(g in text for g in variant) + TITLE_BONUS * sum(g in title for g in variant)
            best = max(best, weight * factor * found / len(variant))
        score += best
    return score, sum(g in text for g in query_plan.grams)


_FIELDS = ("pk", "article_id", "case_id", "title", "body", "answer", "review_due", "freshness")


def _rank(kind: int, query_plan: Plan, query: str, *, limit: int) -> list[Hit]:
    every_gram = query_plan.grams
    frequencies = document_frequencies(kind, every_gram)
    # A concept selects candidates by the rarest gram of its word and of each alternative, so
    # that a long alternative (キャンセル: four bigrams) weighs no more than a short one (解約).
    # When the query is only dictionary words, each of those grams selects (a document with
    # only the synonym must be a candidate); otherwise the rest of the query selects too, and
    # they only join within the budget (the candidates are scored on every gram anyway).
    variants = [v for c in query_plan.concepts for v in (c.grams, *c.alternatives) if v]
    rarest = [min(v, key=lambda g: frequencies.get(g, 0)) for v in variants]
    chosen = selective(
        list(dict.fromkeys([*query_plan.plain, *rarest])),
        frequencies,
        required=[] if query_plan.plain else rarest,
    )
    one_word = not query_plan.plain and len(query_plan.concepts) == 1
    found = candidates(kind, chosen, any_of=one_word)
    if not found:
        return []
    rows = SearchDocument.objects.filter(pk__in=found).values_list(*_FIELDS)
    today = timezone.localdate()
    ranked = []
    for pk, article, case, title, body, answer, review_due, freshness in rows:
        folded_title = normalise(title)
        text = f"{folded_title} {normalise(body)}"
        score, matched = _score(query_plan, folded_title, text)
        if not matched:
            continue
        score += PHRASE_BONUS * sum(any(f in text for f in forms) for forms in query_plan.phrases)
        stale = review_due is not None and review_due < today
        score *= STALE_FACTOR if stale else 1.0
        ranked.append(
            (
                -score,
                -freshness.timestamp(),
                pk,
                Hit(
                    kind="article" if kind == DocumentKind.ARTICLE else "case",
                    pk=article if kind == DocumentKind.ARTICLE else case,
                    title=title,
                    snippet="",
                    score=score,
                    matched=matched,
                    stale=stale,
                    answer=answer,
                ),
                body,
            )
        )
    ranked.sort(key=lambda item: item[:3])
    return [
        dataclasses.replace(hit, snippet=snippet(body, query, every_gram))
        for _score, _fresh, _pk, hit, body in ranked[:limit]
    ]


def snippet(text: str, query: str, grams: list[str] | None = None, width: int = SNIPPET) -> str:
    """A piece of ``text`` around the first place a query gram (``grams``, by default those of
    ``query``) occurs (plain text)."""
    text = " ".join(text.split())
    folded = normalise(text)
    start = 0
    if len(folded) == len(text):  # positions line up
        grams = query_bigrams(query) if grams is None else grams
        found = [p for p in (folded.find(g) for g in grams) if p >= 0]
        if found:
            start = max(min(found) - width // 4, 0)
    piece = text[start : start + width]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
