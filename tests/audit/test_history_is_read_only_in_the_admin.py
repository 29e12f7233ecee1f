"""Nobody edits, deletes or reverts history in the admin, not even with a hand-made POST."""

import pytest
from django.conf import settings
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from audit.registry import history_models
from escalations.models import Customer
from tests.factories import CustomerFactory


def test_no_history_model_has_an_admin_of_its_own():
    registered = set(admin.site._registry)
    for model in history_models():
        assert model not in registered
        opts = model._meta
        for view in ("change", "delete", "add"):
            with pytest.raises(NoReverseMatch):
                reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=[1])


def test_revert_and_history_editing_are_off():
    assert settings.SIMPLE_HISTORY_REVERT_DISABLED is True
    assert getattr(settings, "SIMPLE_HISTORY_EDIT", False) is False


@pytest.fixture
def renamed_customer(db):
    customer = CustomerFactory(name="元の名前")
    customer.name = "今の名前"
    customer.save()
    return customer


def test_the_version_page_shows_no_revert_button(client, admin_user, renamed_customer):
    first = renamed_customer.history.earliest()
    client.force_login(admin_user)

    response = client.get(
        reverse(
            "admin:escalations_customer_simple_history",
            args=[renamed_customer.pk, first.history_id],
        )
    )

    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert 'name="_change_history"' not in response.content.decode()


@pytest.mark.parametrize("button", ["_save", "_change_history"])
def test_a_hand_made_post_to_an_old_version_reverts_nothing(
    client, admin_user, renamed_customer, button
):
    first = renamed_customer.history.earliest()
    rows = renamed_customer.history.count()
    client.force_login(admin_user)

    response = client.post(
        reverse(
            "admin:escalations_customer_simple_history",
            args=[renamed_customer.pk, first.history_id],
        ),
        {
            "name": "元の名前",
            "furigana": "",
            "phone": "",
            "email": "",
            "external_id": "",
            button: "1",
        },
    )

    assert response.status_code == 405
    renamed_customer.refresh_from_db()
    assert renamed_customer.name == "今の名前"
    assert renamed_customer.history.count() == rows


def test_a_hand_made_post_to_a_cases_old_version_changes_nothing(client, case, operator):
    services_row = case.history.earliest()
    status = case.status
    client.force_login(operator)

    response = client.post(
        reverse("admin:escalations_case_simple_history", args=[case.pk, services_row.history_id]),
        {"subject": "書き換え", "status": "new"},
    )

    assert response.status_code == 405
    case.refresh_from_db()
    assert (case.subject, case.status) == ("請求額が違う", status)


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_the_history_list_answers_only_reads(client, admin_user, renamed_customer, method):
    client.force_login(admin_user)
    url = reverse("admin:escalations_customer_history", args=[renamed_customer.pk])

    response = getattr(client, method)(url)

    assert response.status_code == 405
    assert Customer.objects.get(pk=renamed_customer.pk).name == "今の名前"


def test_the_audit_log_has_no_add_change_or_delete(client, admin_user):
    client.force_login(admin_user)
    for view in ("add", "change", "delete"):
        with pytest.raises(NoReverseMatch):
            reverse(f"admin:audit_auditlog_{view}", args=[] if view == "add" else [1])
    rows = sum(model.objects.count() for model in history_models())

    response = client.post(reverse("admin:audit_auditlog_changelist"), {"object": "1"})

    assert response.status_code == 200  # a read, whatever the method
    assert sum(model.objects.count() for model in history_models()) == rows


def test_users_with_history_cannot_be_deleted_in_the_admin(client, admin_user, operator):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:accounts_user_delete", args=[operator.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert type(operator).objects.filter(pk=operator.pk).exists()
