"""One logical change, one history row: an admin save that also changes a many-to-many field
(a team's members, a policy's categories) writes a single row, with the new members in it."""

from django.urls import reverse

from accounts.models import Team
from tests.factories import TeamFactory, UserFactory


def team_form(team, **changes):
    data = {
        "name": team.name,
        "tier": team.tier,
        "lead": team.lead_id or "",
        "members": [m.pk for m in team.members.all()] if team.pk else [],
        "email": team.email,
        "webhook_url": team.webhook_url,
        "webhook_secret": team.webhook_secret,
        "phone": team.phone,
    }
    data.update(changes)
    return data


def test_changing_a_teams_members_and_name_in_the_admin_writes_one_row(client, admin_user):
    old, new = UserFactory(display_name="旧メンバー"), UserFactory(display_name="新メンバー")
    team = TeamFactory(name="SVチーム", tier=2, members=[old])
    before = set(Team.history.values_list("history_id", flat=True))
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:accounts_team_change", args=[team.pk]),
        team_form(team, name="SV第2チーム", members=[new.pk]),
    )

    assert response.status_code == 302
    rows = Team.history.exclude(history_id__in=before)
    assert rows.count() == 1
    row = rows.get()
    assert (row.name, row.history_user, row.history_change_reason) == (
        "SV第2チーム",
        admin_user,
        "edited in admin",
    )
    assert [m.user_id for m in row.members.all()] == [new.pk]


def test_adding_a_team_with_members_in_the_admin_writes_one_created_row(client, admin_user):
    member = UserFactory()
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:accounts_team_add"),
        team_form(Team(name="新チーム", tier=1), members=[member.pk]),
    )

    assert response.status_code == 302
    team = Team.objects.get(name="新チーム")
    row = team.history.get()
    assert (row.history_type, row.history_change_reason) == ("+", "added in admin")
    assert [m.user_id for m in row.members.all()] == [member.pk]


def test_a_change_of_role_in_the_admin_is_one_user_row_with_the_new_roles(
    client, admin_user, operator
):
    from django.contrib.auth.models import Group

    from accounts.models import User

    supervisor_role = Group.objects.get(name="supervisor")
    before = set(User.history.filter(id=operator.pk).values_list("history_id", flat=True))
    client.force_login(admin_user)
    page = client.get(reverse("admin:accounts_user_change", args=[operator.pk]))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(
        {
            "groups": [supervisor_role.pk],
            "user_permissions": [],
            "date_joined_0": "2026-01-05",
            "date_joined_1": "09:00:00",
            "extension": "555",
        }
    )
    data.pop("password", None)
    data = {k: v for k, v in data.items() if v is not False}

    response = client.post(reverse("admin:accounts_user_change", args=[operator.pk]), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    rows = User.history.filter(id=operator.pk).exclude(history_id__in=before)
    assert rows.count() == 1
    row = rows.get()
    assert row.extension == "555"
    assert [g.group_id for g in row.groups.all()] == [supervisor_role.pk]
    assert row.history_user == admin_user


def test_every_admin_of_a_model_with_many_to_many_history_writes_one_row():
    """Models other apps add later are checked too: their admin needs ``OneHistoryRowAdmin``."""
    from django.contrib import admin

    from kit.history import OneHistoryRowAdmin, has_m2m_history

    with_m2m = [model for model in admin.site._registry if has_m2m_history(model)]

    assert with_m2m  # teams, users, SLA policies at least
    for model in with_m2m:
        assert isinstance(admin.site._registry[model], OneHistoryRowAdmin), model
