"""Which articles were used on which case, once per kind, with counters per article."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from knowledge import services
from knowledge.models import Article, CaseArticle, LinkKind


@pytest.fixture
def article(publish):
    return publish("請求額の説明", "日割り計算です。")


def counters(article):
    article = Article.objects.get(pk=article.pk)
    return (article.used_count, article.solved_count, article.not_helpful_count)


def test_each_kind_is_counted_once_per_case(case, operator, colleague, article):
    services.case_article_link(
        case=case, article=article, kind=LinkKind.SENT_TO_CUSTOMER, actor=operator
    )
    services.case_article_link(
        case=case, article=article, kind=LinkKind.SENT_TO_CUSTOMER, actor=colleague
    )
    services.case_article_link(
        case=case, article=article, kind=LinkKind.NOT_HELPFUL, actor=operator
    )

    assert counters(article) == (1, 0, 1)
    assert CaseArticle.objects.filter(case=case).count() == 2
    link = CaseArticle.objects.get(kind=LinkKind.SENT_TO_CUSTOMER)
    assert (link.created_by, link.version, link.history.get().history_user) == (
        operator,
        1,
        operator,
    )


def test_linking_takes_a_constant_number_of_queries(
    case, operator, article, django_assert_num_queries
):
    with django_assert_num_queries(7):  # 8 before the teams were kept per process
        services.case_article_link(
            case=case, article=article, kind=LinkKind.NOT_HELPFUL, actor=operator
        )


def test_an_outsider_may_not_link_to_a_case_they_do_not_see(case, outsider, article):
    with pytest.raises(PermissionDenied):
        services.case_article_link(
            case=case, article=article, kind=LinkKind.NOT_HELPFUL, actor=outsider
        )


def test_a_draft_cannot_be_used(case, operator):
    draft = services.article_create(actor=operator, title="下書き", body="本文")
    with pytest.raises(ValidationError):
        services.case_article_link(
            case=case, article=draft, kind=LinkKind.NOT_HELPFUL, actor=operator
        )


def test_the_read_page_records_a_link(client, case, operator, article):
    client.force_login(operator)
    response = client.post(
        reverse("admin:knowledge_article_link", args=[article.pk, case.pk]),
        {"kind": "not_helpful"},
    )
    assert response.status_code == 302
    assert counters(article) == (0, 0, 1)


def test_a_bad_kind_is_a_message_not_an_error(client, case, operator, article):
    client.force_login(operator)
    response = client.post(
        reverse("admin:knowledge_article_link", args=[article.pk, case.pk]), {"kind": "bogus"}
    )
    assert response.status_code == 302
    assert counters(article) == (0, 0, 0)
