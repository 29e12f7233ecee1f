"""Benchmark of the audit log on PostgreSQL (run by hand; figures go to bench/README.md).

    .venv/bin/python bench/audit_log.py --rows 1000000

Creates a database of this run's own (``escalations_audit_<hex>``) on the local PostgreSQL, or
empties the database named by ``--database-url`` (the caller's: kept at the end, for
``--reuse``, which needs it), and claims an empty Redis database for the broker
(``api_bench.run_state``: two runs never collide; the run's database is dropped and the Redis
database flushed at the end, also on failure: no queued task is left behind); migrates it,
loads ``--rows`` history rows with SQL (``generate_series``) spread over about a year and four
history tables (cases 60 %, notes 25 %, escalation hops 10 %, customers 5 %; 100,000 case ids,
50 users), plus one real case opened through the services. Then it measures, through
the admin with a manager logged in (Django's test client, in-process), time (median of 5) and
queries of: the first page, a later page (keyset cursor), the page filtered by user, by object
(a case reference; an object id), by date range (one week), a 200-row page, and a CSV export of
about 10,000 rows.
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

SHARES = {  # table -> share of the rows
    "escalations_historicalcase": 0.60,
    "escalations_historicalcasenote": 0.25,
    "escalations_historicalescalation": 0.10,
    "escalations_historicalcustomer": 0.05,
}
CASE_IDS = 100_000
USERS = 50
STEP_SECONDS = 30  # between consecutive rows of one table, scaled by its share


def setup(url: str, *, reuse: bool) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    if reuse:
        return
    call_command("flush", interactive=False, verbosity=0)  # TRUNCATE: the trigger allows it
    from django.contrib.auth.models import Group, Permission

    from accounts.roles import sync_roles

    sync_roles(Group, Permission)


def load(rows: int) -> dict:
    from django.contrib.auth.models import Group
    from django.db import connection

    from accounts.models import Team, Tier, User
    from escalations import services
    from escalations.models import Category, Customer

    users = [
        User.objects.create(username=f"bench{i}", display_name=f"ベンチ 利用者{i}")
        for i in range(USERS)
    ]
    manager = User.objects.create(username="bench-manager", display_name="監査 部長", is_staff=True)
    manager.groups.add(Group.objects.get(name="manager"))
    operator = User.objects.create(username="bench-operator", display_name="佐藤 一郎")
    operator.groups.add(Group.objects.get(name="operator"))
    Team.objects.create(name="一次対応", tier=Tier.L1).members.add(operator)
    customer = Customer.objects.create(name="山田 太郎")
    category = Category.objects.create(name="請求・料金")
    first = users[0].pk
    started = time.perf_counter()
    with connection.cursor() as cursor:
        n = int(rows * SHARES["escalations_historicalcase"])
        cursor.execute(
            """
            INSERT INTO escalations_historicalcase (id, reference, subject, description, channel,
              impact, urgency, priority, status, tier, created_at, updated_at, history_date,
              history_change_reason, history_type, history_user_id, customer_id, category_id,
              owner_id, assigned_team_id)
            SELECT g %% %(ids)s + 1, 'C-2025-' || lpad((g %% %(ids)s + 1)::text, 6, '0'),
              '請求額が違う ' || g, '', 'phone', 2, 2, 3,
              (ARRAY['new', 'in_progress', 'escalated', 'acknowledged', 'returned',
                     'resolved'])[g %% 6 + 1],
              1 + g %% 3, now() - interval '1 year', now(),
              now() - (%(n)s - g) * interval '%(step)s seconds',
              (ARRAY['create', 'start_work', 'escalate: クレーム → SV', 'acknowledge',
                     'return_to_owner: 回答', 'resolve: 説明'])[g %% 6 + 1],
              CASE WHEN g < %(ids)s THEN '+' ELSE '~' END,
              %(first)s + g %% %(users)s, %(customer)s, %(category)s, %(first)s + g %% %(users)s,
              NULL
            FROM generate_series(0, %(n)s - 1) AS g
            """,
            {
                "ids": CASE_IDS,
                "n": n,
                "step": STEP_SECONDS / 0.60 * 0.60,
                "first": first,
                "users": USERS,
                "customer": customer.pk,
                "category": category.pk,
            },
        )
        spread = n * STEP_SECONDS  # seconds covered by the case rows: the others spread alike
        n = int(rows * SHARES["escalations_historicalcasenote"])
        cursor.execute(
            """
            INSERT INTO escalations_historicalcasenote (id, kind, body, created_at, history_date,
              history_change_reason, history_type, author_id, case_id, history_user_id)
            SELECT g + 1, 'call_log', 'お客様より入電 ' || g, now(),
              now() - (%(n)s - g) * (%(spread)s / %(n)s) * interval '1 second'
                - interval '7 seconds',
              'note: call_log', '+', %(first)s + g %% %(users)s, g %% %(ids)s + 1,
              %(first)s + g %% %(users)s
            FROM generate_series(0, %(n)s - 1) AS g
            """,
            {"n": n, "spread": spread, "first": first, "users": USERS, "ids": CASE_IDS},
        )
        n = int(rows * SHARES["escalations_historicalescalation"])
        cursor.execute(
            """
            INSERT INTO escalations_historicalescalation (id, number, from_tier, to_tier, reason,
              customer_wants, tried, customer_mood, requested_at, answer, outcome, is_automatic,
              history_date, history_change_reason, history_type, case_id, history_user_id,
              requested_by_id, to_team_id, hold_outcome, not_reusable_reason)
            SELECT g + 1, 1, 1, 2, 'complaint', '返金してほしい', '明細を説明した', 'angry', now(),
              '', '', false,
              now() - (%(n)s - g) * (%(spread)s / %(n)s) * interval '1 second'
                - interval '13 seconds',
              'escalate', '+', g %% %(ids)s + 1, %(first)s + g %% %(users)s,
              %(first)s + g %% %(users)s, NULL, '', ''
            FROM generate_series(0, %(n)s - 1) AS g
            """,
            {"n": n, "spread": spread, "first": first, "users": USERS, "ids": CASE_IDS},
        )
        n = (
            rows
            - cursor.connection.execute(
                "SELECT (SELECT count(*) FROM escalations_historicalcase)"
                " + (SELECT count(*) FROM escalations_historicalcasenote)"
                " + (SELECT count(*) FROM escalations_historicalescalation)"
            ).fetchone()[0]
        )
        cursor.execute(
            """
            INSERT INTO escalations_historicalcustomer (id, name, furigana, phone, email,
              history_date, history_change_reason, history_type, history_user_id, furigana_key,
              phone_digits)
            SELECT g %% 20000 + 100, '顧客 ' || g, 'こきゃく', '03-0000-0000', '',
              now() - (%(n)s - g) * (%(spread)s / %(n)s) * interval '1 second'
                - interval '3 seconds',
              'edited in admin', CASE WHEN g < 20000 THEN '+' ELSE '~' END,
              %(first)s + g %% %(users)s, 'こきゃく', '0300000000'
            FROM generate_series(0, %(n)s - 1) AS g
            """,
            {"n": n, "spread": spread, "first": first, "users": USERS},
        )
        for table in SHARES:
            cursor.execute(f"ANALYZE {table}")
    loaded = time.perf_counter() - started
    case = services.case_create(
        actor=operator,
        customer=customer,
        category=category,
        subject="ベンチ案件",
        impact=2,
        urgency=2,
        call_log="お客様より入電",
    )
    services.case_start_work(case=case, actor=operator, comment="確認します")
    return {"manager": manager, "user": users[7], "case": case, "loaded": loaded}


def measure(client, url: str, params: dict, runs: int = 5) -> tuple[float, int, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, queries, shown = [], 0, 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = client.get(url, params)
            if response.streaming:
                body = b"".join(response.streaming_content)
                shown = body.count(b"\n")  # lines; a change list spans several: see below
            else:
                shown = len(response.context["entries"])
            times.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
        queries = len(ctx)
    return statistics.median(times) * 1000, queries, shown


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--database-url",
        help="a database to empty and load, kept at the end (default: a new one of this run's "
        "own, escalations_audit_<hex>, dropped at the end)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Measure the rows a previous run loaded."
    )
    args = parser.parse_args()
    if args.reuse and not args.database_url:
        parser.error("--reuse needs --database-url (the database a previous run loaded)")
    if args.database_url:
        name = args.database_url.rsplit("/", 1)[1]
        with api_bench.run_state(name, keep=True, shared_cache=False):
            setup(args.database_url, reuse=args.reuse)
            bench(args)
    else:
        with api_bench.run_state(prefix="escalations_audit", shared_cache=False) as state:
            subprocess.run([*api_bench.PSQL, f"CREATE DATABASE {state.database}"], check=True)
            setup(state.database_url, reuse=False)
            bench(args)


def bench(args) -> None:
    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    from audit.registry import history_models

    setup_test_environment()  # responses keep their template context (rows shown, next page)
    settings.ALLOWED_HOSTS = ["*"]
    if args.reuse:
        from accounts.models import User
        from escalations.models import Case

        data = {
            "manager": User.objects.get(username="bench-manager"),
            "user": User.objects.get(username="bench7"),
            "case": Case.objects.get(subject="ベンチ案件"),
            "loaded": 0.0,
        }
    else:
        data = load(args.rows)
    total = sum(m.objects.count() for m in history_models())
    print(f"loaded {total:,} history rows in {data['loaded']:.1f} s")
    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    client.force_login(data["manager"])
    url = reverse("admin:audit_auditlog_changelist")
    client.get(url)  # warm caches
    first = client.get(url)
    cursor = first.context["next_url"].split("after=")[1]
    from urllib.parse import unquote

    week_end = timezone.localdate() - timezone.timedelta(days=180)
    week_start = week_end - timezone.timedelta(days=6)
    cases = [
        ("first page (50 rows)", url, {}),
        ("next page (keyset cursor)", url, {"after": unquote(cursor)}),
        ("first page, 200 rows", url, {"n": 200}),
        ("filtered by user", url, {"user": data["user"].pk}),
        (
            "filtered by object: case reference (+ its notes, hops)",
            url,
            {"object": data["case"].reference},
        ),
        ("filtered by object: model + id", url, {"model": "escalations.case", "object": "4242"}),
        (
            "filtered by date range (one week, six months ago)",
            url,
            {"since": week_start.isoformat(), "until": week_end.isoformat()},
        ),
        (
            "filtered by user + action + model",
            url,
            {"user": data["user"].pk, "action": "~", "model": "escalations.case"},
        ),
    ]
    for label, target, params in cases:
        ms, queries, shown = measure(client, target, params)
        print(f"| {label} | {ms:.1f} ms | {queries} | {shown} rows |")
    # an export of about 10,000 rows: the rows of two days
    export_until = timezone.localdate() - timezone.timedelta(days=90)
    export_since = export_until - timezone.timedelta(days=1)
    params = {"since": export_since.isoformat(), "until": export_until.isoformat()}
    from audit.forms import AuditFilterForm
    from audit.selectors import iter_entries

    form = AuditFilterForm(params)
    assert form.is_valid()
    rows = sum(1 for _entry in iter_entries(form.query()))
    ms, queries, _lines = measure(client, reverse("admin:audit_auditlog_export"), params, runs=3)
    print(
        f"| CSV export, {rows:,} rows ({export_since} – {export_until}) | {ms:.0f} ms | {queries} |"
    )


if __name__ == "__main__":
    main()
