"""The case page's knowledge panel (issue 17): it searches in place (a POST that returns the
results, no page load), with the search page's visibility and permission rules, records what
was shown as the escalate page's suggestions do (so deflection figures stay true), opens an
article with the case and offers "this answered it" to who may resolve."""

import pytest
from django.urls import reverse

from escalations import services as case_services
from escalations.models import Case, CaseStatus
from knowledge.models import Deflection
from tests.factories import HANDOFF, make_case


@pytest.fixture
def answer(publish):
    return publish("請求額が違うときの説明", "日割り計算で初月の請求額が変わります。")


@pytest.fixture
def other(publish):
    return publish("ルーターの再起動手順", "電源を抜いて30秒待ちます。")


def url(case):
    return reverse("admin:knowledge_article_case_search", args=[case.pk])


def test_the_case_page_has_the_knowledge_panel(client, case, operator):
    client.force_login(operator)
    html = client.get(reverse("admin:escalations_case_change", args=[case.pk])).content.decode()

    assert 'id="ch-knowledge"' in html
    assert f'action="{url(case)}"' in html
    assert 'value="請求額が違う"' in html  # the query starts as the case's subject


def test_a_search_returns_the_results_and_records_what_was_shown(
    client, case, operator, answer, other, django_assert_max_num_queries
):
    client.force_login(operator)
    client.get("/admin/")  # the session and the user are loaded once

    with django_assert_max_num_queries(20):
        response = client.post(url(case), {"q": "ルーター 再起動"})

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-article="{other.pk}"' in html
    assert f'data-article="{answer.pk}"' not in html
    deflection = Deflection.objects.get(case=case)
    assert (deflection.shown_to, deflection.query) == (operator, "ルーター 再起動")
    assert deflection.article_ids == [other.pk]
    read = reverse("admin:knowledge_article_read", args=[other.pk])
    assert f"{read}?case={case.pk}&amp;deflection={deflection.pk}" in html
    solve = reverse("admin:knowledge_article_solve", args=[other.pk, case.pk])
    assert f'action="{solve}"' in html
    assert f'name="deflection" value="{deflection.pk}"' in html


def test_an_empty_query_searches_for_the_case(client, case, operator, answer):
    client.force_login(operator)

    response = client.post(url(case), {"q": "  "})

    assert f'data-article="{answer.pk}"' in response.content.decode()
    assert Deflection.objects.get(case=case).query.startswith("請求額が違う")


def test_nothing_found_records_nothing(client, case, operator, answer):
    client.force_login(operator)

    response = client.post(url(case), {"q": "まったく関係のない話題"})

    assert "ch-kb-none" in response.content.decode()
    assert not Deflection.objects.exists()


def test_this_answered_it_resolves_the_case_and_marks_the_search_used(
    client, case, operator, answer
):
    client.force_login(operator)
    client.post(url(case), {"q": ""})
    deflection = Deflection.objects.get(case=case)

    response = client.post(
        reverse("admin:knowledge_article_solve", args=[answer.pk, case.pk]),
        {"expected_status": "in_progress", "deflection": deflection.pk},
    )

    assert response.status_code == 302
    assert Case.objects.get(pk=case.pk).status == CaseStatus.RESOLVED
    deflection.refresh_from_db()
    assert deflection.used_article == answer


def test_who_may_not_resolve_sees_no_this_answered_it(client, org, operator, supervisor, answer):
    case = make_case(owner=operator)
    case_services.case_start_work(case=case, actor=operator)
    case_services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    client.force_login(operator)  # escalated: the owner may not resolve it now

    html = client.post(url(case), {"q": ""}).content.decode()

    assert f'data-article="{answer.pk}"' in html
    assert "ch-kb-solve" not in html


def test_a_case_one_may_not_see_is_404_and_records_nothing(client, case, outsider, answer):
    client.force_login(outsider)

    response = client.post(url(case), {"q": ""})

    assert response.status_code == 404
    assert not Deflection.objects.exists()


def test_a_get_is_refused(client, case, operator):
    client.force_login(operator)

    assert client.get(url(case)).status_code == 405


def test_a_too_long_query_is_a_400_not_a_500(client, case, operator):
    client.force_login(operator)

    response = client.post(url(case), {"q": "あ" * 500})

    assert response.status_code == 400
    assert "errornote" in response.content.decode()
    assert not Deflection.objects.exists()
