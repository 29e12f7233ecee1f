"""The packed postings of the search index, pure functions (no ORM).

One row of ``SearchPosting`` holds, for one gram and one block of ``BLOCK_SIZE`` consecutive
document ids, the documents of the block that contain the gram, as an ascending array of
16-bit little-endian offsets within the block (``documents``), and those of them that have it
in their title (``titles``). About two bytes a posting, instead of a row and an index entry of
about 50 bytes each; a query reads a few rows per gram, however common the gram.
"""

from __future__ import annotations

import sys
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator

BLOCK_BITS = 12
BLOCK_SIZE = 1 << BLOCK_BITS
_MASK = BLOCK_SIZE - 1
_BIG_ENDIAN = sys.byteorder == "big"

IN_BODY = 0
IN_TITLE = 1

Row = tuple[str, int, int, bytes, bytes]  # gram, block, count, documents, titles


def block_of(document: int) -> int:
    return document >> BLOCK_BITS


def base_of(block: int) -> int:
    """The id of the block's first document: a document's id is ``base + offset``."""
    return block << BLOCK_BITS


def pack(offsets: Iterable[int]) -> bytes:
    packed = array("H", sorted(offsets))
    if _BIG_ENDIAN:
        packed.byteswap()
    return packed.tobytes()


def unpack(data: bytes | memoryview | None) -> array:
    offsets = array("H")
    if data:
        offsets.frombytes(data)
        if _BIG_ENDIAN:
            offsets.byteswap()
    return offsets


def weighted(title_grams: set[str], body_grams: set[str]) -> dict[str, int]:
    """Each gram of a document with ``IN_TITLE`` or ``IN_BODY`` (body only)."""
    weights = dict.fromkeys(body_grams, IN_BODY)
    weights.update(dict.fromkeys(title_grams, IN_TITLE))
    return weights


def build(documents: Iterable[tuple[int, dict[str, int]]]) -> Iterator[Row]:
    """The rows of ``documents`` given as (id, weighted grams) in ascending id order: what a
    full rebuild writes, one block at a time."""
    current: int | None = None
    block: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for document, weights in documents:
        number = block_of(document)
        if current is not None and number != current:
            yield from _rows(current, block)
            block = defaultdict(lambda: ([], []))
        current = number
        offset = document & _MASK
        for gram, in_title in weights.items():
            documents_, titles = block[gram]
            documents_.append(offset)
            if in_title:
                titles.append(offset)
    if current is not None:
        yield from _rows(current, block)


def _rows(number: int, block: dict[str, tuple[list[int], list[int]]]) -> Iterator[Row]:
    for gram in sorted(block):
        documents, titles = block[gram]
        yield gram, number, len(documents), pack(documents), pack(titles)


def replace(
    documents: bytes | memoryview | None,
    titles: bytes | memoryview | None,
    document: int,
    in_title: int | None,
) -> tuple[list[int], list[int]]:
    """A row's offsets with ``document`` removed, then added again (in the title or not) unless
    ``in_title`` is ``None``."""
    own = document & _MASK
    kept = [o for o in unpack(documents) if o != own]
    kept_titles = [o for o in unpack(titles) if o != own]
    if in_title is not None:
        kept.append(own)
        if in_title:
            kept_titles.append(own)
    return kept, kept_titles
