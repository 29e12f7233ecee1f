"""A case (or hop, or callback) one may not see is 404 on its change and history pages,
as if it did not exist, and nothing of it shows; one who may see it gets the page."""

import pytest
from django.urls import reverse

from escalations import services
from escalations.models import Escalation
from tests.factories import HANDOFF


@pytest.fixture
def hidden(case, operator):
    """The operator's case, escalated: the outsider (another L1 team) may not see it."""
    services.case_escalate(case=case, actor=operator, reason="other", handoff=HANDOFF)
    case.refresh_from_db()
    return case


@pytest.mark.parametrize("page", ["change", "history"])
def test_a_case_one_may_not_see_is_404(client, hidden, outsider, page):
    client.force_login(outsider)
    response = client.get(reverse(f"admin:escalations_case_{page}", args=[hidden.pk]))
    assert response.status_code == 404
    assert hidden.subject not in response.content.decode()


def test_a_hop_one_may_not_see_is_404(client, hidden, outsider):
    hop = Escalation.objects.get(case=hidden)
    client.force_login(outsider)
    response = client.get(reverse("admin:escalations_escalation_change", args=[hop.pk]))
    assert response.status_code == 404


def test_an_id_that_does_not_exist_is_404(client, org, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:escalations_case_change", args=[999999]))
    assert response.status_code == 404


def test_the_owner_sees_the_page(client, hidden, operator):
    client.force_login(operator)
    response = client.get(reverse("admin:escalations_case_change", args=[hidden.pk]))
    assert response.status_code == 200
    assert hidden.subject in response.content.decode()
