"""The retention command on any database: what is older than the day goes, the rest stays."""

import time_machine
from django.core.management import call_command

from escalations.models import Customer
from tests.factories import CustomerFactory


def test_purge_history_keeps_what_is_recent(db):
    with time_machine.travel("2024-03-01 10:00 +09:00"):
        old = CustomerFactory()
    with time_machine.travel("2026-03-01 10:00 +09:00"):
        recent = CustomerFactory()
        call_command("purge_history", before="2025-03-01", verbosity=0)

    assert not old.history.exists()
    assert recent.history.count() == 1
    assert Customer.objects.count() == 2  # the objects themselves stay
