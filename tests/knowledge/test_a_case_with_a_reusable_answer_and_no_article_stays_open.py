"""The close rule (issue 20): a case cannot be closed while a reusable answer on it has no
article or draft (its draft deleted, say): the admin shows why, the API answers 400; once the
article exists again (or the answer had one all along) the case closes."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from escalations import services
from escalations.models import Case, CaseStatus
from knowledge import services as knowledge
from knowledge.models import Article
from tests.api.conftest import issue_token
from tests.factories import HANDOFF


@pytest.fixture
def resolved(case, operator, supervisor):
    """Escalated twice, answered twice: the second answer reusable (its article drafted)."""
    for reusable in (False, True):
        services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
        services.case_return_to_owner(
            case=case,
            actor=supervisor,
            answer="第5条により返金可",
            reusable=reusable,
            not_reusable_reason="" if reusable else "個別の契約",
        )
    services.case_resolve(case=case, actor=operator, resolution="返金を案内")
    return case


def close_in_admin(client, case):
    url = reverse("admin:escalations_case_transition", args=[case.pk, "close"])
    return client.post(url, {"expected_status": CaseStatus.RESOLVED, "comment": ""})


def close_through_the_api(user, case):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issue_token(user)}")
    return client.post(f"/api/v1/cases/{case.reference}/close/", {}, format="json")


def status(case):
    return Case.objects.get(pk=case.pk).status


def test_a_reusable_answer_with_its_draft_lets_the_case_close(client, resolved, operator):
    client.force_login(operator)

    assert close_in_admin(client, resolved).status_code == 302
    assert status(resolved) == CaseStatus.CLOSED


def test_the_admin_refuses_to_close_when_the_draft_was_deleted(client, resolved, operator):
    Article.objects.all().delete()
    client.force_login(operator)

    response = close_in_admin(client, resolved)

    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert "#2" in errors and "#1" not in errors  # the reusable answer, not the other one
    assert status(resolved) == CaseStatus.RESOLVED
    assert not [m for m in get_messages(response.wsgi_request) if m.level_tag == "success"]


def test_the_api_refuses_to_close_when_the_draft_was_deleted(resolved, operator):
    Article.objects.all().delete()

    response = close_through_the_api(operator, resolved)

    assert response.status_code == 400
    assert "#2" in " ".join(response.json()["fields"]["non_field_errors"])
    assert status(resolved) == CaseStatus.RESOLVED


def test_resolving_and_closing_in_one_step_is_refused_as_a_whole(case, operator, supervisor):
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    services.case_return_to_owner(case=case, actor=supervisor, answer="回答", reusable=True)
    Article.objects.all().delete()

    with pytest.raises(ValidationError, match="#1"):
        services.case_resolve(case=case, actor=operator, resolution="案内済み", close=True)

    assert status(case) == CaseStatus.RETURNED


def test_an_article_written_again_from_the_case_lets_it_close(resolved, operator):
    Article.objects.all().delete()
    assert close_through_the_api(operator, resolved).status_code == 400
    hop = resolved.escalations.get(number=2)
    article = knowledge.article_create(
        actor=operator,
        title="返金の条件",
        body="第5条",
        source_case=resolved,
        source_escalation=hop,
    )

    assert article.source_escalation == hop
    assert close_through_the_api(operator, resolved).status_code == 200
    assert status(resolved) == CaseStatus.CLOSED


def test_closing_a_case_not_resolved_is_still_a_409(case, operator, supervisor):
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    services.case_return_to_owner(case=case, actor=supervisor, answer="回答", reusable=True)
    Article.objects.all().delete()

    response = close_through_the_api(operator, case)

    assert response.status_code == 409 and response.json()["status"] == CaseStatus.RETURNED
