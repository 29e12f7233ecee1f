"""Benchmark of the escalation flow page on PostgreSQL (run by hand; figures go to
bench/README.md).

    .venv/bin/python bench/flow_page.py --teams 60 --members 10 --rules 400

Creates a database of this run's own (``escalations_flow_bench_<hex>``) on the local PostgreSQL
and claims an empty Redis database for the broker (``api_bench.run_state``: two runs never
collide; both are dropped at the end, also on failure), migrates it and bulk-loads
``--teams`` teams over L1-L4 with ``--members`` members each (one in five absent, behind a
chain of two delegates), a lead per team, ``--rules`` escalation rules over 20 categories and a
default SLA policy. Then it measures, in-process, the page's data (selector),
the whole admin page and the PDF export: time (median of the runs) and queries.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (the run's own database and Redis db, dropped at the end)


def load(teams: int, members: int, rules: int) -> None:
    import datetime as dt
    import random

    from accounts.models import Team, Tier, User
    from escalations.models import Category, EscalationRule, Reason
    from tests.factories import make_sla_policy

    rng = random.Random(9)
    categories = Category.objects.bulk_create(
        [Category(name=f"カテゴリ{i:02d}", sort_order=i) for i in range(20)]
    )
    people = User.objects.bulk_create(
        [
            User(
                username=f"u{i}",
                display_name=f"社員 {i}",
                furigana=f"しゃいん{i}",
                extension=f"{1000 + i}",
                is_staff=True,
                is_absent=i % 5 == 0,
            )
            for i in range(teams * members)
        ]
    )
    for i, person in enumerate(people):
        if person.is_absent:
            person.delegate = people[(i + 1) % len(people)]
    User.objects.bulk_update(people, ["delegate"])
    team_rows = Team.objects.bulk_create(
        [
            Team(
                name=f"チーム{i:03d}",
                tier=1 + i % 4,
                lead=people[i * members + 1],
                phone=f"03-0000-{i:04d}",
                email=f"team{i}@example.jp",
                next_review_on=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(700)),
            )
            for i in range(teams)
        ]
    )
    Team.members.through.objects.bulk_create(
        [
            Team.members.through(team_id=team.pk, user_id=people[t * members + m].pk)
            for t, team in enumerate(team_rows)
            for m in range(members)
        ]
    )
    above_l1 = [t for t in team_rows if t.tier > Tier.L1]
    reasons = [r.value for r in Reason]
    EscalationRule.objects.bulk_create(
        [
            EscalationRule(
                category=rng.choice([None, *categories]),
                priority=rng.choice([None, 1, 2, 3, 4]),
                reason=rng.choice(["", *reasons]),
                target_team=(team := rng.choice(above_l1)),
                target_tier=team.tier,
                target_user=people[team_rows.index(team) * members] if i % 3 == 0 else None,
                guidance="SVへ内線で連絡し、引き継ぎを記入してください。" * 2,
                next_review_on=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(700)),
            )
            for i in range(rules)
        ]
    )
    make_sla_policy(always_open=False)


def measure(label: str, fn, runs: int) -> None:
    from django.db import connection, reset_queries

    connection.force_debug_cursor = True
    times, queries = [], []
    for _ in range(runs):
        reset_queries()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
        queries.append(len(connection.queries))
    print(
        f"{label}: median {statistics.median(times) * 1000:.1f} ms, "
        f"max {max(times) * 1000:.1f} ms, queries {sorted(set(queries))}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--teams", type=int, default=60)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--rules", type=int, default=400)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with api_bench.run_state(prefix="escalations_flow_bench", shared_cache=False) as state:
        api_bench.setup_database(state.database_url)
        bench(args)


def bench(args) -> None:
    start = time.perf_counter()
    load(args.teams, args.members, args.rules)
    print(f"loaded in {time.perf_counter() - start:.1f} s")

    from django.conf import settings
    from django.test import Client
    from django.test.utils import setup_test_environment

    from accounts.models import User
    from escalations.flow.selectors import flow_page
    from escalations.models import Category

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    client = Client()
    client.force_login(User.objects.create_superuser("bench", password="bench-pass-2026"))
    category = Category.objects.first()

    measure("selector, whole configuration", flow_page, args.runs)
    measure("selector, one category", lambda: flow_page(category_id=category.pk), args.runs)
    measure(
        "admin page, one category",
        lambda: client.get("/admin/escalations/flow/", {"category": category.pk}),
        args.runs,
    )
    response = client.get("/admin/escalations/flow/pdf/")
    print(f"PDF: {len(response.content) // 1024} KiB")
    measure("PDF, whole configuration", lambda: client.get("/admin/escalations/flow/pdf/"), 2)


if __name__ == "__main__":
    main()
