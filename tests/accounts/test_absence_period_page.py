"""The absence period page: a lead adds a future period for a member (with a history row),
sees the periods of their team only; someone else's period is not found; bad input is a form
error, never a 500."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.absence import absence_period_save
from accounts.models import AbsencePeriod, Tier
from tests.factories import TeamFactory

ADD = reverse("admin:accounts_absenceperiod_add")
LIST = reverse("admin:accounts_absenceperiod_changelist")


@pytest.fixture
def floor(operator, colleague, supervisor, outsider):
    TeamFactory(name="一次対応A", tier=Tier.L1, lead=supervisor, members=[operator, colleague])
    TeamFactory(name="一次対応B", tier=Tier.L1, members=[outsider])


def form(user, start, end, delegate=None):
    start, end = timezone.localtime(start), timezone.localtime(end)
    return {
        "user": str(user.pk),
        "starts_at_0": start.strftime("%Y-%m-%d"),
        "starts_at_1": start.strftime("%H:%M:%S"),
        "ends_at_0": end.strftime("%Y-%m-%d"),
        "ends_at_1": end.strftime("%H:%M:%S"),
        "reason": "training",
        "note": "新人研修",
        "delegate": str(delegate.pk) if delegate else "",
    }


def test_a_lead_adds_a_future_period_for_a_member(client, floor, supervisor, operator, colleague):
    client.force_login(supervisor)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)

    response = client.post(ADD, form(operator, start, start + dt.timedelta(hours=3), colleague))

    assert response.status_code == 302, response.context["adminform"].form.errors
    period = AbsencePeriod.objects.get()
    assert (period.user, period.delegate, period.reason, period.starts_at) == (
        operator,
        colleague,
        "training",
        start,
    )
    assert period.history.get().history_user == supervisor
    operator.refresh_from_db()
    assert not operator.is_absent  # it has not started
    listed = client.get(reverse("admin:accounts_absence_changelist"))
    assert "新人研修" not in listed.content.decode()  # the note is on the period page
    assert f"{LIST}?q=operator" in listed.content.decode()  # "1件", a link to the periods


def test_a_period_that_ends_before_it_starts_is_a_form_error(client, floor, operator):
    client.force_login(operator)
    start = timezone.now() + dt.timedelta(days=1)

    response = client.post(ADD, form(operator, start, start - dt.timedelta(hours=1)))

    assert response.status_code == 200
    assert "ends_at" in response.context["adminform"].form.errors
    assert not AbsencePeriod.objects.exists()


def test_an_operator_cannot_pick_a_colleague(client, floor, operator, colleague):
    client.force_login(operator)
    start = timezone.now() + dt.timedelta(days=1)

    response = client.post(ADD, form(colleague, start, start + dt.timedelta(hours=1)))

    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not AbsencePeriod.objects.exists()


def test_the_period_of_someone_outside_the_team_is_not_found(client, floor, supervisor, outsider):
    start = timezone.now() + dt.timedelta(days=1)
    theirs = absence_period_save(
        actor=outsider,
        user=outsider,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        reason="leave",
    )
    client.force_login(supervisor)

    assert client.get(
        reverse("admin:accounts_absenceperiod_change", args=[theirs.pk])
    ).status_code in (302, 404)
    assert theirs not in client.get(LIST).context["cl"].result_list
