"""A CTI records a promised callback as missed (``POST …/callbacks/{id}/miss/``): the admin's
people and rules, once per ``Idempotency-Key``, a 409 with the callback's status when it was
already kept or missed, a 400 with the field errors on bad input (in the schema: see
test_schema.py)."""

import pytest
from django.urls import reverse

from escalations.models import Callback, CallbackStatus, CaseNote, NoteKind
from tests.api.test_holds_and_callbacks import (
    EXPECTED,
    admin_outcomes,
    escalated,  # noqa: F401 - fixtures
    keep_url,
    outcomes,
    promised,  # noqa: F401
    url,
)


def miss_url(case, callback) -> str:
    return url(case, f"callbacks/{callback.pk}/miss")


def test_miss_a_callback(api, escalated, promised, operator):  # noqa: F811
    response = api(operator).post(
        miss_url(escalated, promised), {"reason": "番号が不通"}, format="json"
    )

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["outcome"]) == ("missed", "番号が不通")
    promised.refresh_from_db()
    assert promised.status == CallbackStatus.MISSED


def test_miss_per_persona_is_the_admins(request, api, client, escalated, promised):  # noqa: F811
    def admin(user):
        client.force_login(user)
        response = client.post(
            reverse("admin:escalations_case_callback_miss", args=[escalated.pk, promised.pk]),
            {"reason": "不通"},
        )
        client.logout()
        return response.status_code

    via_admin = admin_outcomes(request, admin)
    via_api = outcomes(
        request,
        api,
        lambda c: c.post(miss_url(escalated, promised), {"reason": "不通"}, format="json"),
    )

    assert via_api == EXPECTED
    assert via_admin == via_api


@pytest.mark.parametrize("first", ["keep", "miss"])
def test_a_kept_or_missed_callback_is_a_conflict(api, escalated, promised, operator, first):  # noqa: F811
    client = api(operator)
    if first == "keep":
        client.post(keep_url(escalated, promised), {"outcome": "済"}, format="json")
    else:
        client.post(miss_url(escalated, promised), {"reason": "不通"}, format="json")

    again = client.post(miss_url(escalated, promised), {"reason": "もう一度"}, format="json")
    kept_after = client.post(keep_url(escalated, promised), {"outcome": "済"}, format="json")

    assert again.status_code == 409
    assert again.json()["status"] == ("kept" if first == "keep" else "missed")
    assert kept_after.status_code == 409


def test_miss_retried_with_its_key_acts_once(api, escalated, promised, operator):  # noqa: F811
    client = api(operator)
    target = miss_url(escalated, promised)
    sent = [
        client.post(target, {"reason": "不通"}, format="json", HTTP_IDEMPOTENCY_KEY="m")
        for _ in range(2)
    ]

    assert [r.status_code for r in sent] == [200, 200]
    # the promise's note and one miss note
    assert CaseNote.objects.filter(case=escalated, kind=NoteKind.CALLBACK).count() == 2


@pytest.mark.parametrize(
    "body",
    [{}, {"reason": ""}, {"reason": "x" * 2001}, {"reason": "不通", "outcome": "済"}],
)
def test_miss_bad_input_is_a_400(api, escalated, promised, operator, body):  # noqa: F811
    response = api(operator).post(miss_url(escalated, promised), body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert Callback.objects.get(pk=promised.pk).status == CallbackStatus.PROMISED


def test_an_unknown_callback_is_a_404(api, escalated, promised, operator):  # noqa: F811
    response = api(operator).post(url(escalated, "callbacks/999999/miss"), {"reason": "不通"})
    assert response.status_code == 404
