"""A CTI tells the API when the customer is put on hold or hangs up: start and end a hold on an
escalated case, promise and keep a callback. The same people may as in the admin (the case's
owner side or handler side, with the permission; a case they cannot see is a 404); a retry with
the same ``Idempotency-Key`` acts once; a stale or conflicting request is a 409 with the current
status; bad input a 400 with the field errors."""

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from escalations import services
from escalations.models import (
    Callback,
    CallbackStatus,
    Case,
    CaseNote,
    Escalation,
    NoteKind,
    SLATimer,
    TimerKind,
)
from notifications.models import InboxKind, Notification, NotificationChannel
from tests.api.payloads import PAYLOADS, transition_url
from tests.escalations.hold_setup import give_emails, hold_policy
from tests.factories import HANDOFF

PERSONAS = ["operator", "colleague", "supervisor", "specialist", "manager", "outsider"]
# who may, on a case owned by the operator (team L1) escalated to the SV team (L2)
EXPECTED = {
    "operator": 200,  # the owner
    "colleague": 200,  # the owner's team
    "supervisor": 200,  # the handler side: the team it is escalated to
    "specialist": 404,  # L3 does not see it
    "manager": 403,  # sees every case, on neither side
    "outsider": 404,  # another L1 team does not see it
}


def url(case, path: str) -> str:
    return f"/api/v1/cases/{case.reference}/{path}/"


def later(minutes: int) -> str:
    return (timezone.now() + dt.timedelta(minutes=minutes)).isoformat()


PROMISE = {"number": "090-1234-5678", "note": "夕方希望"}


@pytest.fixture
def escalated(case, operator):
    hold_policy()
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    return Case.objects.get(pk=case.pk)


@pytest.fixture
def held(escalated, operator):
    services.hold_start(case=escalated, actor=operator)
    return Case.objects.get(pk=escalated.pk)


@pytest.fixture
def promised(escalated, operator):
    return services.callback_promise(
        case=escalated,
        actor=operator,
        number="090-1234-5678",
        window_start=timezone.now() + dt.timedelta(minutes=30),
        window_end=timezone.now() + dt.timedelta(minutes=60),
    )


def rolled_back(outcome):
    with transaction.atomic():
        result = outcome()
        transaction.set_rollback(True)
    return result


def admin_outcomes(request, admin):
    """``admin(user)``'s status code for each persona, rolled back (a redirect is done: 200)."""
    table = {}
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        code = rolled_back(lambda u=user: admin(u))
        table[persona] = 200 if code == 302 else code
    return table


def outcomes(request, api, make_request):
    table = {}
    for persona in PERSONAS:
        user = request.getfixturevalue(persona)
        response = rolled_back(lambda u=user: make_request(api(u)))
        assert response.status_code in (200, 201, 403, 404), response.content
        table[persona] = 200 if response.status_code == 201 else response.status_code
    return table


# --- start a hold ----------------------------------------------------------------------------


def test_hold_start_records_starts_the_timer_and_tells_the_team(
    api, escalated, operator, supervisor
):
    give_emails(supervisor)

    response = api(operator).post(url(escalated, "hold"), {"note": "保留にしました"}, format="json")

    assert response.status_code == 200, response.content
    hop = Escalation.objects.get(case=escalated)
    assert hop.on_hold_since is not None and hop.hold_ended_at is None
    assert response.json()["number"] == hop.number
    assert response.json()["on_hold_since"] is not None
    assert response.json()["hold_ended_at"] is None
    timer = SLATimer.objects.get(kind=TimerKind.HOLD_ACKNOWLEDGE)
    assert (timer.escalation, timer.budget) == (hop, dt.timedelta(minutes=2))
    assert Notification.objects.filter(event_type="escalation.on_hold", recipient=supervisor)
    bell = Notification.objects.filter(channel=NotificationChannel.IN_APP, recipient=supervisor)
    assert bell.filter(event_type=InboxKind.ON_HOLD).count() == 1
    note = CaseNote.objects.filter(case=escalated, kind=NoteKind.HOLD).get()
    assert "保留にしました" in note.body
    assert hop.history.latest().history_user == operator


def test_hold_start_per_persona(request, api, escalated):
    assert outcomes(request, api, lambda c: c.post(url(escalated, "hold"), {}, format="json")) == (
        EXPECTED
    )


def test_hold_start_is_a_conflict_when_already_on_hold_or_not_escalated(api, held, case, operator):
    again = api(operator).post(url(held, "hold"), {}, format="json")
    assert again.status_code == 409
    assert again.json()["status"] == "escalated"

    services.case_acknowledge(case=held, actor=held.assigned_team.lead)
    services.hold_end(case=held, actor=operator, outcome="answered")
    acknowledged = api(operator).post(url(held, "hold"), {}, format="json")
    assert acknowledged.status_code == 409
    assert acknowledged.json()["status"] == "acknowledged"
    assert Escalation.objects.get(case=held).hold_ended_at is not None


