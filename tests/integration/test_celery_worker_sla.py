"""SLA enforcement with a real Celery worker and beat (subprocesses) on Redis and PostgreSQL.

The worker and beat run against the test's own database (pytest-django's, committed data:
``transaction=True``) and a dedicated Redis database (``/15``), flushed before and after. Beat
sends the SLA sweep every second.

1. An escalation to L2 whose 3-second acknowledgement target passes is escalated to L3 by the
   sweep, and the L2 team's webhook receives ``sla.breached``, signed with its secret.
2. The worker is SIGKILLed (its whole process group) while a sweep is inside a batch: the batch
   in flight rolls back, the restarted worker finishes the rest, and every case is escalated
   exactly once.
3. A burst of breaches (more than one batch) makes the sweep ask a helper sweep, which the
   worker's second process runs beside it: both take batches, every case is escalated once.

Skipped on SQLite and when Redis does not answer. Logs of every process start are in the test's
``tmp_path`` and printed when a test fails.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import threading
import time
from ast import literal_eval
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from escalations import services
from escalations.models import (
    Case,
    CaseStatus,
    Escalation,
    EscalationOutcome,
    Level,
    SLAEvent,
    SLAHopTarget,
    SLATimer,
    TimerKind,
)
from notifications.models import Notification, NotificationStatus
from tests.factories import HANDOFF, make_case, make_sla_policy
from tests.integration.celery_procs import (
    CeleryCluster,
    broker_url_for_tests,
    database_url,
    flush_redis,
    redis_problem,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SWEEP_INTERVAL = 1  # seconds, beat's period for the sweep (and for due notifications)
SWEEP_DONE = re.compile(r"Task escalations\.sla_sweep\[[^\]]+\] succeeded")


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def broker_url() -> Iterator[str]:
    url = broker_url_for_tests(settings.CELERY_BROKER_URL)
    problem = redis_problem(url)
    if problem:
        pytest.skip(problem)
    flush_redis(url)  # no leftover sweeps or deliveries from an earlier run
    yield url
    flush_redis(url)


@pytest.fixture
def celery_cluster(transactional_db, broker_url, tmp_path, request) -> Iterator[Callable]:
    """``celery_cluster(**env)``: a worker and beat on this test's database; stopped (process
    groups killed) before the database is flushed. Their logs are printed if the test failed."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": broker_url,
        "SLA_SWEEP_INTERVAL_SECONDS": str(SWEEP_INTERVAL),
        "NOTIFICATION_RETRY_INTERVAL_SECONDS": str(SWEEP_INTERVAL),
        "VAR_DIR": str(tmp_path),  # beat's schedule file
        "PYTHONUNBUFFERED": "1",
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",  # the test's receiver listens on 127.0.0.1
    }
    clusters: list[CeleryCluster] = []
    failed_before = request.session.testsfailed

    def make(concurrency: int = 1, **extra_env: str) -> CeleryCluster:
        cluster = CeleryCluster(env={**env, **extra_env}, log_dir=tmp_path, concurrency=concurrency)
        clusters.append(cluster)
        return cluster

    try:
        yield make
    finally:
        for cluster in clusters:
            cluster.stop()
        if request.session.testsfailed > failed_before:
            for cluster in clusters:
                print(cluster.dump_logs())
        connection.close()  # nothing of ours stays idle in the test database either


