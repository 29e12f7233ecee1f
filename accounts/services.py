"""Account use cases."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from accounts.models import User

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
