"""Managers and supervisors see who in their teams (members and leads of the teams they are in
or lead) has desktop alerts off, read-only; people of other teams are not listed; operators and
outsiders see no such list."""

from __future__ import annotations

from django.urls import reverse

from notifications import preferences
from tests.factories import UserFactory

LIST = reverse("admin:notifications_inboxsettings_changelist")


def off(*users):
    for user in users:
        preferences.inbox_settings_update(user=user, actor=user, desktop_alerts=False)


def listed(client, user) -> list[str] | int:
    client.force_login(user)
    response = client.get(LIST)
    if response.status_code != 200:
        return response.status_code
    return sorted(row.user.username for row in response.context["cl"].result_list)


def test_a_supervisor_sees_their_team_only(client, org, supervisor, operator, outsider):
    teammate = UserFactory(username="sv_two", role="supervisor")
    on = UserFactory(username="sv_on", role="supervisor")
    org["l2"].members.add(teammate, on)
    off(teammate, operator, outsider)

    assert listed(client, supervisor) == ["sv_two"]


def test_a_manager_sees_the_teams_they_lead(client, org, manager, operator, outsider):
    org["l1"].lead = manager
    org["l1"].save()
    off(operator, outsider)

    assert listed(client, manager) == ["operator"]


def test_someone_in_no_team_sees_nobody(client, org, manager, operator):
    off(operator)
    assert listed(client, manager) == []


def test_operators_and_outsiders_see_no_list(client, org, operator, outsider, colleague):
    off(colleague)
    assert listed(client, operator) == 403
    assert listed(client, outsider) == 403
