"""Text for search: normalisation, character bigrams and kanji unigrams, pure functions (no ORM).

Japanese has no spaces between words and PostgreSQL has no Japanese text-search configuration
(and pg_trgm sees no CJK characters under ``LC_CTYPE=C``), so the index is built here, in Python,
the same way whatever the database and its locale:

1. NFKC (full-width ``ＡＢＣ１２３`` -> ``ABC123``, half-width ``ﾍﾝﾋﾟﾝ`` -> ``ヘンピン``), then
   casefold (``Refund`` -> ``refund``), then katakana folded to hiragana (``ヘンピン`` and
   ``へんぴん`` match);
2. the text split into runs of letters and digits (punctuation and spaces end a run);
3. each run cut into overlapping character bigrams (``返品したい`` -> 返品, 品し, した, たい), and
   each kanji also kept alone (a unigram: 返, 品), so that a one-kanji word (「霜」) is found.

A two-character query (「返品」) is exactly one bigram; a one-kanji word of a query is its
unigram (other single characters find nothing). At query time, bigrams written only in hiragana
(particles and verb endings: した, たい, です) are dropped when the query has others: they match
nearly every document and would drown the words that matter.
"""

from __future__ import annotations

import re
import unicodedata

_RUN = re.compile(r"\w+")
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
_KANJI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff々]")


_TERM_SEPARATORS = re.compile(r"[、,，・･\n\r]+")


def split_terms(text: str) -> list[str]:
    """The words of a synonym group as written (separated by 、 ・ commas or new lines), in
    order, without repeats."""
    found: dict[str, None] = {}
    for term in _TERM_SEPARATORS.split(text):
        if term.strip():
            found.setdefault(term.strip(), None)
    return list(found)


def _is_hiragana(char: str) -> bool:
    return "\u3041" <= char <= "\u309f" or char == "ー"


def is_kanji(char: str) -> bool:
    return _KANJI.fullmatch(char) is not None


def fold(text: str) -> str:
    """Casefold and katakana -> hiragana: of the same length as ``text`` when ``text`` has no
    character whose casefold is longer (ß); used on text already NFKC-normalised."""
    return text.casefold().translate(_KATAKANA_TO_HIRAGANA)


def normalise(text: str) -> str:
    """NFKC, casefold, katakana -> hiragana."""
    return fold(unicodedata.normalize("NFKC", text))


def _runs(text: str) -> list[tuple[str, str]]:
    """(original, folded) runs of letters and digits, after NFKC."""
    text = unicodedata.normalize("NFKC", text)
    return [(run, fold(run)) for run in _RUN.findall(text) if run.replace("_", "")]


def bigrams(text: str) -> set[str]:
    """Every normalised character bigram of ``text``."""
    found: set[str] = set()
    for _original, folded in _runs(text):
        folded = folded.replace("_", "")
        found.update(folded[i : i + 2] for i in range(len(folded) - 1))
    return found


def grams(text: str) -> set[str]:
    """What the index stores for ``text``: its bigrams and its kanji (unigrams)."""
    found = bigrams(text)
    found.update(_KANJI.findall(unicodedata.normalize("NFKC", text)))
    return found


def query_grams(query: str) -> tuple[list[str], list[str]]:
    """The grams of a query: (telling, weak). Weak are the bigrams written only in hiragana;
    telling are the others and the unigram of each word of one kanji."""
    telling: dict[str, None] = {}
    weak: dict[str, None] = {}
    for original, folded in _runs(query):
        original, folded = original.replace("_", ""), folded.replace("_", "")
        if len(original) != len(folded):  # casefold changed the length (ß -> ss): not kana
            original = "x" * len(folded)
        if len(folded) == 1 and is_kanji(folded):
            telling.setdefault(folded, None)
        for i in range(len(folded) - 1):
            gram = folded[i : i + 2]
            if all(_is_hiragana(c) for c in original[i : i + 2]):
                weak.setdefault(gram, None)
            else:
                telling.setdefault(gram, None)
    return list(telling), list(weak)


def query_bigrams(query: str) -> list[str]:
    """The grams a query looks for, most telling first: hiragana-only bigrams are dropped when
    the query has any other (see the module docstring)."""
    telling, weak = query_grams(query)
    return telling or weak
