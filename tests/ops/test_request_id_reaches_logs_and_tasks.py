"""Every request has an id (the proxy's ``X-Request-ID`` when sane, else a new one), echoed
back, on each log line it writes, and carried in the headers of the Celery tasks it enqueues,
which run with it; ``LOG_FORMAT=json`` writes one JSON object per line."""

import json
import logging
import os
import subprocess
import sys

from celery.signals import before_task_publish
from django.http import HttpResponse

from config.celery import app as celery_app
from ops.request_id import RequestIdFilter, RequestIdMiddleware, current_request_id
from tests.ops.servers import BASE_DIR


@celery_app.task(name="tests.ops.echo_request_id")
def echo_request_id() -> str | None:
    return current_request_id()


def test_a_request_carries_its_id_into_the_tasks_it_enqueues(rf):
    published = {}

    def capture(headers=None, **kwargs):
        published.update(headers or {})

    before_task_publish.connect(capture, weak=False)
    try:

        def view(request):
            with celery_app.connection_for_write("memory://") as conn:
                echo_request_id.apply_async(connection=conn)
            return HttpResponse()

        response = RequestIdMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="call-42.abc"))
    finally:
        before_task_publish.disconnect(capture)
    assert response["X-Request-ID"] == "call-42.abc"
    assert published["request_id"] == "call-42.abc"
    assert current_request_id() is None  # nothing leaks past the request

    # the worker side: the task runs with the id from its message's headers
    assert echo_request_id.apply(headers={"request_id": "call-42.abc"}).get() == "call-42.abc"
    assert current_request_id() is None


def test_an_unsafe_incoming_id_is_replaced(rf):
    response = RequestIdMiddleware(lambda request: HttpResponse())(
        rf.get("/", HTTP_X_REQUEST_ID='"><script>')
    )
    assert len(response["X-Request-ID"]) == 32
    assert response["X-Request-ID"].isalnum()


def test_log_lines_written_during_a_request_carry_its_id(rf, caplog):
    def view(request):
        logging.getLogger("tests.ops").warning("inside")
        return HttpResponse()

    caplog.handler.addFilter(RequestIdFilter())
    RequestIdMiddleware(view)(rf.get("/", HTTP_X_REQUEST_ID="req-7"))
    logging.getLogger("tests.ops").warning("outside")
    assert [(r.getMessage(), r.request_id) for r in caplog.records] == [
        ("inside", "req-7"),
        ("outside", "-"),
    ]


def test_log_format_json_writes_one_object_per_line(tmp_path):
    code = "import logging; logging.getLogger('escalations.test').warning('締め切り %s', 'over')"
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "LOG_FORMAT": "json", "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["level"] == "WARNING"
    assert line["logger"] == "escalations.test"
    assert line["message"] == "締め切り over"
    assert line["request_id"] == "-"
    assert "time" in line
