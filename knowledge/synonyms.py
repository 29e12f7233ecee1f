"""The synonym dictionary: groups of words that mean the same to callers (解約・退会・キャンセル),
kept in the admin (``SynonymGroup``, with history) and applied to search queries.

A query's words are matched against the dictionary after the same normalisation as the index
(full/half-width, case, katakana/hiragana), longest word first, without overlaps: each match is
an ``Expansion`` of the word as the caller wrote it to the other words of its group. Search
scores a document on the best of the word and its alternatives (an alternative counts a little
less than the word itself), and the admin and the API show the expansions
(「退会」も「解約」「キャンセル」として検索).

The dictionary is read once and kept in the cache (``CACHE_SECONDS``; dropped when a group is
saved or deleted through ``synonym_group_save``/``synonym_group_delete``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from accounts.models import User
from knowledge.models import SynonymGroup
from knowledge.text import fold, normalise, split_terms

CACHE_KEY = "knowledge:synonyms:v1"
CACHE_SECONDS = 60
MAX_EXPANSIONS = 8


@dataclass(frozen=True)
class Expansion:
    term: str  # the word as found in the query (normalised)
    written: str  # the same as the caller wrote it (after NFKC)
    start: int  # where it is in the query, NFKC + folded
    end: int
    alternatives: tuple[str, ...]  # the other words of its group, as written in the dictionary


def dictionary(*, cached: bool = True) -> dict[str, tuple[str, ...]]:
    """Each normalised word of the dictionary -> the words of its group, as written.
    ``cached=False``: read from the database (one query) whatever the cache holds."""
    found = cache.get(CACHE_KEY) if cached else None
    if found is None:
        found = {}
        for terms in SynonymGroup.objects.values_list("terms", flat=True):
            group = split_terms(terms)
            for term in group:
                key = normalise(term)
                if key:
                    others = found.get(key, ())
                    found[key] = others + tuple(
                        t for t in group if normalise(t) != key and t not in others
                    )
        if cached:
            cache.set(CACHE_KEY, found, CACHE_SECONDS)
    return found


def expansions(query: str, *, words: dict[str, tuple[str, ...]] | None = None) -> list[Expansion]:
    """The dictionary's words found in ``query``, longest first and not overlapping, in the
    order they occur (at most ``MAX_EXPANSIONS``). ``words``: the dictionary, when the caller
    has read it already."""
    words = dictionary() if words is None else words
    if not words:
        return []
    written = unicodedata.normalize("NFKC", query)
    text = fold(written)
    if len(text) != len(written):  # casefold changed the length (ß -> ss)
        written = text
    taken = [False] * len(text)
    found = []
    for term in sorted(words, key=lambda t: (-len(t), t)):
        start = text.find(term)
        while start >= 0:
            end = start + len(term)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(term)
                found.append(Expansion(term, written[start:end], start, end, words[term]))
                break
            start = text.find(term, start + 1)
    found.sort(key=lambda e: e.start)
    return found[:MAX_EXPANSIONS]


def _forget() -> None:
    cache.delete(CACHE_KEY)


def synonym_group_save(*, group: SynonymGroup, actor: User, reason: str = "") -> SynonymGroup:
    """Create or change a group, with its history row (who, why); queries use it at once in
    this process, and in the others within ``CACHE_SECONDS`` (or at once with a shared cache)."""
    group.full_clean()
    group._history_user = actor
    group._change_reason = reason[:100] or ("created" if group.pk is None else "changed")
    with transaction.atomic():
        group.save()
        transaction.on_commit(_forget)
    return group


def synonym_group_delete(*, group: SynonymGroup, actor: User, reason: str = "") -> None:
    group._history_user = actor
    group._change_reason = reason[:100] or "deleted"
    with transaction.atomic():
        group.delete()
        transaction.on_commit(_forget)
