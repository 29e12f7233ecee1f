"""The webhook delivery log lists (and searches) the deliveries about the cases the user may
see: someone who may read it but not the case finds none of the case's deliveries."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from integrations.models import WebhookDelivery
from tests.visibility_setup import another_breached_hold, get_counting, make_secret_case

LIST = reverse("admin:integrations_webhookdelivery_changelist")


@pytest.fixture
def secret(org, operator, supervisor):
    return make_secret_case(operator=operator, supervisor=supervisor)


def may_read_deliveries(user):
    user.user_permissions.add(Permission.objects.get(codename="view_webhookdelivery"))
    return user


def test_another_teams_deliveries_are_neither_listed_nor_shown(client, secret, outsider):
    delivery = WebhookDelivery.objects.get(notification__case=secret.case)
    client.force_login(may_read_deliveries(outsider))

    listed = client.get(LIST)
    searched = client.get(LIST, {"q": secret.case.reference})
    detail = client.get(reverse("admin:integrations_webhookdelivery_change", args=[delivery.pk]))

    assert list(listed.context["cl"].result_list) == []
    assert list(searched.context["cl"].result_list) == []
    assert detail.status_code == 404  # not a redirect that tells the id exists


def test_the_owners_team_sees_them_in_as_many_queries_for_more_rows(client, secret, operator):
    client.force_login(may_read_deliveries(operator))
    client.get(LIST)  # the first page after logging in also refreshes the session
    page, before = get_counting(client, LIST)
    assert [d.notification.case for d in page.context["cl"].result_list] == [secret.case]
    another_breached_hold(operator)

    page, after = get_counting(client, LIST)

    assert len(page.context["cl"].result_list) == 2
    # the session comes from the cache (cached_db), the permissions and teams from the
    # process copy (accounts.backends, accounts.memberships; 3 queries more before issue 18)
    assert after == before == 5
