"""``/healthz`` (alive) and ``/readyz`` (database, migrations, broker; the SLA clock when
configured) for load balancers: no login, no session, nothing revealed but failing names."""

import datetime as dt

import pytest

from tests.ops.helpers import sweep_finished

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_a_query(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]
    assert "Set-Cookie" not in response


def test_readyz_is_ready_with_database_migrations_and_broker(client, django_assert_num_queries):
    sweep_finished(dt.timedelta(seconds=1))
    client.get("/readyz")  # the migration plan is read once per process
    # SELECT 1, the clock status, the open clock incidents
    with django_assert_num_queries(3):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_says_only_which_check_fails_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.READYZ_BROKER_TIMEOUT_SECONDS = 0.5
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["broker"]}


def test_readyz_reports_a_stopped_sla_clock_only_when_configured(client, settings):
    sweep_finished(dt.timedelta(seconds=10 * settings.SLA_SWEEP_INTERVAL_SECONDS))
    assert client.get("/readyz").status_code == 200
    settings.READYZ_INCLUDES_CLOCK = True
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failing": ["sla_clock"]}
    sweep_finished(dt.timedelta(seconds=1))
    assert client.get("/readyz").status_code == 200


def test_only_get_is_answered(client):
    assert client.post("/healthz").status_code == 405
    assert client.post("/readyz").status_code == 405
