"""The example systemd units (deploy/systemd) started for real, as systemd would start them
(``WorkingDirectory``, ``EnvironmentFile``, ``ExecStart``; DEBUG off, PostgreSQL, Redis):
the admin login page and a hashed static file (far-future cache headers) are served,
``/healthz`` and ``/readyz`` answer 200. When the worker and beat stop (``KillMode=mixed``:
SIGTERM to the main process, within ``TimeoutStopSec``), the red banner and ``/readyz`` say so
within three sweep intervals; started again, both clear. Then the web unit stops the same way.
"""

from __future__ import annotations

import configparser
import itertools
import re
import signal
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import UserFactory
from tests.integration.celery_procs import wait_for
from tests.ops.servers import BASE_DIR, SECRET_KEY, free_port, http_get, production_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

UNITS = BASE_DIR / "deploy" / "systemd"
SWEEP_INTERVAL = 1
BANNER = b'id="sla-clock-banner"'
_starts = itertools.count(1)


def read_unit(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=True, interpolation=None)
    parser.optionxform = str
    parser.read(UNITS / f"escalation-{name}.service")
    return parser["Service"]


def start_unit(procs, name: str, env: dict[str, str]):
    """Start a unit's ExecStart with its WorkingDirectory moved to this checkout."""
    service = read_unit(name)
    workdir = service["WorkingDirectory"]
    args = service["ExecStart"].replace(workdir, str(BASE_DIR)).split()
    return procs(f"{name}-{next(_starts)}", args, env)


def stop_unit(proc, name: str) -> None:
    """``KillMode=mixed``: SIGTERM to the main process only; all gone within TimeoutStopSec."""
    service = read_unit(name)
    assert service["KillMode"] == "mixed"
    timeout = float(service["TimeoutStopSec"])
    assert timeout <= 10
    proc.remember()
    proc.signal_main(signal.SIGTERM)
    proc.wait_all_gone(timeout=timeout)


def test_units_run_the_product_and_report_a_stopped_clock(procs, tmp_path, settings):
    port = free_port()
    env_file = Path(read_unit("web")["EnvironmentFile"])
    assert env_file == Path("/etc/escalation/env")  # deploy/escalation.env.example, installed
    env = production_env(
        tmp_path,
        BIND=f"127.0.0.1:{port}",
        SLA_SWEEP_INTERVAL_SECONDS=str(SWEEP_INTERVAL),
        READYZ_INCLUDES_CLOCK="1",
    )
    base = f"http://127.0.0.1:{port}"
    settings.SECRET_KEY = SECRET_KEY  # the session below is read by the server
    manager = UserFactory(username="manager", role="manager")
    client = Client()
    client.force_login(manager)
    cookie = {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}

    web = start_unit(procs, "web", env)
    wait_for(lambda: http_get(f"{base}/healthz")[0] == 200, timeout=600, interval=0.5, what="web")
    status, _headers, body = http_get(f"{base}/admin/login/")
    assert status == 200
    css = re.search(rb"/static/admin/css/base\.[0-9a-f]{12}\.css", body).group().decode()
    status, headers, _body = http_get(base + css, headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert (
        "immutable" in headers["Cache-Control"] and "max-age=315360000" in headers["Cache-Control"]
    )
    assert headers["Content-Encoding"] == "gzip"

    def clock(ready: bool) -> bool:
        status, _h, body = http_get(f"{base}/readyz")
        page = http_get(f"{base}/admin/", headers=cookie)[2]
        if ready:
            return status == 200 and BANNER not in page and b"logout-form" in page
        return status == 503 and b"sla_clock" in body and BANNER in page

    worker, beat = start_unit(procs, "worker", env), start_unit(procs, "beat", env)
    wait_for(lambda: clock(ready=True), timeout=120, interval=0.5, what="the clock running")

    stop_unit(worker, "worker")
    stop_unit(beat, "beat")
    # stale after three intervals; the banner and /readyz tell within a few seconds more
    wait_for(lambda: clock(ready=False), timeout=3 * SWEEP_INTERVAL + 10, what="the banner")

    worker, beat = start_unit(procs, "worker", env), start_unit(procs, "beat", env)
    wait_for(lambda: clock(ready=True), timeout=120, interval=0.5, what="the clock again")

    for proc, name in ((worker, "worker"), (beat, "beat"), (web, "web")):
        stop_unit(proc, name)
