"""A person's permissions and teams are read once per process (every API request asks for
them) and read again as soon as a change to them commits: a role granted or taken away, a
group's permissions, a user made superuser, a team joined or left, a new team lead."""

import pytest
from django.contrib.auth.models import Group, Permission

from accounts import memberships
from accounts.models import Team, Tier, User
from tests.factories import TeamFactory


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change as if committed (the test itself runs in one transaction)."""

    def run(change):
        with django_capture_on_commit_callbacks(execute=True):
            change()

    return run


def fresh(user: User) -> User:
    """The user as the next request loads it."""
    return User.objects.get(pk=user.pk)


def test_the_next_request_reads_no_permission_and_no_team(
    operator, l1_team, django_assert_num_queries
):
    first = fresh(operator)
    assert first.has_perm("escalations.add_case")
    assert memberships.team_ids(first) == {l1_team.pk}
    second = fresh(operator)

    with django_assert_num_queries(0):
        assert second.has_perm("escalations.add_case")
        assert not second.has_perm("escalations.view_all_cases")
        assert memberships.team_ids(second) == {l1_team.pk}
        assert memberships.home_team(second) == l1_team


def test_a_role_granted_or_taken_away_counts_at_once(operator, committed):
    assert not fresh(operator).has_perm("escalations.view_all_cases")
    managers = Group.objects.get(name="manager")

    committed(lambda: operator.groups.add(managers))
    assert fresh(operator).has_perm("escalations.view_all_cases")

    committed(lambda: operator.groups.remove(managers))
    assert not fresh(operator).has_perm("escalations.view_all_cases")


def test_a_permission_given_to_a_role_or_a_person_counts_at_once(operator, committed):
    assert not fresh(operator).has_perm("escalations.view_all_cases")
    permission = Permission.objects.get(codename="view_all_cases")
    operators = operator.groups.get()

    committed(lambda: operators.permissions.add(permission))
    assert fresh(operator).has_perm("escalations.view_all_cases")

    committed(lambda: operators.permissions.remove(permission))
    committed(lambda: operator.user_permissions.add(permission))
    assert fresh(operator).has_perm("escalations.view_all_cases")


def test_a_user_made_superuser_has_every_permission(operator):
    assert not fresh(operator).has_perm("auth.delete_group")
    User.objects.filter(pk=operator.pk).update(is_superuser=True)  # no signal: the key tells

    assert fresh(operator).has_perm("auth.delete_group")


def test_an_inactive_user_has_no_permission(operator):
    assert fresh(operator).has_perm("escalations.add_case")
    User.objects.filter(pk=operator.pk).update(is_active=False)

    assert not fresh(operator).has_perm("escalations.add_case")


def test_a_change_not_yet_committed_is_not_shared(operator, l1_team):
    assert memberships.team_ids(fresh(operator)) == {l1_team.pk}
    l2 = TeamFactory(name="SVチーム", tier=Tier.L2, members=[operator])  # not committed

    # the transaction that made it sees it; the process's shared copy was dropped
    assert memberships.team_ids(fresh(operator)) == {l1_team.pk, l2.pk}
    assert memberships.MEMBERSHIPS._value is None


def test_teams_joined_left_and_led_count_at_once(operator, supervisor, l1_team, committed):
    assert memberships.home_team(fresh(operator)) == l1_team
    l2 = TeamFactory(name="SVチーム", tier=Tier.L2)

    committed(lambda: l2.members.add(operator))
    assert memberships.team_ids(fresh(operator)) == {l1_team.pk, l2.pk}
    committed(lambda: l1_team.members.remove(operator))
    assert memberships.home_team(fresh(operator)) == l2

    assert l2.pk not in memberships.team_ids(fresh(supervisor))

    def lead():
        l2.lead = supervisor
        l2.save()

    committed(lead)
    assert memberships.team_ids(fresh(supervisor)) == {l2.pk}
    assert memberships.home_team(fresh(supervisor)) is None  # leads, is no member


def test_another_process_reads_again_after_a_change(operator, l1_team, committed):
    assert memberships.team_ids(fresh(operator)) == {l1_team.pk}
    stale_version = memberships.MEMBERSHIPS._version
    kept = memberships.MEMBERSHIPS._value
    l2 = TeamFactory(name="SVチーム", tier=Tier.L2)

    committed(lambda: l2.members.add(operator))
    # another process still holds the copy it loaded before, under the old version
    memberships.MEMBERSHIPS._version, memberships.MEMBERSHIPS._value = stale_version, kept

    assert memberships.team_ids(fresh(operator)) == {l1_team.pk, l2.pk}


def test_the_home_team_handed_out_is_a_copy(operator, l1_team):
    home = memberships.home_team(fresh(operator))
    home.name = "書き換え"

    assert memberships.home_team(fresh(operator)).name == l1_team.name
    assert Team.objects.get(pk=l1_team.pk).name == l1_team.name
