"""Administrators manage users, but grant nobody (themselves included) more than they hold:
only a superuser manages superusers, the superuser and service-account flags, and roles or
permissions the administrator does not hold; API tokens only for oneself or a service account
whose permissions one holds."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import User
from accounts.services import user_check_change
from integrations.models import ApiToken
from integrations.tokens import token_create
from tests.factories import UserFactory


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin-user", role="administrator")


@pytest.fixture
def root(db):
    return User.objects.create_superuser("root", password="root-pass-123")


@pytest.fixture
def cti(db):
    return UserFactory(username="cti", is_service_account=True, is_staff=False)


def change_form_data(user: User, **changes) -> dict:
    data = {
        "username": user.username,
        "display_name": user.display_name,
        "furigana": user.furigana,
        "extension": "",
        "language": user.language,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "groups": [g.pk for g in user.groups.all()],
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_an_administrator_cannot_make_themselves_superuser(client, administrator):
    client.force_login(administrator)
    url = reverse("admin:accounts_user_change", args=[administrator.pk])

    client.post(url, change_form_data(administrator, is_superuser="on"))

    administrator.refresh_from_db()
    assert not administrator.is_superuser
    assert "is_superuser" not in client.get(url).context["adminform"].form.fields


def test_an_administrator_cannot_give_a_role_with_powers_they_lack(client, administrator, operator):
    client.force_login(administrator)
    supervisor_role = Group.objects.get(name="supervisor")
    url = reverse("admin:accounts_user_change", args=[administrator.pk])

    response = client.post(url, change_form_data(administrator, groups=[supervisor_role.pk]))

    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert not administrator.groups.filter(name="supervisor").exists()
    # nor to someone else, nor take away one they do not hold
    response = client.post(
        reverse("admin:accounts_user_change", args=[operator.pk]), change_form_data(operator)
    )
    assert response.status_code == 302  # unchanged roles: fine
    response = client.post(
        reverse("admin:accounts_user_change", args=[operator.pk]),
        change_form_data(operator, groups=[]),
    )
    assert "groups" in response.context["adminform"].form.errors
    assert operator.groups.filter(name="operator").exists()


def test_an_administrator_may_give_a_role_they_hold(client, administrator, operator):
    client.force_login(administrator)
    administrators = Group.objects.get(name="administrator")
    role = Group.objects.get(name="operator")

    response = client.post(
        reverse("admin:accounts_user_change", args=[operator.pk]),
        change_form_data(operator, groups=[role.pk, administrators.pk]),
    )

    assert response.status_code == 302
    assert set(operator.groups.values_list("name", flat=True)) == {"operator", "administrator"}


def test_nobody_but_a_superuser_edits_or_resets_a_superuser(client, administrator, root):
    client.force_login(administrator)
    change = reverse("admin:accounts_user_change", args=[root.pk])
    password = reverse("admin:auth_user_password_change", args=[root.pk])

    page = client.get(change)
    refused = client.post(
        password,
        {"password1": "taken-over-2026", "password2": "taken-over-2026", "usable_password": "true"},
    )
    client.post(change, change_form_data(root, is_active=""))

    assert page.status_code == 200 and "<form" in page.content.decode()
    assert not page.context["has_change_permission"]
    assert refused.status_code == 403
    root.refresh_from_db()
    assert root.is_active and root.check_password("root-pass-123")


def test_a_superuser_still_manages_everyone(client, root, administrator):
    client.force_login(root)
    url = reverse("admin:accounts_user_change", args=[administrator.pk])

    response = client.post(
        url, change_form_data(administrator, is_superuser="on", is_service_account="on")
    )

    assert response.status_code == 302
    administrator.refresh_from_db()
    assert administrator.is_superuser and administrator.is_service_account


def test_the_service_refuses_what_the_admin_refuses(administrator, root, operator):
    with pytest.raises(PermissionDenied):
        user_check_change(
            actor=administrator,
            user=root,
            is_staff=True,
            is_superuser=True,
            is_service_account=False,
            groups=[],
            permissions=[],
        )
    with pytest.raises(ValidationError) as refused:
        user_check_change(
            actor=administrator,
            user=operator,
            is_staff=True,
            is_superuser=True,
            is_service_account=True,
            groups=list(operator.groups.all()),
            permissions=[],
        )
    assert set(refused.value.message_dict) == {"is_superuser", "is_service_account"}


def test_tokens_only_for_oneself_or_a_service_account_one_may_manage(
    administrator, root, operator, cti
):
    for victim in (root, operator):
        with pytest.raises(PermissionDenied):
            token_create(actor=administrator, user=victim, name="take-over")
    operator_cti = UserFactory(username="cti-op", is_service_account=True, role="operator")
    with pytest.raises(PermissionDenied):  # its powers are more than the administrator's
        token_create(actor=administrator, user=operator_cti, name="CTI")

    mine, _ = token_create(actor=administrator, user=administrator, name="mine")
    theirs, _ = token_create(actor=administrator, user=cti, name="CTI")

    assert {mine.user, theirs.user} == {administrator, cti}


def test_the_token_admin_refuses_a_token_for_the_superuser(client, administrator, root):
    client.force_login(administrator)

    response = client.post(
        reverse("admin:integrations_apitoken_add"), {"user": root.pk, "name": "x"}
    )

    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not ApiToken.objects.exists()
