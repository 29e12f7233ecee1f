"""Which articles were used on a case, and the suggestions shown on its escalate form: their
lists, searches, pages and history pages show only the rows of the cases the user may see."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from knowledge.models import CaseArticle, Deflection
from tests.visibility_setup import make_secret_case


@pytest.fixture
def secret(org, operator, supervisor):
    return make_secret_case(operator=operator, supervisor=supervisor)


def pages(row) -> list[str]:
    info = f"admin:knowledge_{row._meta.model_name}"
    return [
        reverse(f"{info}_history", args=[row.pk]),
        *(
            reverse(f"{info}_simple_history", args=[row.pk, version.history_id])
            for version in row.history.all()
        ),
    ]


def may_read_deflections(user):
    user.user_permissions.add(Permission.objects.get(codename="view_deflection"))
    return user


@pytest.mark.parametrize("model", [CaseArticle, Deflection])
def test_another_teams_rows_are_not_found(client, secret, outsider, model):
    row = model.objects.get(case=secret.case)
    info = f"admin:knowledge_{model._meta.model_name}"
    client.force_login(may_read_deflections(outsider))

    searched = client.get(reverse(f"{info}_changelist"), {"q": secret.case.reference})
    change = client.get(reverse(f"{info}_change", args=[row.pk]))

    assert list(searched.context["cl"].result_list) == []
    assert change.status_code == 404  # as if it did not exist (kit.admin.VisibleHistoryAdmin)
    assert secret.case.reference not in change.content.decode()
    for url in pages(row):
        response = client.get(url)
        assert response.status_code == 404, url
        assert secret.case.reference not in response.content.decode()


@pytest.mark.parametrize("model", [CaseArticle, Deflection])
def test_the_teams_rows_are_shown(client, secret, operator, model):
    row = model.objects.get(case=secret.case)
    info = f"admin:knowledge_{model._meta.model_name}"
    client.force_login(may_read_deflections(operator))

    searched = client.get(reverse(f"{info}_changelist"), {"q": secret.case.reference})

    assert list(searched.context["cl"].result_list) == [row]
    for url in pages(row):
        assert client.get(url).status_code == 200, url
    assert secret.case.reference in client.get(pages(row)[-1]).content.decode()
