"""Administrators set a person's email language (Japanese by default, English) in the user
admin; the person sets their own on "my notification settings"."""

import pytest
from django.urls import reverse

from accounts.models import Language, User
from tests.accounts.test_administrators_cannot_escalate_privileges import change_form_data
from tests.factories import UserFactory


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin-user", role="administrator")


def test_japanese_by_default(operator):
    assert operator.language == Language.JA


def test_an_administrator_sets_someone_s_language(client, administrator, operator):
    client.force_login(administrator)
    url = reverse("admin:accounts_user_change", args=[operator.pk])
    assert 'name="language"' in client.get(url).content.decode()

    response = client.post(url, change_form_data(operator, language="en"))

    assert response.status_code == 302
    assert User.objects.get(pk=operator.pk).language == Language.EN
    bad = client.post(url, change_form_data(operator, language="fr"))
    assert bad.status_code == 200 and bad.context["adminform"].form.errors["language"]
