"""The audit log shows what a change reason means (「メモ: 引き継ぎ」), not the code the service
stored (``note: handoff``); a reason a person typed is shown as written."""

import pytest
from django.apps import apps
from django.urls import reverse
from django.utils import translation

from audit.reasons import reason_label
from escalations import services
from tests.factories import HANDOFF


@pytest.mark.parametrize(
    ("reason", "model", "japanese"),
    [
        ("note: handoff", "escalations.casenote", "メモ: 引き継ぎ"),
        ("hold_end: answered", "escalations.escalation", "保留終了: 電話口で回答"),
        ("shown", "knowledge.deflection", "候補として表示"),
        ("edited in admin", "escalations.customer", "管理画面で編集"),
        (
            "escalate: クレーム → SVチーム",
            "escalations.case",
            "エスカレーション: クレーム → SVチーム",
        ),
        ("acknowledge", "escalations.escalation", "受付"),
        ("submit", "knowledge.article", "レビュー依頼"),
        ("edit: subject, priority", "escalations.case", "編集: 件名, 優先度"),
        ("task: escalations.sla_sweep", "escalations.case", "自動処理: SLA監視"),
        ("solved_with", "knowledge.casearticle", "この記事で解決"),
        ("miss", "escalations.callback", "折り返し漏れ"),
        ("language", "accounts.user", "メールの言語を変更"),
        ("@電話で訂正", "escalations.customer", "@電話で訂正"),
        ("", "escalations.case", ""),
    ],
)
def test_a_reason_in_words(reason, model, japanese):
    with translation.override("ja"):
        assert reason_label(reason, apps.get_model(model)) == japanese


def test_the_audit_log_page_shows_the_words_not_the_codes(client, case, operator, manager):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    client.force_login(manager)

    response = client.get(
        reverse("admin:audit_auditlog_changelist"),
        {"object": case.reference},
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    content = response.content.decode()
    assert "メモ: 引き継ぎ" in content
    assert "note: handoff" not in content
    assert "escalate: " not in content
