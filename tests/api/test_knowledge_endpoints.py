"""The knowledge API: the same search service as the escalate form, and the published copy of
articles (sanitised), read-only."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from knowledge import services


@pytest.fixture(autouse=True)
def _empty_search_cache():
    cache.clear()  # search caches document frequencies


@pytest.fixture
def publish(operator, supervisor):
    def make(title: str, body: str, **kwargs):
        article = services.article_create(actor=operator, title=title, body=body, **kwargs)
        services.article_submit(article=article, actor=operator)
        return services.article_approve(article=article, actor=supervisor)

    return make


def test_search_finds_a_japanese_two_character_query(api, operator, publish):
    returns = publish("返品の受付方法", "商品到着後8日以内なら返品を受け付けます。")
    publish("解約の手続き", "書面で受け付けます。")

    response = api(operator).get(reverse("api:knowledge-search"), {"q": "返品"})

    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["kind"] == "article" and results[0]["id"] == returns.pk
    assert "解約の手続き" not in [hit["title"] for hit in results]


@pytest.mark.parametrize(
    "params",
    [{}, {"q": ""}, {"q": "返品", "limit": 0}, {"q": "x" * 201}, {"q": "返品", "limit": "a"}],
)
def test_bad_search_parameters_are_a_400_with_field_errors(api, operator, params):
    response = api(operator).get(reverse("api:knowledge-search"), params)
    assert response.status_code == 400
    assert response.json()["fields"]


def test_anonymous_requests_are_refused(api):
    assert api(None).get(reverse("api:knowledge-search"), {"q": "返品"}).status_code == 401
    assert api(None).get(reverse("api:article-list")).status_code == 401


def test_only_published_articles_are_listed_with_their_body_sanitised(api, operator, publish):
    live = publish("返品", "手順 <script>alert(1)</script> **太字**")
    draft = services.article_create(actor=operator, title="下書き", body="未公開")

    client = api(operator)
    listed = client.get(reverse("api:article-list")).json()["results"]
    assert [a["id"] for a in listed] == [live.pk]
    assert (
        "<script>" not in listed[0]["body_html"]
        and "<strong>太字</strong>" in listed[0]["body_html"]
    )
    assert client.get(reverse("api:article-detail", args=[draft.pk])).status_code == 404


def test_articles_are_read_only(api, operator, publish):
    live = publish("返品", "本文")
    response = api(operator).patch(
        reverse("api:article-detail", args=[live.pk]), {"title": "改"}, format="json"
    )
    assert response.status_code == 405


@pytest.mark.parametrize("count", [2, 12])
def test_the_article_list_costs_the_same_queries_for_2_and_12(
    api, operator, publish, count, django_assert_num_queries
):
    for number in range(count):
        publish(f"記事 {number}", "本文")
    client = api(operator)
    client.get(reverse("api:me"))  # the token's first use is recorded once
    # token (with its user), the page (the user's permissions are kept per process)
    with django_assert_num_queries(2):
        response = client.get(reverse("api:article-list"))
    assert len(response.json()["results"]) == count
