"""On PostgreSQL the search reads the packed postings through their primary key index: it does
not scan the postings table for a query, and a common gram is a few rows, not one per document."""

import pytest
from django.db import connection

from knowledge import postings
from knowledge.models import DocumentKind, SearchPosting
from knowledge.search import candidates
from knowledge.text import query_bigrams

pytestmark = pytest.mark.postgres

VOCABULARY = ["返品", "解約", "請求", "配送", "ろぐ", "ぱす", "領収", "変更", "住所", "支払"]


@pytest.fixture
def many_rows(db):
    """4,000 grams in 10 blocks of documents (40,000 rows), and the vocabulary in every block,
    each in every document of its block, half of them with it in the title."""
    SearchPosting.objects.bulk_create(
        (
            SearchPosting(
                kind=DocumentKind.ARTICLE,
                gram=f"{chr(0x3042 + n % 80)}{chr(0x4E00 + n // 80)}",
                block=block,
                count=1,
                documents=postings.pack([n % postings.BLOCK_SIZE]),
                titles=b"",
            )
            for n in range(4000)
            for block in range(10)
        ),
        batch_size=5000,
    )
    every = list(range(postings.BLOCK_SIZE))
    SearchPosting.objects.bulk_create(
        SearchPosting(
            kind=DocumentKind.ARTICLE,
            gram=gram,
            block=block,
            count=len(every),
            documents=postings.pack(every),
            titles=postings.pack(every[::2]),
        )
        for gram in VOCABULARY
        for block in range(10)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_searchposting")


def test_a_query_reads_the_postings_by_index(many_rows):
    grams = query_bigrams("返品の解約")
    plan = SearchPosting.objects.filter(kind=DocumentKind.ARTICLE, gram__in=grams).explain()

    assert "Seq Scan on knowledge_searchposting" not in plan
    assert "knowledge_searchposting_pkey" in plan


def test_the_best_candidates_come_from_the_packed_rows(many_rows):
    found = candidates(DocumentKind.ARTICLE, query_bigrams("返品の解約"))

    assert len(found) == 50
    # both grams in the title (even offsets of each block) rank first, lowest ids first
    assert found[:3] == [0, 2, 4]
