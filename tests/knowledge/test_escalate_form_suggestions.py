"""The escalate form shows the top articles and similar resolved cases for the case before the
operator confirms; "solved with" on one resolves the case at L1 instead, and both are recorded."""

import pytest
from django.urls import reverse

from escalations import services as case_services
from escalations.models import Case, CaseStatus, Escalation
from knowledge.models import Article, CaseArticle, Deflection, LinkKind
from tests.factories import HANDOFF, make_case


@pytest.fixture
def answer(publish):
    return publish("請求額が違うときの説明", "日割り計算で初月の請求額が変わります。")


@pytest.fixture
def earlier_case(org, operator, supervisor):
    earlier = make_case(owner=operator, subject="請求額が高い", description="初月の請求額")
    case_services.case_start_work(case=earlier, actor=operator)
    case_services.case_escalate(
        case=earlier, actor=operator, reason="knowledge_gap", handoff=HANDOFF
    )
    case_services.case_return_to_owner(case=earlier, actor=supervisor, answer="日割りです")
    case_services.case_resolve(case=earlier, actor=operator, resolution="説明済み")
    return earlier


def escalate_page(client, user, case):
    client.force_login(user)
    return client.get(reverse("admin:escalations_case_transition", args=[case.pk, "escalate"]))


def test_the_escalate_form_shows_articles_and_similar_cases(
    client, case, operator, answer, earlier_case
):
    response = escalate_page(client, operator, case)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="knowledge-suggestions"' in html
    assert f'data-article="{answer.pk}"' in html
    assert f'data-case="{earlier_case.pk}"' in html
    assert "日割りです" in html
    deflection = Deflection.objects.get(case=case)
    assert deflection.shown_to == operator
    assert (deflection.article_ids, deflection.case_ids) == ([answer.pk], [earlier_case.pk])
    assert not deflection.was_used


def test_nothing_is_recorded_when_nothing_is_found(client, case, operator):
    response = escalate_page(client, operator, case)

    assert "knowledge-suggestions" in response.content.decode()
    assert not Deflection.objects.exists()


def test_the_article_opened_from_the_form_offers_solved_with(client, case, operator, answer):
    form = escalate_page(client, operator, case).content.decode()
    deflection = Deflection.objects.get(case=case)
    link = f"{reverse('admin:knowledge_article_read', args=[answer.pk])}?case={case.pk}"
    link += f"&amp;deflection={deflection.pk}"
    assert link in form

    response = client.get(link.replace("&amp;", "&"))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="solved-with-form"' in html
    assert f'value="{deflection.pk}"' in html


def test_solved_with_resolves_the_case_at_l1_instead_of_escalating(client, case, operator, answer):
    escalate_page(client, operator, case)
    deflection = Deflection.objects.get(case=case)

    response = client.post(
        reverse("admin:knowledge_article_solve", args=[answer.pk, case.pk]),
        {"expected_status": "in_progress", "deflection": deflection.pk, "comment": "納得"},
    )

    assert response.status_code == 302
    case = Case.objects.get(pk=case.pk)
    assert (case.status, case.tier) == (CaseStatus.RESOLVED, 1)
    assert not Escalation.objects.filter(case=case).exists()
    assert CaseArticle.objects.filter(case=case, article=answer, kind=LinkKind.SOLVED_WITH).exists()
    answer.refresh_from_db()
    assert (answer.used_count, answer.solved_count, answer.not_helpful_count) == (1, 1, 0)
    deflection.refresh_from_db()
    assert deflection.used_article == answer
    assert deflection.was_used
    assert case.history.latest().history_change_reason.startswith("resolve: ")


def test_solved_with_by_someone_who_may_not_resolve_changes_nothing(client, case, outsider, answer):
    client.force_login(outsider)
    response = client.post(
        reverse("admin:knowledge_article_solve", args=[answer.pk, case.pk]),
        {"expected_status": "in_progress"},
    )

    assert response.status_code == 404  # the outsider does not see the case
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS
    assert Article.objects.get(pk=answer.pk).solved_count == 0


def test_solved_with_on_a_stale_page_is_refused(client, case, operator, answer):
    client.force_login(operator)
    case_services.case_wait_for_customer(case=case, actor=operator)

    response = client.post(
        reverse("admin:knowledge_article_solve", args=[answer.pk, case.pk]),
        {"expected_status": "in_progress"},
    )

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.PENDING_CUSTOMER
    assert not CaseArticle.objects.exists()


def test_escalating_further_shows_no_suggestions(client, case, operator, supervisor, answer):
    case_services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    client.force_login(supervisor)
    response = client.get(
        reverse("admin:escalations_case_transition", args=[case.pk, "escalate_further"])
    )
    assert "knowledge-suggestions" not in response.content.decode()