class _Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.received.append((dict(self.headers.items()), body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
        pass


@pytest.fixture
def webhook_receiver() -> Iterator[ThreadingHTTPServer]:
    """A local HTTP server recording each POST as ``(headers, raw body)`` in ``.received``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    server.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _start(cluster: CeleryCluster) -> None:
    cluster.start_worker()
    cluster.beat.start()


def _wait_sweeps(cluster: CeleryCluster, count: int = 1, *, timeout: float = 30) -> None:
    """Until the current worker has finished ``count`` sweeps (from its start)."""
    wait_for(
        lambda: len(SWEEP_DONE.findall(_alive_log(cluster))) >= count,
        timeout=timeout,
        what=f"{count} sweep(s) done by the worker",
    )


def _worker_log(cluster: CeleryCluster) -> str:
    """The worker's log (beat not started)."""
    if not cluster.worker.alive:
        raise RuntimeError(f"the worker exited:\n{cluster.worker.log()}")
    return cluster.worker.log()


def _alive_log(cluster: CeleryCluster) -> str:
    for process in cluster.processes:
        if not process.alive:
            raise RuntimeError(f"{process.name} exited:\n{process.log()}")
    return cluster.worker.log()


# --- 1. a breach escalates and notifies ------------------------------------------------------

ACK = timedelta(seconds=3)
SECRET = "whsec-integration"


def test_a_breach_escalates_the_case_and_sends_a_signed_webhook(
    case, operator, org, celery_cluster, webhook_receiver
):
    make_sla_policy(acknowledge=ACK)
    # Only the L2 hop is on a 3 s clock: the automatic L3 hop must not breach during the test
    # (there is no L4 team to take it).
    SLAHopTarget.objects.exclude(to_tier=2).update(acknowledge=timedelta(hours=1))
    l2 = org["l2"]
    l2.webhook_url = f"http://127.0.0.1:{webhook_receiver.server_port}/hooks/sla"
    l2.webhook_secret = SECRET
    l2.save(update_fields=["webhook_url", "webhook_secret"])

    cluster = celery_cluster()
    _start(cluster)
    cluster.wait_worker_ready()
    _wait_sweeps(cluster)  # the clock starts once beat and the worker are sweeping

    hop = services.case_escalate(case=case, actor=operator, reason="knowledge_gap", handoff=HANDOFF)
    ack = SLATimer.objects.get(escalation=hop, kind=TimerKind.ACKNOWLEDGE)
    assert ack.due_at - ack.started_at == ACK

    def breached_hooks() -> list[tuple[dict, bytes]]:
        _alive_log(cluster)
        return [
            (headers, body)
            for headers, body in webhook_receiver.received
            if headers.get("X-Escalation-Event") == "sla.breached"
        ]

    def escalated_and_notified() -> bool:
        case.refresh_from_db()
        second = Escalation.objects.filter(case=case, number=2).first()
        return case.tier == 3 and second is not None and bool(breached_hooks())

    wait_for(escalated_and_notified, timeout=30, interval=0.2, what="the L3 hop and the webhook")

    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED and case.assigned_team == org["l3"]
    second = case.escalations.get(number=2)
    assert second.is_automatic and second.requested_by.username == "system"
    assert case.escalations.get(number=1).outcome == EscalationOutcome.ESCALATED_FURTHER

    breaches = SLAEvent.objects.filter(timer=ack, level=Level.BREACH)
    assert breaches.count() == 1
    breach = breaches.get()
    delay = (breach.fired_at - breach.due_at).total_seconds()
    assert 0 <= delay <= SWEEP_INTERVAL + 5, delay
    assert sorted(SLAEvent.objects.filter(timer=ack).values_list("level", flat=True)) == [
        Level.WARN_HANDLER,
        Level.WARN_LEAD,
        Level.BREACH,
    ]

    [(headers, body)] = breached_hooks()
    timestamp = headers["X-Escalation-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    assert hmac.compare_digest(headers["X-Escalation-Signature"], "sha256=" + expected.hexdigest())
    assert abs(int(timestamp) - time.time()) < 60
    payload = json.loads(body)
    assert payload["type"] == "sla.breached"
    assert payload["case"]["reference"] == case.reference
    assert payload["timer"] == TimerKind.ACKNOWLEDGE and payload["escalation"] == 1
    assert headers["X-Escalation-Event-Id"] == payload["event_id"]
    webhook = Notification.objects.get(event_id=payload["event_id"])
    wait_for(
        lambda: Notification.objects.filter(pk=webhook.pk, status=NotificationStatus.SENT).exists(),
        timeout=10,
        what="the webhook notification marked sent",
    )
    print(f"\n[sla breach] due {breach.due_at:%H:%M:%S.%f}, fired {breach.fired_at:%H:%M:%S.%f}:")
    print(f"[sla breach] delay {delay:.2f} s (sweep every {SWEEP_INTERVAL} s)")


# --- 2. SIGKILL in the middle of a sweep: each case escalated exactly once -------------------

CASES = 200
BATCH = 10


def _worker_backend_in_batch() -> int | None:
    """The pid of another backend of this database inside a transaction that holds an xid
    (a sweep batch that has locked or written rows), if any."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _backend_alive(pid: int) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])
        return cursor.fetchone() is not None


def test_a_worker_killed_mid_sweep_escalates_each_case_exactly_once(
    org, operator, manager, supervisor, celery_cluster
):
    make_sla_policy()  # 15 min to acknowledge: nothing is due until the timers are moved
    manager.email = "manager@example.com"
    manager.save(update_fields=["email"])
    supervisor.email = "sv-lead@example.com"  # the L2 team's lead
    supervisor.save(update_fields=["email"])

    cluster = celery_cluster(SLA_SWEEP_BATCH_SIZE=str(BATCH))
    _start(cluster)  # boots while the cases are created

    created = time.monotonic()
    ids = []
    with transaction.atomic():
        for i in range(CASES):
            new = make_case(owner=operator, subject=f"請求額が違う #{i}")
            services.case_start_work(case=new, actor=operator)
            services.case_escalate(
                case=new, actor=operator, reason="knowledge_gap", handoff=HANDOFF
            )
            ids.append(new.pk)
    created = time.monotonic() - created
    cluster.wait_worker_ready()
    _wait_sweeps(cluster)

    # Every first hop's acknowledgement became due 5 minutes ago (timers keep no history).
    started = timezone.now() - timedelta(minutes=20)
    due = started + timedelta(minutes=15)
    first_acks = SLATimer.objects.filter(kind=TimerKind.ACKNOWLEDGE, escalation__number=1)
    moved = first_acks.update(
        started_at=started,
        running_since=started,
        due_at=due,
        next_level=Level.BREACH,
        next_fire_at=due,
    )
    assert moved == CASES
    breaches = SLAEvent.objects.filter(level=Level.BREACH)

    # Let a few batches commit, then kill the worker while a batch holds locks and writes.
    wait_for(
        lambda: _alive_log(cluster) and breaches.count() >= 2 * BATCH,
        timeout=30,
        interval=0.02,
        what="two committed batches",
    )
    deadline = time.monotonic() + 5
    backend = None
    while backend is None and time.monotonic() < deadline:
        backend = _worker_backend_in_batch() or time.sleep(0.002)
    seen_at_kill = breaches.count()
    cluster.worker.kill_hard()
    killed_at = time.monotonic()
    assert seen_at_kill < CASES, "the sweep finished before the kill: make it slower"
    if backend is not None:  # postgres rolls the batch back once it sees the socket closed
        wait_for(lambda: not _backend_alive(backend), timeout=10, what="the backend to go")
    committed = breaches.count()
    assert 0 < committed < CASES
    assert committed % BATCH == 0, "a batch committed in part"
    assert first_acks.filter(next_fire_at__isnull=True).count() == committed
    assert Escalation.objects.filter(number=2).count() == committed
    assert cluster.beat.alive

    cluster.start_worker()  # beat kept queueing sweeps meanwhile
    wait_for(
        lambda: _alive_log(cluster) and breaches.count() == CASES,
        timeout=40,
        interval=0.2,
        what=f"all {CASES} breaches",
    )
    finished_at = time.monotonic()
    done = len(SWEEP_DONE.findall(cluster.worker.log()))
    _wait_sweeps(cluster, done + 2)  # later sweeps find nothing left to do

    assert not first_acks.filter(next_fire_at__isnull=False).exists()
    cases = Case.objects.filter(pk__in=ids)
    assert cases.count() == CASES
    assert set(cases.values_list("tier", "status").distinct()) == {(3, CaseStatus.ESCALATED)}
    hops = Escalation.objects.filter(case__in=ids).values("case").annotate(n=Count("id"))
    assert {row["n"] for row in hops} == {2} and len(hops) == CASES
    assert Escalation.objects.filter(number=2, is_automatic=True).count() == CASES
    assert SLATimer.objects.filter(escalation__number=2).count() == 2 * CASES

    per_level = SLAEvent.objects.values("timer", "level").annotate(n=Count("id"))
    assert {row["n"] for row in per_level} == {1}
    assert breaches.count() == CASES
    assert set(breaches.values_list("timer", flat=True)) == set(
        first_acks.values_list("pk", flat=True)
    )

    further = Case.history.filter(
        id__in=ids,
        history_change_reason__startswith="escalate_further",
        history_user__username="system",
    )
    per_case = further.values("id").annotate(n=Count("history_id"))
    assert len(per_case) == CASES and {row["n"] for row in per_case} == {1}
    assert not Case.history.filter(
        id__in=ids, history_change_reason__startswith="escalate_further"
    ).exclude(history_user__username="system")

    # The outbox: one breach email per case to the manager and to the L2 lead, no more.
    emails = Notification.objects.filter(event_type="sla.breached").values("case", "address")
    per_recipient = emails.annotate(n=Count("id"))
    assert len(per_recipient) == 2 * CASES and {row["n"] for row in per_recipient} == {1}

    where = f"inside a batch (backend {backend} held an xid)" if backend else "between batches"
    print(
        f"\n[sigkill] {CASES} cases created in {created:.1f} s; killed the worker with"
        f" {seen_at_kill} breaches committed ({committed} after the kill, batch of {BATCH});"
        f" {where};"
        f" the restarted worker finished the other {CASES - committed}"
        f" {finished_at - killed_at:.1f} s after the kill"
    )


# --- 3. a burst: the sweep asks for a helper -------------------------------------------------

BURST_CASES = 200
BURST_BATCH = 5
SWEEP_RESULT = re.compile(
    r"Task escalations\.sla_sweep\[[^\]]+\] succeeded in [\d.]+s: (\{[^}]*\})"
)


def test_a_burst_of_breaches_is_swept_by_two_processes_at_once(
    org, operator, manager, supervisor, celery_cluster, broker_url
):
    from config.celery import app
    from escalations.tasks import sla_sweep

    make_sla_policy()
    cluster = celery_cluster(concurrency=2, SLA_SWEEP_BATCH_SIZE=str(BURST_BATCH))
    cluster.start_worker()  # no beat: this test sends the one periodic sweep itself
    with transaction.atomic():
        for i in range(BURST_CASES):
            new = make_case(owner=operator, subject=f"一斉障害 #{i}")
            services.case_start_work(case=new, actor=operator)
            services.case_escalate(
                case=new, actor=operator, reason="knowledge_gap", handoff=HANDOFF
            )
    started = timezone.now() - timedelta(minutes=20)
    due = started + timedelta(minutes=15)
    first_acks = SLATimer.objects.filter(kind=TimerKind.ACKNOWLEDGE, escalation__number=1)
    assert (
        first_acks.update(
            started_at=started,
            running_since=started,
            due_at=due,
            next_level=Level.BREACH,
            next_fire_at=due,
        )
        == BURST_CASES
    )
    cluster.wait_worker_ready()
    with app.connection_for_write(broker_url) as broker:
        sla_sweep.apply_async(connection=broker)

    # the periodic sweep and the helper it asked for
    sweeps = wait_for(
        lambda: (
            len(SWEEP_RESULT.findall(_worker_log(cluster))) >= 2
            and [literal_eval(found) for found in SWEEP_RESULT.findall(cluster.worker.log())]
        ),
        timeout=60,
        interval=0.2,
        what="the sweep and its helper",
    )
    assert len(sweeps) == 2
    assert sum(sweep["breaches"] for sweep in sweeps) == BURST_CASES
    assert all(sweep["breaches"] > 0 for sweep in sweeps), sweeps  # both took batches
    assert SLAEvent.objects.filter(level=Level.BREACH).count() == BURST_CASES
    hops = Escalation.objects.values("case").annotate(n=Count("id"))
    assert {row["n"] for row in hops} == {2} and len(hops) == BURST_CASES
