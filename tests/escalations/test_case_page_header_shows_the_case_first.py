"""The case page opens with its header (issue 17): the customer with furigana and a phone to
copy, category, priority, status and tier, owner and handler, the nearest SLA deadline as a
countdown, the hold clock, the latest handoff and answer, and the actions as buttons, all
above the editable fields; in a number of queries that does not grow with notes and hops."""

import re

import pytest
from django.urls import reverse

from escalations import services
from escalations.models import CaseStatus
from tests.factories import HANDOFF, CustomerFactory, make_case, make_sla_policy


def page(client, user, case, lang="ja"):
    client.force_login(user)
    response = client.get(
        reverse("admin:escalations_case_change", args=[case.pk]), HTTP_ACCEPT_LANGUAGE=lang
    )
    assert response.status_code == 200
    return response.content.decode()


def header_of(html: str) -> str:
    match = re.search(r'<section id="case-header".*?</section>', html, re.S)
    assert match is not None
    return match.group(0)


@pytest.fixture
def customer(db):
    return CustomerFactory(name="阿部 真理", furigana="アベ マリ", phone="080-7289-6413")


def test_the_header_comes_before_the_form_with_the_case_at_a_glance(
    client, org, operator, customer
):
    make_sla_policy()
    case = services.case_start_work(
        case=make_case(owner=operator, customer=customer), actor=operator
    )

    html = page(client, operator, case)
    header = header_of(html)

    assert html.index('id="case-header"') < html.index('id="case_form"')
    for text in [case.reference, case.subject, "阿部 真理", "アベ マリ", case.category.name]:
        assert text in header
    assert 'data-copy="080-7289-6413"' in header
    assert "対応中 · L1" in header
    assert operator.display_name in header
    assert 'id="ch-sla"' in header and "data-due=" in header
    # in progress: escalate and resolve open panels, waiting for the customer is one click
    assert re.search(r'<details class="ch-panel"[^>]*data-transition="escalate"', header)
    assert re.search(r'<details class="ch-panel"[^>]*data-transition="resolve"', header)
    assert re.search(
        r'<form method="post" [^>]*class="ch-do" data-transition="wait_for_customer"', header
    )


def test_the_header_shows_the_handoff_the_hold_and_the_answer(
    client, org, operator, supervisor, customer
):
    make_sla_policy()
    case = services.case_start_work(
        case=make_case(owner=operator, customer=customer), actor=operator
    )
    services.case_escalate(
        case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=True
    )

    header = header_of(page(client, supervisor, case))
    assert 'id="ch-hold"' in header
    assert HANDOFF.customer_wants in header and HANDOFF.tried in header
    assert "怒っている" in header  # the mood, in Japanese
    assert 'data-transition="acknowledge"' in header  # one click for the supervisor
    assert 'data-transition="return_to_owner"' in header
    # ending the hold and promising a callback open panels of the header too
    assert re.search(r'data-transition="hold_end".*name="outcome"', header, re.S)
    assert re.search(r'data-transition="callback".*value="080-7289-6413"', header, re.S)
    assert re.search(r'data-transition="note".*<textarea name="body"', header, re.S)

    services.case_return_to_owner(case=case, actor=supervisor, answer="規約第5条で返金不可")
    header = header_of(page(client, operator, case))
    assert 'id="ch-answer"' in header and "規約第5条で返金不可" in header


def test_a_closed_case_keeps_its_fields_collapsed(client, org, operator, customer):
    case = services.case_start_work(
        case=make_case(owner=operator, customer=customer), actor=operator
    )
    services.case_resolve(case=case, actor=operator, resolution="説明で解決", close=True)
    assert case.status == CaseStatus.CLOSED

    html = page(client, operator, case)
    assert 'id="ch-answer"' not in html
    form = html[html.index('id="case_form"') :]
    assert form.count('<fieldset class="module aligned collapse"') == 3
    assert form.count("<details><summary>") == 3


@pytest.mark.parametrize("hops", [1, 20])
def test_the_case_page_makes_the_same_queries_for_1_and_20_notes_and_hops(
    hops, client, org, operator, supervisor, customer, django_assert_num_queries
):
    make_sla_policy()
    case = services.case_start_work(
        case=make_case(owner=operator, customer=customer), actor=operator
    )
    for i in range(hops):
        services.case_add_note(case=case, actor=operator, kind="call_log", body=f"{i}回目の電話")
        services.case_escalate(
            case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF, on_hold=True
        )
        services.case_acknowledge(case=case, actor=supervisor)
        services.case_return_to_owner(case=case, actor=supervisor, answer=f"{i}回目の回答")
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    client.force_login(supervisor)
    url = reverse("admin:escalations_case_change", args=[case.pk])
    client.get(url)  # warm the process-wide caches (content types), as in production

    # the change page's 12 (tests/escalations/test_admin_case_list_queries.py) for an
    # escalated case seen by its target team
    with django_assert_num_queries(12 + 2):  # + the SLA calendar's hours and days
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["hops"]) == hops + 1
    assert response.context["header_handoff"].number == hops + 1
    assert response.context["header_answer"].answer == f"{hops - 1}回目の回答"
    assert response.context["header_deadline"] is not None
