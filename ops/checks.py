"""With DEBUG off, unsafe settings stop start-up: system check errors (deployment checks, so
``makemigrations`` and the tests are not held up). ``manage.py check --deploy`` reports them;
``bin/serve`` runs it before anything starts, and the WSGI application (gunicorn, however it
is started) refuses to load with them (``refuse_unsafe_start``)."""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _


def register() -> None:
    checks.register(unsafe_production_settings, checks.Tags.security, deploy=True)


def refuse_unsafe_start() -> None:
    errors = unsafe_production_settings()
    if errors:
        raise ImproperlyConfigured(
            "\n".join(f"{error.id}: {error.msg} {error.hint}" for error in errors)
        )


def unsafe_production_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    errors = []
    if not settings.SECRET_KEY or settings.SECRET_KEY in settings.INSECURE_SECRET_KEYS:
        errors.append(
            checks.Error(
                _("SECRET_KEY is missing or left at its development default while DEBUG is off."),
                hint=_("Set SECRET_KEY in the environment to a long random value."),
                id="ops.E001",
            )
        )
    if settings.WEBHOOK_DEFAULT_SECRET == settings.INSECURE_WEBHOOK_SECRET:
        errors.append(
            checks.Error(
                _('WEBHOOK_DEFAULT_SECRET is left at "change-me" while DEBUG is off.'),
                hint=_("Set WEBHOOK_DEFAULT_SECRET in the environment to a long random value."),
                id="ops.E002",
            )
        )
    if not settings.ALLOWED_HOSTS:
        errors.append(
            checks.Error(
                _("ALLOWED_HOSTS is empty while DEBUG is off."),
                hint=_("Set ALLOWED_HOSTS in the environment (comma-separated host names)."),
                id="ops.E003",
            )
        )
    return errors
