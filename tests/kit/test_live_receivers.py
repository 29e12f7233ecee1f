"""``kit.history.live_receivers`` reads Django's private ``Signal._live_receivers``: it must
give exactly the receivers a ``send`` calls, or bulk history rows and one-row admin saves would
silently skip the audit app's receivers."""

from django.db.models.signals import post_save
from simple_history.models import HistoricalRecords
from simple_history.signals import pre_create_historical_record

from audit import context
from escalations.models import Case, CaseNote
from kit.history import live_receivers, records_for


def test_it_gives_the_receivers_that_send_calls():
    called = []

    def probe(sender, **kwargs):
        called.append(sender)

    pre_create_historical_record.connect(probe, sender=CaseNote.history.model)
    try:
        sync, asynchronous = live_receivers(pre_create_historical_record, CaseNote.history.model)
        assert probe in sync
        assert context.fill_history_row in sync  # the audit app's user and reason
        assert asynchronous == []
        for receiver in sync:
            if receiver is probe:
                receiver(sender=CaseNote.history.model)
        assert called == [CaseNote.history.model]
    finally:
        pre_create_historical_record.disconnect(probe, sender=CaseNote.history.model)


def test_it_finds_the_historical_records_of_a_model():
    records = records_for(Case)

    assert isinstance(records, HistoricalRecords)
    assert records.cls is Case
    sync, _asynchronous = live_receivers(post_save, Case)
    assert any(getattr(receiver, "__self__", None) is records for receiver in sync)
