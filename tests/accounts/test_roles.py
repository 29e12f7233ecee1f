import pytest
from django.contrib.auth.models import Group

from accounts.roles import ROLES


@pytest.mark.django_db
def test_every_role_has_exactly_its_permissions_after_migrating():
    for role, codes in ROLES.items():
        group = Group.objects.get(name=role)
        granted = {
            f"{app}.{codename}"
            for app, codename in group.permissions.values_list(
                "content_type__app_label", "codename"
            )
        }
        assert granted == set(codes), role


@pytest.mark.django_db
def test_managers_read_everything_and_run_no_transition():
    perms = set(ROLES["manager"])
    assert "escalations.view_all_cases" in perms
    assert not {p for p in perms if p.endswith("_case") and not p.startswith("escalations.view")}
