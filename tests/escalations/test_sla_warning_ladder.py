"""The warning ladder: the handler at 50 %, the team lead at 75 %, the managers and the lead at
100 %; each rung once. A breached hop escalates further, unless there is nothing above.

24/7 calendar. P2 case: first response within 30 min. Every hop: acknowledge within 15 min."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils.translation import gettext as _

from accounts.models import Tier
from escalations import services
from escalations.models import CaseStatus, Escalation, Level, SLAEvent, SLATimer, TimerKind
from escalations.services.sla_sweep import sla_sweep
from notifications.models import Notification, NotificationChannel, NotificationStatus
from tests.factories import HANDOFF, TeamFactory, UserFactory, make_case, make_sla_policy

JST = ZoneInfo("Asia/Tokyo")
START = dt.datetime(2026, 6, 8, 10, tzinfo=JST)
MIN = dt.timedelta(minutes=1)
SEC = dt.timedelta(seconds=1)


@pytest.fixture
def emails(operator, colleague, supervisor, specialist, manager, outsider):
    for user in (operator, colleague, supervisor, specialist, manager, outsider):
        user.email = f"{user.username}@example.jp"
        user.save()


@pytest.fixture
def lead(org, colleague):
    """The colleague leads the operator's L1 team."""
    org["l1"].lead = colleague
    org["l1"].save()
    return colleague


@pytest.fixture
def opened(org, operator, emails, lead):
    """A new P2 case nobody has taken yet: its first response is due at START + 30 min."""
    make_sla_policy()
    with time_machine.travel(START, tick=False):
        return make_case(owner=operator)


def sweep_twice(moment: dt.datetime):
    with time_machine.travel(moment, tick=False):
        return sla_sweep(), sla_sweep()


def emails_for(level: str) -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(
            channel=NotificationChannel.EMAIL, payload__level=level
        ).values_list("recipient__username", "address")
    )


def test_the_handler_is_warned_at_half_time(opened, operator):
    first, second = sweep_twice(START + 15 * MIN)

    assert (first.warnings, second.warnings) == (1, 0)
    event = SLAEvent.objects.get()
    assert (event.level, event.fired_at) == (Level.WARN_HANDLER, START + 15 * MIN)
    assert event.timer.kind == TimerKind.FIRST_RESPONSE
    assert event.due_at == START + 30 * MIN
    note = Notification.objects.exclude(channel=NotificationChannel.IN_APP).get()  # the bell's
    assert (note.channel, note.recipient, note.address) == (
        NotificationChannel.EMAIL,
        operator,
        "operator@example.jp",
    )
    assert (note.event_type, note.case, note.status) == (
        "sla.warning",
        opened,
        NotificationStatus.PENDING,
    )
    assert note.payload["timer"] == TimerKind.FIRST_RESPONSE
    assert note.payload["case"]["reference"] == opened.reference
    assert opened.reference in note.subject


def test_the_team_lead_is_warned_at_three_quarters(opened):
    sweep_twice(START + 15 * MIN)
    first, second = sweep_twice(START + 22 * MIN + 30 * SEC)

    assert (first.warnings, second.warnings) == (1, 0)
    assert emails_for("warn_lead") == [("colleague", "colleague@example.jp")]
    assert SLAEvent.objects.filter(level=Level.WARN_LEAD).count() == 1


def test_a_first_response_breach_notifies_the_managers_and_the_lead_without_escalating(
    opened, manager, lead
):
    for moment in (START + 15 * MIN, START + 23 * MIN):
        sweep_twice(moment)
    first, second = sweep_twice(START + 30 * MIN)

    assert (first.breaches, first.escalated) == (1, 0)
    assert (second.breaches, second.warnings) == (0, 0)
    assert emails_for("breach") == [
        ("colleague", "colleague@example.jp"),
        ("manager", "manager@example.jp"),
    ]
    events = SLAEvent.objects.filter(timer__kind=TimerKind.FIRST_RESPONSE)
    assert sorted(events.values_list("level", flat=True)) == [
        Level.WARN_HANDLER,
        Level.WARN_LEAD,
        Level.BREACH,
    ]
    breach = events.get(level=Level.BREACH)
    assert str(manager) in breach.action and str(lead) in breach.action
    opened.refresh_from_db()
    assert (opened.status, opened.tier) == (CaseStatus.NEW, Tier.L1)
    assert not Escalation.objects.exists()
    timer = SLATimer.objects.get(case=opened, kind=TimerKind.FIRST_RESPONSE)
    assert (timer.next_level, timer.next_fire_at, timer.stopped_at) == (None, None, None)