def test_hold_start_on_a_case_in_progress_is_a_conflict(api, case, operator):
    response = api(operator).post(url(case, "hold"), {}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "detail": response.json()["detail"],
        "status": "in_progress",
    }
    assert not Escalation.objects.filter(case=case).exists()


def test_a_stale_expected_status_is_a_conflict(api, escalated, operator):
    response = api(operator).post(
        url(escalated, "hold"), {"expected_status": "in_progress"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["status"] == "escalated"
    assert Escalation.objects.get(case=escalated).on_hold_since is None


def test_a_hold_start_retried_with_its_key_acts_once(api, escalated, operator):
    client = api(operator)
    first = client.post(url(escalated, "hold"), {}, format="json", HTTP_IDEMPOTENCY_KEY="h-1")
    second = client.post(url(escalated, "hold"), {}, format="json", HTTP_IDEMPOTENCY_KEY="h-1")

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json() == second.json()
    assert SLATimer.objects.filter(kind=TimerKind.HOLD_ACKNOWLEDGE).count() == 1
    assert CaseNote.objects.filter(case=escalated, kind=NoteKind.HOLD).count() == 1


# --- end a hold ------------------------------------------------------------------------------


def test_hold_end_records_the_outcome_and_stops_the_timer(api, held, operator):
    response = api(operator).post(
        url(held, "hold-end"), {"outcome": "callback", "note": "折り返し"}, format="json"
    )

    assert response.status_code == 200, response.content
    hop = Escalation.objects.get(case=held)
    assert (hop.hold_outcome, response.json()["hold_outcome"]) == ("callback", "callback")
    assert response.json()["hold_ended_at"] is not None
    timer = SLATimer.objects.get(kind=TimerKind.HOLD_ACKNOWLEDGE)
    assert timer.stopped_at is not None


def test_hold_end_per_persona_is_the_admins(request, api, client, held):
    def admin(user):
        client.force_login(user)
        response = client.post(
            reverse("admin:escalations_case_hold_end", args=[held.pk]), {"outcome": "answered"}
        )
        client.logout()
        return response.status_code

    via_admin = admin_outcomes(request, admin)
    via_api = outcomes(
        request,
        api,
        lambda c: c.post(url(held, "hold-end"), {"outcome": "answered"}, format="json"),
    )

    assert via_api == EXPECTED
    assert via_admin == via_api


def test_hold_end_without_a_hold_is_a_conflict(api, escalated, operator):
    response = api(operator).post(
        url(escalated, "hold-end"), {"outcome": "answered"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["status"] == "escalated"


def test_hold_end_retried_with_its_key_acts_once(api, held, operator):
    client = api(operator)
    sent = [
        client.post(
            url(held, "hold-end"), {"outcome": "answered"}, format="json", HTTP_IDEMPOTENCY_KEY="e"
        )
        for _ in range(2)
    ]

    assert [r.status_code for r in sent] == [200, 200]
    assert sent[0].json() == sent[1].json()
    assert CaseNote.objects.filter(case=held, kind=NoteKind.HOLD).count() == 2  # start, end


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "outcome"),
        ({"outcome": "hung_up"}, "outcome"),
        ({"outcome": "answered", "colour": "red"}, "colour"),
        ({"outcome": "answered", "expected_status": "sleeping"}, "expected_status"),
    ],
)
def test_hold_end_bad_input_is_a_400(api, held, operator, body, field):
    response = api(operator).post(url(held, "hold-end"), body, format="json")

    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]
    assert Escalation.objects.get(case=held).hold_ended_at is None


# --- promise a callback ----------------------------------------------------------------------


def test_promise_a_callback_and_list_it(api, escalated, operator):
    client = api(operator)
    response = client.post(
        url(escalated, "callbacks"),
        {**PROMISE, "window_start": later(30), "window_end": later(90)},
        format="json",
    )

    assert response.status_code == 201, response.content
    callback = Callback.objects.get()
    assert (response.json()["id"], response.json()["status"]) == (callback.pk, "promised")
    assert response.json()["promised_by"]["username"] == "operator"
    assert SLATimer.objects.filter(kind=TimerKind.CALLBACK, callback=callback).count() == 1
    listed = client.get(url(escalated, "callbacks"))
    assert [c["id"] for c in listed.json()["results"]] == [callback.pk]


def test_promise_per_persona(request, api, escalated):
    def promise(c):
        body = {**PROMISE, "window_start": later(30), "window_end": later(90)}
        return c.post(url(escalated, "callbacks"), body, format="json")

    assert outcomes(request, api, promise) == EXPECTED


