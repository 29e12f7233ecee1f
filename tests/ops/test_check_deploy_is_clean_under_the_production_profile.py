"""``manage.py check --deploy`` reports nothing under the production profile (the environment
of deploy/escalation.env.example, behind a TLS proxy)."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(tmp_path) -> dict[str, str]:
    return {
        **os.environ,
        "DEBUG": "0",
        "SERVE_STATIC": "1",
        "VAR_DIR": str(tmp_path),
        "SECRET_KEY": "prod-" + "9f3kq2Lm8xZp" * 5,
        "WEBHOOK_DEFAULT_SECRET": "a-long-random-webhook-secret",
        "ALLOWED_HOSTS": "escalation.example.jp",
        "SITE_URL": "https://escalation.example.jp",
        "CSRF_TRUSTED_ORIGINS": "https://escalation.example.jp",
        "SECURE_PROXY_SSL_HEADER": "1",
        "SECURE_SSL_REDIRECT": "1",
        "SESSION_COOKIE_SECURE": "1",
        "CSRF_COOKIE_SECURE": "1",
        "SECURE_HSTS_SECONDS": "31536000",
        "SECURE_HSTS_INCLUDE_SUBDOMAINS": "1",
        "SECURE_HSTS_PRELOAD": "1",
    }


def test_check_deploy_reports_no_issue(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_the_tls_settings_check_deploy_warns(tmp_path):
    env = production_env(tmp_path)
    del env["SECURE_HSTS_SECONDS"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "security.W004" in result.stderr
