"""The API in-process (Django test client, PostgreSQL, one token): create and escalate against
the trivial ``me/`` endpoint of the same run, with the queries each makes (run by hand; figures
go to bench/README.md).

    .venv/bin/python bench/api_inprocess.py --requests 1000
    PROFILE=create .venv/bin/python bench/api_inprocess.py --requests 300   # cProfile of create
    ADMIN=1 .venv/bin/python bench/api_inprocess.py --requests 50   # + escalate clicks in the admin

Creates a database with a random name (``escalations_api_bench_<hex>``) and claims an empty
Redis database for the broker (as ``bench/api_bench.py`` does), loads the same organisation,
then times ``--requests`` requests of each kind, ten of each kind in turn (so that the load of
the shared machine weighs on every kind alike), and drops both at the end:
no database and no queued task is left behind.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--cases", type=int, default=50)
    args = parser.parse_args()
    profile = os.environ.get("PROFILE", "")
    # the throttle out of the way (production's 1200/min answered 429 past 1200 requests)
    os.environ["API_THROTTLE_RATE"] = api_bench.THROTTLE_RATE
    with api_bench.run_state() as state:
        api_bench.setup_database(state.database_url)
        data = api_bench.load(args.cases, args.requests + 100)  # + the admin clicks (ADMIN=1)
        measure(args.requests, data, profile)


def measure(count: int, data: dict, profile: str) -> None:
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {data['token']}", HTTP_HOST="127.0.0.1")
    ready = list(data["ready"])
    create_body = api_bench.CREATE_BODY | {
        "customer": data["customer"],
        "category": data["category"],
    }

    def me():
        return client.get("/api/v1/me/")

    def cases():
        return client.get("/api/v1/cases/?page_size=50")

    def create():
        return client.post("/api/v1/cases/", create_body, content_type="application/json")

    def escalate():
        reference = ready.pop()
        return client.post(
            f"/api/v1/cases/{reference}/escalate/",
            api_bench.ESCALATE_BODY,
            content_type="application/json",
        )

    kinds = [
        ("GET me/ (ceiling)", me, 200),
        ("GET cases/?page_size=50", cases, 200),
        ("POST cases/ (create)", create, 201),
        ("POST cases/{ref}/escalate/", escalate, 200),
    ]
    for _name, call, expected in kinds:  # warm up: imports, caches, connection
        for _ in range(10):
            response = call()
            assert response.status_code == expected, (response.status_code, response.content)
    # the kinds take turns, ten requests each, so that a change of the machine's load during the
    # run weighs on all of them alike (the machine is shared)
    statements_of: dict[str, list[str]] = {}
    for name, call, expected in kinds:
        statements: list[str] = []

        def record(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(record):  # the request resets connection.queries
            response = call()
        assert response.status_code == expected, response.content
        statements_of[name] = statements
    spent = {name: 0.0 for name, _call, _expected in kinds}
    done = {name: 0 for name, _call, _expected in kinds}
    profiler = cProfile.Profile() if profile else None
    statuses: list[int] = []
    for _round in range(max(count // 10, 1)):
        for name, call, expected in kinds:
            if "escalate" in name and len(ready) < 10:
                continue
            profiling = profiler is not None and profile in name
            if profiling:
                profiler.enable()
            started = time.perf_counter()
            for _ in range(10):
                statuses.append(call().status_code)
            spent[name] += time.perf_counter() - started
            if statuses.count(expected) != len(statuses):  # e.g. a 429: not the work measured
                raise SystemExit(f"{name}: statuses {sorted(set(statuses))}, not {expected}")
            statuses.clear()
            if profiling:
                profiler.disable()
            done[name] += 10
    rows = [(name, done[name] / spent[name], len(statements_of[name])) for name in spent]
    if profiler is not None:
        dumped = Path(f"/tmp/api_inprocess-{os.getpid()}.prof")
        profiler.dump_stats(dumped)  # for pstats' callers and callees
        print(f"profile written to {dumped}")
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(60)
        stats.sort_stats("tottime").print_stats(30)
    for name, statements in statements_of.items():
        if os.environ.get("QUERIES") and os.environ["QUERIES"] in name:
            for sql in statements:
                print(sql[:300])
    if os.environ.get("ADMIN"):
        admin_click(data, ready)
    ceiling = rows[0][1]
    print()
    print("| request | per s | % of `me/` | queries |")
    print("|---|---|---|---|")
    for name, rate, queries in rows:
        print(f"| `{name}` | {rate:.0f} | {100 * rate / ceiling:.0f} % | {queries} |")


def admin_click(data: dict, ready: list[str]) -> None:
    """An escalate click in the admin (the transition page's POST, as the operator logged in):
    the time the server takes, request by request, and its statements."""
    import statistics

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from escalations.models import Case

    operator = data["operator"]
    operator.is_staff = True  # an admin user, as the demo's operators are
    operator.save(update_fields=["is_staff"])
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(operator)
    form = api_bench.ESCALATE_BODY | {"expected_status": "in_progress"}
    times, counts = [], []
    for reference in ready[:60]:
        pk = Case.objects.values_list("pk", flat=True).get(reference=reference)
        url = reverse("admin:escalations_case_transition", args=[pk, "escalate"])
        statements: list[str] = []

        def record(execute, sql, params, many, context, statements=statements):
            statements.append(sql)
            return execute(sql, params, many, context)

        started = time.perf_counter()
        with connection.execute_wrapper(record):
            response = client.post(url, form)
        times.append(time.perf_counter() - started)
        counts.append(len(statements))
        assert response.status_code == 302 and "login" not in response["Location"], response
        assert Case.objects.values_list("status", flat=True).get(pk=pk) == "escalated"
    times = times[10:]  # the first ones warm the admin's imports and templates up
    print(
        f"admin escalate click: median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms over {len(times)}, {counts[-1]} statements"
    )


if __name__ == "__main__":
    main()
