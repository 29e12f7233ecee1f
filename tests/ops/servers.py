"""Real processes for the ops tests: ``bin/serve``, ``bin/run``, the deploy/ files, against the
test's PostgreSQL database and Redis database 11 (10 for the second pytest-xdist worker),
flushed before and after. Every process starts in its own session; whatever a test starts, with
every descendant, is killed at the end, whatever happened."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.integration.celery_procs import database_url, flush_redis, redis_problem, wait_for

BASE_DIR = Path(__file__).resolve().parents[2]
# one Redis database per pytest-xdist worker (gw0 → 11, gw1 → 10, …)
_XDIST_INDEX = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
REDIS_URL = f"redis://127.0.0.1:6379/{11 - _XDIST_INDEX}"
SECRET_KEY = "ops-tests-" + "Zq8vL2mX9kP4" * 5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url(connection.settings_dict),
        "CELERY_BROKER_URL": REDIS_URL,
        "VAR_DIR": str(tmp_path),
        "SECRET_KEY": SECRET_KEY,
        "WEBHOOK_DEFAULT_SECRET": "ops-tests-webhook-secret-0123456789",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SERVE_SKIP_SETUP": "1",
        "WEB_WORKERS": "2",
        "WEB_THREADS": "2",
        "CELERY_CONCURRENCY": "2",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Proc:
    """One command in its own session, its output in a log file."""

    def __init__(self, name: str, args: list[str], *, env: dict[str, str], log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.known: set[int] = set()
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                args,
                cwd=BASE_DIR,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.known.add(self.process.pid)

    def remember(self) -> None:
        """Note the descendants now (they leave the process group: setsid)."""
        self.known |= descendants(self.process.pid)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def signal_group(self, sig: int = signal.SIGTERM) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def signal_main(self, sig: int = signal.SIGTERM) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.process.pid, sig)

    def wait_all_gone(self, timeout: float) -> float:
        """Seconds until the command and every descendant seen are gone (``TimeoutError``)."""
        start = time.monotonic()
        wait_for(
            lambda: self.process.poll() is not None and not any(alive(p) for p in self.known),
            timeout=timeout,
            interval=0.05,
            what=f"{self.name} and its processes to exit",
        )
        return time.monotonic() - start

    def kill_everything(self) -> None:
        self.remember() if self.process.poll() is None else None
        for pid in self.known:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)


def http_get(url: str, *, headers: dict[str, str] | None = None, timeout: float = 5):
    """``(status, headers, body)``; connection errors give status 0."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()
    except (urllib.error.URLError, OSError):
        return 0, {}, b""


@pytest.fixture
def redis_db() -> Iterator[str]:
    problem = redis_problem(REDIS_URL)
    if problem:
        pytest.skip(problem)
    flush_redis(REDIS_URL)
    yield REDIS_URL
    flush_redis(REDIS_URL)


@pytest.fixture
def procs(transactional_db, redis_db, tmp_path, request) -> Iterator[callable]:
    """``procs(name, args, **env)`` starts a command; all are killed at the end."""
    started: list[Proc] = []
    failed_before = request.session.testsfailed

    def start(name: str, args: list[str], env: dict[str, str]) -> Proc:
        proc = Proc(name, args, env=env, log_dir=tmp_path)
        started.append(proc)
        return proc

    try:
        yield start
    finally:
        for proc in started:
            proc.kill_everything()
        leftovers = [p for proc in started for p in proc.known if alive(p)]
        if request.session.testsfailed > failed_before:
            for proc in started:
                print(f"===== {proc.name} =====\n{proc.log()[-15000:]}")
        connection.close()
        assert not leftovers, f"processes left running: {leftovers}"


def static_root() -> Path:
    return Path(settings.STATIC_ROOT)
