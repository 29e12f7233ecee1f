"""Opening and editing a case through the admin's forms goes through the services."""

import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from escalations.models import Case, CaseNote, NoteKind
from escalations.priority import Impact, Priority, Urgency
from tests.factories import CustomerFactory, make_case

ADD_URL = "admin:escalations_case_add"


@pytest.fixture
def customer(db):
    return CustomerFactory(name="山田 花子", furigana="やまだ はなこ")


def add_form(customer_, billing_, **changes):
    data = {
        "customer": customer_.pk,
        "category": billing_.pk,
        "subject": "請求額が違う",
        "description": "先月分が二重に請求されている",
        "channel": "phone",
        "impact": Impact.MEDIUM,
        "urgency": Urgency.MEDIUM,
        "call_log": "お客様より入電。明細を確認中。",
    }
    data.update(changes)
    return data


def change_form(case, **changes):
    data = {
        "customer": case.customer_id,
        "category": case.category_id,
        "subject": case.subject,
        "description": case.description,
        "channel": case.channel,
        "impact": case.impact,
        "urgency": case.urgency,
    }
    data.update(changes)
    return data


def form_errors(response):
    return response.context["adminform"].form.errors


def test_the_add_form_opens_the_case_through_the_service(client, org, operator, customer, billing):
    with time_machine.travel("2027-01-05 10:00 +09:00", tick=False):
        client.force_login(operator)
        response = client.post(reverse(ADD_URL), add_form(customer, billing))

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.reference == "C-2027-000001"
    assert (case.owner, case.owner_team, case.handler) == (operator, org["l1"], operator)
    assert (case.status, case.tier, case.assigned_team) == ("new", 1, org["l1"])
    assert case.priority == Priority.P3
    assert case.created_at == timezone.datetime.fromisoformat("2027-01-05T10:00+09:00")
    note = CaseNote.objects.get(case=case)
    assert (note.kind, note.body, note.author) == (
        NoteKind.CALL_LOG,
        "お客様より入電。明細を確認中。",
        operator,
    )
    row = case.history.get()
    assert (row.history_user, row.history_change_reason) == (operator, "create")
    assert response["Location"] == reverse("admin:escalations_case_changelist")


def test_references_count_up_within_a_year(client, org, operator, customer, billing):
    client.force_login(operator)

    for _ in range(3):
        client.post(reverse(ADD_URL), add_form(customer, billing))

    references = sorted(Case.objects.values_list("reference", flat=True))
    year = timezone.localtime().year
    # on PostgreSQL the year's sequence may have been drawn from by committed tests before
    first = int(references[0].rsplit("-", 1)[1])
    assert references == [f"C-{year}-{n:06d}" for n in (first, first + 1, first + 2)]
    assert all(re.fullmatch(r"C-\d{4}-\d{6}", ref) for ref in references)


def test_the_reference_year_is_the_year_in_japan(org, operator):
    with time_machine.travel("2026-12-31 23:30 +09:00", tick=False):
        last_of_2026 = make_case(owner=operator)
    with time_machine.travel("2027-01-01 00:30 +09:00", tick=False):  # still 2026 in UTC
        first_of_2027 = make_case(owner=operator)

    assert last_of_2026.reference.startswith("C-2026-")
    assert first_of_2027.reference == "C-2027-000001"


def test_without_a_call_log_no_note_is_written(client, org, operator, customer, billing):
    client.force_login(operator)

    client.post(reverse(ADD_URL), add_form(customer, billing, call_log=""))

    assert not CaseNote.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "   "}, "subject"),
        ({"impact": "9"}, "impact"),
        ({"impact": "high"}, "impact"),
        ({"urgency": ""}, "urgency"),
        ({"channel": "fax"}, "channel"),
        ({"customer": "999999"}, "customer"),
    ],
)
def test_invalid_input_on_the_add_form_is_a_form_error(
    client, org, operator, customer, billing, changes, field
):
    client.force_login(operator)

    response = client.post(reverse(ADD_URL), add_form(customer, billing, **changes))

    assert response.status_code == 200
    assert field in form_errors(response)
    assert not Case.objects.exists()


@pytest.mark.parametrize("persona", ["specialist", "manager"])
def test_who_may_not_open_cases_cannot_post_the_add_form(
    client, org, customer, billing, request, persona
):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(reverse(ADD_URL), add_form(customer, billing))

    assert response.status_code == 403
    assert not Case.objects.exists()


def test_the_change_form_edits_through_the_service_with_one_history_row(client, case, colleague):
    rows = case.history.count()
    client.force_login(colleague)

    response = client.post(
        reverse("admin:escalations_case_change", args=[case.pk]),
        change_form(case, subject="請求額が違う(二重請求)", impact=Impact.HIGH),
    )

    assert response.status_code == 302
    case.refresh_from_db()
    assert (case.subject, case.impact, case.priority) == (
        "請求額が違う(二重請求)",
        Impact.HIGH,
        Priority.P1,
    )
    assert case.history.count() == rows + 1
    row = case.history.latest()
    assert row.history_user == colleague
    assert row.history_change_reason == "edit: subject, impact, priority"


def test_saving_the_change_form_unchanged_writes_no_history_row(client, case, operator):
    rows = case.history.count()
    client.force_login(operator)

    response = client.post(
        reverse("admin:escalations_case_change", args=[case.pk]), change_form(case)
    )

    assert response.status_code == 302
    assert case.history.count() == rows


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"impact": "9"}, "impact"),
        ({"urgency": "0"}, "urgency"),
        ({"category": ""}, "category"),
    ],
)
def test_invalid_input_on_the_change_form_is_a_form_error(client, case, operator, changes, field):
    before = (case.subject, case.impact, case.urgency, case.category_id, case.history.count())
    client.force_login(operator)

    response = client.post(
        reverse("admin:escalations_case_change", args=[case.pk]), change_form(case, **changes)
    )

    assert response.status_code == 200
    assert field in form_errors(response)
    case.refresh_from_db()
    assert (
        case.subject,
        case.impact,
        case.urgency,
        case.category_id,
        case.history.count(),
    ) == before


def test_the_change_form_does_not_write_the_read_only_fields(client, case, operator, supervisor):
    client.force_login(operator)

    client.post(
        reverse("admin:escalations_case_change", args=[case.pk]),
        change_form(
            case,
            subject="件名変更",
            status="closed",
            tier=3,
            owner=supervisor.pk,
            handler=supervisor.pk,
            reference="C-1999-999999",
        ),
    )

    case.refresh_from_db()
    assert case.subject == "件名変更"
    assert (case.status, case.tier, case.owner, case.handler) == (
        "in_progress",
        1,
        operator,
        operator,
    )
    assert case.reference != "C-1999-999999"


def test_the_manager_cannot_post_the_change_form(client, case, manager):
    client.force_login(manager)

    response = client.post(
        reverse("admin:escalations_case_change", args=[case.pk]),
        change_form(case, subject="書き換え"),
    )

    assert response.status_code == 403
    case.refresh_from_db()
    assert case.subject == "請求額が違う"
