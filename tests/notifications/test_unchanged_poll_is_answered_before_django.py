"""The WSGI shortcut (config/wsgi.py): an unchanged poll of a logged-in session is answered 304
from one cache round trip before Django's middleware, with no database query; anything it
cannot vouch for (a changed version, another user's tag, no session, a logged-out session,
another method or path) goes to Django, which answers in full."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from notifications import live, outbox
from notifications.models import InboxKind
from notifications.wsgi import UnchangedPollShortcut

POLL = "/notifications/poll/"


class Downstream:
    """Django's application, counting what reaches it."""

    def __init__(self) -> None:
        self.calls = 0
        self.django = WSGIHandler()

    def __call__(self, environ, start_response):
        self.calls += 1
        # as Django's test client does: the test's transaction keeps its connection open
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            return list(self.django(environ, start_response))
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


def environ(*, cookie="", etag=None, method="GET", path=POLL):
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT": "application/json",
        "HTTP_COOKIE": cookie,
        "wsgi.input": io.BytesIO(),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
    }
    if etag:
        env["HTTP_IF_NONE_MATCH"] = etag
    return env


def call(app, env):
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(headers)

    body = b"".join(app(env, start_response))
    return answer["status"], answer["headers"], body


@pytest.fixture
def session(client, supervisor):
    client.force_login(supervisor)
    client.get(POLL)  # the session is in the cache, as after any admin page
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


@pytest.fixture
def app():
    return UnchangedPollShortcut(Downstream())


def first_tag(app, session):
    status, headers, _ = call(app, environ(cookie=session))
    assert status == 200
    return headers["ETag"]


def test_an_unchanged_poll_is_304_before_django_with_no_query(
    app, session, django_assert_num_queries
):
    tag = first_tag(app, session)
    assert app.app.calls == 1
    with django_assert_num_queries(0):
        status, headers, body = call(app, environ(cookie=session, etag=tag))
    assert (status, headers["ETag"], body) == (304, tag, b"")
    assert app.app.calls == 1  # Django never saw it


def test_a_new_notification_goes_to_django_and_answers_in_full(app, session, supervisor):
    tag = first_tag(app, session)
    outbox.notify_in_app([supervisor], kind=InboxKind.ESCALATED, title="C-1 請求額が違う")
    live.bump([supervisor.pk])  # (the commit's bump: the test's transaction never commits)
    status, headers, _ = call(app, environ(cookie=session, etag=tag))
    assert status == 200 and headers["ETag"] != tag
    assert app.app.calls == 2


def test_another_users_tag_is_not_vouched_for(app, session, operator):
    foreign = live.etag(operator.pk)
    call(app, environ(cookie=session, etag=foreign))
    assert app.app.calls == 1


@pytest.mark.parametrize(
    "change",
    [
        {"cookie": ""},
        {"cookie": f"{settings.SESSION_COOKIE_NAME}=not-a-session-key-0000"},
        {"method": "HEAD"},
        {"path": "/notifications/read-all/"},
        {"etag": '"garbage"'},
        {"etag": "W/whatever"},
    ],
)
def test_what_it_cannot_vouch_for_goes_to_django(app, session, change):
    tag = first_tag(app, session)
    call(app, environ(**{"cookie": session, "etag": tag, **change}))
    assert app.app.calls == 2


def test_a_logged_out_session_goes_to_django_and_is_refused(app, session, client):
    tag = first_tag(app, session)
    client.logout()
    status, _, _ = call(app, environ(cookie=session, etag=tag))
    assert status == 403
    assert app.app.calls == 2
