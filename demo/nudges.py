"""No hesitation (issue 20) as the demo opens: since yesterday the matrix says "escalate within
N minutes" (complaints 5 minutes from the start of work, naming the absent complaints SV whose
delegate stands in; any other case 10 minutes; a held call at L2, 5 minutes from the start of
the hold). A complaint call has been worked on for 13 minutes without an escalation: its nudge
was sent and shows on the case header and in the supervisors' "stalled calls". Earlier today,
one nudged case was escalated (followed), one was escalated in time (never nudged) and one was
resolved after its nudge: the dashboard's figures."""

from __future__ import annotations

import datetime as dt

from accounts.models import User
from demo import clock
from demo.organisation import audited
from escalations import services
from escalations.models import Case, Category, Channel, Customer, EscalationRule, Mood, Reason
from escalations.priority import Impact, Urgency
from escalations.services.nudges import nudge_sweep

MIN = dt.timedelta(minutes=1)


def load_nudges(users: dict[str, User], categories: dict[str, Category]) -> Case:
    now = clock.now()
    with clock.at(clock.days_ago(1)):
        _thresholds(users["supervisor"], categories)
    customers = list(Customer.objects.filter(phone__startswith="080").order_by("pk")[:4])
    operator = users["operator2"]
    # earlier today: followed, in time, resolved after the nudge
    for hours, then in [(5, "followed"), (4, "in_time"), (3, "resolved")]:
        start = now - dt.timedelta(hours=hours)
        case = _call(operator, customers.pop(), categories["請求・料金"], start)
        if then == "in_time":
            with clock.at(start + 6 * MIN):
                _escalate(case, operator)
            continue
        with clock.at(start + 12 * MIN):  # work started a minute after the call: due at +11
            nudge_sweep()
        with clock.at(start + 14 * MIN):
            if then == "followed":
                _escalate(case, operator)
            else:
                services.case_resolve(
                    case=case, actor=operator, resolution="明細の見方をご説明し、ご納得いただいた。"
                )
    # now: a complaint worked on for 13 minutes, not escalated
    stalled = _call(
        users["operator"],
        customers.pop(),
        categories["クレーム"],
        now - 13 * MIN,
        subject="配達員の対応についてのお申し出",
        description="配達員の言葉づかいが乱暴だったとのお申し出。謝罪と今後の対応の説明を求めている。",
    )
    with clock.at(now):
        nudge_sweep()  # the stalled call's nudge (due 8 minutes ago) is sent
    return stalled


def _thresholds(actor: User, categories: dict[str, Category]) -> None:
    rules = EscalationRule.objects.filter(is_active=True).select_related("target_team")
    for rule in rules:
        if rule.category_id == categories["クレーム"].pk and rule.target_team.tier == 2:
            rule.escalate_within_work = 5
        elif rule.category_id is None and not rule.reason and rule.priority is None:
            if rule.target_team.tier == 2:
                rule.escalate_within_work = 10
            elif rule.target_team.tier == 3:
                rule.escalate_within_hold = 5
            else:
                continue
        else:
            continue
        audited(rule, actor).save()


def _call(owner, customer, category, start, *, subject="", description="") -> Case:
    with clock.at(start):
        case = services.case_create(
            actor=owner,
            customer=customer,
            category=category,
            subject=subject or "請求額が先月より高いとのお問い合わせ",
            description=description or "先月より請求額が上がっている理由を知りたい。",
            channel=Channel.PHONE,
            impact=Impact.MEDIUM,
            urgency=Urgency.MEDIUM,
            call_log="お客様より入電。",
        )
    with clock.at(start + MIN):
        return services.case_start_work(case=case, actor=owner)


def _escalate(case: Case, actor: User) -> None:
    services.case_escalate(
        case=case,
        actor=actor,
        reason=Reason.KNOWLEDGE_GAP,
        handoff=services.Handoff(
            "請求額が上がった理由を知りたい。",
            "請求明細を一緒に確認したが、割引の終了かどうか判断できない。",
            Mood.CALM,
        ),
    )
