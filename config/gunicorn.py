"""gunicorn's configuration for ``bin/serve`` and the deploy/ units (read from the
environment here, in config/, like the settings)."""

import gc

from prometheus_client import multiprocess

from config.env import env_str

bind = env_str("BIND", f"127.0.0.1:{env_str('PORT', '8000')}")
workers = int(env_str("WEB_WORKERS", "2"))
threads = int(env_str("WEB_THREADS", "4"))
timeout = int(env_str("WEB_TIMEOUT", "30"))
# SIGTERM: finish the requests in flight for at most this long (the whole stop stays < 10 s).
graceful_timeout = int(env_str("WEB_GRACEFUL_TIMEOUT", "5"))
accesslog = "-"
forwarded_allow_ips = env_str("FORWARDED_ALLOW_IPS", "127.0.0.1")
_multiproc_dir = env_str("PROMETHEUS_MULTIPROC_DIR", "")


def child_exit(server, worker):
    """Several workers share metrics through PROMETHEUS_MULTIPROC_DIR: forget a dead one's."""
    if _multiproc_dir:
        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    """Load the URL configuration (the admin, the API, their views and forms) before the first
    request, then freeze what the worker holds after starting (``gc.freeze``): Python's full
    collections no longer walk these long-lived objects, which made 130-160 ms pauses in the
    case list's slowest requests at 1,000,000 cases (bench/README.md, case list)."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports every urls module and its views
    gc.collect()
    gc.freeze()
