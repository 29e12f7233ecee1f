"""Repeat escalations (issue 20): an escalation whose question was already answered. The
measure of know-how not reused: someone escalated the same question again although an answer
had come back within the last 30 days.

An escalation from L1 (a hop from the first line: escalating further up copies the handoff
and is not another question) requested in the period is a *repeat* when an earlier hop of
another case

- is in the same category,
- was answered (``answered_at``) within ``WINDOW`` before the repeat was requested, and
- asked a similar question: the Jaccard similarity of the two handoffs' "what the customer
  wants" is at least ``THRESHOLD``.

The similarity works on Japanese without a tokenizer, like the search (``knowledge.text``):
NFKC and casefold, then each run of kanji gives its characters and its character bigrams, each
run of katakana (a loan word: クレジットカード) and of Latin letters or digits counts as one
word, and hiragana (particles, verb endings) is left out; each word of the search's synonym
dictionary (``knowledge.synonyms``: 解約・退会) found in the text also gives its group's mark,
so two handoffs saying the same with synonyms share it. The threshold was chosen on the
labelled handoffs of ``tests/knowledge/test_repeat_escalations_on_labelled_handoffs.py``
(precision and recall printed there).

Queries: three (the period's hops, the answered hops they may repeat, the synonym dictionary),
however many days or hops. The comparison runs in Python: each hop is compared only with the
answered ones that share one of its rarer words (the prefix filter of the AllPairs
set-similarity join, through an inverted index): exact, it misses no pair above the threshold,
and common words (請求, 商品) do not make every pair of a category a candidate.
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import re
import unicodedata
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Max, Q
from django.utils import timezone

from accounts.models import Tier
from escalations.models import Escalation
from knowledge.models import RepeatCheck
from knowledge.synonyms import dictionary, expansions
from knowledge.text import fold, normalise

WINDOW = dt.timedelta(days=30)
THRESHOLD = 0.35
COMPARE_ALL_UP_TO = 1_000_000  # pairs: below, each hop is compared with every answer

_KANJI = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々"
_WORDS = re.compile(rf"[{_KANJI}]+|[\u30a1-\u30fa\u30fc]+|[^\W_{_KANJI}\u3041-\u30ff]+")


def question_words(
    text: str, *, synonyms: dict[str, tuple[str, ...]] | None = None
) -> frozenset[str]:
    """What the similarity compares (see the module's docstring). ``synonyms``: the
    dictionary (``knowledge.synonyms.dictionary``), when the caller has read it already."""
    text = unicodedata.normalize("NFKC", text).casefold()
    found: set[str] = set()
    for match in _WORDS.finditer(text):
        word = match.group(0)
        if "\u3400" <= word[0] <= "\ufaff" or word[0] == "々":  # a run of kanji
            found.update(word)
            found.update(word[i : i + 2] for i in range(len(word) - 1))
        else:  # katakana (folded: カタカナ and かたかな alike), Latin letters or digits
            found.add(fold(word))
    for expansion in expansions(text, words=synonyms):
        group = {normalise(expansion.term), *(normalise(a) for a in expansion.alternatives)}
        found.add("=" + min(group))  # the group's mark
    return frozenset(found)


def similarity(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard: shared words over all words."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


@dataclass(frozen=True)
class Repeat:
    escalation: Escalation  # requested in the period (``case`` and its category loaded)
    earlier: Escalation  # the latest answered one it repeats (``case`` loaded)
    similarity: float


_FIELDS = [
    "case_id",
    "number",
    "customer_wants",
    "requested_at",
    "answered_at",
    "case__reference",
    "case__status",  # the state machine's field: loaded on its own if deferred
    "case__subject",
    "case__category_id",
    "case__category__name",
]


def repeat_escalations(
    *,
    since: dt.datetime,
    until: dt.datetime,
    cases: Q | None = None,
    threshold: float = THRESHOLD,
) -> tuple[list[Escalation], list[Repeat]]:
    """The hops from L1 requested in [since, until) (with a category; ``cases``: a condition
    on them, e.g. a team's cases, with the ``case__`` prefix), and those of them that repeat an
    answered question, each with the latest answered hop it repeats."""
    in_period = Escalation.objects.filter(
        requested_at__gte=since,
        requested_at__lt=until,
        from_tier=Tier.L1,
        case__category__isnull=False,
    ).filter(cases or Q())
    requested = list(
        in_period.select_related("case", "case__category")
        .only(*_FIELDS)
        .order_by("requested_at", "pk")
    )
    categories = in_period.values("case__category_id")  # a subquery: a query whatever is found
    answered = list(
        Escalation.objects.filter(
            answered_at__gte=since - WINDOW,
            answered_at__lt=until,
            case__category_id__in=categories,
        )
        .select_related("case")
        .only(*_FIELDS[:-1])
        .order_by("answered_at", "pk")
    )
    synonyms = dictionary(cached=False)  # one query, cached or not: a constant count
    return requested, find_repeats(requested, answered, synonyms=synonyms, threshold=threshold)


def find_repeats(
    requested: list[Escalation],
    answered: list[Escalation],
    *,
    synonyms: dict[str, tuple[str, ...]],
    threshold: float = THRESHOLD,
    words_of: Callable[[Any], frozenset[str]] | None = None,
    compare_all_up_to: int = COMPARE_ALL_UP_TO,
) -> list[Repeat]:
    """The matching of :func:`repeat_escalations`, without the database: ``requested`` and
    ``answered`` (in the order of their answers) need ``case_id``, ``case.category_id``,
    ``customer_wants`` and ``requested_at`` / ``answered_at``. ``words_of``: a hop's
    :func:`question_words` (e.g. from a cache), when not computed here.

    Few pairs (``len(requested) * len(answered)`` up to ``compare_all_up_to``: the
    every-minute check's few new hops against 30 days of answers) are compared one by one
    (:func:`_each_with_every_answer`); more go through the prefix filter's index. Both find
    the same repeats."""
    if words_of is None:

        def words_of(hop) -> frozenset[str]:
            return question_words(hop.customer_wants, synonyms=synonyms)

    if len(requested) * len(answered) <= compare_all_up_to:
        return _each_with_every_answer(requested, answered, words_of, threshold)
    words = [words_of(hop) for hop in answered]
    asked = [words_of(hop) for hop in requested]
    rarity = Counter(word for found in (*words, *asked) for word in found)

    def prefix(found: frozenset[str]) -> list[str]:
        """The rarest words of ``found`` that any set at least ``threshold`` similar to it
        must share one of with its own (AllPairs' prefix filter: exact, misses no pair)."""
        keep = len(found) - math.ceil(threshold * len(found) - 1e-9) + 1
        return sorted(found, key=lambda word: (rarity[word], word))[:keep]

    # per category: a word of a prefix -> the answered hops with it in their prefix
    index: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for i, hop in enumerate(answered):
        for word in prefix(words[i]):
            index[hop.case.category_id][word].append(i)
    times = [hop.answered_at for hop in answered]
    repeats = []
    for hop, found in zip(requested, asked, strict=True):
        # the candidates answered before the hop, latest first, each once; the first similar
        # enough is the one it repeats (stop there, or at the first older than the window)
        postings = index[hop.case.category_id]
        limit = bisect_left(times, hop.requested_at)
        latest_first = []
        for word in prefix(found):
            ids = postings.get(word, [])
            end = bisect_left(ids, limit)
            latest_first.append(map(ids.__getitem__, range(end - 1, -1, -1)))
        seen: set[int] = set()
        for i in heapq.merge(*latest_first, reverse=True):
            if i in seen:
                continue
            seen.add(i)
            earlier = answered[i]
            if earlier.answered_at < hop.requested_at - WINDOW:
                break
            if earlier.case_id == hop.case_id:
                continue
            score = similarity(found, words[i])
            if score >= threshold:
                repeats.append(Repeat(hop, earlier, score))
                break
    return repeats


def _each_with_every_answer(
    requested: list, answered: list, words_of: Callable[[Any], frozenset[str]], threshold: float
) -> list[Repeat]:
    """:func:`find_repeats` for few hops: each compared with the answers of its category given
    before it, latest first, up to the first similar enough (or the first older than the
    window). The same as the prefix filter finds, which is exact and visits the candidates in
    the same order, without its index over every answer of 30 days (built in seconds each
    minute at 1,000,000 cases). A pair sharing no word is no candidate there (so none here,
    even at threshold 0)."""
    by_category: dict[int, list[int]] = defaultdict(list)
    for i, hop in enumerate(answered):
        by_category[hop.case.category_id].append(i)
    repeats = []
    for hop in requested:
        found = words_of(hop)
        positions = by_category.get(hop.case.category_id, [])
        end = bisect_left(positions, hop.requested_at, key=lambda i: answered[i].answered_at)
        for i in reversed(positions[:end]):
            earlier = answered[i]
            if earlier.answered_at < hop.requested_at - WINDOW:
                break
            if earlier.case_id == hop.case_id:
                continue
            score = similarity(found, words_of(earlier))
            if score > 0 and score >= threshold:
                repeats.append(Repeat(hop, earlier, score))
                break
    return repeats


# --- decided once per escalation, soon after it (the dashboard counts the decisions) ---------

LOOKBACK_IDS = 10_000  # hops committed out of id order (concurrent escalations) are not missed


@dataclass(frozen=True, slots=True)
class _Case:
    category_id: int


@dataclass(frozen=True, slots=True)
class _Hop:
    """What the matching reads of a hop: a row of a values query, far lighter than a model
    instance with its case when a check reads 100,000 answered hops."""

    pk: int
    case_id: int
    case: _Case
    customer_wants: str
    requested_at: dt.datetime
    answered_at: dt.datetime | None

    @classmethod
    def rows(cls, queryset) -> list[_Hop]:
        return [
            cls(pk, case_id, _Case(category_id), wants, requested_at, answered_at)
            for pk, case_id, category_id, wants, requested_at, answered_at in queryset.values_list(
                "pk",
                "case_id",
                "case__category_id",
                "customer_wants",
                "requested_at",
                "answered_at",
            )
        ]


class _WordsCache:
    """The question words of hops already seen by this process (the every-minute check reads
    the same 30 days of answers each time): by hop and text, forgotten when the synonym
    dictionary changed or past ``LIMIT`` entries."""

    LIMIT = 500_000

    def __init__(self) -> None:
        self.synonyms: dict[str, tuple[str, ...]] | None = None
        self.words: dict[tuple[int, str], frozenset[str]] = {}

    def reader(self, synonyms: dict[str, tuple[str, ...]]) -> Callable[[_Hop], frozenset[str]]:
        if synonyms != self.synonyms or len(self.words) > self.LIMIT:
            self.synonyms, self.words = synonyms, {}
        words = self.words

        def words_of(hop: _Hop) -> frozenset[str]:
            key = (hop.pk, hop.customer_wants)
            found = words.get(key)
            if found is None:
                found = words[key] = question_words(hop.customer_wants, synonyms=synonyms)
            return found

        return words_of


_words_cache = _WordsCache()


def _to_check():
    return Escalation.objects.filter(from_tier=Tier.L1, case__category__isnull=False)


def check_repeats(
    *,
    batch_size: int = 2000,
    max_batches: int | None = 20,
    recheck_since: dt.datetime | None = None,
) -> int:
    """Decide, for each escalation from L1 not decided yet, whether it repeats an answered
    question (the definition of :func:`repeat_escalations`, whose matching it runs) and store
    it as a :class:`RepeatCheck` row, so the dashboard counts rows instead of comparing the
    period's handoffs on each view. The beat task ``knowledge.check_repeats`` runs this every
    minute; ``manage.py check_repeats`` runs it to the end (``max_batches=None``) after a
    restore or an upgrade, and with ``--recheck`` decides again from a date (e.g. after the
    synonym dictionary changed: a decision is not revised by itself).

    The hops to decide are taken by id from a little below the highest decided one (an index
    range, however many hops exist); a decision depends only on answers given before the hop
    was requested, so it never changes later, and two sweeps at once write each row once.
    Returns the number of hops decided."""
    if recheck_since is not None:
        RepeatCheck.objects.filter(escalation__requested_at__gte=recheck_since).delete()
        start = (
            _to_check()
            .filter(requested_at__gte=recheck_since)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        start = 0 if start is None else start - 1
    else:
        highest = RepeatCheck.objects.aggregate(highest=Max("escalation_id"))["highest"]
        start = 0 if highest is None else max(0, highest - LOOKBACK_IDS)
    synonyms = dictionary(cached=False)
    words_of = _words_cache.reader(synonyms)
    decided = batches = 0
    while max_batches is None or batches < max_batches:
        batch = _Hop.rows(
            _to_check().filter(pk__gt=start, repeat_check__isnull=True).order_by("pk")[:batch_size]
        )
        if not batch:
            break
        batches += 1
        start = batch[-1].pk
        decided += _decide(batch, synonyms=synonyms, words_of=words_of)
    return decided


def decide_requested_between(since: dt.datetime, until: dt.datetime) -> int:
    """Decide the escalations from L1 requested in [since, until) that are not decided yet,
    whatever their ids (the every-minute check looks only a little below the highest decided
    one): what the dashboard's rollup does before writing a day, so a rolled-up day has
    every hop decided. One query when there is nothing to decide (through the hops'
    request-time index); returns the number decided."""
    batch = _Hop.rows(
        _to_check().filter(
            requested_at__gte=since, requested_at__lt=until, repeat_check__isnull=True
        )
    )
    if not batch:
        return 0
    synonyms = dictionary(cached=False)
    return _decide(batch, synonyms=synonyms, words_of=_words_cache.reader(synonyms))


def _decide(
    batch: list[_Hop],
    *,
    synonyms: dict[str, tuple[str, ...]],
    words_of: Callable[[_Hop], frozenset[str]],
) -> int:
    """Decide the hops of ``batch`` and store the decisions (a row already written by a
    sweep running at the same time is kept: the same decision)."""
    batch.sort(key=lambda hop: (hop.requested_at, hop.pk))
    answered = _Hop.rows(
        Escalation.objects.filter(
            answered_at__gte=batch[0].requested_at - WINDOW,
            answered_at__lt=batch[-1].requested_at,
            case__category_id__in={hop.case.category_id for hop in batch},
        ).order_by("answered_at", "pk")
    )
    found = {
        repeat.escalation.pk: repeat
        for repeat in find_repeats(batch, answered, synonyms=synonyms, words_of=words_of)
    }
    now = timezone.now()
    RepeatCheck.objects.bulk_create(
        [
            RepeatCheck(
                escalation_id=hop.pk,
                earlier_id=found[hop.pk].earlier.pk if hop.pk in found else None,
                similarity=found[hop.pk].similarity if hop.pk in found else None,
                checked_at=now,
            )
            for hop in batch
        ],
        ignore_conflicts=True,
    )
    return len(batch)
