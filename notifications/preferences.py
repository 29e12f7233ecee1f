"""Each person's choices of how they are told: which kinds raise a desktop notification and a
sound (with one switch for all of them), and which also go by email. A person without a row has
the defaults (:data:`notifications.models.DEFAULT_DESKTOP_KINDS`, every kind by email). Only the
person changes their own; their team's managers and supervisors see who has desktop alerts off
(:func:`desktop_off_in_teams_of`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import Team, User
from notifications import live
from notifications.models import (
    InboxKind,
    InboxSettings,
    default_desktop_kinds,
    default_email_kinds,
)


def settings_of(user: User) -> InboxSettings:
    """The user's settings (unsaved defaults when they have no row). One query."""
    found = InboxSettings.objects.filter(user=user).first()
    return found if found is not None else InboxSettings(user=user)


def _kinds(values: Iterable[str], field: str) -> list[str]:
    values = list(values)
    unknown = sorted(set(values) - set(InboxKind.values))
    if unknown:
        message = _("Unknown kinds: %(kinds)s") % {"kinds": ", ".join(unknown)}
        raise ValidationError({field: message})
    return [kind for kind in InboxKind.values if kind in values]  # in the kinds' order


def inbox_settings_update(
    *,
    user: User,
    actor: User,
    desktop_alerts: bool | None = None,
    desktop_kinds: Iterable[str] | None = None,
    email_kinds: Iterable[str] | None = None,
) -> InboxSettings:
    """Change ``user``'s choices (what is not given stays). Only the person themself: nobody
    turns someone else's alerts on or off (``PermissionDenied``). Their open pages learn of it
    at the next poll."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("You may change only your own notification settings."))
    changes: dict[str, object] = {}
    if desktop_alerts is not None:
        changes["desktop_alerts"] = bool(desktop_alerts)
    if desktop_kinds is not None:
        changes["desktop_kinds"] = _kinds(desktop_kinds, "desktop_kinds")
    if email_kinds is not None:
        changes["email_kinds"] = _kinds(email_kinds, "email_kinds")
    with transaction.atomic():
        row, _created = InboxSettings.objects.select_for_update().get_or_create(user=user)
        for name, value in changes.items():
            setattr(row, name, value)
        row.save()
        transaction.on_commit(lambda: live.bump([user.pk]))
    return row


def desktop_for(desktop_alerts: bool | None, desktop_kinds: list[str] | None, kind: str) -> bool:
    """Whether a notification of ``kind`` raises a desktop notification for someone with
    these settings (``None``: no row, the defaults)."""
    if desktop_alerts is False:
        return False
    kinds = default_desktop_kinds() if desktop_kinds is None else desktop_kinds
    return kind in kinds


def wants_email(user_id: int | None, kind: str | None) -> bool:
    """Whether the email of ``kind`` goes to this user (yes for an email of no kind). One
    query when there is a kind."""
    if user_id is None or not kind:
        return True
    kinds = (
        InboxSettings.objects.filter(user_id=user_id).values_list("email_kinds", flat=True).first()
    )
    return kind in (default_email_kinds() if kinds is None else kinds)


def desktop_off_in_teams_of(user: User) -> QuerySet[InboxSettings]:
    """The settings of the members (and leads) of ``user``'s teams who turned desktop alerts
    off; everyone's for a superuser; nothing for someone in no team."""
    rows = InboxSettings.objects.filter(desktop_alerts=False).select_related("user")
    if user.is_superuser:
        return rows
    teams = Team.objects.filter(Q(members=user) | Q(lead=user)).values("pk")
    people = User.objects.filter(Q(teams__in=teams) | Q(led_teams__in=teams)).values("pk")
    return rows.filter(user__in=people)
