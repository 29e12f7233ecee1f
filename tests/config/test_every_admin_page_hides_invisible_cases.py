"""Every registered admin model, walked as people who may not see a case of the operator's team:
its list (plain and searched for each marker), change page, history page and every history row's
page for each of its rows, its autocompletes, and its own pages (exports, searches, case
pages). No response shows the case's reference, its customer's name or phone, its subject, its
note or its answer.

The people: ``outsider`` (an operator of another L1 team), a specialist of an L3 team the case
never went to, and the same outsider holding every "view" permission but the read-everything ones
(``escalations.view_all_cases``, the audit log, the dashboard), so that no page is skipped for
lack of a permission.

One documented exception: the customer directory (``escalations.customer`` pages and the
customer autocomplete) is shared by every team by design: an operator takes calls from any
customer and must find them before opening a case. It shows the customer's name and phone, never
their cases."""

from __future__ import annotations

import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import URLPattern, reverse
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import Tier
from escalations.models import Customer
from tests.factories import TeamFactory, UserFactory
from tests.visibility_setup import make_secret_case

READ_ALL = {"view_all_cases", "view_auditlog", "view_dashboard", "view_person_figures"}
DIRECTORY_MARKERS = {"customer name", "customer phone"}


@pytest.fixture
def secret(org, operator, supervisor):
    return make_secret_case(operator=operator, supervisor=supervisor)


@pytest.fixture
def stranger(db):
    """A specialist of an L3 team the case never went to."""
    user = UserFactory(username="stranger", display_name="山本 無関係", role="specialist")
    TeamFactory(name="無関係の技術チーム", tier=Tier.L3, members=[user])
    return user


@pytest.fixture
def nosy(outsider):
    views = Permission.objects.filter(codename__startswith="view_").exclude(codename__in=READ_ALL)
    outsider.user_permissions.add(*views)
    return outsider


def text_of(response) -> str:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    text = body.decode("utf-8", errors="replace")
    if response.get("Content-Type", "").startswith("application/json"):
        text = json.dumps(json.loads(text), ensure_ascii=False)
    return text


def own_urls(model_admin, int_values: list[int]) -> tuple[list[str], list[str]]:
    """The admin's own pages (not Django's standard five), each with every value to try; and
    those without arguments (lists, searches, exports), to be searched too."""
    standard = {"changelist", "add", "history", "delete", "change", "autocomplete"}
    urls, searchable = [], []
    transition_names = list(getattr(model_admin, "transitions", {})) or ["x"]
    for pattern in model_admin.get_urls():
        if not isinstance(pattern, URLPattern) or pattern.name is None:
            continue
        if pattern.name.rsplit("_", 1)[-1] in standard:
            continue
        converters = pattern.pattern.converters
        if not converters:
            searchable.append(reverse(f"admin:{pattern.name}"))
            continue
        for value in int_values:
            kwargs = {}
            for name, converter in converters.items():
                kwargs[name] = value if converter.regex == "[0-9]+" else transition_names[0]
            urls.append(reverse(f"admin:{pattern.name}", kwargs=kwargs))
            for name in transition_names[1:]:
                kwargs = {k: (name if isinstance(v, str) else v) for k, v in kwargs.items()}
                urls.append(reverse(f"admin:{pattern.name}", kwargs=kwargs))
    return urls, searchable


def site_urls() -> list[str]:
    """The site's own pages without arguments (the flow page, the dashboard). The flow PDF is
    left out: its text is compressed, and it shows what the flow page shows."""
    return [
        reverse(f"admin:{pattern.name}")
        for pattern in admin.site.get_urls()
        if isinstance(pattern, URLPattern)
        and pattern.name
        and not pattern.pattern.regex.groups
        and not pattern.name.endswith("_pdf")
    ]


def walk(client, secret) -> tuple[list[tuple[str, str, str]], int]:
    """Every page; returns the leaks (url, marker, model) and the number of pages that
    answered 200."""
    leaks, shown = [], 0
    case = secret.case
    int_values = sorted({case.pk, secret.draft.pk})

    def check(url: str, label: str, searched: str = "", directory: bool = False) -> None:
        nonlocal shown
        response = client.get(url)
        assert response.status_code < 500, url
        if response.status_code != 200:
            return
        shown += 1
        text = text_of(response)
        if searched:  # the search box and the filter links repeat what was searched for
            for echo in (f'value="{searched}"', f"q={searched}", f"q%3D{searched}"):
                text = text.replace(echo, "")
        for name, marker in secret.markers.items():
            if directory and name in DIRECTORY_MARKERS:
                continue
            if marker in text:
                leaks.append((url, name, label))

    for url in site_urls():
        check(url, "site")

    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        info = f"admin:{opts.app_label}_{opts.model_name}"
        label, is_customer = opts.label_lower, model is Customer
        urls, searchable = own_urls(model_admin, int_values)
        changelist = reverse(f"{info}_changelist")
        for url in {changelist, *searchable}:
            check(url, label, directory=is_customer)
            for marker in secret.markers.values():
                check(f"{url}?q={marker}", label, searched=marker, directory=is_customer)
        # (the audit log is a page over the history tables, not a table of its own)
        pks = list(model._default_manager.values_list("pk", flat=True)) if opts.managed else []
        for pk in pks:
            try:
                urls.append(reverse(f"{info}_change", args=[pk]))
            except Exception:  # no change page (the audit log's own list only)
                break
            urls.append(reverse(f"{info}_history", args=[pk]))
            # (a proxy's admin may show its model's rows without their history pages)
            history = getattr(model, "history", None)
            if history is not None and isinstance(model_admin, SimpleHistoryAdmin):
                for version in history.filter(**{opts.pk.attname: pk}).values_list(
                    "history_id", flat=True
                ):
                    urls.append(reverse(f"{info}_simple_history", args=[pk, version]))
        for field_name in model_admin.autocomplete_fields:
            for marker in secret.markers.values():
                urls.append(
                    f"{reverse('admin:autocomplete')}?app_label={opts.app_label}"
                    f"&model_name={opts.model_name}&field_name={field_name}&term={marker}"
                )
        remote = {
            f: model._meta.get_field(f).remote_field.model for f in model_admin.autocomplete_fields
        }
        for url in urls:
            to_directory = "autocomplete" in url and any(
                m is Customer and f"field_name={f}&" in url for f, m in remote.items()
            )
            check(url, label, directory=is_customer or to_directory)
    return leaks, shown


@pytest.mark.parametrize("persona", ["outsider", "stranger", "nosy"])
def test_no_admin_page_shows_a_case_the_user_may_not_see(request, client, secret, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    leaks, shown = walk(client, secret)

    assert leaks == [], "\n".join(map(str, leaks))
    assert shown > 0


def test_the_walk_finds_the_case_where_it_may_be_seen(client, secret, operator):
    """The same walk as the case's owner shows every marker: the pages do show them."""
    client.force_login(operator)

    leaks, _shown = walk(client, secret)

    assert {name for _url, name, _model in leaks} == set(secret.markers)
    assert {model for _url, _name, model in leaks} >= {
        "escalations.slaevent",
        "escalations.callback",
        "knowledge.casearticle",
        "knowledge.article",
    }
