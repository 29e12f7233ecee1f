"""``manage.py load_demo_data``: Japanese demo data played through the real services.

The command plays 300 cases by default; these tests ask for 16 (every status still gets at least
one, and the showcase cases still climb to L4 and go through a delegate) to stay fast.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from accounts.models import Team, Tier, User
from escalations.models import (
    Case,
    CaseNote,
    CaseStatus,
    Customer,
    Escalation,
    EscalationOutcome,
    EscalationRule,
    NoteKind,
)

PASSWORD = "demo-pass-2026"
LOGINS = {  # username -> role (Group)
    "operator": "operator",
    "supervisor": "supervisor",
    "specialist": "specialist",
    "manager": "manager",
    "admin": "administrator",
}

pytestmark = pytest.mark.django_db


def load(**options) -> str:
    out = StringIO()
    call_command("load_demo_data", stdout=out, **options)
    return out.getvalue()


def counts() -> dict[str, int]:
    models = [User, Team, Customer, EscalationRule, Case, CaseNote, Escalation]
    return {model.__name__: model.objects.count() for model in models} | {
        "history": Case.history.count()
    }


@pytest.fixture
def demo() -> str:
    return load(cases=16, force=True)  # pytest-django runs with DEBUG off


def test_it_plays_cases_into_every_status(demo):
    assert set(Case.objects.values_list("status", flat=True)) == set(CaseStatus.values)
    assert not Case.objects.filter(notes__isnull=True).exists()  # each opens with a call log
    assert not Case.history.filter(history_user__isnull=True).exists()


def test_every_role_logs_in_with_the_printed_password(demo, client):
    for username, role in LOGINS.items():
        user = User.objects.get(username=username)
        assert user.groups.filter(name=role).exists() and user.is_staff
        assert user.display_name and user.furigana and user.extension
        assert client.login(username=username, password=PASSWORD), username
        assert any(
            line.split() == [username, "/", PASSWORD, *line.split()[3:]]
            for line in demo.splitlines()
        ), username
    assert User.objects.get(username="admin").is_superuser
    assert not User.objects.get(username="operator").is_superuser


def test_escalations_climb_to_l3_and_l4_with_handoffs_and_answers(demo):
    hops = Escalation.objects.all()
    assert hops.filter(to_tier=Tier.L3).exists() and hops.filter(to_tier=Tier.L4).exists()
    assert hops.filter(number__gte=2, from_tier__gte=Tier.L2).exists()  # escalated further
    answered = hops.filter(outcome=EscalationOutcome.ANSWERED)
    assert answered.exists() and not answered.filter(answer="").exists()
    notes = CaseNote.objects
    assert notes.filter(kind=NoteKind.HANDOFF).count() == hops.count()
    assert notes.filter(kind=NoteKind.ANSWER).count() == answered.count()
    assert notes.filter(kind=NoteKind.INTERNAL).exists()


def test_an_escalation_for_an_absent_person_goes_to_their_delegate(demo):
    rule = EscalationRule.objects.get(target_user__is_absent=True)
    absent = rule.target_user
    assert absent.delegate is not None
    hop = Escalation.objects.filter(routed_from=absent).first()
    assert hop is not None
    assert hop.to_user == absent.delegate and hop.rule == rule


def test_its_timeline_lies_in_the_past_and_in_order(demo):
    now = timezone.now()
    first = Case.objects.order_by("created_at").first()
    assert first.created_at < now - timedelta(days=14)
    assert not Case.objects.filter(created_at__gt=now).exists()
    assert not CaseNote.objects.filter(created_at__lt=F("case__created_at")).exists()
    assert not Case.history.filter(history_date__lt=F("created_at")).exists()
    assert not Escalation.objects.filter(requested_at__lt=F("case__created_at")).exists()
    assert not Escalation.objects.filter(acknowledged_at__lt=F("requested_at")).exists()
    assert not Case.objects.filter(closed_at__lt=F("resolved_at")).exists()


def test_running_it_twice_creates_nothing_new(demo):
    before = counts()
    again = load(cases=16, force=True)
    assert counts() == before
    assert f"operator   / {PASSWORD}" in again  # the logins are printed again


def test_logins_only_prints_the_logins_and_writes_nothing():
    out = load(logins_only=True)
    assert all(f"{username} " in out for username in LOGINS) and PASSWORD in out
    assert not User.objects.exists() and not Case.objects.exists()


def test_it_refuses_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        load(cases=16)
    assert not User.objects.exists()


def test_the_demo_has_sla_policies_and_running_timers_that_are_not_all_breached(demo):
    from escalations.sla.models import BusinessCalendar, SLAPolicy, SLATimer, TimerKind

    assert SLAPolicy.objects.filter(is_default=True).count() == 1
    assert SLAPolicy.objects.filter(categories__name="故障・不具合").exists()
    weekdays = BusinessCalendar.objects.get(always_open=False)
    assert weekdays.opening_hours.count() == 10 and weekdays.days.filter(kind="closed").exists()
    open_cases = Case.objects.exclude(status__in=[CaseStatus.RESOLVED, CaseStatus.CLOSED])
    for case in open_cases:
        assert case.sla_timers.filter(kind=TimerKind.RESOLUTION, stopped_at=None).count() == 1
    for case in Case.objects.filter(status=CaseStatus.NEW):
        assert case.sla_timers.filter(kind=TimerKind.FIRST_RESPONSE).exists()
    for hop in Escalation.objects.filter(outcome=EscalationOutcome.OPEN):
        assert hop.sla_timers.filter(kind=TimerKind.ANSWER, stopped_at=None).exists()
    paused = SLATimer.objects.filter(case__status=CaseStatus.PENDING_CUSTOMER)
    assert paused.exists() and not paused.filter(running_since__isnull=False).exists()
    # started "just now": no case-level target is overdue when the demo opens
    assert not SLATimer.objects.filter(
        kind=TimerKind.RESOLUTION, due_at__lt=timezone.now()
    ).exists()
