"""A benchmark run (``bench/api_bench.py``'s ``run_state``, which ``api_inprocess.py``,
``live_poll.py`` and ``sla_sweep.py`` use) claims an empty Redis database of its own, never one
of the suite's, and leaves nothing queued in it; its database is dropped by name."""

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
