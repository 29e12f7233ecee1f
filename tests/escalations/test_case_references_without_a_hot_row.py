"""Case references: on PostgreSQL drawn from a sequence per year (no row every create locks;
a rolled-back create burns its number), elsewhere from the year's counter row (gap-free)."""

import pytest
import time_machine
from django.db import connection, transaction

from escalations.models import Case, CaseReferenceCounter
from escalations.services.cases import reference_sequence
from tests.factories import make_case


class RolledBack(Exception):
    pass


def references():
    return sorted(Case.objects.values_list("reference", flat=True))


def sequence_exists(year):
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [reference_sequence(year)])
        return cursor.fetchone()[0]


@pytest.mark.postgres
def test_on_postgresql_a_years_first_create_makes_its_sequence_and_no_counter_row(org, operator):
    assert not sequence_exists(2031)
    with time_machine.travel("2031-03-01 10:00 +09:00", tick=False):
        for _ in range(3):
            make_case(owner=operator)

    assert references() == ["C-2031-000001", "C-2031-000002", "C-2031-000003"]
    assert sequence_exists(2031)
    assert not CaseReferenceCounter.objects.exists()


@pytest.mark.postgres
def test_on_postgresql_a_year_counted_by_the_counter_row_continues_after_it(org, operator):
    CaseReferenceCounter.objects.create(year=2032, last=41)  # written before the sequences

    with time_machine.travel("2032-06-01 10:00 +09:00", tick=False):
        make_case(owner=operator)
        make_case(owner=operator)

    assert references() == ["C-2032-000042", "C-2032-000043"]


@pytest.mark.postgres
def test_on_postgresql_a_rolled_back_create_leaves_a_gap(org, operator):
    with time_machine.travel("2033-01-10 10:00 +09:00", tick=False):
        make_case(owner=operator)
        with pytest.raises(RolledBack), transaction.atomic():
            make_case(owner=operator)
            raise RolledBack
        make_case(owner=operator)

    assert references() == ["C-2033-000001", "C-2033-000003"]


def test_on_sqlite_the_counter_row_gives_gap_free_references(org, operator):
    if connection.vendor != "sqlite":
        pytest.skip("the counter row is the SQLite path")
    with time_machine.travel("2034-01-10 10:00 +09:00", tick=False):
        make_case(owner=operator)
        with pytest.raises(RolledBack), transaction.atomic():
            make_case(owner=operator)
            raise RolledBack
        make_case(owner=operator)

    assert references() == ["C-2034-000001", "C-2034-000002"]
    assert CaseReferenceCounter.objects.get(year=2034).last == 2
