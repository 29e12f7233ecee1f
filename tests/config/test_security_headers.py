"""Every page carries a Content-Security-Policy that allows scripts from this site only, and
the pages work under it: no inline script or event handler on the admin, the dashboard, the
flow page or the API docs. A login lasts 8 hours by default (SESSION_COOKIE_AGE_HOURS)."""

import re

import pytest
from django.conf import settings
from django.urls import reverse


def script_sources(policy: str) -> list[str]:
    directives = dict(
        (part.strip().split(" ", 1) + [""])[:2] for part in policy.split(";") if part.strip()
    )
    return directives["script-src"].split()


def assert_no_inline_script(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+\s*=", html), re.search(r".{80}\son[a-z]+\s*=.{80}", html)


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("manager", "admin:index"),
        ("manager", "admin:reports_dashboard"),
        ("operator", "admin:escalations_flow"),
        ("operator", "admin:escalations_case_changelist"),
        ("operator", "admin:escalations_case_add"),
        ("operator", "api-docs"),
    ],
)
def test_pages_work_under_the_policy(client, request, org, persona, url):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse(url))

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert script_sources(policy) == ["'self'"]
    assert "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert_no_inline_script(response.content.decode())


def test_the_login_page_and_the_api_carry_the_policy_too(client, db):
    assert "script-src 'self'" in client.get(reverse("admin:login"))["Content-Security-Policy"]
    assert "Content-Security-Policy" in client.get("/api/v1/cases/")


def test_the_swagger_ui_starts_from_a_script_file(client, operator):
    client.force_login(operator)

    script = client.get(reverse("api-docs") + "?script=")

    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_a_login_lasts_a_working_day_by_default(client, operator):
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    client.force_login(operator)

    assert 8 * 3600 - 60 <= client.session.get_expiry_age() <= 8 * 3600
