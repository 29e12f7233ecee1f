"""Benchmark of the SLA sweep on PostgreSQL (run by hand; figures go to bench/README.md).

    .venv/bin/python bench/sla_sweep.py --cases 1000000 --due 10000

Creates (drops first) the database ``--db`` (default ``escalations_sweep_bench_<hex>``, a name
of the run's own) on the local PostgreSQL and claims an empty Redis database for the broker
(``api_bench.run_state``: the delivery tasks the escalations enqueue go there), migrates it,
bulk-loads ``--cases`` open cases with an SLA resolution timer each, of which ``--due`` are
escalated to L2 with an acknowledgement already overdue. Then it measures:
  1. a sweep with nothing due (time and queries, 20 runs);
  2. the sweep handling every due breach (each one an automatic escalation to L3, done by
     the same service a person uses, with history and notification rows);
  3. a second sweep right after (must find nothing).
At the end both are dropped: no database and no queued task is left behind.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (the run's own Redis database, dropped at the end)


def setup_database(db: str) -> None:
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c"]
    subprocess.run([*psql, f"DROP DATABASE IF EXISTS {db}"], check=True)
    subprocess.run([*psql, f"CREATE DATABASE {db}"], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(cases: int, due: int) -> None:
    import datetime as dt

    from django.db import connection
    from django.utils import timezone

    from accounts.models import Team, Tier, User
    from escalations.models import (
        BusinessCalendar,
        Category,
        Customer,
        EscalationRule,
        SLAHopTarget,
        SLAPolicy,
    )
    from escalations.sla import next_due

    owner = User.objects.create(username="bench-operator", display_name="ベンチ 一郎")
    sv = User.objects.create(username="bench-sv", display_name="ベンチ SV", email="sv@example.jp")
    manager = User.objects.create(username="bench-manager", email="manager@example.jp")
    from django.contrib.auth.models import Group

    manager.groups.add(Group.objects.get(name="manager"))
    l1 = Team.objects.create(name="L1", tier=Tier.L1)
    l1.members.add(owner)
    l2 = Team.objects.create(name="L2", tier=Tier.L2, lead=sv)
    l2.members.add(sv)
    l3 = Team.objects.create(name="L3", tier=Tier.L3, lead=sv)
    category = Category.objects.create(name="請求・料金")
    customer = Customer.objects.create(name="山田 太郎", furigana="やまだ たろう")
    EscalationRule.objects.create(target_tier=Tier.L2, target_team=l2)
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
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO escalations_case (reference, subject, description, channel, customer_id,
                category_id, impact, urgency, priority, status, owner_id, owner_team_id, tier,
                assigned_team_id, handler_id, created_at, updated_at)
            SELECT 'B-' || lpad(g::text, 8, '0'), '請求額が違う ' || g, '', 'phone', %(customer)s,
                %(category)s, 2, 2, 3,
                CASE WHEN g <= %(due)s THEN 'escalated' ELSE 'in_progress' END,
                %(owner)s, %(l1)s,
                CASE WHEN g <= %(due)s THEN 2 ELSE 1 END,
                CASE WHEN g <= %(due)s THEN %(l2)s ELSE %(l1)s END,
                CASE WHEN g <= %(due)s THEN NULL ELSE %(owner)s END,
                %(now)s - interval '1 hour', %(now)s
            FROM generate_series(1, %(cases)s) g
            """,
            {
                "customer": customer.pk,
                "category": category.pk,
                "due": due,
                "owner": owner.pk,
                "l1": l1.pk,
                "l2": l2.pk,
                "cases": cases,
                "now": now,
            },
        )
        cur.execute(
            """
            INSERT INTO escalations_escalation (case_id, number, from_tier, to_tier, to_team_id,
                reason, customer_wants, tried, customer_mood, requested_by_id, requested_at,
                answer, outcome, is_automatic, hold_outcome, not_reusable_reason)
            SELECT id, 1, 1, 2, %(l2)s, 'knowledge_gap', '返金してほしい', '明細を説明した',
                'angry', %(owner)s, %(now)s - interval '20 minutes', '', '', false, '', ''
            FROM escalations_case WHERE status = 'escalated'
            """,
            {"l2": l2.pk, "owner": owner.pk, "now": now},
        )
        next_due.without_triggers(cur)  # then Case.sla_next_due in one UPDATE
        # every open case: a resolution timer due in 30 days (never due during the bench)
        cur.execute(
            """
            INSERT INTO escalations_slatimer (case_id, kind, policy_id, budget, consumed,
                started_at, running_since, due_at, next_level, next_fire_at, outcome)
            SELECT id, 'resolution', %(policy)s, interval '30 days', interval '0',
                %(now)s, %(now)s, %(now)s + interval '30 days', 1, %(now)s + interval '15 days',
                ''
            FROM escalations_case
            """,
            {"policy": policy.pk, "now": now},
        )
        # the escalated ones: an acknowledgement timer, not due yet (made due below)
        cur.execute(
            """
            INSERT INTO escalations_slatimer (case_id, escalation_id, kind, policy_id, budget,
                consumed, started_at, running_since, due_at, next_level, next_fire_at, outcome)
            SELECT case_id, id, 'acknowledge', %(policy)s, interval '15 minutes', interval '0',
                %(now)s - interval '20 minutes', %(now)s - interval '20 minutes',
                %(now)s + interval '1 day', 3, %(now)s + interval '1 day', ''
            FROM escalations_escalation
            """,
            {"policy": policy.pk, "now": now},
        )
        next_due.fill(cur)
        cur.execute("ANALYZE")
    with connection.cursor() as cur:
        # The load wrote gigabytes of WAL: let its checkpoint happen now, not during the sweep.
        cur.execute("CHECKPOINT")
    print(f"loaded {cases:,} cases ({due:,} escalated) in {time.perf_counter() - started:.1f} s")


