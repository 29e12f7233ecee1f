"""Whatever the admin refuses, the API refuses, and the other way round: for every persona,
every transition and the case in several states, the API's answer (200, 403, 404, 409) is
the admin's outcome (done, 403, 404, refused with a message)."""

import pytest
from django.db import transaction
from django.urls import reverse

from escalations import services
from escalations.models import Case
from tests.api.payloads import PAYLOADS, admin_form, admin_name, transition_url
from tests.factories import HANDOFF

PERSONAS = ["operator", "colleague", "supervisor", "specialist", "manager", "outsider"]


def admin_outcome(client, user, case: Case, name: str) -> str:
    client.force_login(user)
    before = (case.status, case.tier, case.history.count())
    response = client.post(
        reverse("admin:escalations_case_transition", args=[case.pk, admin_name(case, name)]),
        {**admin_form(name), "expected_status": case.status},
    )
    client.logout()
    if response.status_code in (403, 404):
        return str(response.status_code)
    assert response.status_code == 302, response.status_code
    fresh = Case.objects.get(pk=case.pk)
    return "done" if (fresh.status, fresh.tier, fresh.history.count()) != before else "refused"


def api_outcome(api, user, case: Case, name: str) -> str:
    # with the status the caller saw, as the admin's form sends it (without it, a request
    # for a case that has moved on is a conflict: tests/api/test_concurrent_api_requests.py)
    response = api(user).post(
        transition_url(case, name),
        {**PAYLOADS[name], "expected_status": case.status},
        format="json",
    )
    assert response.status_code in (200, 403, 404, 409), response.content
    return {200: "done", 409: "refused"}.get(response.status_code, str(response.status_code))


def rolled_back(outcome):
    """Run ``outcome()`` and undo whatever it changed."""
    with transaction.atomic():
        result = outcome()
        transaction.set_rollback(True)
    return result


def outcomes(request, api, client, case):
    table = {}
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        for name in PAYLOADS:
            fresh = Case.objects.get(pk=case.pk)
            admin = rolled_back(lambda u=user, n=name, c=fresh: admin_outcome(client, u, c, n))
            fresh = Case.objects.get(pk=case.pk)
            via_api = rolled_back(lambda u=user, n=name, c=fresh: api_outcome(api, u, c, n))
            table[(persona, name)] = (admin, via_api)
    return table


@pytest.fixture
def escalated(case, operator):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    return case


@pytest.fixture
def resolved(case, operator):
    services.case_resolve(case=case, actor=operator, resolution="説明して解決")
    return case


@pytest.mark.parametrize("state", ["case", "escalated", "resolved"])
def test_the_api_gives_the_admins_answer_for_every_persona_and_transition(
    request, api, client, state, org, specialist, manager, outsider
):
    case = request.getfixturevalue(state)

    table = outcomes(request, api, client, case)

    different = {key: pair for key, pair in table.items() if pair[0] != pair[1]}
    assert different == {}
    # and the table is not trivial: something is done, forbidden, hidden and refused
    seen = {pair[0] for pair in table.values()}
    assert {"done", "403", "404"} <= seen


def test_the_table_has_the_expected_rows_for_an_escalated_case(
    request, api, client, escalated, org, specialist, manager, outsider
):
    table = outcomes(request, api, client, escalated)

    assert table[("supervisor", "acknowledge")] == ("done", "done")
    assert table[("operator", "acknowledge")] == ("403", "403")
    assert table[("manager", "acknowledge")] == ("403", "403")
    assert table[("outsider", "acknowledge")] == ("404", "404")
    assert table[("supervisor", "escalate")] == ("done", "done")  # further, to L3
    assert table[("operator", "resolve")] == ("refused", "refused")
