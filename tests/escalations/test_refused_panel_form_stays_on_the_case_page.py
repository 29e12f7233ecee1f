"""A form posted from one of the case page's inline panels and refused by the server (the form
invalid, or the service's own errors) sends the browser back to the case page, not the
transition's page (post/redirect/get: reloading it does not post the form again): that panel
open, the errors on it and what was typed, once. Posted from the transition's own page, it
stays there as before."""

import re

from django.urls import reverse

from escalations import services
from escalations.models import Case, CaseNote, CaseStatus, Escalation
from tests.factories import HANDOFF, make_case

TYPED = "上の者を出してほしいとのこと"


def transition(case, name):
    return reverse("admin:escalations_case_transition", args=[case.pk, name])


def panel(html: str, name: str) -> str:
    match = re.search(rf'<details [^>]*data-transition="{name}"[^>]*>.*?</details>', html, re.S)
    assert match is not None, name
    return match.group(0)


def opened(html: str) -> list[str]:
    return re.findall(r'<details [^>]*data-transition="(\w+)"[^>]*\bopen\b', html)


def case_page(case) -> str:
    return reverse("admin:escalations_case_change", args=[case.pk])


def back_to_the_case_page(client, response, case) -> str:
    """The refused post answers with a redirect to the case page; that page, followed."""
    assert response.status_code == 302
    assert response["Location"] == case_page(case)
    page = client.get(response["Location"])
    assert page.status_code == 200
    return page.content.decode()


def test_an_escalation_without_a_reason_reopens_the_case_page_with_the_panel_and_the_input(
    client, case, operator, django_assert_max_num_queries
):
    client.force_login(operator)
    client.get("/admin/")

    with django_assert_max_num_queries(40):
        response = client.post(
            transition(case, "escalate"),
            {
                "_panel": "escalate",
                "expected_status": "in_progress",
                "customer_wants": TYPED,
                "tried": "説明した",
                "mood": "angry",
                "on_hold": "on",
            },
        )

    html = back_to_the_case_page(client, response, case)
    assert 'id="case-header"' in html and 'id="case_form"' in html  # the case page
    assert opened(html) == ["escalate"]
    escalate = panel(html, "escalate")
    assert "errorlist" in escalate
    assert TYPED in escalate
    assert re.search(r'name="on_hold"[^>]*checked', escalate)
    assert re.search(r'<option value="angry" selected', escalate)
    # the case form below saves to the page it is on: the case page, not the transition's url
    case_form = re.search(r'<form [^>]*id="case_form"[^>]*>', html).group(0)
    assert "action=" not in case_form or f'action="{case_page(case)}"' in case_form
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS
    assert not Escalation.objects.exists()


def test_the_services_refusal_lands_on_the_panel_too(client, case, operator, supervisor):
    services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    services.case_acknowledge(case=Case.objects.get(pk=case.pk), actor=supervisor)
    case = Case.objects.get(pk=case.pk)  # (the service returns the hop, not the case)
    client.force_login(supervisor)

    response = client.post(
        transition(case, "return_to_owner"),
        {
            "_panel": "return_to_owner",
            "expected_status": "acknowledged",
            "answer": "返金できます",
            "reusable": "no",
        },
    )

    html = back_to_the_case_page(client, response, case)
    assert opened(html) == ["return_to_owner"]
    answer = panel(html, "return_to_owner")
    assert "errorlist" in answer and "返金できます" in answer
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ACKNOWLEDGED


def test_an_empty_note_reopens_the_note_panel(client, case, operator):
    client.force_login(operator)

    response = client.post(
        reverse("admin:escalations_case_note", args=[case.pk]),
        {"_panel": "note", "kind": "internal", "body": ""},
    )

    html = back_to_the_case_page(client, response, case)
    assert opened(html) == ["note"]
    assert "errorlist" in panel(html, "note")
    assert not CaseNote.objects.filter(case=case, kind="internal").exists()


def test_a_form_posted_from_its_own_page_stays_on_that_page(client, case, operator):
    client.force_login(operator)

    response = client.post(
        transition(case, "escalate"),
        {"expected_status": "in_progress", "customer_wants": TYPED},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="case-header"' not in html
    assert "errorlist" in html and TYPED in html


def test_a_callback_time_that_cannot_be_read_reopens_the_callback_panel(client, case, operator):
    client.force_login(operator)

    response = client.post(
        reverse("admin:escalations_case_callback", args=[case.pk]),
        {
            "_panel": "callback",
            "number": "080-1111-2222",
            "window_start": "あした",
            "window_end": "15:00",
        },
    )

    html = back_to_the_case_page(client, response, case)
    assert opened(html) == ["callback"]
    callback = panel(html, "callback")
    assert "errorlist" in callback and 'value="あした"' in callback
    assert not case.callbacks.exists()


def test_a_reload_after_the_refusal_posts_nothing_and_shows_the_errors_once(client, case, operator):
    """The reload a browser does after the redirect is a GET of the case page: nothing is
    posted again, and the panel's errors and input, shown once, are gone from it."""
    client.force_login(operator)
    response = client.post(
        transition(case, "escalate"),
        {"_panel": "escalate", "expected_status": "in_progress", "customer_wants": TYPED},
    )
    first = back_to_the_case_page(client, response, case)
    assert opened(first) == ["escalate"] and TYPED in panel(first, "escalate")

    reloaded = client.get(case_page(case)).content.decode()

    assert opened(reloaded) == []
    assert "errorlist" not in panel(reloaded, "escalate")
    assert TYPED not in reloaded
    assert Case.objects.get(pk=case.pk).status == CaseStatus.IN_PROGRESS
    assert not Escalation.objects.exists()


def test_the_refused_input_waits_only_for_its_own_case(client, case, operator):
    """Another case's page does not show it (nor take it): the refused case's page still does."""
    other = make_case(owner=operator)
    client.force_login(operator)
    client.post(
        reverse("admin:escalations_case_note", args=[case.pk]),
        {"_panel": "note", "kind": "internal", "body": ""},
    )

    assert opened(client.get(case_page(other)).content.decode()) == []
    assert opened(client.get(case_page(case)).content.decode()) == ["note"]
