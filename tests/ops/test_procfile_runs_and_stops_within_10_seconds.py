"""deploy/Procfile's processes started for real (each in its own process group, as a Procfile
runner does), serving and sweeping; SIGTERM to each whole group stops all within 10 s."""

import signal

import pytest

from tests.integration.celery_procs import wait_for
from tests.ops.servers import BASE_DIR, free_port, http_get, production_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_procfile_processes_serve_sweep_and_stop(procs, tmp_path):
    port = free_port()
    env = production_env(tmp_path, PORT=str(port), SLA_SWEEP_INTERVAL_SECONDS="1")
    lines = (BASE_DIR / "deploy" / "Procfile").read_text().splitlines()
    started = {}
    for line in lines:
        name, command = (part.strip() for part in line.split(":", 1))
        started[name] = procs(name, command.split(), env)
    assert set(started) == {"web", "worker", "beat"}

    wait_for(
        lambda: http_get(f"http://127.0.0.1:{port}/readyz")[0] == 200,
        timeout=600,
        interval=0.5,
        what="/readyz",
    )
    wait_for(
        lambda: (
            "escalations.sla_sweep" in started["worker"].log()
            and "succeeded" in started["worker"].log()
        ),
        timeout=60,
        what="a sweep done by the worker",
    )
    for proc in started.values():
        proc.remember()
    for proc in started.values():
        proc.signal_group(signal.SIGTERM)
    for proc in started.values():
        proc.wait_all_gone(timeout=10)
