"""Opening a case writes the same rows whichever way the service writes them (on PostgreSQL the
case, its timers, the call log and their history rows go in one INSERT,
``kit.together.insert_together``; on SQLite one model at a time): the case as the ORM reads it back,
one history row each for the case and the call log with the user and the reason, the values of
the case's history row equal to the case's (its ``updated_at`` too), the SLA timers, and the
webhook rows of the outbox with their deliveries (on PostgreSQL in the case's INSERT too)."""

from escalations import services
from escalations.models import Case, CaseNote, NoteKind, SLATimer, TimerKind
from escalations.priority import Impact, Urgency
from integrations.models import WebhookDelivery, WebhookSubscription
from notifications.models import Notification, NotificationChannel, NotificationStatus
from tests.factories import CategoryFactory, CustomerFactory, make_sla_policy


def open_case(operator, call_log="お客様からの問い合わせ"):
    return services.case_create(
        actor=operator,
        customer=CustomerFactory(),
        category=CategoryFactory(name="請求・料金"),
        subject="  請求額が違う ",
        description="先月の請求額",
        impact=Impact.MEDIUM,
        urgency=Urgency.HIGH,
        call_log=call_log,
    )


def test_a_new_case_its_call_log_timers_and_history_rows(org, operator, db):
    make_sla_policy()
    case = open_case(operator)

    stored = Case.objects.get(pk=case.pk)
    assert stored.reference == case.reference
    assert stored.subject == "請求額が違う"
    assert stored.owner == stored.handler == operator
    assert stored.owner_team == stored.assigned_team == org["l1"]
    assert stored.updated_at == case.updated_at is not None
    assert case._state.adding is False

    (row,) = stored.history.all()
    assert (row.history_type, row.history_user, row.history_change_reason) == (
        "+",
        operator,
        "create",
    )
    for field in ("reference", "subject", "status", "priority", "created_at", "updated_at"):
        assert getattr(row, field) == getattr(stored, field), field
    assert row.pk == case._history_row_id

    (note,) = CaseNote.objects.filter(case=stored)
    assert (note.kind, note.author) == (NoteKind.CALL_LOG, operator)
    assert note.body == "お客様からの問い合わせ"
    (note_row,) = note.history.all()
    assert (note_row.history_user, note_row.history_change_reason) == (operator, "note: call_log")
    assert note_row.case_id == stored.pk

    timers = SLATimer.objects.filter(case=stored)
    assert sorted(t.kind for t in timers) == sorted(
        [TimerKind.FIRST_RESPONSE, TimerKind.RESOLUTION]
    )
    assert all(t.due_at is not None for t in timers)


def test_a_case_without_a_call_log_or_a_policy(org, operator, db):
    case = open_case(operator, call_log="  ")
    assert not CaseNote.objects.filter(case=case).exists()
    assert not SLATimer.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).history.get().history_change_reason == "create"


def test_two_creates_get_their_own_references_and_keys(org, operator, db):
    first, second = open_case(operator), open_case(operator)
    assert first.pk != second.pk and first.reference != second.reference
    assert CaseNote.objects.filter(case__in=[first, second]).count() == 2


def test_the_webhook_rows_and_their_deliveries(
    org, operator, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the subscriptions "committed"
        subscribed = [
            WebhookSubscription.objects.create(
                name=name, url=f"http://127.0.0.1:9/{name}", secret="s", event_types=events
            )
            for name, events in (
                ("crm", ["case.created"]),
                ("chat", ["case.created", "case.escalated"]),
                ("bi", ["case.escalated"]),
            )
        ]

    with django_capture_on_commit_callbacks() as callbacks:
        case = open_case(operator)

    rows = Notification.objects.filter(case=case)
    assert len(rows) == 2 and len(callbacks) >= 1  # the delivery task, once committed
    for subscription in subscribed[:2]:
        delivery = WebhookDelivery.objects.get(subscription=subscription)
        row = rows.get(pk=delivery.notification_id)
        assert (row.channel, row.status, row.address) == (
            NotificationChannel.WEBHOOK,
            NotificationStatus.PENDING,
            subscription.url,
        )
        assert row.event_type == "case.created"
        assert row.payload["case"]["reference"] == case.reference
        assert row.payload["case"]["status"] == case.status
        assert case.reference in row.subject
    assert not WebhookDelivery.objects.filter(subscription=subscribed[2]).exists()
