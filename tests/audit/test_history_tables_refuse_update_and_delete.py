"""On PostgreSQL, history tables refuse UPDATE and DELETE (a trigger on every history table,
installed after each migrate); only ``purge_history`` deletes, and only what is old."""

import datetime as dt

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from audit import triggers
from audit.registry import history_tables
from escalations.models import Customer
from tests.factories import CustomerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.postgres


def test_every_history_table_has_the_trigger(db):
    assert triggers.protected_tables() == set(history_tables())
    assert "accounts_historicaluser_groups" in history_tables()


def test_installing_again_changes_nothing(db):
    triggers.install()
    triggers.install()

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_trigger WHERE tgname = %s", [triggers.TRIGGER_NAME])
        assert cursor.fetchone()[0] == len(history_tables())


def test_a_history_table_created_later_gets_the_trigger(db):
    with connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER "{triggers.TRIGGER_NAME}" ON escalations_historicalcustomer')
    assert "escalations_historicalcustomer" not in triggers.protected_tables()

    call_command("migrate", verbosity=0)  # post_migrate installs it where it is missing

    assert "escalations_historicalcustomer" in triggers.protected_tables()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE escalations_historicalcustomer SET name = 'forged'",
        "DELETE FROM escalations_historicalcustomer",
        "UPDATE accounts_historicalteam_members SET user_id = NULL",
    ],
)
def test_the_database_refuses_rewriting_history(db, statement):
    TeamFactory(members=[UserFactory()])
    CustomerFactory(name="本物")

    with (
        pytest.raises(DatabaseError, match="history is read-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)

    assert list(Customer.history.values_list("name", flat=True)) == ["本物"]


def test_the_orm_cannot_either(db):
    CustomerFactory(name="本物")

    with pytest.raises(DatabaseError), transaction.atomic():
        Customer.history.update(name="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        Customer.history.all().delete()

    assert Customer.history.get().name == "本物"


def test_the_setting_alone_does_not_allow_updates(db):
    CustomerFactory(name="本物")

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL audit.allow_purge = 'on'")
        cursor.execute("UPDATE escalations_historicalcustomer SET name = 'forged'")


def test_purge_history_deletes_only_rows_older_than_the_day(db):
    member = UserFactory()
    with time_machine.travel(timezone.now() - dt.timedelta(days=800)):
        old_team = TeamFactory(members=[member])
    recent = CustomerFactory()
    cutoff = (timezone.localdate() - dt.timedelta(days=365)).isoformat()

    call_command("purge_history", before=cutoff, verbosity=0)

    assert not old_team.history.exists()
    assert recent.history.count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM accounts_historicalteam_members")
        assert cursor.fetchone()[0] == 0
        # the bypass ended with the command's transaction
        cursor.execute("SELECT current_setting('audit.allow_purge', true)")
        assert cursor.fetchone()[0] in (None, "", "off")
    with pytest.raises(DatabaseError), transaction.atomic():
        recent.history.all().delete()


def test_a_dry_run_deletes_nothing(db, capsys):
    CustomerFactory()

    call_command("purge_history", before=timezone.localdate().isoformat(), dry_run=True)

    assert "would delete 0 history rows" in capsys.readouterr().out
    assert Customer.history.count() == 1


@pytest.mark.parametrize("before", ["2026-13-01", "yesterday", "2999-01-01"])
def test_bad_dates_are_refused_clearly(db, before):
    with pytest.raises(CommandError, match="--before"):
        call_command("purge_history", before=before)
