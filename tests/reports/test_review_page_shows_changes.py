"""The review page of a rule or a team shows every change since its last review, read from the
history (fields old → new with their labels, members joined and left, the contacts' absences),
and nothing from before it; its query count does not grow with the number of changes."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from accounts.absence import absence_set
from escalations.models import EscalationRule, Reason
from escalations.priority import Priority
from reports import review_page, services

JST = dt.timezone(dt.timedelta(hours=9))
START = dt.datetime(2026, 4, 1, 9, tzinfo=JST)  # the organisation is set up
BEFORE = dt.datetime(2026, 5, 1, 10, tzinfo=JST)
REVIEW = dt.datetime(2026, 5, 10, 10, tzinfo=JST)
AFTER = dt.datetime(2026, 5, 20, 10, tzinfo=JST)


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(START, tick=False)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _edit(obj, actor, **values):
    for name, value in values.items():
        setattr(obj, name, value)
    obj._history_user = actor
    obj._change_reason = "edited in the admin"
    obj.save()


@pytest.fixture
def rule(org, l2_team):
    return EscalationRule.objects.get(target_team=l2_team)


@pytest.fixture
def reviewed(time_machine, rule, l2_team, manager, supervisor, colleague):
    """Changes before the review, the review of the rule and the team, changes after it."""
    time_machine.move_to(BEFORE, tick=False)
    _edit(rule, manager, guidance="前のガイダンス", priority=Priority.P4)
    l2_team.members.add(colleague)
    time_machine.move_to(REVIEW, tick=False)
    services.review_record(actor=manager, rule=rule, comment="確認済み")
    services.review_record(actor=manager, team=l2_team)
    return rule, l2_team


def _changes(page):
    return [(c.field, c.old, c.new, c.who) for c in page.changes]


def test_every_rule_change_since_the_review_is_shown_and_nothing_before(
    time_machine, reviewed, manager, specialist
):
    rule, _team = reviewed
    time_machine.move_to(AFTER, tick=False)
    _edit(rule, manager, guidance="新しいガイダンス", reason=Reason.COMPLAINT)
    time_machine.move_to(AFTER + dt.timedelta(hours=2), tick=False)
    _edit(rule, manager, target_user=specialist, priority=Priority.P2)

    page = review_page.review_page(rule=rule)

    assert page.since == REVIEW
    assert _changes(page) == [
        ("Reason", "(none)", "Complaint", manager),
        ("Guidance", "前のガイダンス", "新しいガイダンス", manager),
        ("Priority", "P4 low", "P2 high", manager),
        ("Target person", "(none)", str(specialist), manager),
    ]
    assert [c.at for c in page.changes] == [AFTER, AFTER, *[AFTER + dt.timedelta(hours=2)] * 2]


def test_members_joined_and_left_and_the_lead_are_shown_for_a_team(
    time_machine, reviewed, manager, supervisor, colleague, specialist
):
    _rule, team = reviewed
    time_machine.move_to(AFTER, tick=False)
    team.members.add(specialist)
    team.members.remove(colleague)
    _edit(team, manager, lead=specialist, phone="03-0000-1111")

    page = review_page.review_page(team=team)

    assert [(c.field, c.old, c.new) for c in page.changes] == [
        ("Member joined", "(none)", str(specialist)),
        ("Member left", str(colleague), "(none)"),
        ("Lead", str(supervisor), str(specialist)),
        ("Phone", "(none)", "03-0000-1111"),
    ]


def test_absences_of_contacts_since_the_review_are_shown(
    time_machine, reviewed, supervisor, colleague
):
    rule, team = reviewed
    time_machine.move_to(BEFORE + dt.timedelta(days=2), tick=False)
    absence_set(actor=supervisor, user=supervisor, absent=True, delegate=None)  # before the review
    time_machine.move_to(AFTER, tick=False)
    absence_set(actor=supervisor, user=supervisor, absent=False, delegate=None)
    until = AFTER + dt.timedelta(days=3)
    absence_set(actor=supervisor, user=supervisor, absent=True, delegate=colleague, until=until)

    page = review_page.review_page(team=team)

    assert page.changes == []
    assert [(c.person, c.field, c.old, c.new) for c in page.contact_changes] == [
        (supervisor, "Absent", "Yes", "No"),
        (supervisor, "Absent", "No", "Yes"),
        (supervisor, "Absent until", "(none)", "2026-05-23 10:00:00"),
        (supervisor, "Delegate", "(none)", str(colleague)),
    ]


def test_a_subject_never_reviewed_shows_its_creation(rule):
    page = review_page.review_page(rule=rule)
    assert page.since is None
    assert [c.field for c in page.changes] == ["Created"]


def test_the_labels_are_translated(time_machine, reviewed, manager, settings):
    rule, _team = reviewed
    time_machine.move_to(AFTER, tick=False)
    _edit(rule, manager, reason=Reason.COMPLAINT)
    with translation.override("ja"):
        page = review_page.review_page(rule=rule)
    assert [(c.field, c.new) for c in page.changes] == [("理由", "クレーム")]


# both: the last review, the subject's history, the team's members, the people (with every
# delegate), the contacts' history, the people the rows name; a rule: the teams its rows name;
# a team: the member rows of its history; both: the contacts' absence periods in the coming week
RULE_QUERIES, TEAM_QUERIES = 8, 8


def _count(callable_):
    with CaptureQueriesContext(connection) as queries:
        callable_()
    return len(queries)


def test_the_query_count_does_not_grow_with_the_number_of_changes(
    time_machine, reviewed, manager, operator, colleague, specialist, outsider
):
    rule, team = reviewed
    time_machine.move_to(AFTER, tick=False)
    _edit(rule, manager, guidance="一回目")
    team.members.add(operator)
    few = (
        _count(lambda: review_page.review_page(rule=rule)),
        _count(lambda: review_page.review_page(team=team)),
    )
    for n, person in enumerate([colleague, specialist, outsider, operator] * 3):
        time_machine.move_to(AFTER + dt.timedelta(hours=n + 1), tick=False)
        _edit(rule, manager, guidance=f"{n}回目", target_user=person)
        if team.members.filter(pk=person.pk).exists():
            team.members.remove(person)
        else:
            team.members.add(person)
        absence_set(actor=person, user=person, absent=bool(n % 2), delegate=None)
    page = review_page.review_page(team=team)
    assert len(page.changes) == 13 and page.contact_changes
    many = (
        _count(lambda: review_page.review_page(rule=rule)),
        _count(lambda: review_page.review_page(team=team)),
    )
    assert many == few == (RULE_QUERIES, TEAM_QUERIES)
