"""The knowledge search endpoint says which words of the query were also searched as their
synonyms, beside the hits found through them."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from knowledge import services
from knowledge.models import SynonymGroup
from knowledge.synonyms import synonym_group_save


@pytest.fixture(autouse=True)
def _empty_search_cache():
    cache.clear()  # search caches the dictionary and document frequencies


def test_the_api_returns_the_expansions_with_the_hits(api, operator, supervisor, manager):
    synonym_group_save(group=SynonymGroup(terms="解約、退会、キャンセル"), actor=manager)
    article = services.article_create(actor=operator, title="解約の手続き", body="会員ページで。")
    services.article_submit(article=article, actor=operator)
    services.article_approve(article=article, actor=supervisor)

    response = api(operator).get(reverse("api:knowledge-search"), {"q": "退会"})

    assert response.status_code == 200
    assert response.json()["expansions"] == [
        {"term": "退会", "alternatives": ["解約", "キャンセル"]}
    ]
    assert [hit["id"] for hit in response.json()["results"]] == [article.pk]


def test_a_query_without_a_dictionary_word_has_no_expansion(api, operator):
    response = api(operator).get(reverse("api:knowledge-search"), {"q": "返品"})

    assert response.json() == {"expansions": [], "results": []}
