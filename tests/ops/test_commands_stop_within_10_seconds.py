"""SIGTERM to the whole process group of ``bin/serve`` or ``bin/run`` (what ``kill -- -PGID``,
Ctrl-C or a process manager does) stops the web server, the Celery worker with its pool and
beat within 10 s, and leaves no process behind. (Before, the worker's main process hung for
minutes in billiard's pool shutdown when its children were signalled with it.)"""

import signal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission

from accounts.roles import sync_roles
from tests.integration.celery_procs import wait_for
from tests.ops.servers import free_port, http_get, production_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def wait_running(proc, url: str, *, timeout: float) -> None:
    def up() -> bool:
        if proc.process.poll() is not None:
            raise RuntimeError(f"{proc.name} exited early:\n{proc.log()[-5000:]}")
        return http_get(url)[0] == 200 and "ready." in proc.log() and "beat: Starting" in proc.log()

    wait_for(up, timeout=timeout, interval=0.5, what=f"{proc.name} to answer {url}")


def assert_stops_on_group_sigterm(proc) -> None:
    proc.remember()
    commands = " ".join(
        Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace") for pid in proc.known
    )
    assert "worker" in commands and "beat" in commands
    assert len(proc.known) >= 6  # script, web (+ its workers), worker + 2 pool processes, beat

    proc.signal_group(signal.SIGTERM)
    proc.wait_all_gone(timeout=10)


def test_bin_serve_stops_within_10_seconds(procs, tmp_path):
    port = free_port()
    serve = procs("serve", ["bin/serve"], production_env(tmp_path, PORT=str(port)))
    # the first run ever compresses the static files (minutes); later runs reuse them
    wait_running(serve, f"http://127.0.0.1:{port}/healthz", timeout=600)
    assert_stops_on_group_sigterm(serve)
    assert serve.process.returncode == 0


def test_bin_run_stops_within_10_seconds(procs, tmp_path):
    sync_roles(Group, Permission)  # the demo data needs the roles (flushed between tests)
    port = free_port()
    run = procs("run", ["bin/run"], production_env(tmp_path, PORT=str(port)))
    wait_running(run, f"http://127.0.0.1:{port}/admin/login/", timeout=300)
    assert_stops_on_group_sigterm(run)
