"""The case list (the admin changelist, a page of 100) at 1,000,000 cases on PostgreSQL, as an
operator and as a supervisor: the default view, sorted by SLA due and by hold time; p50/p95
(run by hand; figures go to bench/README.md).

    .venv/bin/python bench/case_list.py --cases 1000000

Creates a database of this run's own (``escalations_case_list_<hex>``) and claims an empty Redis
database for the broker (``api_bench.run_state``: two runs never collide; the database is
dropped, unless ``--keep`` or ``--reuse``, and the Redis database flushed at the end, also on
failure), migrates it and bulk-loads with raw SQL (``generate_series``, as ``bench/sla_sweep.py``) a
realistic mix: 20 L1 teams of 10 operators, 4 L2 teams (a lead and 4 members), 2 L3 teams,
100,000 customers; of the cases 80 % closed, 5 % resolved (each with its stopped timers),
8 % in progress, 2 % waiting for the customer (timer paused), 3 % escalated and 2 %
acknowledged to an L2 team (each with its hop, resolution and acknowledgement/answer timers;
one escalated hop in ten with the customer on hold), 15 % of the closed ones escalated once in
their past. Then it times each list ``--runs`` times, in turn (the load of the shared machine
weighs on each alike), in-process with the Django test client, with its query count.
"""

from __future__ import annotations

import argparse
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

PSQL = api_bench.PSQL

L1_TEAMS, OPERATORS_PER_TEAM, L2_TEAMS, L3_TEAMS = 20, 10, 4, 2
CUSTOMERS = 100_000
# (status, share) in the order of the case ids: the newest cases are the open ones
MIX = [
    ("closed", 0.80),
    ("resolved", 0.05),
    ("in_progress", 0.08),
    ("pending_customer", 0.02),
    ("escalated", 0.03),
    ("acknowledged", 0.02),
]


