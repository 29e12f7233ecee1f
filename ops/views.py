"""Endpoints for load balancers and Prometheus: no login, no session, nothing revealed but
the names of failing checks.

- ``/healthz``: the process answers (no database query).
- ``/readyz``: database reachable, migrations applied, broker reachable (and, with
  ``READYZ_INCLUDES_CLOCK``, the SLA clock running). Also where clock incidents are opened
  and the administrators emailed, since the load balancer polls it.
- ``/metrics``: Prometheus text; only for ``METRICS_TOKEN`` (``Authorization: Bearer``) or
  addresses in ``METRICS_ALLOWED_IPS``; anyone else gets 404.
"""

from __future__ import annotations

import hmac
import logging

from celery import current_app as celery_app  # the project's (config/__init__ loads it)
from django.conf import settings
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import REGISTRY

from ops.incidents import clock_incidents_sync
from ops.metrics import clock_collector
from ops.status import clock_status

log = logging.getLogger(__name__)
_migrations_applied = False  # once true, true for this process's code


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    failing = []
    if not _database_ok():
        failing.append("database")
    elif not _migrations_ok():
        failing.append("migrations")
    if not _broker_ok():
        failing.append("broker")
    if "database" not in failing and "migrations" not in failing:
        try:
            status = clock_status()
            if settings.OPS_INCIDENT_EMAILS:
                clock_incidents_sync(status=status)
        except DatabaseError:
            log.warning("readyz: clock status unreadable", exc_info=True)
            failing.append("database")
        else:
            if settings.READYZ_INCLUDES_CLOCK and not status.ok:
                failing.append("sla_clock")
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing}, status=503)
    return JsonResponse({"status": "ok"})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except DatabaseError:
        log.warning("readyz: database unreachable", exc_info=True)
        return False


def _migrations_ok() -> bool:
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        _migrations_applied = not plan
    return _migrations_applied


def _broker_ok() -> bool:
    try:
        with celery_app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=0, timeout=settings.READYZ_BROKER_TIMEOUT_SECONDS)
        return True
    except Exception:  # noqa: BLE001 - any failure to connect means "not ready"
        log.warning("readyz: broker unreachable", exc_info=True)
        return False


@never_cache
@require_GET
def metrics(request):
    if not _metrics_allowed(request):
        raise Http404
    if settings.PROMETHEUS_MULTIPROC_DIR:
        registry = CollectorRegistry(auto_describe=False)
        multiprocess.MultiProcessCollector(registry, path=settings.PROMETHEUS_MULTIPROC_DIR)
        registry.register(clock_collector())
    else:
        registry = REGISTRY
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _metrics_allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        return True
    return request.META.get("REMOTE_ADDR") in settings.METRICS_ALLOWED_IPS