@pytest.mark.parametrize(
    "body, fields",
    [
        ({"window_start": later(30), "window_end": later(90)}, ["number"]),
        ({**PROMISE, "window_start": "tomorrow", "window_end": later(90)}, ["window_start"]),
        ({**PROMISE, "window_start": later(90), "window_end": later(30)}, ["window_end"]),
        ({**PROMISE, "window_start": later(-90), "window_end": later(-30)}, ["window_end"]),
        ({**PROMISE, "window_start": "9999-12-31T23:59:59Z", "window_end": later(30)}, None),
    ],
)
def test_promise_bad_input_is_a_400(api, escalated, operator, body, fields):
    response = api(operator).post(url(escalated, "callbacks"), body, format="json")

    assert response.status_code == 400, response.content
    if fields is not None:
        assert list(response.json()["fields"]) == fields
    assert not Callback.objects.exists()


def test_a_promise_retried_with_its_key_acts_once(api, escalated, operator):
    client = api(operator)
    body = {**PROMISE, "window_start": later(30), "window_end": later(90)}
    sent = [
        client.post(url(escalated, "callbacks"), body, format="json", HTTP_IDEMPOTENCY_KEY="p")
        for _ in range(2)
    ]

    assert [r.status_code for r in sent] == [201, 201]
    assert Callback.objects.count() == 1


def test_no_promise_on_a_closed_case(api, case, operator):
    services.case_resolve(case=case, actor=operator, resolution="解決")
    body = {**PROMISE, "window_start": later(30), "window_end": later(90)}

    response = api(operator).post(url(case, "callbacks"), body, format="json")

    assert response.status_code == 400
    assert not Callback.objects.exists()


# --- keep a callback -------------------------------------------------------------------------


def keep_url(case, callback) -> str:
    return url(case, f"callbacks/{callback.pk}/keep")


def test_keep_a_callback(api, escalated, promised, operator):
    response = api(operator).post(
        keep_url(escalated, promised), {"outcome": "返金手続きを案内"}, format="json"
    )

    assert response.status_code == 200, response.content
    promised.refresh_from_db()
    assert (promised.status, promised.kept_by, promised.outcome) == (
        CallbackStatus.KEPT,
        operator,
        "返金手続きを案内",
    )
    assert response.json()["status"] == "kept"


def test_keep_per_persona_is_the_admins(request, api, client, escalated, promised):
    def admin(user):
        client.force_login(user)
        response = client.post(
            reverse("admin:escalations_case_callback_keep", args=[escalated.pk, promised.pk]),
            {"outcome": "済"},
        )
        client.logout()
        return response.status_code

    via_admin = admin_outcomes(request, admin)
    via_api = outcomes(
        request,
        api,
        lambda c: c.post(keep_url(escalated, promised), {"outcome": "済"}, format="json"),
    )

    assert via_api == EXPECTED
    assert via_admin == via_api


def test_keeping_twice_is_a_conflict_with_the_callbacks_status(api, escalated, promised, operator):
    client = api(operator)
    client.post(keep_url(escalated, promised), {"outcome": "済"}, format="json")

    again = client.post(keep_url(escalated, promised), {"outcome": "もう一度"}, format="json")

    assert again.status_code == 409
    assert again.json()["status"] == "kept"
    promised.refresh_from_db()
    assert promised.outcome == "済"


def test_keep_retried_with_its_key_acts_once(api, escalated, promised, operator):
    client = api(operator)
    target = keep_url(escalated, promised)
    sent = [
        client.post(target, {"outcome": "済"}, format="json", HTTP_IDEMPOTENCY_KEY="k")
        for _ in range(2)
    ]

    assert [r.status_code for r in sent] == [200, 200]
    assert CaseNote.objects.filter(case=escalated, kind=NoteKind.CALLBACK).count() == 2


def test_keep_bad_input_and_unknown_callbacks(api, escalated, promised, operator, case):
    client = api(operator)

    blank = client.post(keep_url(escalated, promised), {"outcome": ""}, format="json")
    unknown = client.post(url(escalated, "callbacks/999999/keep"), {"outcome": "済"}, format="json")

    assert (blank.status_code, list(blank.json()["fields"])) == (400, ["outcome"])
    assert unknown.status_code == 404
    promised.refresh_from_db()
    assert promised.status == CallbackStatus.PROMISED


def test_escalate_on_hold_then_end_through_the_api(api, case, operator):
    hold_policy()
    client = api(operator)
    client.post(
        transition_url(case, "escalate"), {**PAYLOADS["escalate"], "on_hold": True}, format="json"
    )

    ended = client.post(url(case, "hold-end"), {"outcome": "answered"}, format="json")

    assert ended.status_code == 200
    assert Escalation.objects.get(case=case).hold_outcome == "answered"