def setup_database(name: str) -> None:
    subprocess.run([*PSQL, f"CREATE DATABASE {name}"], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bounds(cases: int) -> dict[str, tuple[int, int]]:
    """Each status's range of ``g`` (1-based, inclusive)."""
    found, start = {}, 1
    for status, share in MIX:
        end = cases if status == MIX[-1][0] else start + int(cases * share) - 1
        found[status] = (start, end)
        start = end + 1
    return found


def load(cases: int) -> dict:
    import datetime as dt

    from django.contrib.auth.models import Group
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Team, Tier, User
    from escalations.models import (
        BusinessCalendar,
        Category,
        EscalationRule,
        SLAHopTarget,
        SLAPolicy,
    )
    from escalations.sla import next_due

    groups = {name: Group.objects.get(name=name) for name in ("operator", "supervisor")}

    def person(username: str, role: str) -> User:
        user = User.objects.create(
            username=username, display_name=username, is_staff=True, furigana=username
        )
        user.groups.add(groups[role])
        return user

    l1, operators = [], []
    for t in range(L1_TEAMS):
        members = [person(f"op{t:02d}{i}", "operator") for i in range(OPERATORS_PER_TEAM)]
        team = Team.objects.create(name=f"一次対応{t:02d}", tier=Tier.L1)
        team.members.add(*members)
        l1.append(team)
        operators.append([m.pk for m in members])
    l2, leads = [], []
    for t in range(L2_TEAMS):
        lead = person(f"sv{t}", "supervisor")
        team = Team.objects.create(name=f"SV{t}", tier=Tier.L2, lead=lead)
        team.members.add(lead, *[person(f"sv{t}m{i}", "supervisor") for i in range(4)])
        l2.append(team)
        leads.append(lead.pk)
    for t in range(L3_TEAMS):
        Team.objects.create(name=f"技術{t}", tier=Tier.L3)
    categories = [Category.objects.create(name=f"カテゴリ{i:02d}") for i in range(12)]
    EscalationRule.objects.create(target_tier=Tier.L2, target_team=l2[0])
    calendar = BusinessCalendar.objects.create(name="24/7", always_open=True)
    policy = SLAPolicy.objects.create(name="標準", calendar=calendar, is_default=True)
    SLAHopTarget.objects.create(
        policy=policy,
        to_tier=2,
        acknowledge=dt.timedelta(minutes=15),
        answer=dt.timedelta(hours=4),
    )
    ranges = bounds(cases)
    now = timezone.now()
    params = {
        "cases": cases,
        "customers": CUSTOMERS,
        "now": now,
        "policy": policy.pk,
        "l1": [team.pk for team in l1],
        "l2": [team.pk for team in l2],
        "ops": [pk for team in operators for pk in team],
        "leads": leads,
        "cats": [c.pk for c in categories],
        "per_team": OPERATORS_PER_TEAM,
        **{f"{status}_lo": lo for status, (lo, _hi) in ranges.items()},
        **{f"{status}_hi": hi for status, (_lo, hi) in ranges.items()},
    }
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO escalations_customer (name, furigana, phone, email, furigana_key,
                phone_digits)
            SELECT '顧客 ' || g, 'こきゃく' || g, '03-' || lpad(g::text, 8, '0'), '',
                'コキャク' || g, '03' || lpad(g::text, 8, '0')
            FROM generate_series(1, %(customers)s) g
            """,
            params,
        )
        cur.execute("SELECT min(id) FROM escalations_customer")
        params["first_customer"] = cur.fetchone()[0]
        # g: 1 the oldest; every 60 s over the last ~2 years; operator g % 200, their team
        cur.execute(
            """
            INSERT INTO escalations_case (reference, subject, description, channel, customer_id,
                category_id, impact, urgency, priority, status, owner_id, owner_team_id, tier,
                assigned_team_id, handler_id, created_at, updated_at, first_response_at,
                resolved_at, closed_at)
            SELECT 'B-' || lpad(g::text, 8, '0'),
                '請求額が違う件のお問い合わせ ' || g, '', 'phone',
                %(first_customer)s + (g::bigint * 7919) %% %(customers)s,
                (%(cats)s::bigint[])[1 + g %% 12], 1 + g %% 3, 1 + g %% 3, 1 + g %% 4, s.status,
                (%(ops)s::bigint[])[1 + g %% 200],
                (%(l1)s::bigint[])[1 + (g %% 200) / %(per_team)s],
                CASE WHEN s.status IN ('escalated', 'acknowledged') THEN 2 ELSE 1 END,
                CASE WHEN s.status IN ('escalated', 'acknowledged')
                     THEN (%(l2)s::bigint[])[1 + g %% 4]
                     ELSE (%(l1)s::bigint[])[1 + (g %% 200) / %(per_team)s] END,
                CASE WHEN s.status = 'escalated' THEN NULL
                     WHEN s.status = 'acknowledged' THEN (%(leads)s::bigint[])[1 + g %% 4]
                     ELSE (%(ops)s::bigint[])[1 + g %% 200] END,
                c.at, c.at, c.at + interval '5 minutes',
                CASE WHEN s.status IN ('closed', 'resolved') THEN c.at + interval '3 hours' END,
                CASE WHEN s.status = 'closed' THEN c.at + interval '1 day' END
            FROM generate_series(1, %(cases)s) g,
                LATERAL (SELECT CASE
                    WHEN g <= %(closed_hi)s THEN 'closed'
                    WHEN g <= %(resolved_hi)s THEN 'resolved'
                    WHEN g <= %(in_progress_hi)s THEN 'in_progress'
                    WHEN g <= %(pending_customer_hi)s THEN 'pending_customer'
                    WHEN g <= %(escalated_hi)s THEN 'escalated'
                    ELSE 'acknowledged' END AS status) s,
                LATERAL (SELECT %(now)s - (%(cases)s - g) * interval '60 seconds'
                    - interval '10 minutes' AS at) c
            """,
            params,
        )
        # hops: every escalated/acknowledged case, and 15 % of the closed ones (answered)
        cur.execute(
            """
            INSERT INTO escalations_escalation (case_id, number, from_tier, to_tier, to_team_id,
                reason, customer_wants, tried, customer_mood, requested_by_id, requested_at,
                acknowledged_at, acknowledged_by_id, answered_at, answered_by_id, answer,
                outcome, is_automatic, hold_outcome, not_reusable_reason, on_hold_since)
            SELECT c.id, 1, 1, 2, (%(l2)s::bigint[])[1 + c.id %% 4], 'knowledge_gap',
                '返金してほしい', '明細を説明した', 'angry', c.owner_id,
                c.created_at + interval '5 minutes',
                CASE WHEN c.status <> 'escalated' THEN c.created_at + interval '8 minutes' END,
                CASE WHEN c.status <> 'escalated' THEN (%(leads)s::bigint[])[1 + c.id %% 4] END,
                CASE WHEN c.status = 'closed' THEN c.created_at + interval '1 hour' END,
                CASE WHEN c.status = 'closed' THEN (%(leads)s::bigint[])[1 + c.id %% 4] END,
                CASE WHEN c.status = 'closed' THEN '日割りです' ELSE '' END,
                CASE WHEN c.status = 'closed' THEN 'answered' ELSE '' END, false, '', '',
                CASE WHEN c.status = 'escalated' AND c.id %% 10 = 0
                     THEN %(now)s - (c.id %% 600) * interval '1 second' END
            FROM escalations_case c
            WHERE c.status IN ('escalated', 'acknowledged')
               OR (c.status = 'closed' AND c.id %% 20 < 3)
            """,
            params,
        )
        # the timers without their row triggers, then Case.sla_next_due in one UPDATE
        next_due.without_triggers(cur)
        # a resolution timer per case: running (open), paused (waiting for the customer),
        # stopped and met (resolved, closed); due in 1 to 72 hours from now for the open ones
        cur.execute(
            """
            INSERT INTO escalations_slatimer (case_id, kind, policy_id, budget, consumed,
                started_at, running_since, due_at, next_level, next_fire_at, stopped_at, met,
                outcome)
            SELECT c.id, 'resolution', %(policy)s, interval '3 days', interval '0', c.created_at,
                CASE WHEN c.status IN ('resolved', 'closed', 'pending_customer') THEN NULL
                     ELSE c.created_at END,
                CASE WHEN c.status = 'pending_customer' THEN NULL
                     WHEN c.status IN ('resolved', 'closed') THEN c.created_at + interval '3 days'
                     ELSE %(now)s + (c.id %% 4320) * interval '1 minute' - interval '2 hours' END,
                CASE WHEN c.status IN ('resolved', 'closed') THEN NULL ELSE 1 END,
                CASE WHEN c.status IN ('in_progress', 'escalated', 'acknowledged')
                     THEN %(now)s + interval '1 day' END,
                CASE WHEN c.status IN ('resolved', 'closed') THEN c.resolved_at END,
                CASE WHEN c.status IN ('resolved', 'closed') THEN true END,
                CASE WHEN c.status IN ('resolved', 'closed') THEN 'met' ELSE '' END
            FROM escalations_case c
            """,
            params,
        )
        # the hops' timers: acknowledgement (running while escalated, else met), answer
        cur.execute(
            """
            INSERT INTO escalations_slatimer (case_id, escalation_id, kind, policy_id, budget,
                consumed, started_at, running_since, due_at, next_level, next_fire_at,
                stopped_at, met, outcome)
            SELECT e.case_id, e.id, k.kind, %(policy)s, k.budget, interval '0', e.requested_at,
                CASE WHEN k.running THEN e.requested_at END,
                e.requested_at + k.budget,
                CASE WHEN k.running THEN 1 END,
                CASE WHEN k.running THEN e.requested_at + k.budget / 2 END,
                CASE WHEN NOT k.running THEN e.requested_at + interval '30 minutes' END,
                CASE WHEN NOT k.running THEN true END,
                CASE WHEN NOT k.running THEN 'met' ELSE '' END
            FROM escalations_escalation e JOIN escalations_case c ON c.id = e.case_id,
                LATERAL (VALUES
                    ('acknowledge', interval '15 minutes', c.status = 'escalated'),
                    ('answer', interval '4 hours', c.status = 'acknowledged')
                ) AS k(kind, budget, running)
            WHERE k.kind = 'acknowledge' OR c.status IN ('acknowledged', 'closed')
            """,
            params,
        )
        next_due.fill(cur)
        cur.execute("ANALYZE")
    with connection.cursor() as cur:
        cur.execute("CHECKPOINT")
        cur.execute("SELECT status, count(*) FROM escalations_case GROUP BY status ORDER BY status")
        mix = dict(cur.fetchall())
        cur.execute("SELECT count(*) FROM escalations_slatimer")
        timers = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM escalations_escalation")
        hops = cur.fetchone()[0]
    print(
        f"loaded {cases:,} cases {mix}, {hops:,} hops, {timers:,} timers "
        f"in {time.perf_counter() - started:.1f} s"
    )
    operator = User.objects.get(username="op000")
    supervisor = User.objects.get(username="sv0")
    return {"operator": operator, "supervisor": supervisor}


def lists(client) -> dict[str, str]:
    """The default view and the page's own sort links (SLA due, hold time)."""
    from django.urls import reverse

    url = reverse("admin:escalations_case_changelist")
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    sorts = response.context["queue_sorts"]
    return {"default": url, "sla sort": url + sorts[0]["url"], "hold sort": url + sorts[1]["url"]}


def measure(people: dict, runs: int) -> list[tuple]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    setup_test_environment()  # response.context (the rows shown, the sort links)
    clients, urls = {}, {}
    for role, user in people.items():
        client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="ja")
        client.force_login(user)
        clients[role] = client
        for name, url in lists(client).items():
            urls[(role, name)] = url
    # a trivial admin page (the index) timed alongside: the ratio separates the machine's load
    # from the list's own cost
    urls[("supervisor", "admin index")] = reverse("admin:index")
    times: dict[tuple, list[float]] = {key: [] for key in urls}
    cpu: dict[tuple, list[float]] = {key: [] for key in urls}
    info: dict[tuple, tuple[int, int]] = {}
    for key, url in urls.items():  # warm up, and the query count and rows of each
        with CaptureQueriesContext(connection) as queries:
            response = clients[key[0]].get(url)
        sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        if os.environ.get("EXPLAIN"):  # EXPLAIN=1: the plan of each list's slowest query
            slowest = max(queries.captured_queries, key=lambda q: float(q["time"]))
            with connection.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                plan = "\n".join(row[0] for row in cur.fetchall())
            print(f"--- {key} ({float(slowest['time']) * 1000:.0f} ms)\n{slowest['sql']}\n{plan}")
        info[key] = (
            len(queries.captured_queries),
            len(response.context["cl"].result_list) if "cl" in response.context else 0,
            sql,
        )
    if os.environ.get("PROFILE"):  # PROFILE=1: where the supervisor's default list spends
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(5):
            clients["supervisor"].get(urls[("supervisor", "default")])
        profile.disable()
        stats = pstats.Stats(profile).sort_stats("cumulative")
        stats.print_stats("workspace/(escalations|kit|notifications)", 30)
        stats.sort_stats("tottime").print_stats(25)
    if os.environ.get("GC_FREEZE"):  # GC_FREEZE=1: as a served process that froze its startup
        import gc  # objects (gc.freeze): the full collections skip them (not what runs today)

        gc.collect()
        gc.freeze()
    for _ in range(runs):
        for key, url in urls.items():
            started, cpu_started = time.perf_counter(), time.process_time()
            response = clients[key[0]].get(url)
            times[key].append(time.perf_counter() - started)
            cpu[key].append(time.process_time() - cpu_started)
            assert response.status_code == 200
    rows = []
    for key, found in times.items():
        found.sort()
        p95 = found[min(len(found) - 1, round(0.95 * (len(found) - 1)))]
        rows.append(
            (*key, statistics.median(found) * 1000, p95 * 1000, statistics.median(cpu[key]) * 1000)
            + info[key]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--keep", action="store_true", help="do not drop the database")
    parser.add_argument("--reuse", help="measure again on a database kept by --keep")
    args = parser.parse_args()
    with api_bench.run_state(
        args.reuse,
        prefix="escalations_case_list",
        keep=bool(args.keep or args.reuse),
        shared_cache=False,
    ) as state:
        bench(args, state.database)


def bench(args, name: str) -> None:
    print(f"load average before: {os.getloadavg()}")
    if args.reuse:
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)  # this branch's migrations, if any
        from accounts.models import User

        people = {
            "operator": User.objects.get(username="op000"),
            "supervisor": User.objects.get(username="sv0"),
        }
    else:
        setup_database(name)
        people = load(args.cases)
    print(f"load average before measuring: {os.getloadavg()}")
    rows = measure(people, args.runs)
    print(f"load average after: {os.getloadavg()}")
    index = next(row[2] for row in rows if row[1] == "admin index")
    columns = "p50 ms | p95 ms | CPU ms (p50) | p50 / index | queries | SQL ms | rows"
    print(f"| who | list | {columns} |")
    print("|---|---|---|---|---|---|---|---|---|")
    for who, what, p50, p95, cpu_ms, queries, shown, sql in rows:
        print(
            f"| {who} | {what} | {p50:.0f} | {p95:.0f} | {cpu_ms:.0f} | {p50 / index:.1f} "
            f"| {queries} | {sql:.0f} | {shown} |"
        )


if __name__ == "__main__":
    main()
