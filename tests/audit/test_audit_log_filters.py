"""The audit log's filters: user, model, object (case reference or id), action, date range;
only for those allowed to read it; bad input is a message, not an error page."""

import time_machine
from django.urls import reverse

from escalations import services
from escalations.models import Customer
from tests.factories import HANDOFF, CustomerFactory

URL = "admin:audit_auditlog_changelist"


def shown(client, **params):
    response = client.get(reverse(URL), params)
    assert response.status_code == 200
    return response


def keys(response):
    return [(e.model_label, e.object_id, e.action) for e in response.context["entries"]]


def test_only_managers_and_administrators_read_the_audit_log(
    client, operator, supervisor, specialist, manager
):
    for person in (operator, supervisor, specialist):
        client.force_login(person)
        assert client.get(reverse(URL)).status_code == 403
        assert client.get(reverse("admin:audit_auditlog_export")).status_code == 403
    client.force_login(manager)
    assert client.get(reverse(URL)).status_code == 200
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse(URL) in index


def test_filter_by_user(client, case, operator, colleague, manager):
    services.case_update(case=case, actor=colleague, subject="件名変更")
    client.force_login(manager)

    response = shown(client, user=colleague.pk)

    assert keys(response) == [("escalations.case", case.pk, "~")]
    assert {e.user for e in response.context["entries"]} == {"鈴木 花子"}


def test_filter_by_model_and_action(client, case, operator, manager):
    services.case_add_note(case=case, actor=operator, kind="internal", body="メモ")
    client.force_login(manager)

    response = shown(client, model="escalations.casenote", action="+")

    assert keys(response) == [("escalations.casenote", case.notes.get().pk, "+")]


def test_filter_by_object_id_and_by_case_reference(client, case, operator, manager):
    other = CustomerFactory()
    other.name = "別名"
    other.save()
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    client.force_login(manager)

    by_id = shown(client, model="escalations.customer", object=str(other.pk))
    by_reference = shown(client, object=case.reference.lower())

    assert keys(by_id) == [
        ("escalations.customer", other.pk, "~"),
        ("escalations.customer", other.pk, "+"),
    ]
    assert {label for label, _pk, _action in keys(by_reference)} == {
        "escalations.case",
        "escalations.casenote",
        "escalations.escalation",
    }
    assert ("escalations.customer", case.customer_id, "+") not in keys(by_reference)


def test_filter_by_date_range_includes_the_last_day(client, manager):
    with time_machine.travel("2026-04-01 09:00 +09:00"):
        CustomerFactory(name="四月")
    with time_machine.travel("2026-04-30 23:59 +09:00"):
        CustomerFactory(name="月末")
    with time_machine.travel("2026-05-01 00:01 +09:00"):
        CustomerFactory(name="五月")
    client.force_login(manager)

    response = shown(client, since="2026-04-02", until="2026-04-30")

    assert [e.object for e in response.context["entries"]] == ["月末"]


def test_bad_input_is_explained_on_the_page(client, manager):
    client.force_login(manager)

    for params, field in [
        ({"object": "C-2099-999999"}, "object"),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "until"),
        ({"since": "not a date"}, "since"),
        ({"user": "999999"}, "user"),
        ({"model": "nope.nothing"}, "model"),
        ({"after": "garbage"}, "after"),
        ({"n": "100000"}, "n"),
    ]:
        response = shown(client, **params)
        assert field in response.context["form"].errors, params
        assert response.context["entries"] == []
        export = client.get(reverse("admin:audit_auditlog_export"), params)
        assert export.status_code == 200 and export["Content-Type"].startswith("text/html")


def test_a_deleted_object_keeps_its_rows_and_a_readable_name(client, admin_user, manager):
    customer = CustomerFactory(name="削除予定")
    pk = customer.pk
    customer.delete()
    client.force_login(manager)

    response = shown(client, model="escalations.customer", object=str(pk), action="")

    assert response.context["form"].errors == {}
    assert [e.action for e in response.context["entries"]] == ["-", "+"]
    assert not Customer.objects.filter(pk=pk).exists()
    assert {e.object for e in response.context["entries"]} == {f"お客様 #{pk} (削除済み)"}
