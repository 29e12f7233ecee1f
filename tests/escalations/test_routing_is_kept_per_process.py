"""The escalation rules and the teams by tier are kept per process
(``escalations.selectors.ROUTING``): an escalation reads none of them from the database, and a
rule or team saved (in any process) is followed by the next escalation. The people a rule names
are never kept: who is absent changes all day."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalations import services
from escalations.models import EscalationRule
from tests.factories import HANDOFF, TeamFactory, UserFactory, make_case


def escalate(owner):
    case = services.case_start_work(case=make_case(owner=owner), actor=owner)
    return services.case_escalate(case=case, actor=owner, reason="complaint", handoff=HANDOFF)


def rule_queries(run) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        result = run()
    return result, [q["sql"] for q in queries if '"escalations_escalationrule"' in q["sql"]]


def test_an_escalation_reads_no_rule_and_follows_a_rule_saved_since(
    org, operator, django_capture_on_commit_callbacks
):
    escalate(operator)  # loads the routing
    hop, read = rule_queries(lambda: escalate(operator))
    assert read == []
    assert hop.to_team == org["l2"]

    other = TeamFactory(name="請求専門チーム", tier=org["l2"].tier)
    with django_capture_on_commit_callbacks(execute=True):  # the change "commits"
        for rule in EscalationRule.objects.filter(target_team=org["l2"]):
            rule.target_team = other
            rule.save()

    assert escalate(operator).to_team == other


def test_the_person_a_rule_names_is_read_as_they_are_now(org, operator, supervisor):
    stand_in = UserFactory(username="stand_in", role="supervisor")
    org["l2"].members.add(stand_in)
    for rule in EscalationRule.objects.filter(target_team=org["l2"]):
        rule.target_user = supervisor
        rule.save()
    assert escalate(operator).to_user == supervisor

    # the supervisor goes on leave (a person, not the configuration: nothing is "changed")
    supervisor.is_absent, supervisor.delegate = True, stand_in
    supervisor.save()

    assert escalate(operator).to_user == stand_in
