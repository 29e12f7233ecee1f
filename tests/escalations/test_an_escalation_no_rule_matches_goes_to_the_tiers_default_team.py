"""An escalation no rule matches goes to the default team of the next tier (one per tier, set
in the team's admin), never to whichever team sorts first. With no default team there, it
goes nowhere: a person is told why and the case stays as it was; an SLA breach leaves the case
in its team's queue and tells the team lead (and the managers)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from accounts.models import Team, Tier
from escalations import services
from escalations.models import CaseStatus, EscalationRule, Level, SLAEvent
from escalations.selectors import escalation_target
from escalations.services.sla_sweep import sla_sweep
from notifications.models import Notification
from tests.factories import HANDOFF, TeamFactory, UserFactory, make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
# A sweep whose one batch holds acknowledgement breaches that stay at L2, however many: the
# batch's reads and locks, the system user (made on first use), the calendar, managers, the
# timers' next rungs and the events, and the empty second batch (the webhook subscriptions, the
# rules and the next tier's teams are the process's copy, kit.configcache and
# escalations.selectors.ROUTING, read when the cases were opened and escalated: 3 queries fewer
# since issue 18's third pass) + the sweep's heartbeat (ops), + the present members of the
# teams told in-app (one query)
BATCH_THAT_STAYS = 25 + 1 + 1
# + on PostgreSQL, Case.sla_next_due recomputed once for the batch's cases at its end (the
# setting that defers it and the recompute: escalations.sla.next_due.later)
NEXT_DUE_ONCE_ON_POSTGRESQL = 2


def without_rules(*teams) -> None:
    """Deactivate the org's rules leading to these teams (all of them when none is named)."""
    for rule in EscalationRule.objects.all():
        if not teams or rule.target_team in teams:
            rule.is_active = False
            rule.save()


def test_the_default_team_takes_it_not_the_first_by_name(case, operator, org):
    without_rules()
    TeamFactory(name="AA desk", tier=Tier.L2)  # sorts first
    TeamFactory(name="AA desk L3", tier=Tier.L3)
    org["l2"].is_tier_default = True
    org["l2"].save()

    target = escalation_target(case, "other")
    assert (target.tier, target.team, target.person, target.rule) == (
        Tier.L2,
        org["l2"],
        None,
        None,
    )
    hop = services.case_escalate(case=case, actor=operator, reason="other", handoff=HANDOFF)
    assert (hop.to_tier, hop.to_team, hop.rule) == (Tier.L2, org["l2"], None)


def test_a_rule_still_wins_over_the_default_team(case, operator, org):
    TeamFactory(name="AA desk", tier=Tier.L2, is_tier_default=True)
    hop = services.case_escalate(case=case, actor=operator, reason="other", handoff=HANDOFF)
    assert hop.to_team == org["l2"] and hop.rule is not None


def test_without_a_default_team_a_person_is_refused_and_nothing_changes(
    case, operator, org, client
):
    without_rules()
    with pytest.raises(ValidationError) as refused:
        services.case_escalate(case=case, actor=operator, reason="other", handoff=HANDOFF)

    assert refused.value.code == "no_default_team"
    assert "L2" in refused.value.messages[0]
    case.refresh_from_db()
    assert (case.status, case.tier, case.assigned_team, case.escalations.count()) == (
        CaseStatus.IN_PROGRESS,
        Tier.L1,
        org["l1"],  # the operator's own team's queue
        0,
    )
    # the escalate page says so for every reason, before anyone tries
    client.force_login(operator)
    page = client.get(reverse("admin:escalations_case_transition", args=[case.pk, "escalate"]))
    assert page.content.decode().count("L2 に既定チームもないため") == 7


def test_without_a_default_team_a_breach_leaves_the_case_with_its_team_and_tells_the_lead(
    org, operator, supervisor, manager
):
    """Escalated to L2 by the rule; no rule to L3 and no default team in L3: the breach of the
    acknowledgement (15 min) records and notifies, and the case stays with the SV team."""
    for user in (supervisor, manager):
        user.email = f"{user.username}@example.jp"
        user.save()
    make_sla_policy()
    without_rules(org["l3"])
    with time_machine.travel(START, tick=False):
        case = make_case(owner=operator)
        services.case_start_work(case=case, actor=operator)
        hop = services.case_escalate(case=case, actor=operator, reason="other", handoff=HANDOFF)
    with time_machine.travel(START + dt.timedelta(minutes=16), tick=False):
        result = sla_sweep()

    assert (result.breaches, result.escalated) == (1, 0)
    case.refresh_from_db()
    assert (case.status, case.tier, case.assigned_team, case.escalations.count()) == (
        CaseStatus.ESCALATED,
        Tier.L2,
        org["l2"],
        1,
    )
    breach = SLAEvent.objects.get(level=Level.BREACH)
    assert breach.timer.escalation == hop
    assert "次の階層に既定チームもありません。案件は SVチーム に残ります。" in breach.action
    told = set(
        Notification.objects.filter(event_type="sla.breached").values_list(
            "recipient__username", flat=True
        )
    )
    assert {"supervisor", "manager"} <= told  # the SV team's lead and the managers


def test_a_tier_has_at_most_one_default_team(org):
    org["l2"].is_tier_default = True
    org["l2"].save()
    TeamFactory(name="L3 default", tier=Tier.L3, is_tier_default=True)  # another tier: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamFactory(name="second L2 default", tier=Tier.L2, is_tier_default=True)


def test_an_administrator_designates_the_default_team_in_the_admin_with_history(
    client, org, supervisor
):
    admin_user = UserFactory(username="admin", role="administrator")
    client.force_login(admin_user)
    team = org["l2"]
    url = reverse("admin:accounts_team_change", args=[team.pk])
    form = client.get(url).content.decode()
    assert 'name="is_tier_default"' in form and "階層の既定チーム" in form
    fields = {"name": team.name, "tier": team.tier, "lead": supervisor.pk}

    response = client.post(url, {**fields, "members": [supervisor.pk], "is_tier_default": "on"})

    assert response.status_code == 302, response.content.decode()[:2000]
    team.refresh_from_db()
    assert team.is_tier_default
    latest = team.history.latest()
    assert (latest.is_tier_default, latest.history_user) == (True, admin_user)

    second = client.post(
        reverse("admin:accounts_team_add"),
        {"name": "第二SV", "tier": Tier.L2, "is_tier_default": "on"},
    )
    assert second.status_code == 200
    assert "この階層にはすでに既定チームがあります。" in second.content.decode()
    assert not Team.objects.filter(name="第二SV").exists()


@pytest.mark.parametrize("count", [1, 4])
def test_breaches_that_stay_cost_the_same_queries_however_many(
    org, operator, count, django_assert_num_queries
):
    make_sla_policy()
    without_rules(org["l3"])
    with time_machine.travel(START, tick=False):
        for _ in range(count):
            case = make_case(owner=operator)
            services.case_start_work(case=case, actor=operator)
            services.case_escalate(case=case, actor=operator, reason="other", handoff=HANDOFF)
    later = START + dt.timedelta(minutes=16)
    with (
        time_machine.travel(later, tick=False),
        django_assert_num_queries(
            BATCH_THAT_STAYS + (connection.vendor == "postgresql") * NEXT_DUE_ONCE_ON_POSTGRESQL
        ),
    ):
        result = sla_sweep()
    assert (result.breaches, result.escalated) == (count, 0)
