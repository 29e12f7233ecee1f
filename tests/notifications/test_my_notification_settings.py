"""Each person chooses which kinds raise a desktop notification (by default the loud ones),
which also go by email (by default all) and the language of their emails, on "my notification
settings" in the admin, linked from the bell. Only their own: the page edits the one who asks,
the settings' admin changes nobody's, and the services refuse someone else's."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.services import user_set_language
from notifications import preferences
from notifications.models import InboxKind, InboxSettings, default_desktop_kinds

MINE = "admin:notifications_inboxsettings_mine"


def test_the_defaults_are_the_loud_kinds_on_the_desktop_and_every_kind_by_email(operator):
    row = preferences.settings_of(operator)

    assert not InboxSettings.objects.exists()
    assert row.desktop_alerts is True
    assert InboxKind.ON_HOLD in row.desktop_kinds and InboxKind.RETURNED in row.desktop_kinds
    assert InboxKind.SLA_WARNING not in row.desktop_kinds
    assert InboxKind.REVIEW_OVERDUE not in row.desktop_kinds
    assert row.email_kinds == list(InboxKind.values)


def test_the_page_shows_and_saves_ones_own(client, operator):
    client.force_login(operator)
    page = client.get(reverse(MINE))
    assert page.status_code == 200
    assert page.context["form"].initial["desktop_kinds"] == default_desktop_kinds()

    saved = client.post(
        reverse(MINE),
        {
            "language": "en",
            "desktop_alerts": "on",
            "desktop_kinds": [InboxKind.ON_HOLD],
            "email_kinds": [],
        },
    )

    assert saved.status_code == 302
    operator.refresh_from_db()
    assert operator.language == "en"
    assert operator.history.first().history_change_reason == "language"
    row = InboxSettings.objects.get(user=operator)
    assert (row.desktop_alerts, row.desktop_kinds, row.email_kinds) == (
        True,
        [InboxKind.ON_HOLD],
        [],
    )
    assert client.get(reverse(MINE)).context["form"].initial["email_kinds"] == []


def test_an_unknown_kind_is_refused(client, operator):
    client.force_login(operator)
    response = client.post(reverse(MINE), {"language": "ja", "desktop_kinds": ["inbox.nonsense"]})
    assert response.status_code == 200 and response.context["form"].errors["desktop_kinds"]
    assert not InboxSettings.objects.exists()
    with pytest.raises(ValidationError):
        preferences.inbox_settings_update(
            user=operator, actor=operator, email_kinds=["inbox.nonsense"]
        )


def test_nobody_edits_someone_else_s(client, operator, colleague, supervisor):
    preferences.inbox_settings_update(user=colleague, actor=colleague, desktop_alerts=False)
    with pytest.raises(PermissionDenied):
        preferences.inbox_settings_update(user=colleague, actor=supervisor, desktop_alerts=True)

    # the page edits the one who asks, whatever the request says
    client.force_login(operator)
    mine = client.post(
        reverse(MINE), {"language": "en", "desktop_alerts": "on", "user": colleague.pk}
    )
    assert mine.status_code == 302
    assert InboxSettings.objects.get(user=colleague).desktop_alerts is False
    colleague.refresh_from_db()
    assert colleague.language == "ja"
    with pytest.raises(PermissionDenied):
        user_set_language(user=colleague, actor=operator, language="en")
    # the settings' admin changes nobody's, even for a supervisor of the colleague's team
    client.force_login(supervisor)
    change = reverse("admin:notifications_inboxsettings_change", args=[colleague.pk])
    assert client.post(change, {"desktop_alerts": "on"}).status_code == 403
    assert InboxSettings.objects.get(user=colleague).desktop_alerts is False
    assert client.get(reverse("admin:notifications_inboxsettings_add")).status_code == 403


def test_the_bell_links_to_the_page(client, operator):
    client.force_login(operator)
    html = client.get(reverse("admin:index")).content.decode()
    assert reverse(MINE) in html
