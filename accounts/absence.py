"""Absence: who is away, who stands in for them, and until when.

A person marks themselves absent; a team lead, or a supervisor sharing a team with them, marks
their team's members; an administrator (``accounts.change_user``) marks anyone. While absent,
escalations and notifications for the person go to their delegate (``User.effective_recipient``).
An absence with an until-time ends by itself: the periodic ``absence_expire`` (every minute)
marks them present again, with a history row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import AbsencePeriod, AbsenceReason, Team, User

SUPERVISOR_ROLE = "supervisor"
REASON_SET = "absence"
REASON_ENDED = "absence ended"
REASON_STARTED = "absence started"
REASON_PERIOD = "absence period"
REASON_PERIOD_DELETED = "absence period deleted"


def _is_admin(actor: User) -> bool:
    return actor.is_superuser or actor.has_perm("accounts.change_user")


def absence_managed_by(actor: User) -> QuerySet[User]:
    """The active people whose absence ``actor`` may set: themselves; the members of the teams
    they lead; as a supervisor, the members of their own teams; everyone for an administrator."""
    people = User.objects.filter(is_active=True, is_staff=True)
    if _is_admin(actor):
        return people
    led = Team.objects.filter(lead=actor).values("pk")
    allowed = Q(pk=actor.pk) | Q(teams__in=led)
    if actor.groups.filter(name=SUPERVISOR_ROLE).exists():
        allowed |= Q(teams__in=actor.teams.values("pk"))
    return people.filter(allowed).distinct()


def absence_delegates_for(actor: User) -> QuerySet[User]:
    """Whom ``actor`` may name as a delegate: the active staff of the teams they belong to or
    lead (anyone for an administrator)."""
    people = User.objects.filter(is_active=True, is_staff=True)
    if _is_admin(actor):
        return people
    teams = Team.objects.filter(Q(lead=actor) | Q(members=actor)).values("pk")
    return people.filter(Q(teams__in=teams) | Q(led_teams__in=teams)).distinct()


def absence_may_set(*, actor: User, user: User) -> bool:
    return absence_managed_by(actor).filter(pk=user.pk).exists()


def absence_check(
    *,
    user: User,
    absent: bool,
    delegate: User | None,
    until: dt.datetime | None,
    now: dt.datetime | None = None,
) -> None:
    """Raise ``ValidationError`` (per field) for an absence that cannot be set."""
    now = now or timezone.now()
    errors: dict[str, str] = {}
    if delegate is not None:
        if delegate.pk == user.pk:
            errors["delegate"] = _("A person cannot be their own delegate.")
        elif not (delegate.is_active and delegate.is_staff):
            errors["delegate"] = _("The delegate must be an active staff member.")
    if absent and until is not None and until <= now:
        errors["absent_until"] = _("The until-time must be in the future.")
    if not absent and until is not None:
        errors["absent_until"] = _("An until-time needs the person marked absent.")
    if errors:
        raise ValidationError(errors)


def absence_set(
    *,
    actor: User,
    user: User,
    absent: bool,
    delegate: User | None,
    until: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> User:
    """Mark ``user`` absent from now (with ``delegate`` standing in, until ``until`` or further
    notice) or present now: the absence page's quick switch, written as an absence period (a
    running one is changed or ended; future ones are left alone). ``PermissionDenied`` when
    ``actor`` may not; ``ValidationError`` for bad input. Nothing is written when nothing
    changes."""
    now = now or timezone.now()
    if not absence_may_set(actor=actor, user=user):
        raise PermissionDenied(_("You may not change this person's absence."))
    absence_check(user=user, absent=absent, delegate=delegate, until=until, now=now)
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=user.pk)
        _check_delegate_allowed(actor=actor, delegate=delegate, current_id=row.delegate_id)
        wanted = (absent, delegate.pk if delegate else None, until if absent else None)
        if (row.is_absent, row.delegate_id, row.absent_until) == wanted:
            return row
        running = [p for p in _periods_of([row.pk], now, now).get(row.pk, [])]
        if absent:
            period = running[-1] if running else AbsencePeriod(user=row, starts_at=now)
            period.ends_at = until
            period.delegate = delegate
            period.created_by = period.created_by or actor
            _save_period(period, actor=actor)
        else:
            for period in running:  # ended now; one that starts now never happened
                if period.starts_at >= now:
                    _delete_period(period, actor=actor)
                else:
                    period.ends_at = now
                    _save_period(period, actor=actor)
            if row.delegate_id != (delegate.pk if delegate else None):
                row.delegate = delegate  # the standing delegate, for the next absence
                row._change_reason = REASON_SET
                row._history_user = actor
                row.save(update_fields=["delegate"])
        _sync([row.pk], now=now, actor=actor)
        row.refresh_from_db()
    return row


def _check_delegate_allowed(*, actor: User, delegate: User | None, current_id: int | None) -> None:
    if (
        delegate is not None
        and delegate.pk != current_id
        and not absence_delegates_for(actor).filter(pk=delegate.pk).exists()
    ):
        raise ValidationError({"delegate": _("Choose a delegate from your own teams.")})


def _save_period(period: AbsencePeriod, *, actor: User | None) -> None:
    period._change_reason = REASON_PERIOD
    period._history_user = actor
    period.save()


def _delete_period(period: AbsencePeriod, *, actor: User | None) -> None:
    period._change_reason = REASON_PERIOD_DELETED
    period._history_user = actor
    period.delete()


# --- the one rule: is X absent at t ------------------------------------------------------------


def covers(period: AbsencePeriod, at: dt.datetime) -> bool:
    """Whether ``period`` covers the moment ``at`` (from inclusive, until exclusive)."""
    return period.starts_at <= at and (period.ends_at is None or at < period.ends_at)


def absent_at(periods: list[AbsencePeriod], at: dt.datetime) -> AbsencePeriod | None:
    """The period (of one person) covering ``at``, the latest started if several; ``None``:
    present at ``at``."""
    found = None
    for period in periods:
        if covers(period, at) and (found is None or period.starts_at >= found.starts_at):
            found = period
    return found


def _periods_of(
    user_ids: list[int] | None, start: dt.datetime, end: dt.datetime
) -> dict[int, list[AbsencePeriod]]:
    periods = AbsencePeriod.objects.filter(starts_at__lte=end).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=start)
    )
    if user_ids is not None:
        periods = periods.filter(user_id__in=user_ids)
    found: dict[int, list[AbsencePeriod]] = {}
    for period in periods.order_by("starts_at", "pk"):
        found.setdefault(period.user_id, []).append(period)
    return found


def absent_between(
    user_ids: Iterable[int] | None, start: dt.datetime, end: dt.datetime
) -> dict[int, list[AbsencePeriod]]:
    """The absence periods of these people (everyone: ``None``) that overlap ``start``–``end``,
    by person, oldest first: one query. Whether a person is absent at a moment in between is
    ``absent_at(found.get(pk, []), moment)``; a person missing from the result is present the
    whole time. For the reachability check of contacts and the coverage check of rules."""
    return _periods_of(None if user_ids is None else list(user_ids), start, end)


def recipient_at(
    person: User | None,
    at: dt.datetime,
    periods: dict[int, list[AbsencePeriod]],
    people: dict[int, User],
) -> User | None:
    """``User.effective_recipient`` at the moment ``at``: the first person along the delegate
    chain who is active and not absent at ``at`` (``periods`` from ``absent_between``), or
    ``None``. The delegate of an absent person is their period's, else their standing one
    (``people`` holds the delegates, by id; one missing from it ends the chain)."""
    seen: set[int] = set()
    while person is not None and person.pk not in seen:
        period = absent_at(periods.get(person.pk, []), at)
        if person.is_active and period is None:
            return person
        seen.add(person.pk)
        delegate_id = (period.delegate_id if period else None) or person.delegate_id
        person = people.get(delegate_id) if delegate_id else None
    return None


# --- periods ----------------------------------------------------------------------------------


def absence_period_check(
    *,
    user: User,
    starts_at: dt.datetime | None,
    ends_at: dt.datetime | None,
    reason: str,
    delegate: User | None,
) -> None:
    """Raise ``ValidationError`` (per field) for a period that cannot be saved."""
    errors: dict[str, str] = {}
    if starts_at is None:
        errors["starts_at"] = _("Enter the from-time.")
    elif ends_at is not None and ends_at <= starts_at:
        errors["ends_at"] = _("The until-time must be after the from-time.")
    if reason not in AbsenceReason.values:
        errors["reason"] = _("Choose a reason.")
    if delegate is not None:
        if delegate.pk == user.pk:
            errors["delegate"] = _("A person cannot be their own delegate.")
        elif not (delegate.is_active and delegate.is_staff):
            errors["delegate"] = _("The delegate must be an active staff member.")
    if errors:
        raise ValidationError(errors)


def absence_period_save(
    *,
    actor: User,
    user: User,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None,
    reason: str,
    note: str = "",
    delegate: User | None = None,
    period: AbsencePeriod | None = None,
    now: dt.datetime | None = None,
) -> AbsencePeriod:
    """Add a period of absence of ``user`` (or change ``period``), past, running or future,
    with one history row; the person's now-copy follows at once. ``PermissionDenied`` when
    ``actor`` may not set ``user``'s absence; ``ValidationError`` for bad input."""
    now = now or timezone.now()
    if not absence_may_set(actor=actor, user=user):
        raise PermissionDenied(_("You may not change this person's absence."))
    if period is not None and period.user_id != user.pk:
        raise ValidationError(_("This period belongs to someone else."))
    absence_period_check(
        user=user, starts_at=starts_at, ends_at=ends_at, reason=reason, delegate=delegate
    )
    with transaction.atomic():
        current = period.delegate_id if period is not None and period.pk else None
        _check_delegate_allowed(actor=actor, delegate=delegate, current_id=current)
        period = period or AbsencePeriod(user=user, created_by=actor)
        period.user = user
        period.starts_at, period.ends_at = starts_at, ends_at
        period.reason, period.note, period.delegate = reason, note.strip(), delegate
        _save_period(period, actor=actor)
        _sync([user.pk], now=now, actor=actor)
    return period


