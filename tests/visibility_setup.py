"""A case of the operator's team with data on every page that can show a case: notes, a hop
with the customer on hold, a breached hold target (SLA event and notifications), a webhook
delivery, a callback, the knowledge base's link, deflection and a draft "from case". Every piece
of identifying data is a marker the pages of people who may not see the case must not show."""

from __future__ import annotations

from dataclasses import dataclass

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalations import services
from escalations.models import Case
from escalations.services.sla_sweep import sla_sweep
from integrations.models import WebhookSubscription
from knowledge import services as knowledge
from knowledge.models import Article, LinkKind
from tests.escalations.hold_setup import MIN, SATURDAY_EVENING, give_emails, hold_policy
from tests.factories import HANDOFF, CustomerFactory, make_case

CUSTOMER_NAME = "極秘 顧客花子"
CUSTOMER_PHONE = "03-9876-5432"
SUBJECT = "機密の請求トラブル件名"
NOTE = "社外秘メモ 暗証番号の件"
ANSWER = "秘匿回答 返金手続き済み"


@dataclass
class SecretCase:
    case: Case
    draft: Article
    markers: dict[str, str]


def make_secret_case(*, operator, supervisor) -> SecretCase:
    hold_policy()
    give_emails(operator, supervisor)
    WebhookSubscription.objects.create(
        name="CRM", url="https://crm.example.jp/hooks", secret="s", event_types=["case.escalated"]
    )
    customer = CustomerFactory(name=CUSTOMER_NAME, phone=CUSTOMER_PHONE)
    t0 = SATURDAY_EVENING
    with time_machine.travel(t0, tick=False):
        case = make_case(owner=operator, customer=customer, subject=SUBJECT)
        case = services.case_start_work(case=case, actor=operator)
        services.case_add_note(case=case, actor=operator, kind="internal", body=NOTE)
        article = knowledge.article_create(actor=operator, title="手順書", body="本文")
        knowledge.article_submit(article=article, actor=operator)
        article = knowledge.article_approve(article=article, actor=supervisor)
        knowledge.deflection_record(case=case, actor=operator, query=SUBJECT, hits=[])
        services.case_escalate(
            case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=True
        )
    with time_machine.travel(t0 + 3 * MIN, tick=False):
        sla_sweep(now=t0 + 3 * MIN)
        services.callback_promise(
            case=case,
            actor=operator,
            number=CUSTOMER_PHONE,
            window_start=t0 + 10 * MIN,
            window_end=t0 + 40 * MIN,
            note=NOTE,
        )
    with time_machine.travel(t0 + 5 * MIN, tick=False):
        services.case_acknowledge(case=Case.objects.get(pk=case.pk), actor=supervisor)
        services.case_return_to_owner(
            case=Case.objects.get(pk=case.pk), actor=supervisor, answer=ANSWER
        )
        case = Case.objects.get(pk=case.pk)
        knowledge.case_article_link(
            case=case, article=article, kind=LinkKind.SENT_TO_CUSTOMER, actor=operator
        )
        case = services.case_resolve(case=case, actor=operator, resolution=ANSWER)
        draft = knowledge.article_from_case(case=case, actor=operator)
    markers = {
        "reference": case.reference,
        "customer name": CUSTOMER_NAME,
        "customer phone": CUSTOMER_PHONE,
        "subject": SUBJECT,
        "note": NOTE,
        "answer": ANSWER,
    }
    return SecretCase(case=case, draft=draft, markers=markers)


def another_breached_hold(operator) -> Case:
    """One more case of the operator's, escalated with the customer on hold an hour later and
    left unacknowledged past the hold target: more events, notifications and deliveries."""
    start = SATURDAY_EVENING + 60 * MIN
    with time_machine.travel(start, tick=False):
        case = services.case_start_work(case=make_case(owner=operator), actor=operator)
        services.case_escalate(
            case=case, actor=operator, reason="complaint", handoff=HANDOFF, on_hold=True
        )
    with time_machine.travel(start + 3 * MIN, tick=False):
        sla_sweep(now=start + 3 * MIN)
    return case


def get_counting(client, url: str):
    """The response and the number of queries it took."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return response, len(queries)
