"""Two people act on the same case at the same moment: one wins, the other is told someone else
changed it, and the audit trail shows one action. Real threads on PostgreSQL."""

import threading

import pytest
from django.db import connection

from accounts.models import Tier
from escalations import services
from escalations.models import Case, CaseStatus, Escalation
from tests.factories import HANDOFF, EscalationRuleFactory, TeamFactory, UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def second_supervisor(org):
    person = UserFactory(username="supervisor2", display_name="山本 SV", role="supervisor")
    org["l2"].members.add(person)
    return person


@pytest.fixture
def l4_team(org):
    vendor = UserFactory(username="vendor", display_name="保守ベンダー", role="specialist")
    team = TeamFactory(name="ベンダー窓口", tier=Tier.L4, is_tier_default=True, members=[vendor])
    EscalationRuleFactory(target_team=team)
    return team


def race(*actions):
    """Run each ``action(case)`` in its own thread, on its own Case loaded from the database;
    every thread has loaded the case before any of them acts. Returns each outcome: the
    result, or the exception raised."""
    case_pk = race.case_pk
    loaded = threading.Barrier(len(actions))
    outcomes: list = [None] * len(actions)

    def run(index, action):
        try:
            case = Case.objects.get(pk=case_pk)
            loaded.wait(timeout=10)
            outcomes[index] = action(case)
        except Exception as exc:  # noqa: BLE001 - the outcome under test
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, a)) for i, a in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def one_won(outcomes):
    conflicts = [o for o in outcomes if isinstance(o, services.TransitionConflict)]
    others = [o for o in outcomes if not isinstance(o, services.TransitionConflict)]
    assert len(conflicts) == 1, outcomes
    assert len(others) == 1 and not isinstance(others[0], Exception), outcomes
    return others[0]


def reasons(case, name):
    return [
        r
        for r in case.history.values_list("history_change_reason", flat=True)
        if r.split(":")[0] == name
    ]


def test_two_people_escalating_the_same_case_at_once_escalate_it_once(
    case, operator, colleague, org
):
    race.case_pk = case.pk

    outcomes = race(
        lambda c: services.case_escalate(
            case=c, actor=operator, reason="knowledge_gap", handoff=HANDOFF
        ),
        lambda c: services.case_escalate(
            case=c, actor=colleague, reason="complaint", handoff=HANDOFF
        ),
    )

    hop = one_won(outcomes)
    case.refresh_from_db()
    assert (case.status, case.tier, case.assigned_team) == (CaseStatus.ESCALATED, 2, org["l2"])
    assert list(Escalation.objects.filter(case=case)) == [hop]
    assert len(reasons(case, "escalate")) == 1


def test_two_supervisors_acknowledging_at_once_acknowledge_once(
    case, operator, supervisor, second_supervisor
):
    hop = services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    race.case_pk = case.pk

    outcomes = race(
        lambda c: services.case_acknowledge(case=c, actor=supervisor),
        lambda c: services.case_acknowledge(case=c, actor=second_supervisor),
    )

    one_won(outcomes)
    case.refresh_from_db()
    hop.refresh_from_db()
    winner = supervisor if not isinstance(outcomes[0], Exception) else second_supervisor
    assert (case.status, case.handler) == (CaseStatus.ACKNOWLEDGED, winner)
    assert hop.acknowledged_by == winner
    assert len(reasons(case, "acknowledge")) == 1


def test_two_supervisors_escalating_further_at_once_escalate_it_once(
    case, operator, supervisor, second_supervisor, org, l4_team
):
    """``escalate_further`` keeps the status ``escalated``: the lock on the status alone
    would let both through and send the case two tiers up."""
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    race.case_pk = case.pk

    outcomes = race(
        lambda c: services.case_escalate(
            case=c, actor=supervisor, reason="technical_fault", handoff=HANDOFF
        ),
        lambda c: services.case_escalate(
            case=c, actor=second_supervisor, reason="technical_fault", handoff=HANDOFF
        ),
    )

    one_won(outcomes)
    case.refresh_from_db()
    assert (case.tier, case.assigned_team) == (Tier.L3, org["l3"])
    assert Escalation.objects.filter(case=case).count() == 2
    assert len(reasons(case, "escalate_further")) == 1


def test_acknowledging_while_someone_escalates_further_does_not_take_the_l3_case(
    case, operator, supervisor, second_supervisor, org
):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    race.case_pk = case.pk

    outcomes = race(
        lambda c: services.case_escalate(
            case=c, actor=supervisor, reason="technical_fault", handoff=HANDOFF
        ),
        lambda c: services.case_acknowledge(case=c, actor=second_supervisor),
    )

    one_won(outcomes)
    case.refresh_from_db()
    if isinstance(outcomes[1], Exception):  # escalated further: the L3 queue has it
        assert (case.status, case.tier, case.handler) == (CaseStatus.ESCALATED, Tier.L3, None)
    else:  # acknowledged at L2 first
        assert (case.status, case.tier, case.handler) == (
            CaseStatus.ACKNOWLEDGED,
            Tier.L2,
            second_supervisor,
        )


def test_an_edit_racing_an_escalation_further_does_not_undo_it(case, operator, supervisor, org):
    """Whichever commits first, the case ends up at L3: an edit saved from a case loaded at L2
    must not write the L2 routing back."""
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    race.case_pk = case.pk

    outcomes = race(
        lambda c: services.case_escalate(
            case=c, actor=supervisor, reason="technical_fault", handoff=HANDOFF
        ),
        lambda c: services.case_update(case=c, actor=operator, subject="件名を修正"),
    )

    assert not isinstance(outcomes[0], Exception), outcomes
    assert outcomes[1] is not None and (
        not isinstance(outcomes[1], Exception)
        or isinstance(outcomes[1], services.TransitionConflict)
    ), outcomes
    case.refresh_from_db()
    assert (case.status, case.tier, case.assigned_team, case.handler) == (
        CaseStatus.ESCALATED,
        Tier.L3,
        org["l3"],
        None,
    )
    assert case.history.latest().tier == Tier.L3
