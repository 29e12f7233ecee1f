"""The audit log reads in Japanese first: field names, choice labels, people's names."""

from django.urls import reverse

from escalations import services
from tests.factories import HANDOFF


def test_the_audit_log_speaks_japanese(client, case, operator, manager):
    services.case_escalate(case=case, actor=operator, reason="complaint", handoff=HANDOFF)
    client.force_login(manager)

    response = client.get(
        reverse("admin:audit_auditlog_changelist"),
        {"object": case.reference, "model": "escalations.case"},
        HTTP_ACCEPT_LANGUAGE="ja",
    )

    latest = response.context["entries"][0]
    assert (latest.model, latest.action_label, latest.user) == ("案件", "変更", "佐藤 一郎")
    changes = {c.field: (c.old, c.new) for c in latest.changes}
    assert changes["ステータス"] == ("対応中", "エスカレーション中")
    assert changes["階層"][1] == "L2 SV（スーパーバイザー）"
    assert changes["対応チーム"][1] == "SVチーム (L2 SV（スーパーバイザー）)"
    content = response.content.decode()
    for text in ("監査ログ", "絞り込み", "CSVに出力", "対応中 → エスカレーション中"):
        assert text in content
