"""From a resolved escalation, one action creates a draft pre-filled with the customer's question
(from the handoff) and the answer that came back, linked to the case."""

import pytest
from django.urls import reverse

from escalations import services as case_services
from knowledge.models import Article, ArticleStatus


@pytest.fixture
def resolved(case, operator, supervisor):
    case_services.case_escalate(
        case=case,
        actor=operator,
        reason="knowledge_gap",
        handoff=case_services.Handoff(
            customer_wants="日割りの差額を知りたい", tried="明細を説明", mood="calm"
        ),
    )
    case_services.case_return_to_owner(case=case, actor=supervisor, answer="初月は日割りです")
    case_services.case_resolve(case=case, actor=operator, resolution="説明して納得")
    return case


def test_the_resolved_case_page_offers_the_action(client, resolved, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:escalations_case_change", args=[resolved.pk]))
    assert reverse("admin:knowledge_article_from_case", args=[resolved.pk]) in (
        response.content.decode()
    )


def test_an_open_case_page_does_not(client, case, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:escalations_case_change", args=[case.pk]))
    assert "article_from_case" not in response.content.decode()


def test_the_action_creates_a_prefilled_draft_linked_to_the_case(client, resolved, operator):
    client.force_login(operator)
    url = reverse("admin:knowledge_article_from_case", args=[resolved.pk])
    assert client.get(url).status_code == 200

    response = client.post(url)

    article = Article.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:knowledge_article_change", args=[article.pk])
    assert article.status == ArticleStatus.DRAFT
    assert article.title == "請求額が違う"
    assert "日割りの差額を知りたい" in article.body
    assert "初月は日割りです" in article.body
    assert (article.source_case, article.owner, article.category) == (
        resolved,
        operator,
        resolved.category,
    )
    assert article.history.get().history_change_reason == f"create from {resolved.reference}"


def test_an_open_case_becomes_no_article(client, case, operator):
    client.force_login(operator)
    response = client.post(reverse("admin:knowledge_article_from_case", args=[case.pk]))

    assert response.status_code == 302
    assert not Article.objects.exists()


def test_someone_who_does_not_see_the_case_gets_404(client, resolved, outsider):
    client.force_login(outsider)
    response = client.post(reverse("admin:knowledge_article_from_case", args=[resolved.pk]))
    assert response.status_code == 404
    assert not Article.objects.exists()


def test_a_manager_who_does_not_write_gets_403(client, resolved, manager):
    client.force_login(manager)
    response = client.post(reverse("admin:knowledge_article_from_case", args=[resolved.pk]))
    assert response.status_code == 403
