"""On PostgreSQL the search reads the postings through their primary key index: it does not scan
every row of the index table (nor every article) for a query."""

import pytest
from django.db import connection
from django.utils import timezone

from knowledge.models import Article, DocumentKind, SearchDocument, SearchGram
from knowledge.search import scores
from knowledge.text import query_bigrams

pytestmark = pytest.mark.postgres

VOCABULARY = ["返品", "解約", "請求", "配送", "ろぐ", "ぱす", "領収", "変更", "住所", "支払"]


@pytest.fixture
def many_documents(operator):
    now = timezone.now()
    articles = Article.objects.bulk_create(
        Article(title=f"記事{n}", body="本文", owner=operator, review_due=now.date())
        for n in range(3000)
    )
    documents = SearchDocument.objects.bulk_create(
        SearchDocument(
            kind=DocumentKind.ARTICLE, article=a, title=a.title, body=a.body, freshness=now
        )
        for a in articles
    )
    SearchGram.objects.bulk_create(
        (
            SearchGram(
                kind=DocumentKind.ARTICLE, gram=f"{c}{chr(0x4E00 + n % 50)}", document=d, weight=1
            )
            for n, d in enumerate(documents)
            for c in "あいうえおかきくけこ"
        ),
        batch_size=5000,
    )
    SearchGram.objects.bulk_create(
        SearchGram(kind=DocumentKind.ARTICLE, gram=VOCABULARY[n % 10], document=d, weight=3)
        for n, d in enumerate(documents[:300])
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_searchgram")


def test_a_query_reads_the_postings_by_index(many_documents):
    queryset = scores(DocumentKind.ARTICLE, query_bigrams("返品の解約"))
    plan = queryset.explain()

    assert "Seq Scan on knowledge_searchgram" not in plan
    assert "knowledge_searchgram_pkey" in plan
    assert len(list(queryset)) == 50
