"""Pages show an event by its label (「SLA警告」), never its code (``sla.warning``): every event
type the outbox carries has one."""

from django.urls import reverse
from django.utils import translation

from notifications import outbox
from notifications.events import EventType
from notifications.labels import event_label

OUTBOX_ONLY = [
    "escalation.on_hold",
    "article.review_overdue",
    "rule.review_overdue",
    "team.review_overdue",
]


def test_every_event_type_has_a_japanese_label():
    with translation.override("ja"):
        for code in [*EventType.values, *OUTBOX_ONLY]:
            label = event_label(code)
            assert label != code and not label.isascii(), code
        assert event_label("sla.warning") == "SLA警告"


def test_the_outbox_page_shows_labels(client, admin_user, operator):
    operator.email = "operator@example.com"
    sent = outbox.notify_users([operator], event_type="sla.warning", subject="x", payload={})
    assert len(sent) == 1
    client.force_login(admin_user)
    response = client.get(
        reverse("admin:notifications_notification_changelist"), HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "SLA警告" in page
    assert ">sla.warning<" not in page
