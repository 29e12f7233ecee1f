"""What is happening as the demo opens, played through the services with the SLA policies in
force: a customer waiting on hold right now (the hold's acknowledgement target runs out within
minutes), callbacks promised for the next hours, and callbacks whose promised time has passed
(missed: the first SLA sweep records the breach and tells the team lead)."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from demo import clock, phrases
from escalations import services
from escalations import services as hold_services
from escalations.models import Case, CaseStatus, Category, Channel, Customer, Mood, Reason
from escalations.priority import Impact, Urgency

# (promised minutes ago, window starts, window ends: minutes from now): due in the next hours,
# or missed (the window ended before the demo opened)
DUE = [(25, 10, 70), (40, 30, 150), (10, 90, 240)]
MISSED = [(300, -240, -120), (200, -150, -45)]
CALLBACKS = [DUE[0], MISSED[0], DUE[1], MISSED[1], DUE[2]]
WORKED_ON = [  # the owner promises callbacks on cases being worked on
    CaseStatus.IN_PROGRESS,
    CaseStatus.RETURNED,
    CaseStatus.PENDING_CUSTOMER,
    CaseStatus.ESCALATED,
    CaseStatus.ACKNOWLEDGED,
]


def load_live(users: dict[str, User], categories: dict[str, Category]) -> None:
    _on_hold_now(users, categories)
    cases = Case.objects.filter(status__in=WORKED_ON, created_at__lt=clock.days_ago(1))
    picked = cases.select_related("customer", "owner").order_by("pk")[: len(CALLBACKS)]
    for case, (ago, start, end) in zip(picked, CALLBACKS, strict=False):
        _promise(case, ago, start, end)


def _promise(case: Case, ago: int, start: int, end: int) -> None:
    now = clock.now()
    with clock.at(now - dt.timedelta(minutes=ago)):
        hold_services.callback_promise(
            case=case,
            actor=case.owner,
            number=case.customer.phone,
            window_start=now + dt.timedelta(minutes=start),
            window_end=now + dt.timedelta(minutes=end),
            note=phrases.CALLBACK_NOTES[case.pk % len(phrases.CALLBACK_NOTES)],
        )


def _on_hold_now(users: dict[str, User], categories: dict[str, Category]) -> None:
    """A caller asks for a superior; the operator escalates with the customer on the line."""
    operator, now = users["operator"], clock.now()
    customer = Customer.objects.filter(phone__startswith="090").order_by("pk").first()
    with clock.at(now - dt.timedelta(minutes=3)):
        case = services.case_create(
            actor=operator,
            customer=customer,
            category=categories["クレーム"],
            subject="解約手続きの説明が前回と違うとのお申し出",
            description="前回の電話では違約金なしと案内されたのに、今回は違約金がかかると言われた。",
            channel=Channel.PHONE,
            impact=Impact.MEDIUM,
            urgency=Urgency.HIGH,
            call_log="お客様より入電。前回の案内と違うとご立腹。責任者との通話をご希望。",
        )
    with clock.at(now - dt.timedelta(minutes=2)):
        services.case_start_work(case=case, actor=operator)
    with clock.at(now):  # the hold target (2 minutes) runs out as the demo starts
        services.case_escalate(
            case=case,
            actor=operator,
            reason=Reason.SUPERIOR_REQUESTED,
            handoff=services.Handoff(
                "前回の案内どおり違約金なしで解約したい。責任者から説明してほしい。",
                "前回の通話記録を確認中。違約金の規定をご説明したが納得されていない。",
                Mood.ANGRY,
            ),
            on_hold=True,
        )
