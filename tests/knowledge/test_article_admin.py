"""The article pages of the admin: writing through the services, transitions as buttons on their
own pages (checked like any other call), the search page, and no error page for bad input."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from knowledge import services
from knowledge.models import Article, ArticleStatus


def test_an_operator_writes_a_draft_in_the_admin(client, operator):
    client.force_login(operator)
    response = client.post(
        reverse("admin:knowledge_article_add"),
        {
            "title": "返品の受付方法",
            "body": "返品は30日以内。",
            "tags": "返品, 交換",
            "audience": "operator_script",
            "owner": operator.pk,
            "review_due": (timezone.localdate() + dt.timedelta(days=90)).isoformat(),
        },
    )

    assert response.status_code == 302
    article = Article.objects.get()
    assert (article.status, article.owner, article.tags) == (
        ArticleStatus.DRAFT,
        operator,
        "返品, 交換",
    )
    assert article.history.get().history_user == operator


def test_the_change_page_offers_the_transitions_the_user_may_run(client, operator, supervisor):
    article = services.article_create(actor=operator, title="返品", body="本文")
    services.article_submit(article=article, actor=operator)

    client.force_login(operator)
    page = client.get(reverse("admin:knowledge_article_change", args=[article.pk])).content.decode()
    assert 'data-transition="approve"' not in page

    client.force_login(supervisor)
    page = client.get(reverse("admin:knowledge_article_change", args=[article.pk])).content.decode()
    assert 'data-transition="approve"' in page
    assert 'data-transition="reject"' in page


def test_a_reviewer_approves_through_the_transition_page(client, operator, supervisor):
    article = services.article_create(actor=operator, title="返品", body="本文")
    services.article_submit(article=article, actor=operator)
    client.force_login(supervisor)
    url = reverse("admin:knowledge_article_transition", args=[article.pk, "approve"])
    assert client.get(url).status_code == 200

    response = client.post(url, {"expected_status": "in_review", "comment": "OK"})

    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.PUBLISHED


def test_a_hand_made_post_by_a_writer_is_forbidden(client, operator):
    article = services.article_create(actor=operator, title="返品", body="本文")
    services.article_submit(article=article, actor=operator)
    client.force_login(operator)

    response = client.post(
        reverse("admin:knowledge_article_transition", args=[article.pk, "approve"]),
        {"expected_status": "in_review"},
    )

    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.IN_REVIEW


def test_a_stale_transition_page_is_refused(client, operator, supervisor):
    article = services.article_create(actor=operator, title="返品", body="本文")
    services.article_submit(article=article, actor=operator)
    client.force_login(supervisor)

    response = client.post(
        reverse("admin:knowledge_article_transition", args=[article.pk, "reject"]),
        {"expected_status": "draft"},
    )

    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).status == ArticleStatus.IN_REVIEW


def test_the_search_page_lists_articles(client, publish, operator):
    article = publish("解約の手続き", "解約は書面で受け付けます。")
    client.force_login(operator)

    response = client.get(reverse("admin:knowledge_article_search"), {"q": "解約"})

    assert response.status_code == 200
    assert f'data-article="{article.pk}"' in response.content.decode()


@pytest.mark.parametrize(
    ("name", "args", "query"),
    [
        ("admin:knowledge_article_read", [1], {"case": "abc", "deflection": "x"}),
        ("admin:knowledge_article_search", [], {"q": "x" * 500}),
        ("admin:knowledge_article_transition", [1, "delete"], {}),
    ],
)
def test_bad_input_is_no_error_page(client, publish, operator, name, args, query):
    publish("解約の手続き", "解約は書面で受け付けます。")
    article = Article.objects.get()
    args = [article.pk, *args[1:]] if args else []
    client.force_login(operator)

    response = client.get(reverse(name, args=args), query)

    assert response.status_code in (200, 403)
