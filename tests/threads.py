"""Running the same thing in several threads at the same moment (each thread with its own
database connection, closed when it ends): the concurrency tests on PostgreSQL."""

import threading

from django.db import connection


def run_together(target, count: int = 2) -> tuple[list, list[BaseException]]:
    """Call ``target`` in ``count`` threads released together; its results and the errors raised."""
    barrier = threading.Barrier(count)
    results: list = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            results.append(target())
        except BaseException as exc:  # reported by the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors
