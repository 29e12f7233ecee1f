"""The SLA policy page says each target as people do: 「営業時間で4時間」, 16 business hours on
8-hour days 「2営業日」, never only ``16:00:00``; in a constant number of queries."""

import re

from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils.html import strip_tags

from escalations.admin.sla import business_day
from tests.factories import make_sla_policy


def test_the_policy_page_says_targets_in_words(client, admin_user, django_assert_num_queries):
    policy = make_sla_policy(always_open=False)
    assert business_day(policy.calendar).total_seconds() == 8 * 3600
    client.force_login(admin_user)
    ContentType.objects.clear_cache()  # counted the same alone and in the whole suite

    # one for each inline's opening hours, not per row; + the SLA clock banner (ops); the
    # session comes from the cache (cached_db)
    with django_assert_num_queries(11 + 1 - 1):
        response = client.get(
            reverse("admin:escalations_slapolicy_change", args=[policy.pk]),
            HTTP_ACCEPT_LANGUAGE="ja",
        )

    assert response.status_code == 200
    text = re.sub(r"\s+", " ", strip_tags(response.content.decode()))
    assert "営業時間で15分 / 営業時間で4時間" in text  # P1
    assert "営業時間で1時間 / 2営業日" in text  # P3: 16 business hours
    assert "営業時間で2時間 / 5営業日" in text  # P4: 40 business hours
    assert "営業時間で15分 / 営業時間で1時間" in text  # the L2 hop


def test_a_round_the_clock_calendar_says_plain_hours(client, admin_user):
    policy = make_sla_policy(always_open=True)
    client.force_login(admin_user)
    response = client.get(
        reverse("admin:escalations_slapolicy_change", args=[policy.pk]), HTTP_ACCEPT_LANGUAGE="ja"
    )
    text = re.sub(r"\s+", " ", strip_tags(response.content.decode()))
    assert "15分 / 4時間" in text and "営業日" not in text
