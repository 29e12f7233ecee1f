"""A sweep reads the teams and SLA policies once, not once per batch; one made while a long
sweep runs (an administrator at work) is read when a later batch needs it, instead of failing
that batch."""

from django.utils import timezone

from escalations.models import SLAPolicy
from escalations.services.sla_sweep import _Context
from tests.factories import TeamFactory, make_sla_policy


def test_a_policy_made_during_the_sweep_is_read_when_needed(db, django_assert_num_queries):
    ctx = _Context(now=timezone.now())
    first = make_sla_policy(name="標準")
    assert set(ctx.policies({first.pk})) == {first.pk}
    with django_assert_num_queries(0):
        ctx.policies({first.pk})  # read once a sweep
    second = SLAPolicy.objects.create(name="夜間", calendar=first.calendar)
    assert ctx.policies({first.pk, second.pk})[second.pk].calendar == first.calendar


def test_a_team_made_during_the_sweep_is_read_when_needed(org, django_assert_num_queries):
    ctx = _Context(now=timezone.now())
    known = ctx.teams({org["l2"].pk, None})
    with django_assert_num_queries(0):
        assert ctx.teams({org["l3"].pk}) is known
    made = TeamFactory(name="夜間チーム")
    assert ctx.teams({made.pk})[made.pk].name == "夜間チーム"
