"""Returning an answer asks one question (issue 20): reusable or not. "Reusable" drafts an
article from the handoff and the answer in the same transaction (owned by the answerer, in
review, linked to the case and the hop); "not reusable" needs a short reason. Both doors (the
admin's return panel and page, the API) require the answer to the question."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from escalations import services
from escalations.models import CaseStatus, Escalation
from knowledge.models import Article, ArticleStatus
from tests.api.conftest import issue_token
from tests.factories import HANDOFF

ANSWER = "約款第12条により、購入後30日以内であれば送料当社負担で返品を受け付けます。"


@pytest.fixture
def escalated(case, operator):
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    return case


def return_page(case):
    return reverse("admin:escalations_case_transition", args=[case.pk, "return_to_owner"])


def admin_post(client, case, **data):
    return client.post(
        return_page(case), {"expected_status": case.status, "answer": ANSWER, **data}
    )


def api_post(user, case, **data):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")
    return client.post(
        f"/api/v1/cases/{case.reference}/return/", {"answer": ANSWER, **data}, format="json"
    )


def test_a_reusable_answer_drafts_an_article_in_review_owned_by_the_answerer(
    client, escalated, supervisor
):
    client.force_login(supervisor)

    response = admin_post(client, escalated, reusable="yes")

    assert response.status_code == 302
    hop = Escalation.objects.get(case=escalated)
    assert (hop.reusable, hop.not_reusable_reason) == (True, "")
    [article] = Article.objects.all()
    assert article.status == ArticleStatus.IN_REVIEW
    assert (article.owner, article.source_case, article.source_escalation) == (
        supervisor,
        escalated,
        hop,
    )
    assert (article.title, article.category) == (escalated.subject, escalated.category)
    for text in (HANDOFF.customer_wants, HANDOFF.tried, ANSWER):
        assert text in article.body
    assert article.history.filter(history_user=supervisor).count() == 2  # written, submitted


def test_not_reusable_needs_a_reason_and_drafts_nothing(client, escalated, supervisor):
    client.force_login(supervisor)

    refused = admin_post(client, escalated, reusable="no", not_reusable_reason="  ")

    assert refused.status_code == 200  # the page again, with the error on the reason
    assert "not_reusable_reason" in refused.context["form"].errors
    assert escalated.__class__.objects.get(pk=escalated.pk).status == CaseStatus.ESCALATED

    done = admin_post(client, escalated, reusable="no", not_reusable_reason="この契約だけの特例")

    assert done.status_code == 302
    hop = Escalation.objects.get(case=escalated)
    assert (hop.reusable, hop.not_reusable_reason) == (False, "この契約だけの特例")
    assert not Article.objects.exists()


def test_the_admin_asks_the_question_and_requires_an_answer(client, escalated, supervisor):
    client.force_login(supervisor)
    change = reverse("admin:escalations_case_change", args=[escalated.pk])
    html = client.get(change, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    panel = re.search(
        r'<details[^>]*data-transition="return_to_owner".*?</details>', html, re.S
    ).group(0)
    assert 'name="reusable" value="yes"' in panel and 'name="reusable" value="no"' in panel
    assert "この回答は再利用できますか" in panel  # the question, in Japanese
    assert 'name="not_reusable_reason"' in panel

    response = admin_post(client, escalated)  # no answer to the question

    assert "reusable" in response.context["form"].errors
    assert Escalation.objects.get(case=escalated).answered_at is None


def test_the_api_requires_the_question_and_drafts_the_article(escalated, supervisor):
    missing = api_post(supervisor, escalated)
    assert missing.status_code == 400
    assert "reusable" in missing.json()["fields"]

    no_reason = api_post(supervisor, escalated, reusable=False)
    assert no_reason.status_code == 400
    assert "not_reusable_reason" in no_reason.json()["fields"]
    assert not Article.objects.exists()

    done = api_post(supervisor, escalated, reusable=True)

    assert done.status_code == 200 and done.json()["status"] == CaseStatus.RETURNED
    article = Article.objects.get()
    assert (article.status, article.owner) == (ArticleStatus.IN_REVIEW, supervisor)
    hops = APIClient()
    hops.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(supervisor, name='CRM')}")
    [hop] = hops.get(f"/api/v1/cases/{escalated.reference}/escalations/").json()["results"]
    assert (hop["reusable"], hop["not_reusable_reason"]) == (True, "")


def test_a_draft_that_cannot_be_written_refuses_the_whole_return(escalated, supervisor):
    supervisor.user_permissions.clear()
    for group in supervisor.groups.all():  # the answerer may answer but not write articles
        group.permissions.remove(*group.permissions.filter(codename="add_article"))
    supervisor = type(supervisor).objects.get(pk=supervisor.pk)

    with pytest.raises(ValidationError) as refused:
        services.case_return_to_owner(
            case=escalated, actor=supervisor, answer=ANSWER, reusable=True
        )

    assert "reusable" in refused.value.message_dict
    escalated.refresh_from_db()
    assert escalated.status == CaseStatus.ESCALATED
    assert Escalation.objects.get(case=escalated).answered_at is None


@pytest.mark.parametrize(
    ("reusable", "shown"),
    [
        ("yes", "再利用できる回答です。この回答からナレッジ記事を作成しました（レビュー中）。"),
        ("no", "再利用できない回答：この契約だけの特例"),
    ],
)
def test_the_case_header_says_what_was_chosen(client, escalated, supervisor, reusable, shown):
    client.force_login(supervisor)
    admin_post(client, escalated, reusable=reusable, not_reusable_reason="この契約だけの特例")

    html = client.get(
        reverse("admin:escalations_case_change", args=[escalated.pk]), HTTP_ACCEPT_LANGUAGE="ja"
    ).content.decode()

    answer_box = re.search(r'id="ch-answer".*?</div>', html, re.S).group(0)
    assert shown in answer_box


def test_the_article_names_the_hop_it_was_drafted_from_and_hops_filter_by_it(
    client, escalated, supervisor
):
    client.force_login(supervisor)
    admin_post(client, escalated, reusable="yes")
    article = Article.objects.get()

    page = client.get(reverse("admin:knowledge_article_change", args=[article.pk]))
    hops = client.get(reverse("admin:escalations_escalation_changelist"), {"reusable__exact": "1"})

    assert "#1 L1→L2" in page.content.decode()
    assert escalated.reference in hops.content.decode()
    none = client.get(reverse("admin:escalations_escalation_changelist"), {"reusable__exact": "0"})
    assert escalated.reference not in none.content.decode()
