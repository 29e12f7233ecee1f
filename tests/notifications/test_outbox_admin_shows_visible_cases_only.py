"""The outbox in the admin (list, search, detail) shows the notifications about the cases the
user may see, and those about no case; a supervisor of another team finds none of another
team's case. The notifications app asks the escalations app's rule through ``kit.visibility``.
The list's query count does not grow with the rows."""

import uuid

import pytest
from django.urls import reverse

from accounts.models import Tier
from notifications.models import Notification
from tests.factories import TeamFactory, UserFactory
from tests.visibility_setup import another_breached_hold, get_counting, make_secret_case

LIST = reverse("admin:notifications_notification_changelist")


@pytest.fixture
def secret(org, operator, supervisor):
    return make_secret_case(operator=operator, supervisor=supervisor)


@pytest.fixture
def other_supervisor(db):
    """A supervisor (who may read the outbox) of an L2 team the case never went to."""
    user = UserFactory(username="other_sv", role="supervisor")
    TeamFactory(name="別のSVチーム", tier=Tier.L2, lead=user, members=[user])
    return user


def outbox_rows(case):
    """What the outbox page lists about ``case``: emails and webhooks (in-app notifications
    are each person's own, on "my notifications")."""
    return Notification.objects.filter(case=case).exclude(channel="in_app")


def test_another_teams_notifications_are_neither_listed_nor_shown(client, secret, other_supervisor):
    about_case = outbox_rows(secret.case)
    about_nothing = Notification.objects.create(
        event_id=uuid.uuid4(),
        event_type="article.review_overdue",
        channel="email",
        address="x@example.jp",
        subject="レビュー期限",
        payload={},
    )
    client.force_login(other_supervisor)

    listed = client.get(LIST)
    searched = client.get(LIST, {"q": secret.case.reference})
    by_subject = client.get(LIST, {"q": about_case.first().subject})
    detail = client.get(
        reverse("admin:notifications_notification_change", args=[about_case.first().pk])
    )

    assert about_case.exists()
    assert list(listed.context["cl"].result_list) == [about_nothing]
    assert list(searched.context["cl"].result_list) == []
    assert list(by_subject.context["cl"].result_list) == []
    assert secret.case.reference not in listed.content.decode()
    assert detail.status_code == 404  # not a redirect that tells the id exists


def test_the_teams_supervisor_sees_its_cases_notifications(client, secret, supervisor):
    client.force_login(supervisor)

    searched = client.get(LIST, {"q": secret.case.reference})
    detail = client.get(
        reverse(
            "admin:notifications_notification_change",
            args=[outbox_rows(secret.case).first().pk],
        )
    )

    assert set(searched.context["cl"].result_list) == set(outbox_rows(secret.case))
    assert detail.status_code == 200


def test_the_list_takes_as_many_queries_for_more_rows(client, secret, operator, supervisor):
    client.force_login(supervisor)
    client.get(LIST)  # the first page after logging in also refreshes the session
    _page, before = get_counting(client, LIST)
    another_breached_hold(operator)

    page, after = get_counting(client, LIST)
    assert len(page.context["cl"].result_list) > outbox_rows(secret.case).count()
    # the session comes from the cache (cached_db), the permissions and teams from the
    # process copy (accounts.backends, accounts.memberships; 3 queries more before issue 18)
    assert after == before == 6
