"""Text for search: normalisation and character bigrams, pure functions (no ORM).

Japanese has no spaces between words and PostgreSQL has no Japanese text-search configuration
(and pg_trgm sees no CJK characters under ``LC_CTYPE=C``), so the index is built here, in Python,
the same way whatever the database and its locale:

1. NFKC (full-width ``ＡＢＣ１２３`` -> ``ABC123``, half-width ``ﾍﾝﾋﾟﾝ`` -> ``ヘンピン``), then
   casefold (``Refund`` -> ``refund``), then katakana folded to hiragana (``ヘンピン`` and
   ``へんぴん`` match);
2. the text split into runs of letters and digits (punctuation and spaces end a run);
3. each run cut into overlapping character bigrams (``返品したい`` -> 返品, 品し, した, たい).

A two-character query (「返品」) is exactly one bigram. At query time, bigrams written only in
hiragana (particles and verb endings: した, たい, です) are dropped when the query has others:
they match nearly every document and would drown the words that matter.
"""

from __future__ import annotations

import re
import unicodedata

_RUN = re.compile(r"\w+")
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}


def _is_hiragana(char: str) -> bool:
    return "\u3041" <= char <= "\u309f" or char == "ー"


def normalise(text: str) -> str:
    """NFKC, casefold, katakana -> hiragana."""
    return unicodedata.normalize("NFKC", text).casefold().translate(_KATAKANA_TO_HIRAGANA)


def _runs(text: str) -> list[tuple[str, str]]:
    """(original, folded) runs of letters and digits, after NFKC."""
    text = unicodedata.normalize("NFKC", text)
    return [
        (run, run.casefold().translate(_KATAKANA_TO_HIRAGANA))
        for run in _RUN.findall(text)
        if run.replace("_", "")
    ]


def bigrams(text: str) -> set[str]:
    """Every normalised character bigram of ``text`` (what the index stores)."""
    found: set[str] = set()
    for _original, folded in _runs(text):
        folded = folded.replace("_", "")
        found.update(folded[i : i + 2] for i in range(len(folded) - 1))
    return found


def query_bigrams(query: str) -> list[str]:
    """The bigrams a query looks for, most telling first: hiragana-only bigrams are dropped when
    the query has any other (see the module docstring)."""
    telling: dict[str, None] = {}
    weak: dict[str, None] = {}
    for original, folded in _runs(query):
        original, folded = original.replace("_", ""), folded.replace("_", "")
        if len(original) != len(folded):  # casefold changed the length (ß -> ss): not kana
            original = "x" * len(folded)
        for i in range(len(folded) - 1):
            gram = folded[i : i + 2]
            if all(_is_hiragana(c) for c in original[i : i + 2]):
                weak.setdefault(gram, None)
            else:
                telling.setdefault(gram, None)
    return list(telling or weak)
