"""Account use cases."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Language, User
from kit.audit import audited_save

SYSTEM_USERNAME = "system"


def system_user() -> User:
    """The user Celery tasks act as (SLA breaches, reminders). Cannot log in."""
    user = User.objects.filter(username=SYSTEM_USERNAME).first()
    if user is not None:
        return user
    user = User(
        username=SYSTEM_USERNAME,
        display_name="システム",
        is_active=True,
        is_staff=False,
        is_superuser=True,
    )
    user.set_unusable_password()
    user._change_reason = "system user"
    try:
        with transaction.atomic():  # a savepoint: another worker may create it at the same time
            user.save()
    except IntegrityError:
        return User.objects.get(username=SYSTEM_USERNAME)
    return user


# --- who may manage whom (the rule is in README "Security") -----------------------------------


def _permissions(user: User) -> set[str]:
    return set() if user.is_superuser else user.get_all_permissions()


def group_permissions(groups: Iterable[Group]) -> set[str]:
    """The permissions of ``groups`` as ``app_label.codename``, in one query."""
    return {
        f"{app}.{code}"
        for app, code in Permission.objects.filter(group__in=list(groups)).values_list(
            "content_type__app_label", "codename"
        )
    }


def user_may_grant(*, actor: User, permissions: set[str]) -> bool:
    """Whether ``actor`` holds every one of ``permissions`` (a superuser holds them all)."""
    return actor.is_superuser or permissions <= _permissions(actor)


def user_may_edit(*, actor: User, user: User) -> bool:
    """Only a superuser edits, resets the password of or deactivates a superuser."""
    return actor.is_superuser or not user.is_superuser


def user_check_change(
    *,
    actor: User,
    user: User,
    is_staff: bool,
    is_superuser: bool,
    is_service_account: bool,
    groups: Iterable[Group],
    permissions: Iterable[Permission],
) -> None:
    """Raise ``PermissionDenied`` or ``ValidationError`` when ``actor`` may not give ``user``
    (a new one when it has no primary key) these flags, roles and permissions.

    A superuser may do anything. Anyone else may not touch a superuser, may not change the
    ``is_superuser`` or ``is_service_account`` flags, may change ``is_staff`` only while holding
    it, and may add or remove only roles and permissions they hold every permission of."""
    if actor.is_superuser:
        return
    if not user_may_edit(actor=actor, user=user):
        raise PermissionDenied(_("Only a superuser may change a superuser."))
    errors: dict[str, str] = {}
    before = User.objects.filter(pk=user.pk).first() if user.pk else None
    if is_superuser != (before.is_superuser if before else False):
        errors["is_superuser"] = _("Only a superuser may grant or remove superuser status.")
    if is_service_account != (before.is_service_account if before else False):
        errors["is_service_account"] = _("Only a superuser may mark a service account.")
    if is_staff != (before.is_staff if before else False) and not actor.is_staff:
        errors["is_staff"] = _("You may not change the staff status.")
    old_groups = set(before.groups.all()) if before else set()
    changed_groups = old_groups ^ set(groups)
    if changed_groups and not user_may_grant(
        actor=actor, permissions=group_permissions(changed_groups)
    ):
        errors["groups"] = _("You may only give or take roles whose permissions you hold.")
    old_perms = set(before.user_permissions.all()) if before else set()
    changed_perms = old_perms ^ set(permissions)
    wanted = {f"{p.content_type.app_label}.{p.codename}" for p in changed_perms}
    if changed_perms and not user_may_grant(actor=actor, permissions=wanted):
        errors["user_permissions"] = _("You may only give or take permissions you hold.")
    if errors:
        raise ValidationError(errors)


def user_may_hold_token_of(*, actor: User, user: User) -> bool:
    """Tokens act as their account: ``actor`` may issue one for themselves, or for a service
    account that is no superuser and whose permissions ``actor`` all holds."""
    if actor.pk == user.pk or actor.is_superuser:
        return True
    return (
        user.is_service_account
        and not user.is_superuser
        and user_may_grant(actor=actor, permissions=user.get_all_permissions())
    )


def user_set_language(*, user: User, actor: User, language: str) -> User:
    """The language of ``user``'s emails: the person themself (administrators change it in the
    user admin, with the rest of the account). One history row naming who and why."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("You may change only your own language."))
    if language not in Language.values:
        raise ValidationError({"language": _("Choose Japanese or English.")})
    if user.language != language:
        user.language = language
        audited_save(user, actor=actor, reason="language", update_fields=["language"])
    return user
