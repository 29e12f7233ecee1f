"""The demo's absences and on-call rotations: the absent supervisor's leave as a running
absence period, two future ones (a specialist's training with a delegate, the only developer's
training without one, so the 開発 rules have a gap the coverage check reports), and on-call
rotations for the SV team and the technical support team. Loaded at the real time, after the
story's cases, so the past escalations keep the routing they had."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from accounts.absence import absence_period_save
from accounts.models import AbsenceReason, OnCallMember, OnCallOverride, OnCallRotation, Team, User
from accounts.oncall import japanese_business_day
from demo import clock
from demo.organisation import audited
from escalations.services.coverage import coverage_check

# team, rotation name, members in turn
ROTATIONS = [
    ("SVチーム", "SV当番（平日9時交代）", ["supervisor", "supervisor3", "supervisor2"]),
    ("技術サポート", "技術当番（平日9時交代）", ["specialist", "specialist2"]),
]


def next_business_day(today: dt.date) -> dt.date:
    day = today + dt.timedelta(days=1)
    while not japanese_business_day(day):
        day += dt.timedelta(days=1)
    return day


def local(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_default_timezone())


def load_oncall(users: dict[str, User], teams: dict[str, Team], *, setup: dt.datetime) -> None:
    now = clock.now()
    today = timezone.localdate(now)
    for team, name, members in ROTATIONS:
        rotation = audited(
            OnCallRotation(
                team=teams[team],
                name=name,
                starts_on=today - dt.timedelta(days=28),
                handover_at=dt.time(9),
            ),
            users["admin"],
        )
        rotation.save()
        for position, username in enumerate(members, start=1):
            audited(
                OnCallMember(rotation=rotation, user=users[username], position=position),
                users["admin"],
            ).save()
    tomorrow = next_business_day(today)
    technical = OnCallRotation.objects.get(team=teams["技術サポート"])
    audited(
        OnCallOverride(
            rotation=technical,
            user=users["specialist2"],
            starts_at=local(tomorrow, 12),
            ends_at=local(tomorrow, 13),
            note="昼休みの交代",
        ),
        users["admin"],
    ).save()

    absence_period_save(  # running: the absent supervisor's leave, her lead stands in
        actor=users["supervisor"],
        user=users["supervisor2"],
        starts_at=setup,
        ends_at=local(today + dt.timedelta(days=30), 9),
        reason=AbsenceReason.LEAVE,
        note="育児休業",
        delegate=users["supervisor"],
    )
    absence_period_save(  # future, with a delegate
        actor=users["specialist"],
        user=users["specialist"],
        starts_at=local(tomorrow, 13),
        ends_at=local(tomorrow, 17),
        reason=AbsenceReason.TRAINING,
        note="製品研修",
        delegate=users["specialist2"],
    )
    absence_period_save(  # future, nobody stands in: the 開発 rules have a gap
        actor=users["developer"],
        user=users["developer"],
        starts_at=local(tomorrow, 9),
        ends_at=local(tomorrow, 18),
        reason=AbsenceReason.TRAINING,
        note="社外セミナー",
    )
    coverage_check(now=now)
