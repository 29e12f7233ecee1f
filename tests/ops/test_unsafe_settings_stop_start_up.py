"""With DEBUG off, a missing or default SECRET_KEY, the "change-me" webhook secret or an empty
ALLOWED_HOSTS are system check errors (``check --deploy``, run by ``bin/serve`` first) and stop
the WSGI application from loading."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.utils import translation

from ops.checks import refuse_unsafe_start, unsafe_production_settings

SAFE = {
    "DEBUG": False,
    "SECRET_KEY": "k" * 20 + "-a-long-random-production-key-0123456789",
    "WEBHOOK_DEFAULT_SECRET": "a-long-random-webhook-secret",
    "ALLOWED_HOSTS": ["escalation.example.jp"],
}


def check_errors(message: str, japanese: str) -> None:
    with translation.override("en"):
        with pytest.raises(SystemCheckError, match=message):
            call_command("check", deploy=True, fail_level="ERROR")
        with pytest.raises(ImproperlyConfigured, match=message):
            refuse_unsafe_start()
    with translation.override("ja"), pytest.raises(SystemCheckError, match=japanese):
        call_command("check", deploy=True, fail_level="ERROR")


def test_safe_settings_pass(settings):
    for name, value in SAFE.items():
        setattr(settings, name, value)
    assert unsafe_production_settings() == []
    refuse_unsafe_start()


@pytest.mark.parametrize(
    "secret_key",
    ["", "insecure-default-set-SECRET_KEY-in-production", "dev-only-insecure-key-change-me"],
)
def test_a_missing_or_default_secret_key_stops_start_up(settings, secret_key):
    for name, value in SAFE.items():
        setattr(settings, name, value)
    settings.SECRET_KEY = secret_key or "x"  # Django refuses an empty key before our check
    if not secret_key:
        settings.INSECURE_SECRET_KEYS = {"x"}
    check_errors(
        "SECRET_KEY is missing or left at its development default",
        "SECRET_KEY が未設定か、開発用の既定値のまま",
    )


def test_the_default_webhook_secret_stops_start_up(settings):
    for name, value in SAFE.items():
        setattr(settings, name, value)
    settings.WEBHOOK_DEFAULT_SECRET = "change-me"
    check_errors(
        'WEBHOOK_DEFAULT_SECRET is left at "change-me"',
        "WEBHOOK_DEFAULT_SECRET が「change-me」のまま",
    )


def test_empty_allowed_hosts_stop_start_up(settings):
    for name, value in SAFE.items():
        setattr(settings, name, value)
    settings.ALLOWED_HOSTS = []
    check_errors("ALLOWED_HOSTS is empty", "ALLOWED_HOSTS が空です")


def test_with_debug_on_the_development_defaults_are_allowed(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = "dev-only-insecure-key-change-me"
    settings.WEBHOOK_DEFAULT_SECRET = "change-me"
    assert unsafe_production_settings() == []
