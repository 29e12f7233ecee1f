"""Benchmark of the manager dashboard on PostgreSQL (run by hand; figures go to bench/README.md).

    .venv/bin/python bench/dashboard.py --cases 1000000

Creates a database of this run's own (``escalations_dashboard_<hex>``; ``--db``: that name, kept
at the end for ``--reuse --db``) on the local PostgreSQL and claims an empty Redis database for
the broker (``api_bench.run_state``: two runs never collide; the run's database is dropped and
the Redis database flushed at the end, also on failure), migrates it,
bulk-loads ``--cases`` cases created over the last 90 days with bulk SQL (like
bench/sla_sweep.py): 60 % closed, the rest open; 30 % escalated once (to L2, with acknowledge
and answer times), SLA timers stopped (met or missed) or running, articles that solved cases at
L1 and suggestions shown before escalating. Then it times the dashboard page for a manager (the
default range: the last 30 days) through the test client: wall time and queries, 10 runs; the
team filter; one CSV export; and the slowest statements of one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (the run's own database and Redis db, dropped at the end)


def setup_database(db: str, *, kept: bool) -> None:
    """A new database (``kept``: named by ``--db``, kept for ``--reuse --db``)."""
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c"]
    subprocess.run([*psql, f"CREATE DATABASE {db}"], check=True)
    if kept:
        print(f"database {db} (kept: --reuse --db {db}; psql -c 'DROP DATABASE {db}' when done)")
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(cases: int):
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Team, Tier, User
    from escalations.models import BusinessCalendar, Category, Customer, EscalationRule, SLAPolicy
    from escalations.sla import next_due
    from knowledge.models import Article

    owner = User.objects.create(
        username="bench-operator", display_name="ベンチ 一郎", is_staff=True
    )
    sv = User.objects.create(username="bench-sv", display_name="ベンチ SV", is_staff=True)
    manager = User.objects.create(username="bench-manager", is_staff=True)
    manager.groups.add(Group.objects.get(name="manager"))
    l1 = Team.objects.create(name="L1", tier=Tier.L1)
    l1.members.add(owner)
    l2 = Team.objects.create(name="L2", tier=Tier.L2, lead=sv)
    l2.members.add(sv)
    categories = [Category.objects.create(name=f"カテゴリ{i}") for i in range(8)]
    customer = Customer.objects.create(name="山田 太郎", furigana="やまだ たろう")
    EscalationRule.objects.create(target_tier=Tier.L2, target_team=l2)
    calendar = BusinessCalendar.objects.create(name="24/7", always_open=True)
    policy = SLAPolicy.objects.create(name="標準", calendar=calendar, is_default=True)
    article = Article.objects.create(
        title="請求額の確認方法",
        body="明細の見方",
        owner=sv,
        review_due=timezone.localdate(),
        status="published",
        published_title="請求額の確認方法",
        published_body="明細の見方",
        published_at=timezone.now(),
        version=1,
    )
    now = timezone.now()
    params = {
        "customer": customer.pk,
        "cat0": categories[0].pk,
        "owner": owner.pk,
        "sv": sv.pk,
        "l1": l1.pk,
        "l2": l2.pk,
        "cases": cases,
        "now": now,
        "policy": policy.pk,
        "article": article.pk,
    }
    started = time.perf_counter()
    with connection.cursor() as cur:
        # g % 10: 0-5 closed, 6 escalated (L2), 7 returned, 8 in progress, 9 new.
        cur.execute(
            """
            INSERT INTO escalations_case (reference, subject, description, channel, customer_id,
                category_id, impact, urgency, priority, status, owner_id, owner_team_id, tier,
                assigned_team_id, handler_id, created_at, updated_at, resolved_at, closed_at,
                first_response_at)
            SELECT 'B-' || lpad(g::text, 8, '0'), '請求額が違う ' || g, '', 'phone', %(customer)s,
                %(cat0)s + g %% 8, 2, 2, 1 + g %% 4,
                CASE WHEN g %% 10 <= 5 THEN 'closed' WHEN g %% 10 = 6 THEN 'escalated'
                     WHEN g %% 10 = 7 THEN 'returned' WHEN g %% 10 = 8 THEN 'in_progress'
                     ELSE 'new' END,
                %(owner)s, %(l1)s,
                CASE WHEN g %% 10 = 6 THEN 2 ELSE 1 END,
                CASE WHEN g %% 10 = 6 THEN %(l2)s ELSE %(l1)s END,
                CASE WHEN g %% 10 = 6 THEN %(sv)s ELSE %(owner)s END,
                c.t, %(now)s,
                CASE WHEN g %% 10 <= 5 THEN c.t + interval '2 hours' END,
                CASE WHEN g %% 10 <= 5 THEN c.t + interval '3 hours' END,
                CASE WHEN g %% 10 <> 9 THEN c.t + (g %% 45) * interval '1 minute' END
            FROM generate_series(1, %(cases)s) g,
                LATERAL (SELECT %(now)s - (g %% 90) * interval '1 day'
                         - (g %% 1440) * interval '1 minute' - interval '4 hours' AS t) c
            """,
            params,
        )
        # escalated once: g % 10 in (1, 6, 7); acknowledged except half the open ones,
        # answered for 1 and 7 (two answers in three called reusable).
        cur.execute(
            """
            INSERT INTO escalations_escalation (case_id, number, from_tier, to_tier, to_team_id,
                reason, customer_wants, tried, customer_mood, requested_by_id, requested_at,
                acknowledged_by_id, acknowledged_at, answered_by_id, answered_at, answer, outcome,
                is_automatic, hold_outcome, reusable, not_reusable_reason)
            SELECT id, 1, 1, 2, %(l2)s,
                (ARRAY['knowledge_gap','superior_requested','beyond_authority','complaint',
                       'technical_fault','compliance','other'])[1 + id %% 7],
                (ARRAY['解約したのに月額料金が引き落とされた', '請求額が先月より高い',
                       '注文した商品が届かない', 'ログインできない',
                       'パスワード再設定のメールが来ない',
                       'ポイントが付与されていない', '商品が壊れていた', '配送先を変更したい',
                       'クーポンが使えない', '領収書を再発行してほしい', '二重に請求されている',
                       'アプリが起動しない', '機種変更後にデータが消えた', '支払い方法を変えたい',
                       'キャンセルしたのに発送された', '保証期間内なのに有償と言われた'])
                    [1 + id %% 16]
                || '。' ||
                (ARRAY['返金してほしい', '至急対応してほしい', '理由を説明してほしい',
                       '上司と話したい', '今日中に連絡がほしい', '交換してほしい',
                       '手数料を免除してほしい', '解約したい', '担当者を変えてほしい',
                       '書面で回答がほしい', '折り返し電話がほしい', '補償してほしい'])
                    [1 + (id / 16) %% 12]
                || CASE WHEN id %% 5 < 2 THEN '' ELSE '。' ||
                (ARRAY['三回目の問い合わせ', '先週も電話した', 'サイトの説明と違う',
                       '店舗では対応できないと言われた', '家族名義の契約', '法人契約',
                       '海外から利用している', '高齢の親の代理', '引っ越し予定がある',
                       'メールが迷惑フォルダに入っていた', '他社に乗り換えを検討中',
                       'SNSに書くと言っている', '消費者センターに相談済み',
                       '購入から一年経っていない', 'セール期間中の注文', '定期便を利用中',
                       'ギフトとして購入', '分割払いを利用', '二台目の端末', '学生割引を利用',
                       '店頭で購入', '電話がつながりにくかった', 'チャットでは解決しなかった',
                       '同じ内容の問い合わせは初めて', '請求書払いを利用'])
                    [1 + (id / 192) %% 25] END,
                '明細を説明した', 'angry', %(owner)s,
                created_at + (id %% 60) * interval '1 minute',
                CASE WHEN status <> 'escalated' OR id %% 2 = 0 THEN %(sv)s END,
                CASE WHEN status <> 'escalated' OR id %% 2 = 0
                     THEN created_at + (id %% 60 + id %% 30) * interval '1 minute' END,
                CASE WHEN status <> 'escalated' THEN %(sv)s END,
                CASE WHEN status <> 'escalated'
                     THEN created_at + (id %% 60 + id %% 120) * interval '1 minute' END,
                CASE WHEN status <> 'escalated' THEN '回答' ELSE '' END,
                CASE WHEN status <> 'escalated' THEN 'answered' ELSE 'open' END,
                false, '',
                CASE WHEN status <> 'escalated' THEN id %% 3 <> 0 END,
                CASE WHEN status <> 'escalated' AND id %% 3 = 0 THEN '個別対応' ELSE '' END
            FROM escalations_case
            WHERE (reference::text ~ '[167]$')
            """,
            params,
        )
        # no hesitation (issue 20): a tenth of the hops had the customer on hold and were
        # escalated further to L3 3-12 minutes later (a second hop); a work nudge for every
        # fifth case in progress or escalated later than 10 minutes after work started, sent,
        # followed when the case was escalated after it.
        cur.execute(
            """
            UPDATE escalations_escalation SET on_hold_since = requested_at,
                hold_ended_at = requested_at + interval '15 minutes', hold_outcome = 'answered',
                outcome = 'escalated_further'
            WHERE id %% 10 = 0
            """,
            params,
        )
        cur.execute(
            """
            INSERT INTO escalations_escalation (case_id, number, from_tier, to_tier, to_team_id,
                reason, customer_wants, tried, customer_mood, requested_by_id, requested_at,
                outcome, is_automatic, hold_outcome, not_reusable_reason, answer)
            SELECT case_id, 2, 2, 3, %(l2)s,
                (ARRAY['technical_fault','beyond_authority','compliance'])[1 + id %% 3],
                customer_wants, '保留中に確認', 'angry', %(sv)s,
                requested_at + (3 + id %% 10) * interval '1 minute', 'open', false, '', '', ''
            FROM escalations_escalation WHERE id %% 10 = 0
            """,
            params,
        )
        cur.execute(
            """
            INSERT INTO escalations_nudge (case_id, kind, reason, minutes, started_at, due_at,
                sent_at, cleared_at, cleared_by, followed_at)
            SELECT c.id, 'work', '', 10, c.first_response_at,
                c.first_response_at + interval '10 minutes',
                c.first_response_at + interval '10 minutes',
                COALESCE(e.requested_at, c.resolved_at),
                CASE WHEN e.id IS NOT NULL THEN 'escalated'
                     WHEN c.resolved_at IS NOT NULL THEN 'resolved' ELSE '' END,
                e.requested_at
            FROM escalations_case c
            LEFT JOIN escalations_escalation e ON e.case_id = c.id AND e.number = 1
            WHERE c.first_response_at IS NOT NULL AND c.id %% 5 = 0
              AND (e.id IS NULL OR e.requested_at > c.first_response_at + interval '10 minutes')
            """,
            params,
        )
        next_due.without_triggers(cur)  # then Case.sla_next_due in one UPDATE
        # first response timers (stopped; met under 30 min) for every case but the new ones,
        # resolution timers (stopped for closed cases, running for open ones, 1 % breached).
        cur.execute(
            """
            INSERT INTO escalations_slatimer (case_id, kind, policy_id, budget, consumed,
                started_at, running_since, due_at, next_level, next_fire_at, stopped_at, met,
                outcome)
            SELECT timers.*, CASE WHEN timers.met THEN 'met' WHEN NOT timers.met THEN 'missed'
                ELSE '' END
            FROM (
            SELECT id, 'first_response', %(policy)s, interval '30 minutes', interval '0',
                created_at, NULL, created_at + interval '30 minutes', NULL, NULL,
                created_at + (id %% 45) * interval '1 minute', id %% 45 < 30 AS met
            FROM escalations_case WHERE status <> 'new'
            UNION ALL
            SELECT id, 'resolution', %(policy)s, interval '8 hours', interval '0',
                created_at,
                CASE WHEN status = 'closed' THEN NULL ELSE created_at END,
                CASE WHEN id %% 100 = 8 THEN %(now)s - interval '1 hour'
                     ELSE created_at + interval '30 days' END,
                CASE WHEN status = 'closed' THEN NULL ELSE 1 END,
                CASE WHEN status = 'closed' THEN NULL ELSE created_at + interval '15 days' END,
                CASE WHEN status = 'closed' THEN resolved_at END,
                CASE WHEN status = 'closed' THEN id %% 5 <> 0 END
            FROM escalations_case
            UNION ALL
            SELECT e.case_id, 'acknowledge', %(policy)s, interval '15 minutes', interval '0',
                e.requested_at, NULL, e.requested_at + interval '15 minutes', NULL, NULL,
                e.acknowledged_at, e.acknowledged_at <= e.requested_at + interval '15 minutes'
            FROM escalations_escalation e WHERE e.acknowledged_at IS NOT NULL
            ) AS timers
            """,
            params,
        )
        next_due.fill(cur)
        cur.execute(
            """
            INSERT INTO knowledge_casearticle (case_id, article_id, kind, version, created_by_id,
                created_at)
            SELECT id, %(article)s, 'solved_with', 1, %(owner)s, resolved_at
            FROM escalations_case WHERE reference::text ~ '2$'
            """,
            params,
        )
        cur.execute(
            """
            INSERT INTO knowledge_deflection (case_id, shown_to_id, shown_at, query, article_ids,
                case_ids)
            SELECT case_id, %(owner)s, requested_at - interval '2 minutes', '請求',
                jsonb_build_array(%(article)s), '[]'::jsonb
            FROM escalations_escalation WHERE id %% 3 = 0
            """,
            params,
        )
        cur.execute(
            "SELECT (SELECT count(*) FROM escalations_case), "
            "(SELECT count(*) FROM escalations_escalation), "
            "(SELECT count(*) FROM escalations_slatimer), "
            "(SELECT count(*) FROM escalations_nudge)"
        )
        counted = cur.fetchone()
    with connection.cursor() as cur:  # what autovacuum does soon after a load
        cur.execute("VACUUM ANALYZE")
    print(
        f"loaded {counted[0]:,} cases, {counted[1]:,} escalations, {counted[2]:,} SLA timers, "
        f"{counted[3]:,} nudges in {time.perf_counter() - started:.1f} s"
    )
    return manager, l2


def rollup() -> None:
    """Roll up every finished day that has none (all 89 after a load), timed."""
    from django.db import connection

    from reports.models import DailyFigure, RolledUpDay
    from reports.rollup import rollup_finished_days

    started = time.perf_counter()
    days = rollup_finished_days()
    seconds = time.perf_counter() - started
    print(
        f"rollup: {len(days)} days in {seconds:.1f} s "
        f"({seconds / max(len(days), 1) * 1000:.0f} ms a day); "
        f"{RolledUpDay.objects.count()} days, {DailyFigure.objects.count():,} rows rolled up"
    )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE reports_dailyfigure")
        cur.execute("VACUUM ANALYZE reports_rolledupday")


def unroll(days: int) -> None:
    from django.utils import timezone

    from reports.models import DailyFigure, RolledUpDay

    since = timezone.localdate() - dt.timedelta(days=days)
    DailyFigure.objects.filter(day__gte=since).delete()
    RolledUpDay.objects.filter(day__gte=since).delete()
    print(f"without the rollup of the last {days} finished day(s), since {since}:")


def check_repeats() -> None:
    """Decide every escalation from L1 (what ``manage.py check_repeats`` does after an
    upgrade), timed; then the every-minute check's work for a minute's escalations (the
    latest 10 decided again)."""
    from escalations.models import Escalation
    from knowledge.models import RepeatCheck
    from knowledge.repeats import check_repeats

    RepeatCheck.objects.all().delete()
    started = time.perf_counter()
    cpu = time.process_time()
    decided = check_repeats(max_batches=None, batch_size=500_000)
    print(
        f"check_repeats, all: {decided:,} escalations decided in "
        f"{time.perf_counter() - started:.1f} s ({time.process_time() - cpu:.1f} s CPU here); "
        f"{RepeatCheck.objects.filter(earlier__isnull=False).count():,} repeats"
    )
    latest = Escalation.objects.filter(from_tier=1).order_by("-pk")
    latest = latest.values_list("pk", flat=True)[:10]
    RepeatCheck.objects.filter(escalation__in=list(latest)).delete()
    started = time.perf_counter()
    decided = check_repeats()
    print(
        f"check_repeats, every minute: {decided} escalations in "
        f"{(time.perf_counter() - started) * 1000:.0f} ms"
    )
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE knowledge_repeatcheck")


def tasks() -> None:
    """The periodic tasks at this volume, 3 runs each: the every-minute repeat check with the
    latest 10 hops from L1 to decide (about 4 minutes of escalations here), the nightly rollup
    of one finished day (yesterday written again), and that rollup when the check has not
    decided any of the day's hops (workers down all day: the rollup decides them)."""
    from django.db import transaction
    from django.utils import timezone

    from escalations.models import Escalation
    from knowledge.models import RepeatCheck
    from knowledge.repeats import decide_requested_between
    from reports.daily import midnight
    from reports.rollup import rebuild_days

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    print("load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    # the hops of the last minutes: here ids are not in time order (the latest ids span the
    # 90 days, whose answers a check by id would read), so they are taken by request time and
    # decided the way the check decides them (its answers: 30 days before them)
    latest = Escalation.objects.filter(from_tier=1).order_by("-requested_at")
    latest = list(latest.values_list("pk", "requested_at")[:10])
    since = min(requested_at for _pk, requested_at in latest)
    for _ in range(3):
        RepeatCheck.objects.filter(escalation__in=[pk for pk, _at in latest]).delete()
        started = time.perf_counter()
        decided = decide_requested_between(since, timezone.now())
        print(f"every-minute repeat check: {decided} hops in {_ms(started)}")
    for _ in range(3):
        started = time.perf_counter()
        rows = rebuild_days(start=yesterday, end=yesterday)
        print(f"rollup of one day ({yesterday}, {rows} rows): {_ms(started)}")
    day = (midnight(yesterday), midnight(yesterday + dt.timedelta(days=1)))
    for _ in range(2):
        with transaction.atomic():
            deleted, _counts = RepeatCheck.objects.filter(
                escalation__requested_at__gte=day[0], escalation__requested_at__lt=day[1]
            ).delete()
        started = time.perf_counter()
        rows = rebuild_days(start=yesterday, end=yesterday)
        print(f"rollup of one day with its {deleted} hops to decide first: {_ms(started)}")


def _ms(started: float) -> str:
    return f"{(time.perf_counter() - started) * 1000:.0f} ms"


def per_report(team) -> None:
    """Each report of the page alone (``tables.build(only=…)``), 30 and 90 days, all teams
    and the team: where the page's time goes. Median of 3."""
    from django.utils import timezone

    from reports import tables
    from reports.selectors import Filters

    today = timezone.localdate()
    print("load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    for days in (30, 90):
        for who in (None, team):
            filters = Filters(start=today - dt.timedelta(days=days - 1), end=today, team=who)
            timings = []
            for key in tables.keys(person_figures=True):
                times = []
                for _ in range(3):
                    started = time.perf_counter()
                    tables.build(filters, person_figures=True, only=key)
                    times.append(time.perf_counter() - started)
                timings.append((statistics.median(times), key))
            label = f"{days} days, {'all teams' if who is None else who.name}"
            print(
                f"per report, {label}: "
                + ", ".join(
                    f"{key} {seconds * 1000:.0f}" for seconds, key in sorted(timings, reverse=True)
                )
                + " (ms)"
            )


def measure(manager, team, *, only_30_days: bool = False) -> None:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(manager)

    def timed(url: str, runs: int) -> tuple[list[float], int]:
        times, queries = [], 0
        for _ in range(runs):
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, response.status_code
            queries = len(captured.captured_queries)
        return times, queries

    from django.utils import timezone

    today = timezone.localdate()

    def days(n: int) -> str:
        return f"start={today - dt.timedelta(days=n - 1)}&end={today}"

    pages = [
        ("dashboard, last 30 days, all teams", "/admin/reports/dashboard/", 10),
        ("dashboard, last 30 days, team L2", f"/admin/reports/dashboard/?team={team.pk}", 10),
        ("dashboard, last 7 days, all teams", f"/admin/reports/dashboard/?{days(7)}", 5),
        (
            "dashboard, last 7 days, team L2",
            f"/admin/reports/dashboard/?{days(7)}&team={team.pk}",
            5,
        ),
        ("dashboard, last 90 days, all teams", f"/admin/reports/dashboard/?{days(90)}", 5),
        (
            "dashboard, last 90 days, team L2",
            f"/admin/reports/dashboard/?{days(90)}&team={team.pk}",
            5,
        ),
        (
            "CSV export: durations (percentiles)",
            "/admin/reports/dashboard/csv/durations/",
            5,
        ),
        (
            "CSV export: time to escalate from work / hold (issue 20)",
            "/admin/reports/dashboard/csv/time_to_escalate/",
            5,
        ),
        (
            "CSV export: nudges followed (issue 20)",
            "/admin/reports/dashboard/csv/nudges_followed/",
            5,
        ),
    ]
    print("load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
    for label, url, runs in pages[:2] if only_30_days else pages:
        times, queries = timed(url, runs)
        print(
            f"{label}: median {statistics.median(times) * 1000:.0f} ms, "
            f"max {max(times) * 1000:.0f} ms, {queries} queries"
        )
    if os.environ.get("SLOWEST") and not only_30_days:
        slowest: list[tuple[float, str]] = []

        def record(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                slowest.append((time.perf_counter() - began, sql, params))

        for label, url in [
            ("all teams", "/admin/reports/dashboard/"),
            ("team L2", f"/admin/reports/dashboard/?team={team.pk}"),
        ]:
            slowest.clear()
            with connection.execute_wrapper(record):
                client.get(url)
            print(f"slowest statements, last 30 days, {label}:")
            ranked = sorted(slowest, key=lambda found: found[0], reverse=True)
            for seconds, sql, _params in ranked[:8]:
                print(f"  {seconds * 1000:8.1f} ms  {sql[:160]}")
            if os.environ.get("EXPLAIN"):  # the plans of the slowest five
                for seconds, sql, params in ranked[:5]:
                    with connection.cursor() as cur:
                        cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
                        plan = "\n    ".join(line for (line,) in cur.fetchall())
                    print(f"  -- {seconds * 1000:.1f} ms: {sql}\n    {plan}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--db",
        help="with --reuse: the database a previous run loaded; without: the name of the new "
        "one, kept at the end (default: a new one of this run's own, dropped at the end)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the data loaded by a previous run"
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="with --reuse: roll up every day again (timed)"
    )
    parser.add_argument(
        "--repeats", action="store_true", help="with --reuse: decide the repeats again (timed)"
    )
    parser.add_argument(
        "--tasks",
        action="store_true",
        help="time the every-minute repeat check and the nightly rollup of one day",
    )
    parser.add_argument(
        "--live-days",
        default="1,2",
        help="then measure again with the last N finished days not rolled up (the nightly "
        "task has not run yet), computed live with today; comma-separated, 0: not",
    )
    args = parser.parse_args()
    if args.reuse and not args.db:
        parser.error("--reuse needs --db (the name a previous run printed)")
    with api_bench.run_state(
        args.db, prefix="escalations_dashboard", keep=bool(args.db), shared_cache=False
    ) as state:
        bench(args, state.database)


def bench(args, database: str) -> None:
    if args.reuse:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        from accounts.models import Team, User

        call_command("migrate", verbosity=0)
        manager, team = User.objects.get(username="bench-manager"), Team.objects.get(name="L2")
        if args.rebuild:  # the rollup below writes every day again
            from reports.models import DailyFigure, RolledUpDay

            DailyFigure.objects.all().delete()
            RolledUpDay.objects.all().delete()
    else:
        setup_database(database, kept=bool(args.db))
        manager, team = load(args.cases)
    if not args.reuse or args.repeats:
        check_repeats()  # before the rollup, which would otherwise decide each day's hops
    rollup()
    if args.tasks:
        tasks()
    if os.environ.get("REPORTS"):
        per_report(team)
    measure(manager, team)
    for days in (int(n) for n in args.live_days.split(",") if int(n)):
        unroll(days)
        measure(manager, team, only_30_days=True)
        rollup()


if __name__ == "__main__":
    main()
