"""Benchmark of the live notifications (the bell's poll) with many agents connected (run by
hand; figures go to bench/README.md).

    .venv/bin/python bench/live_poll.py --agents 1000 --seconds 60 --baseline

What it does, on the local PostgreSQL and Redis:

- creates a database of its own and claims an empty Redis database for the cache, the sessions
  and the broker, both dropped (flushed) at the end, so two runs never collide and nothing is
  left queued (``api_bench.run_state``, shared with the API benches);
- migrates, creates ``--agents`` staff users and a logged-in session for each (the session
  engine of production: ``cached_db`` in the ``live`` cache, here Redis);
- starts gunicorn as ``bin/serve`` does (``config/gunicorn.py``: 2 workers x 4 threads, DEBUG off);
- runs ``--agents`` simulated browsers in one asyncio loop, each polling
  ``/notifications/poll/`` as ``bell.js`` does: one request, then ``--interval`` seconds after
  the answer, the next, with ``If-None-Match`` set to the last ETag (a new connection each time:
  gunicorn closes an idle keep-alive connection after 2 s, shorter than the interval);
- meanwhile a writer thread puts ``--rate`` in-app notifications per second into random agents'
  bells through the real path (``notifications.outbox.notify_in_app`` in a transaction, which
  bumps the recipient's version when it commits), and notes the time of each commit;
- an agent that gets a 200 looks for the notifications it was waiting for: the delay from the
  commit to that answer is the latency a person would see (plus the browser's rendering).

It prints, per phase, requests per second, the answers (304/200), the poll's own latency, the
notification latency (p50, p95, max, and how many were never seen), and the CPU used by
gunicorn (master and workers), Redis and the PostgreSQL backends serving this database, as a
share of one core. With ``--baseline``, two more phases run the same load, each on a fresh
gunicorn: the 304 answered by Django's view (``LIVE_POLL_SHORTCUT=0``: the whole middleware
stack) and no ETag at all (every poll a full answer from the database): what the shortcut and
the ETag save, in the same run. The client runs on the same two cores as the server: its
own CPU is printed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_bench  # noqa: E402  (the run's own database and Redis db, gunicorn's port)

TICK = os.sysconf("SC_CLK_TCK")


def make_agents(count: int) -> list[tuple[int, str]]:
    """``count`` staff users, each with a logged-in session: (user id, session key)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.cached_db import SessionStore

    from accounts.models import User

    password = make_password("x")
    User.objects.bulk_create(
        [
            User(username=f"agent{i:04d}", password=password, is_staff=True, display_name=f"A{i}")
            for i in range(count)
        ]
    )
    agents = []
    for user in User.objects.filter(username__startswith="agent").order_by("pk"):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "accounts.backends.CachedModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        agents.append((user.pk, session.session_key))
    return agents


