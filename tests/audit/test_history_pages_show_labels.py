"""simple-history's object history page reads like the audit log: statuses by their labels,
times in local time, an empty value as 「（なし）」, the change reason in words."""

import html
import re

from django.urls import reverse
from django.utils.html import strip_tags

from escalations import services
from kit.times import local_second
from tests.factories import HANDOFF


def test_a_case_history_page_shows_labels_not_codes(client, case, operator, admin_user):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    case.refresh_from_db()
    client.force_login(admin_user)

    response = client.get(
        reverse("admin:escalations_case_history", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="ja"
    )

    assert response.status_code == 200
    text = re.sub(r"\s+", " ", html.unescape(strip_tags(response.content.decode())))
    assert "ステータス: 対応中 → エスカレーション中" in text
    assert "ステータス: 新規 → 対応中" in text
    local = local_second(case.first_response_at)
    assert f"（なし） → {local}" in text  # the first response, in Tokyo time
    assert "対応者: 佐藤 一郎 → （なし）" in text  # the team's queue: nobody yet
    assert "エスカレーション: クレーム → SVチーム" in text
    for code in ("in_progress", "escalated", "+00:00", "None", "Deleted", "escalate: "):
        assert code not in text
