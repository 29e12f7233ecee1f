"""Fixtures for the tests that start real processes (see servers.py)."""

from tests.ops.servers import procs, redis_db  # noqa: F401 - fixtures
