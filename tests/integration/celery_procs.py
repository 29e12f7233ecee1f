"""A real Celery worker and beat, as subprocesses, for integration tests.

They run against the test's own database (built from ``connection.settings_dict``) and a
dedicated Redis database (``/15`` on the configured Redis host, else ``127.0.0.1:6379/15``;
``/14`` for the second pytest-xdist worker, and so on), flushed before and after. Each process
starts in its own session, so killing its process group also kills the prefork children. Output
goes to one log file per process start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = BASE_DIR / ".venv" / "bin" / "celery"
FALLBACK_BROKER = "redis://127.0.0.1:6379/0"
# one Redis database per pytest-xdist worker (gw0 → 15, gw1 → 14, …), so that two workers'
# worker/beat processes never share a broker
TEST_REDIS_DB = 15 - int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))


def broker_url_for_tests(configured: str | None) -> str:
    """The configured Redis host on database 15; ``127.0.0.1:6379/15`` when the project is
    not configured for Redis (e.g. the embedded SQLite broker)."""
    parts = urlsplit(configured or FALLBACK_BROKER)
    if parts.scheme != "redis":
        parts = urlsplit(FALLBACK_BROKER)
    return urlunsplit((parts.scheme, parts.netloc, f"/{TEST_REDIS_DB}", "", ""))


def redis_problem(url: str) -> str | None:
    """Why Redis at ``url`` cannot be used (``None``: it answers PING)."""
    try:
        import redis
    except ImportError:  # pragma: no cover - celery[redis] is a dependency
        return "the redis client is not installed"
    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
    try:
        client.ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "skip"
        return f"Redis not reachable at {url}: {exc}"
    finally:
        client.close()
    return None


def flush_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=5)
    try:
        client.flushdb()
    finally:
        client.close()


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """``postgres://user[:password]@host:port/name`` for the database the test runs on."""
    user = quote(settings_dict.get("USER") or "postgres", safe="")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{quote(settings_dict['NAME'], safe='')}"


def wait_for(
    predicate: Callable[[], Any], *, timeout: float, interval: float = 0.1, what: str = ""
) -> Any:
    """Poll ``predicate`` until it returns something truthy; ``TimeoutError`` after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what or predicate}")
        time.sleep(interval)


class CeleryProcess:
    """One ``celery`` command, in its own session (process group)."""

    def __init__(self, name: str, args: list[str], *, env: Mapping[str, str], log_dir: Path):
        self.name = name
        self.args = args
        self.env = dict(env)
        self.log_dir = log_dir
        self.starts = 0
        self.process: subprocess.Popen | None = None
        self.log_path: Path | None = None
        self.log_paths: list[Path] = []

    def start(self, *extra_args: str) -> None:
        assert not self.alive, f"{self.name} is already running"
        self.starts += 1
        self.log_path = self.log_dir / f"{self.name}-{self.starts}.log"
        self.log_paths.append(self.log_path)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [str(CELERY), "-A", "config", *self.args, *extra_args],
                cwd=BASE_DIR,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        """The output of the current (last) start."""
        if self.log_path is None or not self.log_path.exists():
            return ""
        return self.log_path.read_text(errors="replace")

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send ``sig`` to the whole process group, without waiting."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def stop(self, *, grace: float = 5.0) -> None:
        """SIGTERM the group, SIGKILL it after ``grace`` seconds; wait until it is gone."""
        self.terminate()
        self.finish(grace=grace)

    def terminate(self) -> None:
        if self.alive:
            self.kill(signal.SIGTERM)

    def finish(self, *, grace: float) -> None:
        """Wait up to ``grace`` seconds for the leader to exit, then SIGKILL what is left."""
        if self.process is None:
            return
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace)
        self.kill_hard()  # the leader may be gone while children linger

    def kill_hard(self) -> None:
        """SIGKILL the whole group and wait until every member is gone."""
        self.kill(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)
        self._wait_group_gone()

    def _wait_group_gone(self, timeout: float = 5.0) -> None:
        assert self.process is not None
        pgid = self.process.pid
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            members = [pid for pid in _group_members(pgid) if not _is_zombie(pid)]
            if not members:
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: processes {members} of group {pgid} survived SIGKILL")


def _group_members(pgid: int) -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) == pgid:
                yield int(entry.name)
        except ProcessLookupError:
            continue


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


class CeleryCluster:
    """A worker (prefork, one child unless told otherwise) and beat sharing one environment."""

    def __init__(self, *, env: Mapping[str, str], log_dir: Path, concurrency: int = 1):
        self.worker = CeleryProcess(
            "worker",
            [
                "worker",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "-l",
                "INFO",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
            ],
            env=env,
            log_dir=log_dir,
        )
        self.beat = CeleryProcess("beat", ["beat", "-l", "INFO"], env=env, log_dir=log_dir)

    @property
    def processes(self) -> list[CeleryProcess]:
        return [self.worker, self.beat]

    def start_worker(self) -> None:
        # a distinct node name per start, so a restart is told apart from the killed one
        self.worker.start("-n", f"worker{self.worker.starts + 1}@%h")

    def wait_worker_ready(self, timeout: float = 30.0) -> None:
        self.wait_log(self.worker, "ready.", timeout=timeout)

    def wait_log(self, process: CeleryProcess, text: str, *, timeout: float) -> None:
        def seen() -> bool:
            if not process.alive:
                raise RuntimeError(f"{process.name} exited early:\n{process.log()}")
            return text in process.log()

        wait_for(seen, timeout=timeout, what=f"{text!r} in the {process.name} log")

    def stop(self, *, grace: float = 5.0) -> None:
        """Stop both (warm shutdown first, together), then make sure nothing is left."""
        for process in self.processes:
            process.terminate()
        errors = []
        for process in self.processes:
            try:
                process.finish(grace=grace)
            except Exception as exc:  # noqa: BLE001 - stop the others anyway
                errors.append(exc)
        if errors:
            raise errors[0]

    def dump_logs(self) -> str:
        out = []
        for process in self.processes:
            for path in process.log_paths:
                text = path.read_text(errors="replace") if path.exists() else ""
                out.append(f"===== {path.name} =====\n{text[-20000:]}")
        return "\n".join(out)