def measure(processes: int) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from escalations.services.sla_sweep import sla_sweep

    idle = []
    for _ in range(20):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            sla_sweep()
            idle.append(time.perf_counter() - started)
    print(
        f"sweep, nothing due: median {statistics.median(idle) * 1000:.1f} ms, "
        f"max {max(idle) * 1000:.1f} ms, {len(queries.captured_queries)} queries"
    )
    # Warm up as a long-lived worker is: one breach first (imports, holiday tables, broker).
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE escalations_slatimer SET due_at = %(t)s, next_fire_at = %(t)s "
            "WHERE id = (SELECT min(id) FROM escalations_slatimer WHERE kind = 'acknowledge')",
            {"t": timezone.now() - timezone.timedelta(minutes=5)},
        )
    warm = sla_sweep()
    from escalations.sla.calendar import japanese_holidays

    japanese_holidays([timezone.localdate().year])  # the holiday tables, imported on first use
    from config.celery import app

    # The broker connection a worker keeps open (the warm-up breach's delivery task does not
    # always open it: its first use imported the Redis client inside the measured sweep).
    with app.producer_or_acquire() as producer:
        producer.connection.ensure_connection(max_retries=1)
    print(f"warm-up sweep: {warm.breaches} breach")
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE escalations_slatimer SET due_at = %(t)s, next_fire_at = %(t)s "
            "WHERE kind = 'acknowledge' AND case_id <> "
            "(SELECT case_id FROM escalations_slatimer WHERE kind = 'acknowledge' ORDER BY id "
            "LIMIT 1)",
            {"t": timezone.now() - timezone.timedelta(minutes=5)},
        )
    statements = 0
    slowest: list[tuple[float, str]] = []

    def count(execute, sql, params, many, context):  # cheaper than capturing every query
        nonlocal statements
        statements += 1
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            slowest.append((time.perf_counter() - began, sql[:150]))

    if processes > 1:
        sweep_in_processes(processes)
        check_after()
        return
    profiler = None
    if os.environ.get("PROFILE"):
        import cProfile

        profiler = cProfile.Profile()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        backend = cur.fetchone()[0]
    server_cpu, client_cpu = _cpu_seconds(backend), time.process_time()
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = sla_sweep()
        if profiler:
            profiler.disable()
        elapsed = time.perf_counter() - started
    if profiler:
        import pstats

        pstats.Stats(profiler).sort_stats("cumulative").print_stats(
            os.environ.get("PROFILE_FILTER", ""), 60
        )
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    breaches = result.breaches
    server_cpu, client_cpu = _cpu_seconds(backend) - server_cpu, time.process_time() - client_cpu
    print(
        f"CPU: this process {client_cpu:.2f} s ({client_cpu / max(breaches, 1) * 1000:.2f} ms per "
        f"breach), its PostgreSQL backend {server_cpu:.2f} s "
        f"({server_cpu / max(breaches, 1) * 1000:.2f} ms per breach)"
    )
    print(
        f"sweep, {breaches:,} due breaches: {elapsed:.2f} s -> {breaches / elapsed:,.0f} "
        f"breaches/s ({result.escalated:,} escalated, {result.batches} batches, "
        f"{statements:,} statements, {statements / max(breaches, 1):.2f} per breach)"
    )
    if os.environ.get("SLOWEST"):
        for seconds, sql in sorted(slowest, reverse=True)[:12]:
            print(f"  {seconds * 1000:8.1f} ms  {sql}")
    check_after()


def check_after() -> None:
    from escalations.models import Escalation, SLAEvent
    from escalations.services.sla_sweep import sla_sweep

    started = time.perf_counter()
    again = sla_sweep()
    print(
        f"sweep right after: {again.as_dict()} in {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    print(
        "check:",
        Escalation.objects.filter(number=2, is_automatic=True).count(),
        "automatic escalations,",
        SLAEvent.objects.filter(level=3).count(),
        "breach events (the warm-up's included)",
    )


def sweep_in_processes(count: int) -> None:
    """``count`` sweeps at once in forked processes, as the worker's processes run them when
    the periodic sweep asks for helpers (``SLA_SWEEP_HELPERS``): the wall time until all are
    done, and the CPU time of the processes and of their PostgreSQL backends."""
    import json
    from collections import Counter

    from django.db import connection, connections

    from escalations.services.sla_sweep import sla_sweep

    connections.close_all()  # each child opens its own connection
    children = []
    started = time.perf_counter()
    for _ in range(count):
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: sweep, report, exit without running the parent's cleanup
            os.close(read)
            code = 1
            try:
                result = sla_sweep().as_dict()
                with connection.cursor() as cur:
                    cur.execute("SELECT pg_backend_pid()")
                    result["server_cpu"] = _cpu_seconds(cur.fetchone()[0])
                os.write(write, json.dumps(result).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        children.append((pid, read))
    totals: Counter = Counter()
    client_cpu = 0.0
    per_process = []
    for pid, read in children:
        with os.fdopen(read) as pipe:
            report = json.loads(pipe.read() or "{}")
        _pid, status, usage = os.wait4(pid, 0)
        assert status == 0, f"sweep process {pid} failed"
        client_cpu += usage.ru_utime + usage.ru_stime
        per_process.append(report.get("breaches", 0))
        totals.update(report)
    elapsed = time.perf_counter() - started
    breaches = totals["breaches"]
    print(
        f"CPU: the {count} processes {client_cpu:.2f} s ({client_cpu / max(breaches, 1) * 1000:.2f}"
        f" ms per breach), their PostgreSQL backends {totals['server_cpu']:.2f} s "
        f"({totals['server_cpu'] / max(breaches, 1) * 1000:.2f} ms per breach)"
    )
    print(
        f"{count} sweeps at once, {breaches:,} due breaches: {elapsed:.2f} s -> "
        f"{breaches / elapsed:,.0f} breaches/s ({totals['escalated']:,} escalated, "
        f"{totals['batches']} batches; breaches per process: {per_process})"
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a local process (the PostgreSQL backend serving us)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    parser.add_argument(
        "--processes",
        type=int,
        default=1,
        help="sweeps at once (as the worker runs them with SLA_SWEEP_HELPERS); default 1",
    )
    parser.add_argument(
        "--db",
        default=None,
        help="database to drop, create, load and drop at the end (default "
        "escalations_sweep_bench_<hex>, a name of the run's own)",
    )
    args = parser.parse_args()
    database = args.db or f"escalations_sweep_bench_{secrets.token_hex(4)}"
    # the settings' default cache, as every sweep figure in bench/README.md was measured
    with api_bench.run_state(database, shared_cache=False):
        setup_database(database)
        load(args.cases, args.due)
        measure(args.processes)


if __name__ == "__main__":
    main()