def absence_period_delete(
    *, actor: User, period: AbsencePeriod, now: dt.datetime | None = None
) -> None:
    """Remove a period (a history row keeps it); the person's now-copy follows at once."""
    if not absence_may_set(actor=actor, user=period.user):
        raise PermissionDenied(_("You may not change this person's absence."))
    with transaction.atomic():
        user_id = period.user_id
        _delete_period(period, actor=actor)
        _sync([user_id], now=now or timezone.now(), actor=actor)


def absence_sync(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Copy "absent now" from the periods onto the people (``is_absent``, ``absent_until``, the
    period's delegate) where it differs: periods that started or ended since the last run.
    How many people changed; each gets a history row. Three queries when nothing changed."""
    with transaction.atomic():
        return _sync(None, now=now or timezone.now(), actor=None, limit=limit)


# The every-minute task's old name: ending absences is one half of the sync.
absence_expire = absence_sync


def _sync(
    user_ids: list[int] | None, *, now: dt.datetime, actor: User | None, limit: int = 500
) -> int:
    periods = _periods_of(user_ids, now, now)  # those covering now
    running = {pk: absent_at(found, now) for pk, found in periods.items()}
    ends = {
        pk: None
        if any(p.ends_at is None for p in found)
        else max(p.ends_at for p in found if p.ends_at is not None)
        for pk, found in periods.items()
    }
    people = User.objects.select_for_update(skip_locked=True).filter(
        Q(is_absent=True) | Q(pk__in=list(running))
    )
    if user_ids is not None:
        people = people.filter(pk__in=user_ids)
    changed = 0
    for row in people.order_by("pk")[:limit]:
        period = running.get(row.pk)
        if period is None:
            wanted = (False, None, row.delegate_id)
        else:
            wanted = (True, ends[row.pk], period.delegate_id or row.delegate_id)
        if (row.is_absent, row.absent_until, row.delegate_id) == wanted:
            continue
        row.is_absent, row.absent_until, row.delegate_id = wanted
        row._change_reason = REASON_STARTED if period is not None else REASON_ENDED
        if actor is not None:
            row._change_reason = REASON_SET
            row._history_user = actor
        row.save(update_fields=["is_absent", "absent_until", "delegate"])
        changed += 1
    return changed
