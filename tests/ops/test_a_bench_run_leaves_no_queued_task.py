"""A benchmark run (``bench/api_bench.py``'s ``run_state``, which every bench with a database
uses) claims an empty Redis database of its own, never one of the suite's, and leaves nothing
queued in it; its database, a name of the run's own unless the caller names one, is dropped by
name (kept when the caller asks, to measure it again)."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis

from tests.api.redis_round_trips import needs_redis

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import api_bench  # noqa: E402

pytestmark = needs_redis


@pytest.fixture
def dropped(monkeypatch):
    """The statements the run gives psql (no server needed for this test)."""
    statements: list[str] = []

    def run(command, check=False):
        statements.append(command[-1])
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(api_bench.subprocess, "run", run)
    monkeypatch.setenv("CELERY_BROKER_URL", os.environ.get("CELERY_BROKER_URL", ""))
    monkeypatch.setenv("CACHE_URL", "locmem://")
    return statements


def test_the_run_flushes_its_redis_database_and_drops_its_database(dropped):
    with api_bench.run_state("escalations_sweep_bench_t", shared_cache=False) as state:
        number = int(state.broker_url.rsplit("/", 1)[1])
        assert number not in api_bench.TEST_REDIS_DBS
        server = redis.Redis.from_url(state.broker_url)
        server.rpush("celery", "a delivery task", "another")  # what the writes enqueue
        assert os.environ["CELERY_BROKER_URL"] == state.broker_url
        assert os.environ["CACHE_URL"] == "locmem://"  # the settings' cache kept
    assert server.llen("celery") == 0
    assert server.dbsize() == 0
    assert dropped == ["DROP DATABASE IF EXISTS escalations_sweep_bench_t WITH (FORCE)"]


def test_by_default_the_shared_cache_goes_to_the_claimed_database(dropped):
    with api_bench.run_state() as state:
        assert os.environ["CACHE_URL"] == state.broker_url
        assert state.database.startswith("escalations_api_bench_")
    assert dropped == [f"DROP DATABASE IF EXISTS {state.database} WITH (FORCE)"]


def test_two_runs_at_once_never_collide(dropped):
    with (
        api_bench.run_state(prefix="escalations_flow_bench", shared_cache=False) as one,
        api_bench.run_state(prefix="escalations_flow_bench", shared_cache=False) as two,
    ):
        assert one.database.startswith("escalations_flow_bench_")
        assert two.database.startswith("escalations_flow_bench_")
        assert one.database != two.database
        assert one.broker_url != two.broker_url
    assert dropped == [
        f"DROP DATABASE IF EXISTS {two.database} WITH (FORCE)",
        f"DROP DATABASE IF EXISTS {one.database} WITH (FORCE)",
    ]


def test_a_kept_database_is_not_dropped_but_its_redis_database_is_flushed(dropped):
    with api_bench.run_state("escalations_case_list_kept", keep=True) as state:
        server = redis.Redis.from_url(state.broker_url)
        server.rpush("celery", "a delivery task")
    assert server.dbsize() == 0
    assert dropped == []


def test_a_run_on_another_server_drops_its_database_there(dropped, monkeypatch):
    commands: list[list[str]] = []

    def run(command, check=False):
        commands.append(command)
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(api_bench.subprocess, "run", run)
    other = "postgres://postgres@127.0.0.1:5433/postgres"
    with api_bench.run_state(prefix="esc_knowledge_bench", server=other) as state:
        assert state.database_url == f"postgres://postgres@127.0.0.1:5433/{state.database}"
    assert commands == [
        ["psql", "-d", other, "-q", "-c", f"DROP DATABASE IF EXISTS {state.database} WITH (FORCE)"]
    ]


class _Entered(Exception):
    """The bench entered ``run_state``: nothing of its own was created before."""


class _Touched(Exception):
    """The bench reached a database (or ran a command) outside ``run_state``."""


@pytest.fixture
def guarded(monkeypatch):
    """Running a bench's ``main`` creates nothing: anything reaching a database or running a
    command outside ``run_state`` raises."""
    import django.core.management
    import psycopg

    def touched(*args, **kwargs):
        raise _Touched(args)

    monkeypatch.setattr(subprocess, "run", touched)
    monkeypatch.setattr(psycopg, "connect", touched)
    monkeypatch.setattr(django.core.management, "call_command", touched)
    monkeypatch.setenv("DATABASE_URL", os.environ.get("DATABASE_URL", ""))


@pytest.mark.parametrize(
    ("bench", "argv", "database", "prefix", "keep"),
    [
        ("flow_page", [], None, "escalations_flow_bench", False),
        ("audit_log", [], None, "escalations_audit", False),
        ("audit_log", ["--database-url", "postgres://x@h:5432/mine", "--reuse"], "mine", ..., True),
        ("case_list", [], None, "escalations_case_list", False),
        ("case_list", ["--keep"], None, "escalations_case_list", True),
        ("case_list", ["--reuse", "mine"], "mine", ..., True),
        ("customer_lookup", [], None, "escalations_customer_lookup", False),
        ("customer_lookup", ["--db", "mine"], "mine", ..., True),
        ("dashboard", [], None, "escalations_dashboard", False),
        ("dashboard", ["--reuse", "--db", "mine"], "mine", ..., True),
        ("knowledge_search", [], None, "esc_knowledge_bench", False),
        ("knowledge_search", ["--keep", "--db", "mine"], "mine", ..., True),
    ],
)
def test_each_bench_runs_in_a_run_state_of_its_own(
    guarded, monkeypatch, bench, argv, database, prefix, keep
):
    """Each bench's database and broker come from ``run_state`` (a name of the run's own unless
    the caller names one), entered before anything is created; the settings' cache is kept."""
    calls = []

    def run_state(name=None, **options):
        calls.append((name, options))
        raise _Entered

    module = importlib.import_module(bench)
    monkeypatch.setattr(api_bench, "run_state", run_state)
    monkeypatch.setattr(sys, "argv", [f"{bench}.py", *argv])
    with pytest.raises(_Entered):
        module.main()
    [(name, options)] = calls
    assert name == database
    if prefix is not ...:
        assert options["prefix"] == prefix
    assert options.get("keep", False) is keep
    assert options["shared_cache"] is False


@pytest.mark.parametrize(
    ("bench", "argv"), [("audit_log", ["--reuse"]), ("knowledge_search", ["--reuse"])]
)
def test_reusing_needs_the_name_of_the_database_to_reuse(guarded, monkeypatch, bench, argv):
    module = importlib.import_module(bench)
    monkeypatch.setattr(sys, "argv", [f"{bench}.py", *argv])
    with pytest.raises(SystemExit):
        module.main()
