"""An absence with an until-time ends by itself: the periodic task marks the person present
again (with a history row), and leaves open-ended and later absences alone."""

import datetime as dt

import time_machine
from django.utils import timezone

from accounts.absence import absence_expire, absence_set
from accounts.tasks import expire_absences
from tests.factories import TeamFactory, UserFactory


def test_an_absence_ends_when_its_until_time_passes(db):
    sato, suzuki, tanaka = (UserFactory(username=n) for n in ("sato", "suzuki", "tanaka"))
    TeamFactory(name="一次対応", tier=1, members=[sato, suzuki, tanaka])
    now = timezone.now()
    absence_set(
        actor=sato, user=sato, absent=True, delegate=suzuki, until=now + dt.timedelta(hours=1)
    )
    absence_set(
        actor=tanaka, user=tanaka, absent=True, delegate=suzuki, until=now + dt.timedelta(hours=3)
    )
    absence_set(actor=suzuki, user=suzuki, absent=True, delegate=tanaka)  # until further notice

    with time_machine.travel(now + dt.timedelta(minutes=59), tick=False):
        assert absence_expire() == 0
    with time_machine.travel(now + dt.timedelta(minutes=61), tick=False):
        assert expire_absences.apply().get() == 1
        assert absence_expire() == 0  # once

    sato.refresh_from_db()
    tanaka.refresh_from_db()
    suzuki.refresh_from_db()
    assert not sato.is_absent and sato.absent_until is None
    assert sato.delegate == suzuki  # the standing delegate is kept
    assert tanaka.is_absent and suzuki.is_absent
    row = sato.history.first()
    assert row.history_change_reason == "absence ended"
