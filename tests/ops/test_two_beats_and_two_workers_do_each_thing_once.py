"""Two Celery beats and two workers (as on two machines) against one PostgreSQL and one Redis:
2,000 escalations' acknowledgement deadlines fall due over 30 seconds while both beats send the
sweep every second. Each case is escalated further exactly once, each deadline has one breach
event, and a periodic reminder sent by both beats is sent once for its period.

The due cases are loaded with SQL (as bench/sla_sweep.py does): 2,000 cases through the
services would take minutes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from accounts.models import Team, Tier, User
from accounts.roles import sync_roles
from config.celery import app as celery_app
from escalations.models import (
    BusinessCalendar,
    Case,
    Category,
    Customer,
    Escalation,
    EscalationRule,
    Level,
    SLAEvent,
    SLAHopTarget,
    SLAPolicy,
    SLATimer,
)
from ops.outbox import Notification
from reports.models import ReviewReminder
from tests.integration.celery_procs import wait_for
from tests.ops.servers import REDIS_URL, production_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CASES = 2_000
SPREAD_SECONDS = 30


def load_due_escalations(start: dt.datetime) -> EscalationRule:
    sync_roles(Group, Permission)
    owner = User.objects.create(username="two-beats-operator", display_name="一次 太郎")
    sv = User.objects.create(username="two-beats-sv", display_name="SV 花子", email="sv@example.jp")
    l1 = Team.objects.create(name="L1", tier=Tier.L1)
    l1.members.add(owner)
    l2 = Team.objects.create(name="L2", tier=Tier.L2, lead=sv)
    l2.members.add(sv)
    l3 = Team.objects.create(name="L3", tier=Tier.L3, lead=sv)
    category = Category.objects.create(name="請求・料金")
    customer = Customer.objects.create(name="山田 太郎", furigana="やまだ たろう")
    rule = EscalationRule.objects.create(
        target_tier=Tier.L2,
        target_team=l2,
        review_owner=sv,
        next_review_on=timezone.localdate() - dt.timedelta(days=1),
    )
    EscalationRule.objects.create(target_tier=Tier.L3, target_team=l3)
    calendar = BusinessCalendar.objects.create(name="24/7", always_open=True)
    policy = SLAPolicy.objects.create(name="標準", calendar=calendar, is_default=True)
    for tier in (2, 3, 4):
        SLAHopTarget.objects.create(
            policy=policy,
            to_tier=tier,
            acknowledge=dt.timedelta(minutes=15),
            answer=dt.timedelta(hours=4),
        )
    params = {
        "customer": customer.pk,
        "category": category.pk,
        "owner": owner.pk,
        "l1": l1.pk,
        "l2": l2.pk,
        "cases": CASES,
        "start": start,
        "policy": policy.pk,
        "spread": SPREAD_SECONDS,
    }
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO escalations_case (reference, subject, description, channel, customer_id,
                category_id, impact, urgency, priority, status, owner_id, owner_team_id, tier,
                assigned_team_id, handler_id, created_at, updated_at)
            SELECT 'T-' || lpad(g::text, 8, '0'), '請求額が違う ' || g, '', 'phone',
                %(customer)s, %(category)s, 2, 2, 3, 'escalated', %(owner)s, %(l1)s, 2,
                %(l2)s, NULL, %(start)s - interval '1 hour', %(start)s
            FROM generate_series(1, %(cases)s) g
            """,
            params,
        )
        cur.execute(
            """
            INSERT INTO escalations_escalation (case_id, number, from_tier, to_tier, to_team_id,
                reason, customer_wants, tried, customer_mood, requested_by_id, requested_at,
                answer, outcome, is_automatic, hold_outcome, not_reusable_reason)
            SELECT id, 1, 1, 2, %(l2)s, 'knowledge_gap', '返金してほしい', '明細を説明した',
                'angry', %(owner)s, %(start)s - interval '15 minutes', '', '', false, '', ''
            FROM escalations_case
            """,
            params,
        )
        # each acknowledgement breaches at its own moment over the next SPREAD_SECONDS
        cur.execute(
            """
            INSERT INTO escalations_slatimer (case_id, escalation_id, kind, policy_id, budget,
                consumed, started_at, running_since, due_at, next_level, next_fire_at, outcome)
            SELECT case_id, id, 'acknowledge', %(policy)s, interval '15 minutes',
                interval '0', %(start)s - interval '15 minutes',
                %(start)s - interval '15 minutes',
                %(start)s + (id %% %(spread)s) * interval '1 second', 3,
                %(start)s + (id %% %(spread)s) * interval '1 second', ''
            FROM escalations_escalation
            """,
            params,
        )
    return rule


def test_two_beats_and_two_workers(procs, tmp_path):
    start = timezone.now() + dt.timedelta(seconds=15)  # the processes' start-up
    rule = load_due_escalations(start)
    env = production_env(tmp_path, SLA_SWEEP_INTERVAL_SECONDS="1", SLA_SWEEP_HELPERS="1")
    machines = []
    for machine in ("a", "b"):
        machine_env = {**env, "VAR_DIR": str(tmp_path / machine)}  # each beat's own schedule
        (tmp_path / machine).mkdir()
        machines.append(procs(f"worker-{machine}", ["bin/serve", "worker"], machine_env))
        machines.append(procs(f"beat-{machine}", ["bin/serve", "beat"], machine_env))

    # at 08:05 both beats would send the review reminders: send them twice
    with celery_app.connection_for_write(REDIS_URL) as conn:
        for _ in range(2):
            celery_app.send_task("reports.notify_reviews_due", connection=conn)

    hops = Escalation.objects.filter(number=2)
    wait_for(
        lambda: (
            hops.count() >= CASES
            and not SLATimer.objects.filter(
                kind="acknowledge", escalation__number=1, next_fire_at__isnull=False
            ).exists()
        ),
        timeout=SPREAD_SECONDS + 60,
        interval=1,
        what=f"{CASES} escalations to L3",
    )
    for proc in machines:  # both machines' workers and beats took part
        assert "escalations.sla_sweep" in proc.log() or "beat" in proc.name, proc.name
    for proc in machines:
        proc.remember()
        proc.signal_group()
    for proc in machines:
        proc.wait_all_gone(timeout=10)

    assert hops.count() == CASES
    assert Case.objects.filter(tier=Tier.L3, status="escalated").count() == CASES
    per_case = Escalation.objects.values("case").annotate(n=Count("pk")).values_list("n", flat=True)
    assert set(per_case) == {2}
    breaches = SLAEvent.objects.filter(level=Level.BREACH, timer__escalation__number=1)
    assert breaches.count() == CASES
    assert breaches.values("timer").distinct().count() == CASES
    assert ReviewReminder.objects.filter(rule=rule).count() == 1
    assert Notification.objects.filter(event_type="rule.review_overdue").count() == 1
