"""Webhook signing secrets (a team's, a subscription's) are write-only: set or rotated in the
admin, shown once when generated, never on a change form, history page or the audit log; every
team and subscription has one, and nothing is signed with a shared default."""

import importlib

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Team
from integrations.models import WebhookSubscription
from notifications import delivery, outbox
from notifications.models import Notification, NotificationChannel
from tests.factories import TeamFactory, UserFactory

SECRET = "very-secret-signing-key-2026"


@pytest.fixture
def administrator(db):
    return UserFactory(username="admin-user", role="administrator")


@pytest.fixture
def team(db):
    return TeamFactory(name="外部ベンダー", tier=4, webhook_url="https://vendor.example.jp/hook")


def history_pages(model_name: str, obj) -> list[str]:
    history = obj.history.order_by("history_id")
    return [
        reverse(f"admin:{model_name}_change", args=[obj.pk]),
        reverse(f"admin:{model_name}_history", args=[obj.pk]),
        *[
            reverse(f"admin:{model_name}_simple_history", args=[obj.pk, row.history_id])
            for row in history
        ],
    ]


def test_a_new_team_and_subscription_get_a_generated_secret(team):
    subscription = WebhookSubscription.objects.create(name="CRM", url="https://crm.example.jp/")

    assert len(team.webhook_secret) >= 40
    assert len(subscription.secret) >= 40
    assert team.webhook_secret != subscription.secret


def test_no_page_shows_a_team_secret(client, team, administrator, operator, manager, l1_team):
    team.webhook_secret = SECRET
    team.save()
    client.force_login(administrator)
    client.post(
        reverse("admin:accounts_team_change", args=[team.pk]),
        {"name": team.name, "tier": 4, "webhook_url": team.webhook_url, "members": []},
    )

    for user in (administrator, operator, manager):
        client.force_login(user)
        for url in [
            *history_pages("accounts_team", team),
            reverse("admin:audit_auditlog_changelist"),
        ]:
            response = client.get(url)
            assert response.status_code in (200, 403), url
            assert SECRET not in response.content.decode(), (user, url)


def test_a_secret_is_set_or_rotated_and_a_generated_one_shown_once(client, team, administrator):
    client.force_login(administrator)
    url = reverse("admin:accounts_team_change", args=[team.pk])
    form = {"name": team.name, "tier": 4, "webhook_url": team.webhook_url, "members": []}

    client.post(url, {**form, "new_secret": SECRET})
    team.refresh_from_db()
    assert team.webhook_secret == SECRET

    response = client.post(url, {**form, "generate_secret": "on"}, follow=True)
    team.refresh_from_db()
    assert team.webhook_secret != SECRET
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert team.webhook_secret in response.content.decode() or team.webhook_secret in shown
    assert team.webhook_secret not in client.get(url).content.decode()

    client.post(url, form)  # nothing typed: kept
    assert Team.objects.get(pk=team.pk).webhook_secret == team.webhook_secret


def test_a_subscription_secret_is_write_only(client, administrator):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:integrations_webhooksubscription_add"),
        {
            "name": "CRM",
            "url": "https://crm.example.jp/hooks",
            "event_types": ["case.created"],
            "is_active": "on",
        },
        follow=True,
    )
    subscription = WebhookSubscription.objects.get()
    shown = " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert subscription.secret in shown or subscription.secret in response.content.decode()

    for url in history_pages("integrations_webhooksubscription", subscription):
        assert subscription.secret not in client.get(url).content.decode(), url


def test_rows_without_a_secret_get_one_from_the_data_migration(team):
    Team.objects.filter(pk=team.pk).update(webhook_secret="")
    subscription = WebhookSubscription.objects.create(name="CRM", url="https://crm.example.jp/")
    WebhookSubscription.objects.filter(pk=subscription.pk).update(secret="")

    for name in (
        "accounts.migrations.0008_webhook_secret_generated",
        "integrations.migrations.0004_webhook_secret_generated",
    ):
        importlib.import_module(name).generate_missing_secrets(apps, None)

    team.refresh_from_db()
    subscription.refresh_from_db()
    assert len(team.webhook_secret) >= 40 and len(subscription.secret) >= 40


def test_nothing_is_signed_with_a_default_secret(db):
    (row,) = outbox.queue(
        [
            Notification(
                event_id="7c1f1a52-64fb-4bcf-9b8b-6d3f0c0a0a01",
                event_type="sla.breached",
                channel=NotificationChannel.WEBHOOK,
                address="https://nobody-owns-this.example.jp/hook",
                subject="x",
                payload={},
            )
        ]
    )

    assert delivery.deliver(row.pk) == "retry"
    assert "NoSigningSecret" in Notification.objects.get(pk=row.pk).last_error
