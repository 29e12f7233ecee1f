"""Benchmark of the REST API under gunicorn on PostgreSQL (run by hand; figures go to
bench/README.md).

    .venv/bin/python bench/api_bench.py --seconds 15 --concurrency 8 --workers 2

Creates a database with a random name (``escalations_api_bench_<hex>``) on the local PostgreSQL
and claims an empty Redis database for the broker (``run_state``: two runs never collide; both
are dropped at the end, so no queued task is left behind), migrates, loads
an organisation (L1 and L2 teams, a rule, a 24/7 SLA policy, one webhook subscription to every
event, so each write also writes its outbox rows), ``--cases`` cases for the list and
in-progress cases to escalate, ANALYZEs them (the statistics autovacuum keeps in production), then
starts gunicorn as production does (``-c
config/gunicorn.py``: gthread workers, the access log, ``gc.freeze`` after start-up; persistent
DB connections; ``--launch plain``: the sync workers without that file this bench used until
2026-12-02, ``--launch both``: the two side by side) and measures, with ``--concurrency`` client
threads on keep-alive-less HTTP/1.1 connections, each kind for ``--seconds`` in all
(``--baseline DIR``: the same on another checkout of the code, side by side, on the one
database this checkout migrated: code is compared, not schema):

  - ``GET /api/v1/me/``: a trivial DRF endpoint (token auth, throttle, one small serializer):
    the ceiling of this stack on this machine;
  - ``GET /api/v1/cases/?page_size=50`` as the operator (visibility filter, joins, cursor);
  - ``POST /api/v1/cases/`` (create through ``case_create``);
  - ``POST /api/v1/cases/{ref}/escalate/`` (``case_escalate`` on a fresh in-progress case each).

Requests per second and latency percentiles are measured by the client. The client threads
run on the same two cores as gunicorn and PostgreSQL: the figures are a floor.

The host's speed drifts by tens of per cent within seconds (a pure-CPU loop measured every
half second on an idle machine: 106 to 145 ms), so a kind measured after ``me/`` may meet
another machine. Since 2026-12-03 each kind is measured in ``--rounds`` slices, each between two
slices of ``me/`` (``me/``, list, ``me/``, create, ``me/``, escalate, ``me/``, list, ...): the
report gives each kind's rate over all its slices against ``me/``'s over all of its own, and the
median (with the range) of its slices each against the mean of the two ``me/`` slices around
it. With ``--baseline`` the servers take turns going first, each kind's slices in turn (until
2026-12-03 evening slice after slice, which put the same server first for every slice of a kind
but ``me/``). ``--rounds 1``
is the order this bench used before (one slice of each kind, but with ``me/`` between them).

``--cpu`` also reports the CPU time each kind costs per request, by process (gunicorn's
workers, PostgreSQL's backends, Redis, this client, the rest of the machine: user + system time
from /proc, read around each slice): which side of the stack a kind's cost lies on, a reading
the host's drift distorts less than a rate (bench/README.md, issue 18's ninth pass).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import http.client
import json
import os
import queue
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PSQL = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-q", "-c"]
REDIS = "redis://127.0.0.1:6379"
# Redis databases the test suite uses for its own servers and workers: never claimed here.
TEST_REDIS_DBS = {10, 11, 14, 15}
CREATE_BODY = {
    "subject": "ベンチマーク",
    "impact": 2,
    "urgency": 2,
    "call_log": "お客様からの問い合わせ",
}
# No limit, and the token's history of requests (DRF's throttle keeps a timestamp per request
# in the rate's window, read and written whole on every request) kept for one second: at most a
# few hundred timestamps, as production's 1200/min keeps at most 1200. Until 2026-12-02 the
# window was a minute (up to 10,000 timestamps: about 1 ms a request, more for the kinds measured
# later), and bench/api_inprocess.py kept production's 1200/min: 429s past 1200 requests.
THROTTLE_RATE = "100000000/s"
ESCALATE_BODY = {
    "reason": "complaint",
    "customer_wants": "返金してほしい",
    "tried": "明細を説明した",
    "mood": "angry",
}


@dataclasses.dataclass
class RunState:
    database: str
    database_url: str
    broker_url: str


@contextlib.contextmanager
def run_state(
    database: str | None = None,
    *,
    shared_cache: bool = True,
    prefix: str = "escalations_api_bench",
    keep: bool = False,
    server: str | None = None,
):
    """A database and a Redis database of this run's own, dropped (flushed) at the end.
    ``database``: its name (default ``<prefix>_<hex>``, a name of this run's own), dropped at
    the end too unless ``keep`` (a database the caller named to measure again, ``--reuse``).
    ``shared_cache``: the shared cache in the claimed Redis database, as deployed (else the
    settings' default, as ``bench/sla_sweep.py`` has always measured). ``server``: a
    connection to another PostgreSQL server's maintenance database (default the local one)."""
    import redis

    run_id = secrets.token_hex(4)
    database = database or f"{prefix}_{run_id}"
    psql = PSQL if server is None else ["psql", "-d", server, "-q", "-c"]
    base = "postgres://postgres@127.0.0.1:5432" if server is None else server.rpartition("/")[0]
    claim = f"api-bench-claim:{run_id}"
    claimed = None
    for number in random.sample(range(1, 16), 15):
        if number in TEST_REDIS_DBS:
            continue
        candidate = redis.Redis.from_url(f"{REDIS}/{number}")
        # an empty database, claimed atomically (another run sees our key and moves on)
        if candidate.dbsize() == 0 and candidate.set("api-bench-claim", claim, nx=True):
            claimed = (number, candidate)
            break
    if claimed is None:
        raise SystemExit("no empty Redis database to claim")
    number, redis_db = claimed
    state = RunState(
        database,
        f"{base}/{database}",
        f"{REDIS}/{number}",
    )
    os.environ["CELERY_BROKER_URL"] = state.broker_url
    if shared_cache:
        # the shared cache in the same Redis database, as deployed (deploy/escalation.env.
        # example): the throttle counts, the live versions and the configuration versions
        os.environ["CACHE_URL"] = state.broker_url
    print(f"database {database}, broker {state.broker_url}")
    try:
        yield state
    finally:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")  # failed before it
        from django.db import connections

        connections.close_all()
        if keep:
            print(f"kept {database}", end="; ")
        else:
            subprocess.run([*psql, f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"], check=True)
            print(f"dropped {database}", end="; ")
        queued = redis_db.llen("celery")  # the delivery tasks the writes enqueued
        redis_db.flushdb()
        print(f"flushed Redis db {number} ({queued} queued tasks dropped)")


def setup_database(database_url: str) -> None:
    database = database_url.rsplit("/", 1)[1]
    subprocess.run([*PSQL, f"CREATE DATABASE {database}"], check=True)
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def load(cases: int, to_escalate: int) -> dict:
    from django.contrib.auth.models import Group

    from accounts.models import Team, Tier, User
    from escalations import services
    from escalations.models import Category, Customer, EscalationRule
    from integrations.models import WebhookSubscription
    from integrations.tokens import token_create
    from notifications.events import EventType
    from tests.factories import make_sla_policy

    admin = User.objects.create_superuser("bench-admin", password="x")
    operator = User.objects.create_user("bench-operator", password="x", display_name="操作員")
    operator.groups.add(Group.objects.get(name="operator"))
    supervisor = User.objects.create_user("bench-sv", password="x", display_name="SV")
    supervisor.groups.add(Group.objects.get(name="supervisor"))
    l1 = Team.objects.create(name="一次対応", tier=Tier.L1)
    l1.members.add(operator)
    l2 = Team.objects.create(name="SV", tier=Tier.L2, lead=supervisor)
    l2.members.add(supervisor)
    EscalationRule.objects.create(target_tier=Tier.L2, target_team=l2)
    make_sla_policy()
    WebhookSubscription.objects.create(
        name="CRM",
        url="http://127.0.0.1:9/hooks",  # nothing listens: deliveries stay pending
        secret="bench",
        event_types=list(EventType.values),
    )
    category = Category.objects.create(name="請求・料金")
    customer = Customer.objects.create(name="山田 太郎", furigana="やまだ たろう")
    started = time.perf_counter()
    for _ in range(cases):
        services.case_create(
            actor=operator,
            customer=customer,
            category=category,
            subject="請求額が違う",
            impact=2,
            urgency=2,
        )
    ready = []
    for _ in range(to_escalate):
        case = services.case_create(
            actor=operator,
            customer=customer,
            category=category,
            subject="返金の要求",
            impact=2,
            urgency=1,
        )
        services.case_start_work(case=case, actor=operator)
        ready.append(case.reference)
    print(f"loaded {cases + to_escalate} cases in {time.perf_counter() - started:.1f} s")
    # The statistics that autovacuum keeps in production (here it may or may not have run by
    # the time a kind is measured): without them the planner takes each table for ten pages
    # and joins an UPDATE of one case to the whole case table (a hash of every row, twice per
    # escalate: the case's UPDATE and the sla_next_due trigger's).
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _row, token = token_create(actor=admin, user=operator, name="bench")
    return {
        "token": token,
        "customer": customer.pk,
        "category": category.pk,
        "ready": ready,
        "operator": operator,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(
    port: int, workers: int, state: RunState, launch: str = "production", root: Path = ROOT
):
    """gunicorn as production starts it (``launch="production"``: ``-c config/gunicorn.py``, as
    ``bin/serve`` and deploy/ do: gthread workers with ``WEB_THREADS`` threads, the access log,
    ``post_worker_init``'s URL loading and ``gc.freeze``), or as this bench started it until
    2026-12-02 (``"plain"``: sync workers, no configuration file), to compare the two; from
    ``root``, the code to measure (another checkout: ``--baseline``)."""
    env = {
        **os.environ,
        "DATABASE_URL": state.database_url,
        "DB_CONN_MAX_AGE": "600",
        "API_THROTTLE_RATE": THROTTLE_RATE,
        "CELERY_BROKER_URL": state.broker_url,
        "LOG_LEVEL": "WARNING",
        # DEBUG is off: the start-up checks (ops) refuse development secrets
        "SECRET_KEY": secrets.token_urlsafe(50),
        "WEBHOOK_DEFAULT_SECRET": secrets.token_urlsafe(32),
    }
    if launch == "production":
        env |= {"BIND": f"127.0.0.1:{port}", "WEB_WORKERS": str(workers)}
        command = [
            str(root / ".venv/bin/gunicorn"),
            "-c",
            str(root / "config/gunicorn.py"),
            "config.wsgi:application",
        ]
    else:
        command = [
            str(root / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ]
    # the access log (production: one line per request on stdout, to journald) is written,
    # then dropped here
    process = subprocess.Popen(command, cwd=root, env=env, stdout=subprocess.DEVNULL)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not start")


def request(port: int, method: str, path: str, token: str, body: dict | None = None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    data = json.dumps(body).encode() if body is not None else None
    started = time.perf_counter()
    connection.request(method, path, body=data, headers=headers)
    response = connection.getresponse()
    response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, elapsed


@dataclasses.dataclass
class Slice:
    """One kind measured on one server for a while: what the client saw."""

    requests: int
    wall: float
    latencies: list[float]
    statuses: dict[int, int]

    @property
    def rps(self) -> float:
        return self.requests / self.wall if self.wall else 0.0


def run(name: str, make_request, *, seconds: float, concurrency: int) -> Slice:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def worker() -> None:
        while time.perf_counter() < stop_at:
            outcome = make_request()
            if outcome is None:  # nothing left to do (no case left to escalate)
                return
            status, elapsed = outcome
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    measured = Slice(len(latencies), time.perf_counter() - started, latencies, statuses)
    print(f"{name:55s} {measured.rps:7.1f} req/s  {statuses}", flush=True)
    return measured


def summary(name: str, slices: list[Slice]) -> dict:
    """A kind's slices as one: requests per second over their time together, latency
    percentiles over all their requests."""
    latencies = sorted(latency for part in slices for latency in part.latencies)
    statuses: dict[int, int] = {}
    for part in slices:
        for status, count in part.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    wall = sum(part.wall for part in slices)
    pct = lambda p: latencies[min(int(len(latencies) * p), len(latencies) - 1)] * 1000  # noqa: E731
    return {
        "name": name,
        "requests": len(latencies),
        "rps": len(latencies) / wall if wall else 0.0,
        "p50": pct(0.50) if latencies else 0.0,
        "p95": pct(0.95) if latencies else 0.0,
        "p99": pct(0.99) if latencies else 0.0,
        "statuses": dict(sorted(statuses.items())),
    }


# --cpu: whose CPU time a request costs, by the kind of process that spent it
CPU_CLASSES = ("gunicorn", "postgres", "redis", "client", "other")


def cpu_seconds() -> dict[int, tuple[str, float]] | None:
    """Each process's CPU time so far (user + system, from /proc: Linux), with its class; None
    where there is no /proc. "client" is this process (the load's threads); "other" the rest
    of the machine (the kernel's threads, other services)."""
    if not os.path.isdir("/proc/self"):
        return None
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
            with open(f"/proc/{name}/cmdline", "rb") as f:
                command = f.read()
        except OSError:  # gone meanwhile
            continue
        comm, fields = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :]
        user, system = fields.split()[11:13]
        if int(name) == os.getpid():
            kind = "client"
        elif b"gunicorn" in command:
            kind = "gunicorn"
        elif comm.startswith("postgres"):
            kind = "postgres"
        elif comm.startswith("redis"):
            kind = "redis"
        else:
            kind = "other"
        found[int(name)] = (kind, (int(user) + int(system)) / tick)
    return found


def cpu_spent(before: dict | None, after: dict | None) -> dict[str, float]:
    """CPU seconds spent between two ``cpu_seconds`` readings, by class."""
    spent = dict.fromkeys(CPU_CLASSES, 0.0)
    if before is None or after is None:
        return spent
    for pid, (kind, seconds) in after.items():
        spent[kind] += seconds - before.get(pid, (kind, 0.0))[1]
    return spent


def schedule(rounds: int) -> list[int]:
    """The order of the kinds (0 is ``me/``): each other kind between two ``me/`` slices,
    ``rounds`` times over: 0 1 0 2 0 3 0 1 0 2 0 3 ... 0."""
    order: list[int] = []
    for _round in range(rounds):
        for kind in (1, 2, 3):
            order += [0, kind]
    return [*order, 0]


def shares(order: list[int], rps: list[float]) -> dict[int, list[float]]:
    """Each slice of a kind other than ``me/`` against the mean of the two ``me/`` slices
    around it (measured just before and just after it), by kind: a machine that speeds up or
    slows down during the run weighs on both alike."""
    found: dict[int, list[float]] = {}
    for position, kind in enumerate(order):
        if kind == 0:
            continue
        ceiling = (rps[position - 1] + rps[position + 1]) / 2
        found.setdefault(kind, []).append(rps[position] / ceiling if ceiling else 0.0)
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--escalate", type=int, default=3000)
    parser.add_argument(
        "--rounds",
        type=int,
        default=5,
        help="each kind measured in this many slices of --seconds/--rounds, each between two "
        "slices of me/ (me/, list, me/, create, me/, escalate, me/, list, ...): its share is "
        "against the me/ measured just before and after it (1: one slice of each kind)",
    )
    parser.add_argument(
        "--launch",
        choices=["production", "plain", "both"],
        default="production",
        help="gunicorn with config/gunicorn.py (production), without (plain, this bench until "
        "2026-12-02), or both side by side (each kind measured on one, then the other)",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of the code (e.g. git worktree of main, with its .venv), served "
        "side by side with this one on the same database: each kind measured on one, then the "
        "other (no migration of this checkout may be missing there)",
    )
    parser.add_argument(
        "--cpu",
        action="store_true",
        help="also the CPU time each kind costs per request, by process (gunicorn, PostgreSQL, "
        "Redis, this client, the rest of the machine), read from /proc around each slice",
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.seconds <= 0:
        parser.error("--rounds must be at least 1 and --seconds above 0")
    with run_state() as state:
        bench(args, state)


def bench(args, state: RunState) -> None:
    launches = ["plain", "production"] if args.launch == "both" else [args.launch]
    # (label, code, launch) of each server measured side by side
    setups = [(launch, ROOT, launch) for launch in launches]
    if args.baseline is not None:
        setups = [(f"baseline {launch}", args.baseline.resolve(), launch) for launch in launches]
        setups += [(f"this {launch}", ROOT, launch) for launch in launches]
    labels = [label for label, _root, _launch in setups]
    setup_database(state.database_url)
    # ``--escalate`` cases ready for each server: one must not run out because another took them
    data = load(args.cases, args.escalate * len(setups))
    servers: dict[str, tuple[subprocess.Popen, int]] = {}
    token = data["token"]
    ready_for: dict[str, queue.Queue[str]] = {label: queue.Queue() for label in labels}
    for n, reference in enumerate(data["ready"]):
        ready_for[labels[n % len(labels)]].put(reference)
    create_body = CREATE_BODY | {"customer": data["customer"], "category": data["category"]}
    escalate_body = ESCALATE_BODY

    def kinds(port: int, ready: queue.Queue[str]) -> list[tuple[str, object]]:
        def escalate():
            try:
                reference = ready.get_nowait()
            except queue.Empty:
                return None
            path = f"/api/v1/cases/{reference}/escalate/"
            return request(port, "POST", path, token, escalate_body)

        return [
            (
                "GET /api/v1/me/ (trivial DRF ceiling)",
                lambda: request(port, "GET", "/api/v1/me/", token),
            ),
            (
                "GET /api/v1/cases/?page_size=50",
                lambda: request(port, "GET", "/api/v1/cases/?page_size=50", token),
            ),
            (
                "POST /api/v1/cases/",
                lambda: request(port, "POST", "/api/v1/cases/", token, create_body),
            ),
            ("POST /api/v1/cases/{ref}/escalate/", escalate),
        ]

    order = schedule(args.rounds)
    # each kind's --seconds shared among its slices; me/ slices as long as the others'
    kwargs = {"seconds": args.seconds / args.rounds, "concurrency": args.concurrency}
    slices: dict[str, list[Slice]] = {label: [] for label in labels}
    # --cpu: (label, kind) -> CPU seconds by class over the kind's slices
    cpu: dict[tuple[str, int], dict[str, float]] = {}
    try:
        for label, root, launch in setups:
            port = free_port()
            servers[label] = (start_gunicorn(port, args.workers, state, launch, root), port)
            for _ in range(20):  # warm up every worker's imports and connections
                request(port, "GET", "/api/v1/me/", token)
                request(port, "GET", "/api/v1/cases/?page_size=50", token)
        seen: dict[int, int] = {}  # slices of each kind so far
        for index in order:
            # side by side: the servers take turns going first, kind by kind (until
            # 2026-12-03 evening, slice after slice: as the kinds alternate with me/, each
            # kind then had the same server first in every round)
            turn = labels if seen.get(index, 0) % 2 == 0 else labels[::-1]
            seen[index] = seen.get(index, 0) + 1
            for label in turn:
                name, make_request = kinds(servers[label][1], ready_for[label])[index]
                shown = f"{name} [{label}]" if len(labels) > 1 else name
                before = cpu_seconds() if args.cpu else None
                slices[label].append(run(shown, make_request, **kwargs))
                if args.cpu:
                    spent = cpu_spent(before, cpu_seconds())
                    total = cpu.setdefault((label, index), dict.fromkeys(CPU_CLASSES, 0.0))
                    for kind, seconds in spent.items():
                        total[kind] += seconds
    finally:
        for server, _port in servers.values():
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)
    names = [name for name, _request in kinds(0, queue.Queue())]
    for label in labels:
        measured = slices[label]
        found = shares(order, [part.rps for part in measured])
        paired = list(zip(measured, order, strict=True))
        results = [
            summary(name, [part for part, kind in paired if kind == index])
            for index, name in enumerate(names)
        ]
        ceiling = results[0]["rps"]
        print()
        print(f"gunicorn: {label} ({args.rounds} rounds of {kwargs['seconds']:.1f} s slices)")
        print(
            "| endpoint | requests | req/s | % of `me/` | rounds: median % of the `me/` "
            "around (min–max) | p50 ms | p95 ms | p99 ms | statuses |"
        )
        print("|---|---|---|---|---|---|---|---|---|")
        for index, r in enumerate(results):
            per_round = sorted(100 * share for share in found.get(index, []))
            rounds = (
                f"{statistics.median(per_round):.0f} % ({per_round[0]:.0f}–{per_round[-1]:.0f})"
                if per_round
                else "—"
            )
            print(
                f"| `{r['name']}` | {r['requests']} | {r['rps']:.0f} | "
                f"{100 * r['rps'] / ceiling:.0f} % | {rounds} | {r['p50']:.1f} | "
                f"{r['p95']:.1f} | {r['p99']:.1f} | {r['statuses']} |"
            )
        if args.cpu:
            print()
            print(f"CPU time per request, ms ({label}; with --baseline both servers count)")
            print(f"| endpoint | {' | '.join(CPU_CLASSES)} | all | against `me/` |")
            print("|---|" + "---|" * (len(CPU_CLASSES) + 2))
            per_request = []
            for index, r in enumerate(results):
                spent = cpu.get((label, index), {})
                count = r["requests"] or 1
                per_request.append({k: 1000 * spent.get(k, 0.0) / count for k in CPU_CLASSES})
            ceiling_cpu = sum(per_request[0].values())
            for r, row in zip(results, per_request, strict=True):
                every = sum(row.values())
                print(
                    f"| `{r['name']}` | "
                    + " | ".join(f"{row[k]:.2f}" for k in CPU_CLASSES)
                    + f" | {every:.2f} | {every / ceiling_cpu if ceiling_cpu else 0:.2f}× |"
                )


if __name__ == "__main__":
    main()
