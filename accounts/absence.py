"""Absence: who is away, who stands in for them, and until when.

A person marks themselves absent; a team lead, or a supervisor sharing a team with them, marks
their team's members; an administrator (``accounts.change_user``) marks anyone. While absent,
escalations and notifications for the person go to their delegate (``User.effective_recipient``).
An absence with an until-time ends by itself: the periodic ``absence_expire`` (every minute)
marks them present again, with a history row.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Team, User

SUPERVISOR_ROLE = "supervisor"
REASON_SET = "absence"
REASON_ENDED = "absence ended"


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
    """Mark ``user`` absent (with ``delegate`` standing in, until ``until`` or further notice)
    or present. ``PermissionDenied`` when ``actor`` may not; ``ValidationError`` for bad input.
    Nothing is written when nothing changes."""
    if not absence_may_set(actor=actor, user=user):
        raise PermissionDenied(_("You may not change this person's absence."))
    absence_check(user=user, absent=absent, delegate=delegate, until=until, now=now)
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=user.pk)
        if (
            delegate is not None
            and delegate.pk != row.delegate_id
            and not absence_delegates_for(actor).filter(pk=delegate.pk).exists()
        ):
            raise ValidationError({"delegate": _("Choose a delegate from your own teams.")})
        wanted = (absent, delegate.pk if delegate else None, until if absent else None)
        if (row.is_absent, row.delegate_id, row.absent_until) == wanted:
            return row
        row.is_absent = absent
        row.delegate = delegate
        row.absent_until = until if absent else None
        row._change_reason = REASON_SET
        row._history_user = actor
        row.save(update_fields=["is_absent", "delegate", "absent_until"])
    return row


def absence_expire(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Mark present everyone whose absence's until-time has passed; how many. Each gets a
    history row (the periodic task's); a person marked absent again meanwhile is left alone."""
    now = now or timezone.now()
    ended = 0
    with transaction.atomic():
        rows = (
            User.objects.select_for_update(skip_locked=True)
            .filter(is_absent=True, absent_until__isnull=False, absent_until__lte=now)
            .order_by("absent_until")[:limit]
        )
        for row in rows:
            row.is_absent = False
            row.absent_until = None
            row._change_reason = REASON_ENDED
            row.save(update_fields=["is_absent", "absent_until"])
            ended += 1
    return ended
