"""Errors go to Sentry (sentry-sdk with the Django and Celery integrations, no personal data)
only when ``SENTRY_DSN`` is set."""

import os
import subprocess
import sys

from tests.ops.servers import BASE_DIR

CODE = (
    "import sentry_sdk; c = sentry_sdk.get_client(); "
    "print(c.is_active(), c.options.get('send_default_pii'))"
)


def run(tmp_path, **env: str) -> str:
    base = {k: v for k, v in os.environ.items() if k != "SENTRY_DSN"}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", CODE],
        cwd=BASE_DIR,
        env={**base, "VAR_DIR": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_sentry_is_off_without_a_dsn(tmp_path):
    assert run(tmp_path).startswith("False")


def test_sentry_is_on_with_a_dsn(tmp_path):
    # a DSN on this machine: nothing is sent during the check
    assert run(tmp_path, SENTRY_DSN="http://public@127.0.0.1:9/1") == "True False"
