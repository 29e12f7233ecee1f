"""Every history row says who and why: from the admin, from a service call, from a Celery task
(as the system user), and from any code run inside ``acting_as``."""

import datetime as dt

import pytest
import time_machine
from celery import shared_task
from django.urls import reverse

from accounts.services import SYSTEM_USERNAME
from audit.context import acting_as
from escalations import services
from escalations.models import Case, Category, Customer
from escalations.tasks import sla_sweep
from tests.factories import HANDOFF, CategoryFactory, CustomerFactory, make_sla_policy


def test_an_admin_edit_is_by_the_user_and_edited_in_admin(client, admin_user):
    customer = CustomerFactory(name="山田 太郎")
    client.force_login(admin_user)

    client.post(
        reverse("admin:escalations_customer_change", args=[customer.pk]),
        {"name": "山田 次郎", "furigana": "", "phone": "", "email": "", "external_id": ""},
    )

    row = customer.history.latest()
    assert (row.name, row.history_type) == ("山田 次郎", "~")
    assert (row.history_user, row.history_change_reason) == (admin_user, "edited in admin")


def test_admin_additions_and_deletions_say_so(client, admin_user):
    client.force_login(admin_user)

    client.post(reverse("admin:escalations_category_add"), {"name": "解約", "sort_order": 0})
    category = Category.objects.get(name="解約")
    client.post(reverse("admin:escalations_category_delete", args=[category.pk]), {"post": "yes"})

    rows = Category.history.filter(id=category.pk).order_by("history_date")
    assert [(r.history_type, r.history_user, r.history_change_reason) for r in rows] == [
        ("+", admin_user, "added in admin"),
        ("-", admin_user, "deleted in admin"),
    ]


def test_a_transition_in_the_admin_keeps_its_own_reason(client, case, operator):
    client.force_login(operator)

    client.post(
        reverse("admin:escalations_case_transition", args=[case.pk, "wait_for_customer"]),
        {"expected_status": "in_progress", "comment": "明日折り返し"},
    )

    row = case.history.latest()
    assert (row.history_user, row.history_change_reason) == (
        operator,
        "wait_for_customer: 明日折り返し",
    )


def test_a_service_call_writes_its_actor_and_reason(case, colleague):
    services.case_update(case=case, actor=colleague, subject="請求額が二重")

    row = case.history.latest()
    assert (row.subject, row.history_user, row.history_change_reason) == (
        "請求額が二重",
        colleague,
        "edit: subject",
    )


def test_a_long_reason_is_shortened_rather_than_refused(case, operator):
    services.case_resolve(case=case, actor=operator, resolution="説明" * 150)

    reason = case.history.latest().history_change_reason
    assert reason.startswith("resolve: 説明説明")
    assert len(reason) == 100 and reason.endswith("…")
    assert case.notes.latest("created_at").body == "説明" * 150


def test_a_celery_task_acts_as_the_system_user_with_its_reason(case, operator, supervisor):
    make_sla_policy(acknowledge=dt.timedelta(minutes=15))
    hop = services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    rows = set(Case.history.values_list("history_id", flat=True))

    with time_machine.travel(hop.requested_at + dt.timedelta(hours=1), tick=False):
        sla_sweep.apply()

    new = Case.history.filter(id=case.pk).exclude(history_id__in=rows)
    assert new.count() == 1
    row = new.get()
    assert row.history_user.username == SYSTEM_USERNAME
    assert row.history_change_reason.startswith("escalate_further: SLA超過")
    assert row.status == "escalated" and row.tier == 3


@shared_task(name="tests.audit.rename_customer")
def rename_customer(pk: int, name: str) -> None:
    customer = Customer.objects.get(pk=pk)
    customer.name = name
    customer.save()  # says neither who nor why: the task context does


def test_a_task_that_says_nothing_still_writes_the_system_user_and_the_task(db):
    customer = CustomerFactory()

    rename_customer.apply(args=[customer.pk, "株式会社 新名称"])

    row = customer.history.latest()
    assert row.history_user.username == SYSTEM_USERNAME
    assert row.history_change_reason == "task: tests.audit.rename_customer"


def test_outside_a_task_the_context_is_gone(db):
    customer = CustomerFactory()
    rename_customer.apply(args=[customer.pk, "一回目"])

    customer.name = "二回目"
    customer.save()

    row = customer.history.latest()
    assert (row.history_user, row.history_change_reason) == (None, None)


@pytest.mark.parametrize("given_reason", ["", "imported"])
def test_acting_as_fills_only_what_the_writer_left_empty(db, manager, given_reason):
    with acting_as(manager, "imported from CRM"):
        category = CategoryFactory.build(name="取込")
        if given_reason:
            category._change_reason = given_reason
        category.save()

    row = category.history.get()
    assert row.history_user == manager
    assert row.history_change_reason == (given_reason or "imported from CRM")


def test_logging_in_writes_no_history_row(client, operator):
    rows = operator.history.count()

    assert client.login(username="operator", password="pass-for-tests-123")

    operator.refresh_from_db()
    assert operator.last_login is not None
    assert operator.history.count() == rows