def test_a_sweep_long_after_the_deadline_fires_each_level_once(opened):
    first, second = sweep_twice(START + 4 * 60 * MIN)

    # First response (30 min): its deadline long past, its warnings are recorded as skipped
    # (not sent) and the breach fires, in one batch. Resolution (8 h): the handler's 50 %.
    assert (first.warnings, first.breaches, first.batches) == (1, 1, 1)
    assert (second.warnings, second.breaches, second.batches) == (0, 0, 0)
    assert not Notification.objects.filter(payload__level="warn_lead").exists()
    assert sorted(SLAEvent.objects.values_list("timer__kind", "level")) == [
        (TimerKind.FIRST_RESPONSE, Level.WARN_HANDLER),
        (TimerKind.FIRST_RESPONSE, Level.WARN_LEAD),
        (TimerKind.FIRST_RESPONSE, Level.BREACH),
        (TimerKind.RESOLUTION, Level.WARN_HANDLER),
    ]


def test_a_team_with_a_webhook_gets_each_rung_by_webhook(opened, org):
    org["l1"].webhook_url = "https://hooks.example.jp/escalations"
    org["l1"].save()

    for moment in (START + 15 * MIN, START + 23 * MIN, START + 30 * MIN):
        sweep_twice(moment)

    hooks = Notification.objects.filter(channel=NotificationChannel.WEBHOOK).order_by("pk")
    assert [n.payload["level"] for n in hooks] == ["warn_handler", "warn_lead", "breach"]
    assert [n.event_type for n in hooks] == ["sla.warning", "sla.warning", "sla.breached"]
    assert {(n.address, n.recipient, n.case) for n in hooks} == {
        ("https://hooks.example.jp/escalations", None, opened)
    }
    assert _("Webhook queued.") in SLAEvent.objects.get(level=Level.BREACH).action


@pytest.fixture
def vendor(org):
    vendor = UserFactory(
        username="vendor", display_name="外部ベンダー", role="specialist", email="v@example.jp"
    )
    TeamFactory(name="ベンダー", tier=Tier.L4, is_tier_default=True, members=[vendor])
    return vendor


def escalate_to_the_top(case, operator, supervisor, specialist, *, tiers: int) -> Escalation:
    with time_machine.travel(START, tick=False):
        hop = services.case_escalate(
            case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF
        )
        for actor in (supervisor, specialist)[: tiers - 2]:
            hop = services.case_escalate(
                case=case, actor=actor, reason="technical_fault", handoff=HANDOFF
            )
    return hop


def test_a_breach_at_l4_notifies_the_managers_and_escalates_nowhere(
    case, operator, supervisor, specialist, manager, vendor, emails
):
    make_sla_policy()
    top = escalate_to_the_top(case, operator, supervisor, specialist, tiers=4)
    assert top.to_tier == Tier.L4

    sweep_twice(START + 8 * MIN)  # the handler's warning (50 % of 15 min)
    first, second = sweep_twice(START + 16 * MIN)

    assert (first.breaches, first.escalated, second.breaches) == (1, 0, 0)
    case.refresh_from_db()
    assert (case.status, case.tier) == (CaseStatus.ESCALATED, Tier.L4)
    assert case.escalations.count() == 3
    breach = SLAEvent.objects.get(level=Level.BREACH)
    assert breach.timer.escalation == top
    assert _("Nothing above to escalate to: managers notified.") in breach.action
    assert str(manager) in breach.action
    assert emails_for("breach") == [("manager", "manager@example.jp")]
    assert emails_for("warn_handler") == [("vendor", "v@example.jp")]


def test_a_breach_at_the_highest_configured_tier_notifies_instead_of_failing(
    case, operator, supervisor, specialist, manager, emails
):
    make_sla_policy()
    top = escalate_to_the_top(case, operator, supervisor, specialist, tiers=3)
    assert top.to_tier == Tier.L3  # and no team above L3

    sweep_twice(START + 8 * MIN)  # the handler's warning (50 % of 15 min)
    first, second = sweep_twice(START + 16 * MIN)

    assert (first.breaches, first.escalated, second.breaches) == (1, 0, 0)
    case.refresh_from_db()
    assert (case.status, case.tier, case.escalations.count()) == (
        CaseStatus.ESCALATED,
        Tier.L3,
        2,
    )
    breach = SLAEvent.objects.get(level=Level.BREACH)
    assert _("Nothing above to escalate to: managers notified.") in breach.action
    assert emails_for("breach") == [("manager", "manager@example.jp")]