def start_gunicorn(port: int, metrics_dir: str, shortcut: bool) -> subprocess.Popen:
    env = {
        **os.environ,
        "LIVE_POLL_SHORTCUT": "1" if shortcut else "0",
        "BIND": f"127.0.0.1:{port}",
        "DB_CONN_MAX_AGE": "600",
        "DEBUG": "0",
        "SERVE_STATIC": "1",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": "127.0.0.1",
        "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
    }
    process = subprocess.Popen(
        [str(ROOT / ".venv/bin/gunicorn"), "-c", "config/gunicorn.py", "config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,  # the access log: one line per poll
        start_new_session=True,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def backend_pids(db: str) -> list[int]:
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-At",
            "-c",
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{db}'",
        ],  # fmt: skip
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [int(line) for line in out.split()]


def redis_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-x", "redis-server"], capture_output=True, text=True).stdout
    return [int(line) for line in out.split()]


class Phase:
    def __init__(self, name: str, use_etag: bool, shortcut: bool = True) -> None:
        self.name = name
        self.use_etag = use_etag
        self.shortcut = shortcut
        self.statuses: dict[int, int] = {}
        self.poll_latency: list[float] = []
        self.notify_latency: list[float] = []
        # notification id -> (recipient, commit time); filled by the writer thread
        self.pending: dict[int, tuple[int, float]] = {}
        self.lock = threading.Lock()
        self.written = 0


async def get(port: int, path: str, cookie: str, etag: str | None) -> tuple[int, str | None, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [
        f"GET {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Accept: application/json",
        f"Cookie: {cookie}",
        "Connection: close",
    ]
    if etag:
        lines.append(f"If-None-Match: {etag}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    await writer.drain()
    raw = await reader.read()
    writer.close()
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    return int(status_line.split()[1]), headers.get("etag"), body


async def agent(
    phase: Phase,
    port: int,
    user_id: int,
    cookie: str,
    interval: float,
    stop_at: float,
    etags: dict[int, str | None],
) -> None:
    await asyncio.sleep(random.uniform(0, interval))  # agents do not all start at once
    etag = etags.get(user_id)
    while time.monotonic() < stop_at:
        started = time.monotonic()
        try:
            status, new_etag, body = await get(
                port, "/notifications/poll/", cookie, etag if phase.use_etag else None
            )
        except OSError:
            status, new_etag, body = 0, None, b""
        seen = time.monotonic()
        phase.statuses[status] = phase.statuses.get(status, 0) + 1
        phase.poll_latency.append(seen - started)
        if status == 200:
            etag = etags[user_id] = new_etag
            for item in json.loads(body)["items"]:
                with phase.lock:
                    waiting = phase.pending.pop(item["id"], None)
                if waiting is not None and waiting[0] == user_id:
                    phase.notify_latency.append(seen - waiting[1])
        await asyncio.sleep(interval)


def writer_thread(phase: Phase, user_ids: list[int], rate: float, stop_at: float) -> None:
    from django.db import connection, transaction

    from accounts.models import User
    from notifications.models import InboxKind, Loudness
    from notifications.outbox import notify_in_app

    users = {user.pk: user for user in User.objects.filter(pk__in=user_ids)}
    step = 1 / rate
    next_at = time.monotonic()
    while next_at < stop_at:
        time.sleep(max(0.0, next_at - time.monotonic()))
        next_at += step
        user = users[random.choice(user_ids)]
        with transaction.atomic():
            rows = notify_in_app(
                [user],
                kind=InboxKind.ESCALATED,
                title="ベンチマーク: エスカレーション",
                loudness=Loudness.LOUD,
            )
            with phase.lock:
                for row in rows:
                    phase.pending[row.pk] = (user.pk, time.monotonic())
        phase.written += len(rows)
    connection.close()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


async def run_agents(phase, port, agents, interval, stop_at, etags):
    from django.conf import settings

    name = settings.SESSION_COOKIE_NAME
    await asyncio.gather(
        *(
            agent(phase, port, user_id, f"{name}={key}", interval, stop_at, etags)
            for user_id, key in agents
        )
    )


def measure(phase: Phase, args, agents, db: str) -> dict:
    with tempfile.TemporaryDirectory() as metrics_dir:
        port = api_bench.free_port()
        server = start_gunicorn(port, metrics_dir, phase.shortcut)
        try:
            return _measure(phase, args, port, server, agents, db)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def _measure(phase: Phase, args, port: int, server: subprocess.Popen, agents, db: str) -> dict:
    # the agents' first polls are full answers (no ETag yet): warm up for one interval first,
    # keeping each agent's ETag for the measured phase, as an open page does
    etags: dict[int, str | None] = {}
    warm_stop = time.monotonic() + args.interval + 1
    warm = Phase("warm-up", phase.use_etag)
    asyncio.run(run_agents(warm, port, agents, args.interval, warm_stop, etags))
    workers = children(server.pid)
    server_pids = [server.pid, *workers]
    pg = backend_pids(db)
    rd = redis_pids()
    before = (cpu_seconds(server_pids), cpu_seconds(rd), cpu_seconds(pg), time.process_time())
    started = time.monotonic()
    stop_at = started + args.seconds
    # notifications stop one interval and a half before the end: each can still be seen
    writer = threading.Thread(
        target=writer_thread,
        args=(phase, [a[0] for a in agents], args.rate, stop_at - 1.5 * args.interval),
    )
    writer.start()
    asyncio.run(run_agents(phase, port, agents, args.interval, stop_at, etags))
    writer.join()
    wall = time.monotonic() - started
    after = (cpu_seconds(server_pids), cpu_seconds(rd), cpu_seconds(pg), time.process_time())
    requests = sum(phase.statuses.values())
    result = {
        "phase": phase.name,
        "rps": requests / wall,
        "statuses": dict(sorted(phase.statuses.items())),
        "poll_p50": percentile(phase.poll_latency, 0.5) * 1000,
        "poll_p95": percentile(phase.poll_latency, 0.95) * 1000,
        "written": phase.written,
        "seen": len(phase.notify_latency),
        "missed": len(phase.pending),
        "n_p50": percentile(phase.notify_latency, 0.5),
        "n_p95": percentile(phase.notify_latency, 0.95),
        "n_max": max(phase.notify_latency, default=float("nan")),
        "cpu_server": (after[0] - before[0]) / wall,
        "cpu_redis": (after[1] - before[1]) / wall,
        "cpu_pg": (after[2] - before[2]) / wall,
        "cpu_client": (after[3] - before[3]) / wall,
        "workers": len(workers),
    }
    print(
        f"{phase.name}: {result['rps']:.0f} polls/s {result['statuses']}; poll p50 "
        f"{result['poll_p50']:.1f} ms p95 {result['poll_p95']:.1f} ms; notifications "
        f"{result['seen']}/{result['written']} seen, p50 {result['n_p50']:.2f} s p95 "
        f"{result['n_p95']:.2f} s max {result['n_max']:.2f} s; CPU (cores) gunicorn "
        f"{result['cpu_server']:.2f} redis {result['cpu_redis']:.2f} postgres "
        f"{result['cpu_pg']:.2f} client {result['cpu_client']:.2f}"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agents", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--interval", type=float, default=3.0, help="bell.js polls every 3 s")
    parser.add_argument("--rate", type=float, default=10, help="notifications per second")
    parser.add_argument("--baseline", action="store_true", help="also run without the ETag")
    args = parser.parse_args()

    with api_bench.run_state() as state:
        os.environ["CACHE_URL"] = state.broker_url  # sessions and live versions there too
        # the sessions made here are signed with the key gunicorn will use
        os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
        os.environ["WEBHOOK_DEFAULT_SECRET"] = secrets.token_urlsafe(32)
        api_bench.setup_database(state.database_url)
        started = time.perf_counter()
        agents = make_agents(args.agents)
        print(f"{len(agents)} agents with sessions in {time.perf_counter() - started:.1f} s")
        from django.db import connection

        connection.close()
        phases = [Phase("ETag, 304 before Django (production)", use_etag=True)]
        if args.baseline:
            phases += [
                Phase("ETag, 304 from Django's view", use_etag=True, shortcut=False),
                Phase("no ETag: every poll in full", use_etag=False, shortcut=False),
            ]
        results = [measure(phase, args, agents, state.database) for phase in phases]
    print()
    print(
        f"{args.agents} agents, poll every {args.interval:g} s, {args.rate:g} notifications/s, "
        f"{args.seconds:g} s per phase, gunicorn {results[0]['workers']} workers"
    )
    print(
        "| phase | polls/s | answers | poll p95 ms | seen/written | notification p50 / p95 / "
        "max s | CPU gunicorn | CPU Redis | CPU PostgreSQL | CPU client |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r['phase']} | {r['rps']:.0f} | {r['statuses']} | {r['poll_p95']:.1f} | "
            f"{r['seen']}/{r['written']} | {r['n_p50']:.2f} / {r['n_p95']:.2f} / "
            f"{r['n_max']:.2f} | {r['cpu_server']:.2f} | {r['cpu_redis']:.2f} | "
            f"{r['cpu_pg']:.2f} | {r['cpu_client']:.2f} |"
        )


if __name__ == "__main__":
    main()
