"""The caller lookup's plans on PostgreSQL at 100,000 customers (run by hand; figures go to
bench/README.md).

    .venv/bin/python bench/customer_lookup.py [--customers 100000] [--db esc_lookup]

Empties the database ``--db`` on the local PostgreSQL (drops its public schema), migrates it,
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

TERMS = [
    "090-0007-2896",
    "０９０−０００７−２８９６",
    "+81 90 0007 2896",
    "7289",
    "こきゃく12",
    "ｺｷｬｸ999",
]


def setup_database(db: str) -> None:
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
    parser.add_argument("--db", default="esc_lookup")
    args = parser.parse_args()
    setup_database(args.db)

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
