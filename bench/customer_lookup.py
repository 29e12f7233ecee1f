"""The caller lookup's plans on PostgreSQL at 100,000 customers (run by hand; figures go to
bench/README.md).

    .venv/bin/python bench/customer_lookup.py [--customers 100000] [--db esc_lookup]

Creates a database of this run's own (``escalations_customer_lookup_<hex>``) on the local
PostgreSQL, or empties the database ``--db`` (drops its public schema; the caller's, kept at the
end), and claims an empty Redis database for the broker (``api_bench.run_state``: two runs never
collide; the run's database is dropped and the Redis database flushed at the end, also on
failure), migrates it,
bulk-creates ``--customers`` customers with their lookup keys (as ``Customer.set_lookup_keys``),
runs ``ANALYZE`` and prints, for a full number, a fragment of a number and a reading start, the
plan (``EXPLAIN ANALYZE``) of ``customer_lookup_q`` and the rows found.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (the run's own database and Redis db, dropped at the end)

TERMS = [
    "090-0007-2896",
    "０９０−０００７−２８９６",
    "+81 90 0007 2896",
    "7289",
    "こきゃく12",
    "ｺｷｬｸ999",
]


def setup_database(db: str, *, new: bool) -> None:
    if new:
        subprocess.run([*api_bench.PSQL, f"CREATE DATABASE {db}"], check=True)
    else:
        psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-q", "-c"]
        subprocess.run([*psql, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"], check=True)
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument(
        "--db",
        help="an existing database to empty and load, kept at the end (default: a new one of "
        "this run's own, dropped at the end)",
    )
    args = parser.parse_args()
    with api_bench.run_state(
        args.db, prefix="escalations_customer_lookup", keep=bool(args.db), shared_cache=False
    ) as state:
        setup_database(state.database, new=not args.db)
        bench(args)


def bench(args) -> None:

    from django.db import connection

    from escalations.lookup import customer_lookup_q
    from escalations.models import Customer

    rows = []
    for n in range(args.customers):
        customer = Customer(
            name=f"顧客 {n}",
            furigana=f"こきゃく {n}",
            phone=f"090-{n // 10000:04d}-{n % 10000:04d}",
        )
        customer.set_lookup_keys()
        rows.append(customer)
    Customer.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE escalations_customer")

    for term in TERMS:
        queryset = Customer.objects.filter(customer_lookup_q(term))
        print(f"== {term!r}: {queryset.count()} rows")
        print(queryset.explain(analyze=True))


if __name__ == "__main__":
    main()
